# SPDX-License-Identifier: GPL-2.0-only
# The real-mode instruction emulator (vmm/emul/): hosted tests of its decoder, and of the emulator
# over a fake vCPU (tests/unit/test_emul_real.c fakes the exit handlers it calls).

$(eval $(call unit_test,test_emul_decode,tests/unit/test_emul_decode.c vmm/emul/decode.c))
$(eval $(call unit_test,test_emul_real,tests/unit/test_emul_real.c vmm/emul/real.c vmm/emul/decode.c))
