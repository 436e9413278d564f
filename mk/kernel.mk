# SPDX-License-Identifier: GPL-2.0-only
# keel.elf: every .c and .S of the kernel's directories, linked with arch/x86/kernel.ld and newlib.

KERNEL_DIRS     := arch/x86 kernel mm drivers vmm tests/ktest
KERNEL_SRCS     := $(sort $(shell find $(KERNEL_DIRS) \( -name '*.c' -o -name '*.S' \) -print \
			2>/dev/null))
KERNEL_OBJS     := $(patsubst %,$(BUILD)/obj/%.o,$(basename $(KERNEL_SRCS)))
KERNEL_LDSCRIPT := arch/x86/kernel.ld
KERNEL_LDFLAGS  := -nostdlib -static -z max-page-size=4096 -z noexecstack --no-dynamic-linker \
	--build-id=none

KERNEL_ELF := $(BUILD)/keel.elf
ALL_TARGETS += $(KERNEL_ELF)

$(BUILD)/obj/%.o: %.c | $(NEWLIB_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_ASFLAGS) -MMD -MP -c -o $@ $<

$(KERNEL_ELF): $(KERNEL_OBJS) $(KERNEL_LDSCRIPT) $(NEWLIB_LIB)
	$(LD) $(KERNEL_LDFLAGS) -T $(KERNEL_LDSCRIPT) -o $@ $(KERNEL_OBJS) $(NEWLIB_LIB)

.PHONY: kernel
kernel: $(KERNEL_ELF)

-include $(KERNEL_OBJS:.o=.d)

# The multiboot2 tag parser also builds hosted, for its unit test.
$(eval $(call unit_test,test_mb2,tests/unit/test_mb2.c arch/x86/boot/mb2.c))
