# SPDX-License-Identifier: GPL-2.0-only
# Boot tests through tools/harness: test-boot (QEMU+OVMF, loader failures, self-tests), test-bochs.

.PHONY: test-boot test-bochs

HARNESS      := tools/harness
TEST_KERNEL  := $(BUILD)/keel.elf
TEST_LOADER  := $(BUILD)/boot/BOOTX64.EFI
TEST_DIR     := $(BUILD)/harness-tests
RESULTS_DIR  := $(BUILD)/results
LOGS_DIR     := $(BUILD)/logs

# Upper bounds, not expectations: a good run ends as soon as the kernel powers off (QEMU TCG
# ktest=all in well under a minute, Bochs+GRUB ~15 s, Bochs+OVMF ~30 s). QEMU runs 4 vCPUs on
# 2 host cores: on a busy host the lock and epoch ktests slow down several times over.
# Worst case, every step hanging: about 23 minutes for test-boot and test-bochs together.
QEMU_TIMEOUT       ?= 300
LOADER_TIMEOUT     ?= 60
BOCHS_GRUB_TIMEOUT ?= 300
BOCHS_OVMF_TIMEOUT ?= 300

# $(call harness_step,RESULT-NAME,HARNESS-ARGS): one harness run; its failure does not stop make.
define harness_step
	-@echo "== $(1)"; $(HARNESS) --name $(1) --result-file $(RESULTS_DIR)/$(1).result \
		--log $(LOGS_DIR)/$(1).log --loader $(TEST_LOADER) $(2)
endef

# Loader failure images: no keel.elf; a keel.elf cut off after its headers; a bad config line.
$(TEST_DIR)/nokernel.img: $(TEST_LOADER) tools/mkimage.py
	@mkdir -p $(dir $@)
	tools/mkimage.py --out $@ --loader $(TEST_LOADER) --no-kernel --cmdline "ktest=all"

$(TEST_DIR)/truncated.elf: $(TEST_KERNEL)
	@mkdir -p $(dir $@)
	head -c 1024 $< > $@

$(TEST_DIR)/corrupt.img: $(TEST_LOADER) $(TEST_DIR)/truncated.elf tools/mkimage.py
	tools/mkimage.py --out $@ --loader $(TEST_LOADER) --kernel $(TEST_DIR)/truncated.elf \
		--cmdline "ktest=all"

$(TEST_DIR)/badcfg.img: $(TEST_LOADER) $(TEST_KERNEL) tools/mkimage.py
	@mkdir -p $(dir $@)
	tools/mkimage.py --out $@ --loader $(TEST_LOADER) --kernel $(TEST_KERNEL) \
		--cfg-text "$$(printf 'cmdline ktest=all\nfrobnicate on\n')"

BOOT_STEPS := boot-ktest boot-loader-nokernel boot-loader-corrupt boot-loader-badcfg \
	boot-selftest

test-boot: $(TEST_KERNEL) $(TEST_LOADER) $(TEST_DIR)/nokernel.img $(TEST_DIR)/corrupt.img \
		$(TEST_DIR)/badcfg.img
	@mkdir -p $(RESULTS_DIR) $(LOGS_DIR)
	@rm -f $(RESULTS_DIR)/boot-*.result
	$(call harness_step,boot-ktest,--rig qemu --kernel $(TEST_KERNEL) --cmdline "ktest=all" \
		--timeout $(QEMU_TIMEOUT))
	$(call harness_step,boot-loader-nokernel,--rig qemu --image $(TEST_DIR)/nokernel.img \
		--timeout $(LOADER_TIMEOUT) --expect-loader-error 'keel\.elf: not found')
	$(call harness_step,boot-loader-corrupt,--rig qemu --image $(TEST_DIR)/corrupt.img \
		--timeout $(LOADER_TIMEOUT) --expect-loader-error 'keel\.elf: .*outside the file')
	$(call harness_step,boot-loader-badcfg,--rig qemu --image $(TEST_DIR)/badcfg.img \
		--timeout $(LOADER_TIMEOUT) --expect-loader-error "keel\.cfg line 2: unknown key 'frobnicate'")
	-@echo "== boot-selftest"; $(PYTHON) tests/harness/run.py --result \
		$(RESULTS_DIR)/boot-selftest.result --kernel $(TEST_KERNEL) --loader $(TEST_LOADER) \
		--rig qemu > $(LOGS_DIR)/boot-selftest.log 2>&1; \
		status=$$?; tail -n 3 $(LOGS_DIR)/boot-selftest.log; \
		[ $$status -eq 0 ] || { grep -E '^(FAIL|ERROR):' $(LOGS_DIR)/boot-selftest.log; \
		echo "boot-selftest: failed, see $(LOGS_DIR)/boot-selftest.log"; exit 1; }
	@$(PYTHON) tools/harnesslib/results.py --label test-boot \
		$(patsubst %,$(RESULTS_DIR)/%.result,$(BOOT_STEPS))

BOCHS_STEPS := bochs-grub bochs-ovmf

test-bochs: $(TEST_KERNEL) $(TEST_LOADER)
	@mkdir -p $(RESULTS_DIR) $(LOGS_DIR)
	@rm -f $(RESULTS_DIR)/bochs-*.result
	$(call harness_step,bochs-grub,--rig bochs --kernel $(TEST_KERNEL) --cmdline "ktest=all" \
		--timeout $(BOCHS_GRUB_TIMEOUT))
	$(call harness_step,bochs-ovmf,--rig bochs-ovmf --kernel $(TEST_KERNEL) \
		--cmdline "ktest=all" --timeout $(BOCHS_OVMF_TIMEOUT))
	@$(PYTHON) tools/harnesslib/results.py --label test-bochs \
		$(patsubst %,$(RESULTS_DIR)/%.result,$(BOCHS_STEPS))
