# SPDX-License-Identifier: GPL-2.0-only
# `make iso`: a legacy-BIOS GRUB ISO that boots keel.elf through multiboot2 and runs every ktest.

KEEL_ISO := $(BUILD)/keel.iso
ISO_CMDLINE := ktest=all

.PHONY: iso
iso: $(KEEL_ISO)

$(KEEL_ISO): $(BUILD)/keel.elf tools/mkiso.sh
	tools/mkiso.sh $@ $< "$(ISO_CMDLINE)"
