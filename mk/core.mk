# SPDX-License-Identifier: GPL-2.0-only
# Hosted unit tests of the generic kernel core: command line, buddy allocator, kernel heap.

$(eval $(call unit_test,test_cmdline,tests/unit/test_cmdline.c kernel/cmdline.c))
$(eval $(call unit_test,test_buddy,tests/unit/test_buddy.c mm/buddy.c mm/memrange.c mm/memmap.c))
$(eval $(call unit_test,test_heap,tests/unit/test_heap.c mm/heap.c))
