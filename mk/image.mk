# SPDX-License-Identifier: GPL-2.0-only
# Disk images: `make image` (every ktest) and `make usb` (a normal boot, for a real USB stick).

LOADER_EFI    := $(BUILD)/boot/BOOTX64.EFI
KEEL_IMG      := $(BUILD)/keel.img
KEEL_USB_IMG  := $(BUILD)/keel-usb.img
IMAGE_CMDLINE := ktest=all
# No ktest: the hypervisor boots and runs the VMs keel.cfg names: the demo guest, on EPT.
USB_CMDLINE   ?=
USB_DEMO_ELF  := $(BUILD)/guests/demo.elf
USB_DEMO      := demo=$(USB_DEMO_ELF):mmu=ept mem=16
USB_MODULES   := --module '$(USB_DEMO)'
MKIMAGE       := $(PYTHON) tools/mkimage.py

.PHONY: image usb

image: $(KEEL_IMG)

$(KEEL_IMG): $(LOADER_EFI) $(BUILD)/keel.elf tools/mkimage.py
	$(MKIMAGE) --out $@ --loader $(LOADER_EFI) --kernel $(BUILD)/keel.elf \
		--cmdline '$(IMAGE_CMDLINE)'

usb: $(KEEL_USB_IMG)
	@echo "usb: $(KEEL_USB_IMG) is ready. Write it to a whole USB device (not a partition),"
	@echo "usb: after checking the device name with lsblk; everything on it is lost:"
	@echo "usb:   sudo dd if=$(KEEL_USB_IMG) of=/dev/sdX bs=4M conv=fsync status=progress"

$(KEEL_USB_IMG): $(LOADER_EFI) $(BUILD)/keel.elf $(USB_DEMO_ELF) tools/mkimage.py
	$(MKIMAGE) --out $@ --loader $(LOADER_EFI) --kernel $(BUILD)/keel.elf \
		--cmdline '$(USB_CMDLINE)' $(USB_MODULES)
