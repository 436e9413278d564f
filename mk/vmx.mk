# SPDX-License-Identifier: GPL-2.0-only
# VMX (arch/x86/vmx/): hosted tests of capability decoding, and a compile check of the kernel side.

VMX_PURE_SRCS := arch/x86/vmx/caps.c arch/x86/vmx/controls.c arch/x86/vmx/policy.c \
	arch/x86/vmx/vmcs_names.c

$(eval $(call unit_test,test_vmx_caps,tests/unit/test_vmx_caps.c $(VMX_PURE_SRCS)))

# `make vmx-objs` builds every kernel-side VMX object with the kernel's flags, so the code stays
# warning-free before keel.elf links it.
VMX_SRCS := $(sort $(wildcard arch/x86/vmx/*.c arch/x86/vmx/*.S))
VMX_OBJS := $(patsubst %,$(BUILD)/vmx-objs/%.o,$(basename $(VMX_SRCS)))

.PHONY: vmx-objs
vmx-objs: $(VMX_OBJS)

$(BUILD)/vmx-objs/%.o: %.c | $(NEWLIB_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/vmx-objs/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_ASFLAGS) -MMD -MP -c -o $@ $<

-include $(VMX_OBJS:.o=.d)
