/* SPDX-License-Identifier: GPL-2.0-only */
/* What a guest may load into CR0, CR3, CR4, CR8 and XCR0: the SDM's #GP conditions. */
#include <vmm/exit/policy.h>

#include <arch/msr.h>

/* CR0 bits that exist (SDM Vol. 3A, 2.5); writes to the others in 31:0 are ignored. */
#define CR0_DEFINED                                                                    \
	(X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | X86_CR0_ET | X86_CR0_NE | \
	 X86_CR0_WP | X86_CR0_AM | X86_CR0_NW | X86_CR0_CD | X86_CR0_PG)
#define CR0_LMSW_BITS (X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS)
#define CR8_TPR_MASK  0xfull /* CR8 bits 3:0 are the TPR, 63:4 reserved (SDM Vol. 3A, 2.5) */

/*
 * MOV to CR0 (SDM Vol. 2B, MOV to/from control registers, and Vol. 3A, 10.8.5 "Initializing
 * IA-32e Mode"): #GP for bits 63:32, PG without PE, NW without CD, turning paging on with
 * EFER.LME but CR4.PAE off, and turning it off in 64-bit mode. Turning paging on with LME
 * activates IA-32e mode (LMA = 1); turning it off from compatibility mode leaves it.
 */
bool cr0_write_valid(const struct cr_state *s, u64 val, u64 *out, u64 *efer_out)
{
	bool pg_on = !(s->cr0 & X86_CR0_PG) && (val & X86_CR0_PG);
	bool pg_off = (s->cr0 & X86_CR0_PG) && !(val & X86_CR0_PG);
	u64 efer = s->efer;

	if (val >> 32)
		return false;
	val = (val & CR0_DEFINED) | X86_CR0_ET;
	if ((val & X86_CR0_PG) && !(val & X86_CR0_PE))
		return false;
	if ((val & X86_CR0_NW) && !(val & X86_CR0_CD))
		return false;
	if (pg_on && (efer & EFER_LME)) {
		if (!(s->cr4 & X86_CR4_PAE))
			return false;
		efer |= EFER_LMA;
	}
	if (pg_off && (efer & EFER_LMA)) {
		if (s->mode64)
			return false;
		efer &= ~EFER_LMA;
	}
	*out = val;
	*efer_out = efer;
	return true;
}

/*
 * MOV to CR4: #GP for a bit the guest's CPUID does not offer (reserved, VMXE, SMXE, PCIDE, PKE
 * are never offered), for clearing PAE in IA-32e mode, and for changing LA57 in IA-32e mode.
 */
bool cr4_write_valid(const struct cr_state *s, u64 val, u64 *out)
{
	bool lma = s->efer & EFER_LMA;

	if (val & ~s->cr4_allowed)
		return false;
	if (lma && !(val & X86_CR4_PAE))
		return false;
	if (lma && ((val ^ s->cr4) & X86_CR4_LA57))
		return false;
	*out = val;
	return true;
}

/* MOV to CR3 in IA-32e mode: bits at or above MAXPHYADDR are reserved (no PCIDE, so bit 63 too). */
bool cr3_write_valid(const struct cr_state *s, u64 val)
{
	if (!(s->efer & EFER_LMA))
		return true;
	return !(val >> s->maxphyaddr);
}

bool cr8_write_valid(u64 val)
{
	return !(val & ~CR8_TPR_MASK);
}

u64 cr0_lmsw(u64 cr0, u16 src)
{
	return (cr0 & ~CR0_LMSW_BITS) | (src & CR0_LMSW_BITS) | (cr0 & X86_CR0_PE);
}

/*
 * XSETBV #GP(0): CPL > 0, an XCR other than XCR0, a bit the guest may not enable, x87 (bit 0)
 * clear, or AVX without SSE. (#UD when CR4.OSXSAVE = 0 is raised by the CPU before any exit.)
 */
bool xsetbv_faults(unsigned int cpl, u32 xcr, u64 val, u64 allowed)
{
	if (cpl != 0 || xcr != 0)
		return true;
	if (val & ~allowed)
		return true;
	if (!(val & XCR0_X87))
		return true;
	return (val & XCR0_AVX) && !(val & XCR0_SSE);
}
