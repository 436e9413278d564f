# SPDX-License-Identifier: GPL-2.0-only
# Locks and epoch-based deferred free: lock checking switch and their hosted unit tests.

# DEBUG_LOCKS=1 (default): every lock records its holder and catches self-deadlock (lock_debug.c).
DEBUG_LOCKS ?= 1
ifeq ($(DEBUG_LOCKS),1)
KERNEL_CFLAGS += -DKEEL_DEBUG_LOCKS
endif

$(eval $(call unit_test,test_epoch,tests/unit/test_epoch.c tests/unit/fake_panic.c \
	kernel/epoch_core.c))
$(eval $(call unit_test,test_locks,tests/unit/test_locks.c tests/unit/fake_panic.c \
	kernel/lock_debug.c))
$(BUILD)/unit/test_locks: HOST_CFLAGS += -DKEEL_DEBUG_LOCKS
