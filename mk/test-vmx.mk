# SPDX-License-Identifier: GPL-2.0-only
# test-guests: the guest kernels bare metal under QEMU; test-vmx: the same guests as Keel VMs.

.PHONY: test-guests test-vmx

# `make test` runs test-guests and test-vmx.
EXTRA_TEST_SUITES += guests vmx
EXTRA_TEST_TARGETS += test-guests test-vmx

# Bare metal: every guest booted by QEMU's multiboot loader (TCG), a few seconds in all.
test-guests: $(GUEST_ELFS)
	@mkdir -p $(BUILD)/results $(BUILD)/logs
	@rm -f $(BUILD)/results/guests-*.result
	-@$(PYTHON) $(GUEST_SRC)/run.py --guests $(GUEST_OUT) \
		--result $(BUILD)/results/guests-qemu.result --log-dir $(BUILD)/logs
	@$(PYTHON) tools/harnesslib/results.py --label test-guests $(BUILD)/results/guests-qemu.result

# Every guest is two VMs, <guest>-ept and <guest>-shadow; keel.cfg module words per guest_abi.h.
# NAME:GUEST:VM WORDS:GUEST COMMAND LINE, words joined by +, - for none, / for a ':' in a word.
# The guests are told mem= too (the words after -- are all they see).
VMX_GUESTS := \
	modes:modes:entry=real:- \
	paging32:paging32:-:- \
	paging64:paging64:-:- \
	faults32:faults32:-:- \
	faults64:faults64:-:- \
	churn:churn:unsync=on:bench=vmx.pte_write_exits_unsync \
	churn-wp:churn:unsync=off:bench=vmx.pte_write_exits_wp \
	exits:exits:-:- \
	hostile:hostile:-:- \
	hostile-absent:hostile:expect=stop/unhandled:case=absent \
	hostile-loop:hostile:expect=stop/budget+budget=200:case=loop \
	hostile-triple:hostile:expect=stop/triple_fault:case=triple

vmx_field = $(subst /,:,$(subst +, ,$(filter-out -,$(word $(2),$(subst :, ,$(1))))))
# mkimage.py keys modules by file name: each VM gets its own copy of its guest's image.
vmx_elf = $(GUEST_OUT)/vm/$(call vmx_name,$(1),$(2)).elf
vmx_words = $(strip mmu=$(2) mem=16 $(call vmx_field,$(1),3) -- mem=16 $(call vmx_field,$(1),4))
vmx_name = $(call vmx_field,$(1),1)-$(2)
vmx_module = --module \
	"$(call vmx_name,$(1),$(2))=$(call vmx_elf,$(1),$(2)):$(call vmx_words,$(1),$(2))"
# Keel takes at most 16 modules (BOOT_MODULES_MAX): one boot per MMU mode.
VMX_MODULES_ept    := $(foreach g,$(VMX_GUESTS),$(call vmx_module,$(g),ept))
VMX_MODULES_shadow := $(foreach g,$(VMX_GUESTS),$(call vmx_module,$(g),shadow))
# Side by side (Keel's vm_cpus=2 on Bochs's two CPUs): two batches of two VMs, both MMU modes.
VMX_PARALLEL := paging64:ept exits:shadow paging64:shadow exits:ept
vmx_parallel_row = $(filter $(word 1,$(subst :, ,$(1))):%,$(VMX_GUESTS))
VMX_MODULES_parallel := $(foreach v,$(VMX_PARALLEL),$(call vmx_module,$(call \
	vmx_parallel_row,$(v)),$(word 2,$(subst :, ,$(v)))))
VMX_CMDLINE_parallel := vm_cpus=2

define vmx_copy
VMX_ELFS += $(call vmx_elf,$(1),$(2))
$(call vmx_elf,$(1),$(2)): $(GUEST_OUT)/$(call vmx_field,$(1),2).elf
	@mkdir -p $$(dir $$@)
	cp $$< $$@
endef
$(foreach g,$(VMX_GUESTS),$(foreach m,ept shadow,$(eval $(call vmx_copy,$(g),$(m)))))

# The kernel command line that makes Keel run its VMs (vmx-run owns it; override when it changes).
VMX_CMDLINE       ?=
VMX_GRUB_TIMEOUT  ?= 600
VMX_OVMF_TIMEOUT  ?= 900

# mk/tests.mk (HARNESS) is read after this file: name the loader here, not through TEST_LOADER.
VMX_LOADER := $(BUILD)/boot/BOOTX64.EFI

VMX_STEPS := vmx-grub-ept vmx-ovmf-ept vmx-grub-shadow vmx-ovmf-shadow vmx-grub-parallel

# $(call vmx_step,RIG,MODE,TIMEOUT): one boot of Keel with that mode's VMs.
define vmx_step
	-@echo "== vmx-$(if $(filter bochs,$(1)),grub,ovmf)-$(2)"; \
		$(HARNESS) --rig $(1) --kernel $(KERNEL_ELF) --loader $(VMX_LOADER) \
		--cmdline "$(strip $(VMX_CMDLINE) $(VMX_CMDLINE_$(2)))" $(VMX_MODULES_$(2)) \
		--timeout $(3) \
		--name vmx-$(if $(filter bochs,$(1)),grub,ovmf)-$(2) \
		--result-file $(BUILD)/results/vmx-$(if $(filter bochs,$(1)),grub,ovmf)-$(2).result \
		--log $(BUILD)/logs/vmx-$(if $(filter bochs,$(1)),grub,ovmf)-$(2).log
endef

test-vmx: $(KERNEL_ELF) $(VMX_LOADER) $(VMX_ELFS)
	@mkdir -p $(BUILD)/results $(BUILD)/logs
	@rm -f $(BUILD)/results/vmx-*.result
	$(call vmx_step,bochs,ept,$(VMX_GRUB_TIMEOUT))
	$(call vmx_step,bochs-ovmf,ept,$(VMX_OVMF_TIMEOUT))
	$(call vmx_step,bochs,shadow,$(VMX_GRUB_TIMEOUT))
	$(call vmx_step,bochs-ovmf,shadow,$(VMX_OVMF_TIMEOUT))
	$(call vmx_step,bochs,parallel,$(VMX_GRUB_TIMEOUT))
	@$(PYTHON) tools/harnesslib/results.py --label test-vmx \
		$(patsubst %,$(BUILD)/results/%.result,$(VMX_STEPS))

# The EPT half of test-vmx alone: every guest as an mmu=ept VM, through GRUB and through OVMF,
# and the side-by-side step.
VMX_EPT_STEPS := vmx-grub-ept vmx-ovmf-ept vmx-grub-parallel
VMX_EPT_TIMEOUT ?= 300

.PHONY: test-vmx-ept
test-vmx-ept: $(KERNEL_ELF) $(VMX_LOADER) $(VMX_ELFS)
	@mkdir -p $(BUILD)/results $(BUILD)/logs
	@rm -f $(BUILD)/results/vmx-*.result
	$(call vmx_step,bochs,ept,$(VMX_EPT_TIMEOUT))
	$(call vmx_step,bochs-ovmf,ept,$(VMX_EPT_TIMEOUT))
	$(call vmx_step,bochs,parallel,$(VMX_EPT_TIMEOUT))
	@$(PYTHON) tools/harnesslib/results.py --label test-vmx-ept \
		$(patsubst %,$(BUILD)/results/%.result,$(VMX_EPT_STEPS))
