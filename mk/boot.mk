# SPDX-License-Identifier: GPL-2.0-only
# The UEFI loader: boot/*.c built with clang against GNU-EFI into $(BUILD)/boot/BOOTX64.EFI.

EFI_INC  := /usr/include/efi
EFI_LIB  := /usr/lib
EFI_CRT0 := $(EFI_LIB)/crt0-efi-x86_64.o
EFI_LDS  := $(EFI_LIB)/elf_x86_64_efi.lds
# ld.bfd, not lld: lld puts .rela.dyn ahead of .text, inside what becomes the PE header.
EFI_LD   := ld.bfd

# The x86-64 EFI ABI: position-independent code relocated by gnu-efi's _relocate, 16-bit wchar_t,
# no red zone (firmware interrupts run on our stack), no SSE. clang always reserves outgoing
# argument space in the frame, which is what GCC's -maccumulate-outgoing-args asks for.
# GNU_EFI_USE_MS_ABI makes EFIAPI ms_abi, so firmware calls need no wrapper.
EFI_CFLAGS = --target=x86_64-unknown-linux-gnu -std=gnu11 -O2 -g \
	-ffreestanding -fpic -fvisibility=hidden -fshort-wchar -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-strict-aliasing -fno-builtin \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
	-nostdinc -isystem $(CLANG_RES)/include -isystem $(EFI_INC) -isystem $(EFI_INC)/x86_64 \
	-Iinclude -Iarch/x86/include -I. -DGNU_EFI_USE_MS_ABI -DKEEL_EFI
EFI_LDFLAGS = -nostdlib -shared -Bsymbolic -znocombreloc --no-undefined -T $(EFI_LDS)

BOOT_SRCS := $(wildcard boot/*.c)
# The kernel's polled 16550 driver is self-contained and serves the loader's COM1 output too.
BOOT_OBJS := $(patsubst boot/%.c,$(BUILD)/boot/%.o,$(BOOT_SRCS)) $(BUILD)/boot/handoff.o \
	$(BUILD)/boot/uart16550.o

$(BUILD)/boot/%.o: boot/%.c
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/boot/uart16550.o: drivers/uart16550.c
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/boot/handoff.o: boot/handoff.S
	@mkdir -p $(dir $@)
	$(CC) --target=x86_64-unknown-linux-gnu -fpic -c -o $@ $<

$(BUILD)/boot/loader.so: $(BOOT_OBJS) $(EFI_CRT0) $(EFI_LDS) mk/boot.mk
	$(EFI_LD) $(EFI_LDFLAGS) -o $@ $(EFI_CRT0) $(BOOT_OBJS) -L$(EFI_LIB) -lefi -lgnuefi

# Only the sections the PE image needs; .rela* carries lld's .rela.dyn, which _relocate applies.
$(BUILD)/boot/BOOTX64.EFI: $(BUILD)/boot/loader.so
	$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j '.rel*' -j .reloc \
		--target efi-app-x86_64 --subsystem=10 $< $@

ALL_TARGETS += $(BUILD)/boot/BOOTX64.EFI

-include $(BOOT_OBJS:.o=.d)

$(eval $(call unit_test,test_cfg,tests/unit/test_cfg.c boot/cfg.c boot/fmt.c))
$(eval $(call unit_test,test_elf,tests/unit/test_elf.c boot/elf.c boot/fmt.c))
