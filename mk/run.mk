# SPDX-License-Identifier: GPL-2.0-only
# make run: boot Keel with the demo guest as its VM on the best local rig, console on the terminal.

# Both rigs run the USB image's kernel command line and demo VM (mk/image.mk).
RUN_IMAGE      := $(KEEL_USB_IMG)
RUN_KVM_NESTED := /sys/module/kvm_intel/parameters/nested

# VMX for the guest comes from QEMU/KVM nested (-cpu host,+vmx: a usable /dev/kvm, a host CPU
# with VMX, kvm_intel with nesting on), booting the USB image through OVMF; anywhere else from
# Bochs, booting keel.elf and the demo through GRUB (reaches the guest in a few seconds).
run: deps $(RUN_IMAGE)
	@why=; \
	if [ ! -e /dev/kvm ]; then why="no /dev/kvm"; \
	elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then why="/dev/kvm is not usable by $$(id -un)"; \
	elif ! grep -qw vmx /proc/cpuinfo; then why="the host CPU has no VMX"; \
	elif [ -r $(RUN_KVM_NESTED) ] && ! grep -qx '[Y1]' $(RUN_KVM_NESTED); then \
		why="kvm_intel has nesting off ($(RUN_KVM_NESTED))"; fi; \
	if [ -z "$$why" ]; then \
		echo "run: rig qemu-kvm (nested VMX: /dev/kvm works and the host CPU has VMX)," \
			"booting $(RUN_IMAGE) with the demo VM; Ctrl-C stops it"; \
		exec tools/harness --rig qemu-kvm --image $(RUN_IMAGE) --interactive; \
	fi; \
	echo "run: rig bochs (no QEMU/KVM nested VMX: $$why), booting $(KERNEL_ELF)" \
		"with the demo VM; Ctrl-C stops it"; \
	exec tools/harness --rig bochs --kernel $(KERNEL_ELF) --cmdline '$(USB_CMDLINE)' \
		$(USB_MODULES) --interactive
