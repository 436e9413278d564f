/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-CPU GDT and 64-bit TSS, with separate stacks for #DF, NMI and #MC. */
#include <arch/desc.h>
#include <string.h>

/*
 * A 64-bit TSS descriptor is two GDT slots (SDM Vol. 3A, 9.2.3, figure 9-4): base 31:0 and limit
 * 19:0 scattered over the first quadword the same way as in a segment descriptor, base 63:32 in
 * the second.
 */
static void set_tss_desc(u64 *slot, const struct tss64 *tss)
{
	u64 base = (u64)tss;
	u64 limit = sizeof(*tss) - 1;

	slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		  ((u64)(SYS_DESC_P | SYS_DESC_TSS_AVAIL) << 40) | (((limit >> 16) & 0xf) << 48) |
		  (((base >> 24) & 0xff) << 56);
	slot[1] = base >> 32;
}

static void load_segments(const u64 *gdt)
{
	struct desc_ptr ptr = { .limit = GDT_ENTRIES * sizeof(u64) - 1, .base = (u64)gdt };

	__asm__ volatile("lgdt %0" : : "m"(ptr) : "memory");
	/* Reload CS with a far return to the next instruction, then the data segments. */
	__asm__ volatile("pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %[ds], %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs"
			 :
			 : [cs] "i"(GDT_KERNEL_CS), [ds] "i"(GDT_KERNEL_DS)
			 : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"(GDT_TSS));
}

void cpu_tables_load(struct cpu_tables *ct)
{
	unsigned int i;

	memset(ct->gdt, 0, sizeof(ct->gdt));
	ct->gdt[GDT_KERNEL_CS / 8] = SEG_DESC_KERNEL_CODE64;
	ct->gdt[GDT_KERNEL_DS / 8] = SEG_DESC_KERNEL_DATA;
	set_tss_desc(&ct->gdt[GDT_TSS / 8], &ct->tss);

	memset(&ct->tss, 0, sizeof(ct->tss));
	for (i = 0; i < IST_COUNT; i++)
		ct->tss.ist[i] = (u64)&ct->ist_stacks[i][IST_STACK_SIZE];
	ct->tss.iomap_base = sizeof(ct->tss); /* no I/O permission bitmap */

	load_segments(ct->gdt);
}
