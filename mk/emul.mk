# SPDX-License-Identifier: GPL-2.0-only
# The real-mode instruction emulator (vmm/emul/): hosted tests of its decoder.

$(eval $(call unit_test,test_emul_decode,tests/unit/test_emul_decode.c vmm/emul/decode.c))
