# SPDX-License-Identifier: GPL-2.0-only
# The guest page-table walker: its differential unit test and its libFuzzer target.

WALK_TEST_SRCS := vmm/mmu/walk.c tests/unit/mmu/guest_mem.c tests/unit/mmu/ref_walk.c \
	tests/unit/mmu/walk_check.c

$(eval $(call unit_test,test_walk,tests/unit/test_walk.c $(WALK_TEST_SRCS)))

# `make fuzz-walk FUZZ_SECONDS=N`: builds $(BUILD)/fuzz/fuzz_walk and runs it for N seconds.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=gnu11 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -Iinclude -Iarch/x86/include -I. -Itests/unit -DKEEL_HOSTED

$(BUILD)/fuzz/fuzz_walk: tests/fuzz/fuzz_walk.c $(WALK_TEST_SRCS)
	@mkdir -p $(dir $@) $(BUILD)/fuzz/corpus-walk
	$(HOST_CC) $(FUZZ_CFLAGS) -MMD -MP -MF $@.d -o $@ $(filter %.c,$^)
-include $(BUILD)/fuzz/fuzz_walk.d

.PHONY: fuzz-walk
fuzz-walk: $(BUILD)/fuzz/fuzz_walk
	$(BUILD)/fuzz/fuzz_walk -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		$(BUILD)/fuzz/corpus-walk
