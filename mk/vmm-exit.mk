# SPDX-License-Identifier: GPL-2.0-only
# Exit handlers (vmm/exit/) and emulated devices (vmm/dev/): hosted tests of their pure rules and
# a freestanding compile check of every file as the kernel builds it.

$(eval $(call unit_test,test_vdev_uart,tests/unit/test_vdev_uart.c vmm/dev/uart16550.c))
$(eval $(call unit_test,test_exit_cpuid,tests/unit/test_exit_cpuid.c vmm/exit/cpuid_filter.c))
$(eval $(call unit_test,test_exit_msr,tests/unit/test_exit_msr.c vmm/exit/msr_policy.c \
	vmm/exit/cpuid_filter.c))
$(eval $(call unit_test,test_exit_cr,tests/unit/test_exit_cr.c vmm/exit/cr_rules.c))
$(eval $(call unit_test,test_exit_hypercall,tests/unit/test_exit_hypercall.c vmm/exit/hypercall.c))

VMM_EXIT_KERNEL_OBJS := $(patsubst %.c,$(BUILD)/vmm-exit-kernel/%.o,\
	$(wildcard vmm/exit/*.c vmm/dev/*.c))
$(BUILD)/vmm-exit-kernel/%.o: %.c | $(NEWLIB_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c -o $@ $<
-include $(VMM_EXIT_KERNEL_OBJS:.o=.d)

.PHONY: vmm-exit-kernel-check
vmm-exit-kernel-check: $(VMM_EXIT_KERNEL_OBJS)
