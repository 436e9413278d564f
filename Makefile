# SPDX-License-Identifier: GPL-2.0-only
# Keel's only entry point: all, run, test, test-unit, test-boot, test-bochs, image, iso, usb, bench.

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules
# Quiet unless V=1: only warnings, errors and test output reach the terminal.
ifeq ($(V),)
MAKEFLAGS += --silent
endif

include mk/config.mk
# newlib first: other fragments name $(NEWLIB_LIB) in their rules' prerequisites.
include mk/newlib.mk
-include $(sort $(filter-out mk/config.mk mk/newlib.mk,$(wildcard mk/*.mk)))

.PHONY: all deps run test test-unit bench fuzz clean

deps:
	@tools/deps.sh

all: $(ALL_TARGETS)

# Every suite writes build/results/<suite>*.result; `suite.py total` sums them into one closing line
# and fails when a suite that should have run left no result (it crashed or did not build).
TEST_SUITES := unit boot bochs $(EXTRA_TEST_SUITES)

test: deps
	@rm -rf $(BUILD)/results
	-@$(MAKE) --no-print-directory test-unit
	-@$(MAKE) --no-print-directory test-boot
	-@$(MAKE) --no-print-directory test-bochs
	-@for t in $(EXTRA_TEST_TARGETS); do $(MAKE) --no-print-directory $$t; done
	@$(PYTHON) tools/suite.py total --results-dir $(BUILD)/results --expect "$(TEST_SUITES)"

test-unit: $(UNIT_TESTS)
	@$(PYTHON) tools/suite.py unit --result $(BUILD)/results/unit.result $(UNIT_TESTS)

bench: $(BENCH_PROGS) $(BENCH_DEPS)
	@$(PYTHON) tools/suite.py bench --out $(BUILD)/bench.txt $(BENCH_ARGS) $(BENCH_PROGS)

clean:
	rm -rf $(BUILD)
