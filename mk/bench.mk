# SPDX-License-Identifier: GPL-2.0-only
# make bench's emulator figures (SMP ktests and VMX guests, Keel under Bochs) and bench-record.

# Fragments read after this one (kernel.mk, guests.mk, test-vmx.mk, tests.mk) define KERNEL_ELF,
# VMX_GUESTS, vmx_module and TEST_LOADER: every variable here is recursive, expanded only when
# the top-level Makefile reads BENCH_DEPS and BENCH_ARGS, after all fragments.

BENCH_FIGURES := tools/bench/figures.py
BENCH_RIG      = $(PYTHON) tools/bench/rig.py
BENCH_TIMEOUT ?= 300

# SMP (issue 4): the ktests that print `# bench smp.*` diagnostics, on Bochs's 2 CPUs.
BENCH_SMP_KTESTS := smp_ipi,tlb_shootdown,epoch_grace_period_idle
BENCH_RUN_smp = $(BENCH_RIG) --log $(BUILD)/logs/bench-smp.log -- --rig bochs --smp 2 \
	--kernel $(KERNEL_ELF) --loader $(TEST_LOADER) --cmdline "ktest=$(BENCH_SMP_KTESTS)" \
	--timeout $(BENCH_TIMEOUT) --name bench-smp

# VMX (issue 5): VMs as ROW:MODE, ROW a row of VMX_GUESTS in mk/test-vmx.mk, so the module words
# and churn's bench= names are written once, there. exits: the exit round trips (EPT; they do
# not depend on the MMU mode); churn/churn-wp: exits for the PTE-rewrite workload with unsync on
# and off, in shadow mode, the only mode where guest PTE writes can exit.
BENCH_VMX_VMS := exits:ept churn:shadow churn-wp:shadow
bench_vm_word = $(word $(2),$(subst :, ,$(1)))
bench_vm_row = $(filter $(call bench_vm_word,$(1),1):%,$(VMX_GUESTS))
bench_vm_module = $(call vmx_module,$(call bench_vm_row,$(1)),$(call bench_vm_word,$(1),2))
bench_vm_elf = $(call vmx_elf,$(call bench_vm_row,$(1)),$(call bench_vm_word,$(1),2))

# The faultin guest (tests/guests/faultin/), bench only: one VM per MMU mode, named faultin-MODE,
# timing first touches of PAGES pages from 16 MiB on, one every STRIDE KiB; mem= is 16 MiB + the
# pages' span + the top 2 MiB (the command line). A shadow fault does not care where its frame
# lies: the shadow VM packs 256 pages. EPT maps 2 MiB where it can, so the EPT VM needs a 2 MiB
# region per page: 128 pages make a 274 MiB VM.
# MODE:FIGURE:STRIDE:PAGES; the figure's name reaches the guest as bench=.
BENCH_FAULTIN_VMS := shadow:vmx.shadow_fault:4:256 ept:vmx.ept_violation:2048:128
bench_faultin_mem = $(shell echo $$((16 + ($(2) * $(1) + 1023) / 1024 + 2)))
# $(BUILD)/guests is GUEST_OUT (mk/guests.mk, read after this file): rule targets expand now.
bench_faultin_elf = $(BUILD)/guests/vm/faultin-$(1).elf
bench_faultin_module = --module "faultin-$(1)=$(call bench_faultin_elf,$(1)):mmu=$(1) \
	mem=$(call bench_faultin_mem,$(3),$(4)) -- mem=$(call bench_faultin_mem,$(3),$(4)) \
	pages=$(4) stride=$(3) bench=$(2)"
bench_faultin_vm = $(call bench_faultin_module,$(call bench_vm_word,$(1),1),$(call \
	bench_vm_word,$(1),2),$(call bench_vm_word,$(1),3),$(call bench_vm_word,$(1),4))
$(BUILD)/guests/vm/faultin-%.elf: $(BUILD)/guests/faultin.elf
	@mkdir -p $(dir $@)
	cp $< $@

BENCH_RUN_vmx = $(BENCH_RIG) --log $(BUILD)/logs/bench-vmx.log -- --rig bochs --smp 2 \
	--kernel $(KERNEL_ELF) --loader $(VMX_LOADER) --cmdline "$(VMX_CMDLINE)" \
	$(foreach v,$(BENCH_FAULTIN_VMS),$(call bench_faultin_vm,$(v))) \
	$(foreach v,$(BENCH_VMX_VMS),$(call bench_vm_module,$(v))) \
	--timeout $(BENCH_TIMEOUT) --name bench-vmx

BENCH_RUNS := smp vmx
BENCH_DEPS += $(KERNEL_ELF) $(TEST_LOADER) $(VMX_LOADER) \
	$(foreach v,$(BENCH_VMX_VMS),$(call bench_vm_elf,$(v))) \
	$(foreach v,$(BENCH_FAULTIN_VMS),$(call bench_faultin_elf,$(call bench_vm_word,$(v),1))) \
	tools/bench/rig.py $(BENCH_FIGURES)
BENCH_ARGS = --figures $(BENCH_FIGURES) $(foreach r,$(BENCH_RUNS),--run '$(r)=$(BENCH_RUN_$(r))')

# `make bench-record`: run `make bench` (timed) and rewrite docs/performance.md from its table,
# a failing run included: the table of record shows what is missing.
.PHONY: bench-record
bench-record:
	@$(PYTHON) tools/bench/record.py --table $(BUILD)/bench.txt --out docs/performance.md \
		--command "make BUILD=$(BUILD) bench" --inputs "$(BENCH_PROGS) $(BENCH_DEPS)" \
		-- $(MAKE) --no-print-directory BUILD=$(BUILD) bench
