# SPDX-License-Identifier: GPL-2.0-only
# make run: boot the USB image on the best local rig with the console on the terminal.

# The image `make usb` writes: no ktest, a normal boot with the default command line.
RUN_IMAGE := $(BUILD)/keel-usb.img

# qemu-kvm (nested VMX, -cpu host,+vmx) needs a usable /dev/kvm and an Intel host with VMX;
# anywhere else QEMU's TCG runs the same image, without VMX.
run: deps $(RUN_IMAGE)
	@if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qw vmx /proc/cpuinfo; then \
		rig=qemu-kvm; else rig=qemu; fi; \
	echo "run: $(RUN_IMAGE) on rig $$rig; Ctrl-C stops it"; \
	exec tools/harness --rig $$rig --image $(RUN_IMAGE) --interactive
