/* SPDX-License-Identifier: GPL-2.0-only */
/* The MMU unit tests' fixture: set-up and teardown of one VM, and a guest page mapper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fake_platform.h"
#include "fixture.h"
#include "mmu_check.h"

struct mmu_fixture env;

void fixture_start_tdp(u64 slot_pages, u64 host_base)
{
	fake_platform_reset();
	assert_int_equal(mmu_vm_init(&env.vm, MMU_MODE_TDP), MMU_OK);
	assert_int_equal(mmu_memslot_add(&env.vm, 0, 0, slot_pages, host_base, 0), MMU_OK);
	mmu_vcpu_init(&env.vcpu, &env.vm, 0, NULL, NULL);
}

void fixture_start_shadow(enum guest_paging_mode mode, u64 ram_frames, u64 host_base)
{
	struct guest_mem_access mem;

	fake_platform_reset();
	env.gm = guest_mem_create(ram_frames);
	assert_true(gpt_init(&env.gpt, env.gm, mode));
	memset(&env.st, 0, sizeof(env.st));
	env.st.cr0 = X86_CR0_PG | X86_CR0_PE | X86_CR0_WP;
	env.st.maxphyaddr = 46;
	if (mode != GUEST_PAGING_32)
		env.st.cr4 = X86_CR4_PAE;
	if (mode >= GUEST_PAGING_4LEVEL)
		env.st.efer = EFER_LME | EFER_LMA | EFER_NXE;
	if (mode == GUEST_PAGING_5LEVEL)
		env.st.cr4 |= X86_CR4_LA57;
	env.st.cr3 = gpt_cr3(&env.gpt, 0);
	assert_int_equal(mmu_vm_init(&env.vm, MMU_MODE_SHADOW), MMU_OK);
	assert_int_equal(mmu_memslot_add(&env.vm, 0, 0, ram_frames, host_base, 0), MMU_OK);
	mem = guest_mem_access_of(env.gm);
	mmu_vcpu_init(&env.vcpu, &env.vm, 0, &env.st, &mem);
}

int fixture_teardown(void **state)
{
	assert_int_equal(mmu_check_vm(&env.vm), 0);
	mmu_vcpu_destroy(&env.vcpu);
	mmu_vm_destroy(&env.vm);
	fake_grace_period();
	assert_int_equal(fake.live_tables, 0);
	assert_int_equal(fake.live_objects, 0);
	if (env.gm)
		guest_mem_destroy(env.gm);
	env.gm = NULL;
	return 0;
}

u64 fixture_map(u64 gva, u64 gfn, u64 flags)
{
	assert_true(gpt_map(&env.gpt, gva, 1, (gfn << 12) | flags, TABLE_FLAGS));
	return gpt_entry_gpa(&env.gpt, gva, 1);
}
