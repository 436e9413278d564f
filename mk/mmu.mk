# SPDX-License-Identifier: GPL-2.0-only
# The guest MMU core: its unit tests, model test, fuzz target, benchmark and kernel compile check.

MMU_CORE_SRCS := $(filter-out vmm/mmu/walk%.c,$(wildcard vmm/mmu/*.c))
MMU_LIB_SRCS := $(MMU_CORE_SRCS) vmm/mmu/walk.c tests/unit/mmu/fake_platform.c
MMU_MODEL_SRCS := tests/unit/mmu/model.c tests/unit/mmu/model_tdp.c tests/unit/mmu/mmu_check.c \
	tests/unit/mmu/guest_mem.c tests/unit/mmu/ref_walk.c
# The set-up shared by the TDP, shadow and write-window unit tests (tests/unit/mmu/fixture.h).
MMU_FIXTURE_SRCS := tests/unit/mmu/fixture.c tests/unit/mmu/mmu_check.c tests/unit/mmu/guest_mem.c

$(eval $(call unit_test,test_mmu_pte_list,tests/unit/test_mmu_pte_list.c $(MMU_LIB_SRCS)))
$(eval $(call unit_test,test_mmu_tdp,tests/unit/test_mmu_tdp.c $(MMU_FIXTURE_SRCS) \
	$(MMU_LIB_SRCS)))
$(eval $(call unit_test,test_mmu_shadow,tests/unit/test_mmu_shadow.c $(MMU_FIXTURE_SRCS) \
	$(MMU_LIB_SRCS)))
$(eval $(call unit_test,test_mmu_write_window,tests/unit/test_mmu_write_window.c \
	$(MMU_FIXTURE_SRCS) $(MMU_LIB_SRCS)))
$(eval $(call unit_test,test_mmu_model,tests/unit/test_mmu_model.c $(MMU_MODEL_SRCS) \
	$(MMU_LIB_SRCS)))

# The MMU core must build freestanding, as the kernel builds it.
MMU_KERNEL_OBJS := $(patsubst %.c,$(BUILD)/mmu-kernel/%.o,$(MMU_CORE_SRCS))
$(BUILD)/mmu-kernel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c -o $@ $<

.PHONY: mmu-kernel-check
mmu-kernel-check: $(MMU_KERNEL_OBJS)

# `make fuzz-mmu FUZZ_SECONDS=N`: op sequences for the model, under ASan and UBSan.
MMU_FUZZ_CFLAGS := -std=gnu11 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -Iinclude -Iarch/x86/include -I. -Itests/unit -DKEEL_HOSTED
FUZZ_SECONDS ?= 60

# One -MF file cannot list the headers of several sources: depend on every MMU header instead.
MMU_HEADERS := $(wildcard vmm/mmu/*.h tests/unit/mmu/*.h include/keel/*.h)

$(BUILD)/fuzz/fuzz_mmu: tests/fuzz/fuzz_mmu.c $(MMU_MODEL_SRCS) $(MMU_LIB_SRCS) $(MMU_HEADERS)
	@mkdir -p $(dir $@) $(BUILD)/fuzz/corpus-mmu
	$(HOST_CC) $(MMU_FUZZ_CFLAGS) -o $@ $(filter %.c,$^)

.PHONY: fuzz-mmu
fuzz-mmu: $(BUILD)/fuzz/fuzz_mmu
	$(BUILD)/fuzz/fuzz_mmu -max_total_time=$(FUZZ_SECONDS) -max_len=4096 $(BUILD)/fuzz/corpus-mmu

# Instruction counts under callgrind (no sanitizers: they would be counted too; DWARF 4 for
# the valgrind in Debian 12).
MMU_BENCH_CFLAGS := -std=gnu11 -O2 -gdwarf-4 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -Iinclude -Iarch/x86/include -I. -Itests/unit -DKEEL_HOSTED

$(BUILD)/bench/mmu_bench: tests/bench/mmu_bench.c tests/unit/mmu/guest_mem.c $(MMU_LIB_SRCS) \
	$(MMU_HEADERS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(MMU_BENCH_CFLAGS) -o $@ $(filter %.c,$^)

$(eval $(call bench_prog,$(BUILD)/bench/mmu_bench))

