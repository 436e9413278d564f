/* SPDX-License-Identifier: GPL-2.0-only */
/* The ABI between Keel and its guests: ports, hypercalls, entry state, VM options. */
#ifndef KEEL_GUEST_ABI_H
#define KEEL_GUEST_ABI_H

/*
 * Shared by the hypervisor (vmm/) and the freestanding guest test kernels (tests/guests/), so it
 * holds only plain constants: no Keel types, usable from C and assembly.
 *
 * Devices every guest sees:
 *   COM1 at 0x3f8: a 16550 UART. Bytes written to THR go to Keel's console, one line at a time,
 *   prefixed with "[<vm name>] ". LSR always reports the transmitter empty.
 *   Debug-exit at 0xf4: a 32-bit OUT of value v ends the VM with exit status v.
 *
 * Hypercalls: VMCALL with the number in (E/R)AX and arguments in (E/R)BX, CX, DX, SI; the
 * result comes back in (E/R)AX (negative: an error, KEEL_HC_E*). Any other register is preserved.
 *
 * Entry state (module command line `entry=`):
 *   prot32 (default): 32-bit protected mode, flat 4 GiB code and data segments, paging off,
 *     interrupts off, EIP = the ELF entry point, EBX = guest-physical address of the command line
 *     (NUL-terminated), ESP = 0 (the guest sets up its own stack).
 *   real: real mode, CS:IP = 0:entry (entry below 64 KiB), other registers as for prot32.
 * The image is an ELF32 or ELF64 executable whose PT_LOAD segments are placed at their p_paddr
 * in guest-physical memory, which starts at 0 and is `mem=` MiB large.
 *
 * Every keel.cfg module is a VM. Its command line holds these words (defaults in brackets):
 *   mmu=ept|shadow [ept]  mem=<MiB> [16]  entry=prot32|real [prot32]  unsync=on|off [on]
 *   expect=exit:<status>|stop:<reason> [exit:0]  budget=<guest instructions in millions> [2000]
 *   anything else after `--` is passed to the guest as its command line.
 * Keel reports each VM as one KTAP result "ok N <vm name>" when the VM ended as expected.
 */

#define KEEL_GUEST_COM1_PORT	   0x3f8
#define KEEL_GUEST_DEBUG_EXIT_PORT 0xf4

#define KEEL_HC_NOP	    0 /* returns 0: for round-trip measurement */
#define KEEL_HC_PRINT	    1 /* BX = guest-physical address, CX = length: write to the console */
#define KEEL_HC_EXIT	    2 /* BX = status: ends the VM */
#define KEEL_HC_EXIT_COUNT  3 /* BX = KEEL_EXIT_COUNT_*: returns this VM's count of such exits */
#define KEEL_HC_RESET_COUNT 4 /* zeroes this VM's exit counters */

#define KEEL_EXIT_COUNT_ALL	    0
#define KEEL_EXIT_COUNT_PAGE_FAULT  1 /* #PF intercepts (shadow) and EPT violations (ept) */
#define KEEL_EXIT_COUNT_CR_ACCESS   2
#define KEEL_EXIT_COUNT_INVLPG	    3

#define KEEL_HC_EINVAL (-22) /* bad argument */
#define KEEL_HC_ENOSYS (-38) /* no such hypercall */

#endif
