// SPDX-License-Identifier: GPL-2.0-only
/* The guest library's C half: console, KTAP runner, boot information, CPU features, traps. */
#include "guest.h"

/* ---- console ---- */

/* A 16550 needs no setup to transmit; LSR.THRE is polled a bounded number of times. */
static void putc_com1(char c)
{
	for (int i = 0; i < 100000; i++) {
		if (inb(KEEL_GUEST_COM1_PORT + UART_LSR) & UART_LSR_THRE)
			break;
	}
	outb(KEEL_GUEST_COM1_PORT + UART_THR, (u8)c);
}

void putstr(const char *s)
{
	while (*s)
		putc_com1(*s++);
}

struct outbuf {
	char *p;
	size_t left;
	int len;
};

static void out_c(struct outbuf *o, char c)
{
	if (o->left > 1) {
		*o->p++ = c;
		o->left--;
	}
	o->len++;
}

/* v /= base, returning the remainder: bit by bit, so 32-bit builds need no libgcc. */
static u32 divmod(u64 *v, u32 base)
{
	u64 q = 0, r = 0;

	for (int bit = 63; bit >= 0; bit--) {
		r = (r << 1) | ((*v >> bit) & 1);
		if (r >= base) {
			r -= base;
			q |= 1ull << bit;
		}
	}
	*v = q;
	return (u32)r;
}

static void out_num(struct outbuf *o, u64 v, int base, int width, char pad, bool neg)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[divmod(&v, base)];
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		out_c(o, pad);
	while (n)
		out_c(o, tmp[--n]);
}

/* %s %c %d %u %x %p with optional 0-padding, width and l/ll/z length. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct outbuf o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			out_c(&o, *fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0, lng = 0;

		if (*fmt == '0')
			pad = *fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		u64 v;

		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);

			s = s ? s : "(null)";
			for (int n = (int)strlen(s); width-- > n;)
				out_c(&o, ' ');
			while (*s)
				out_c(&o, *s++);
			break;
		}
		case 'c':
			out_c(&o, (char)va_arg(ap, int));
			break;
		case 'd': {
			int64_t s = lng >= 2   ? va_arg(ap, long long)
				    : lng == 1 ? va_arg(ap, long)
					       : va_arg(ap, int);

			out_num(&o, s < 0 ? -(u64)s : (u64)s, 10, width, pad, s < 0);
			break;
		}
		case 'u':
		case 'x':
			v = lng >= 2   ? va_arg(ap, unsigned long long)
			    : lng == 1 ? va_arg(ap, unsigned long)
				       : va_arg(ap, unsigned int);
			out_num(&o, v, *fmt == 'u' ? 10 : 16, width, pad, false);
			break;
		case 'p':
			out_c(&o, '0');
			out_c(&o, 'x');
			out_num(&o, (uintptr_t)va_arg(ap, void *), 16, width, pad, false);
			break;
		case '%':
			out_c(&o, '%');
			break;
		default:
			out_c(&o, '?');
			break;
		}
	}
	if (size)
		*o.p = 0;
	return o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);

	va_end(ap);
	return n;
}

static void vprintf(const char *fmt, va_list ap)
{
	char buf[256];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	putstr(buf);
}

void printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/* ---- memory and strings (clang may emit calls to the first three) ---- */

void *memset(void *d, int c, size_t n)
{
	u8 *p = d;

	while (n--)
		*p++ = (u8)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *p = d;
	const u8 *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *p = a, *q = b;

	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p - *q;
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b || !*a)
			return (u8)*a - (u8)*b;
	}
	return 0;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	unsigned long v = 0;

	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	}
	if (base == 0)
		base = 10;
	for (;; s++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (d >= base)
			break;
		v = v * base + d;
	}
	if (end)
		*end = (char *)s;
	return v;
}

/* ---- boot information ---- */

extern u32 boot_magic, boot_info;
static char cmdline_buf[256];
static u64 multiboot_mem;

struct mb1_info {
	u32 flags;
	u32 mem_lower; /* KiB below 1 MiB */
	u32 mem_upper; /* KiB above 1 MiB */
	u32 boot_device;
	u32 cmdline;
};

static void copy_cmdline(uintptr_t pa)
{
	const char *s = (const char *)pa;
	size_t i;

	for (i = 0; pa && s[i] && i < sizeof(cmdline_buf) - 1; i++)
		cmdline_buf[i] = s[i];
	cmdline_buf[i] = 0;
}

/* Keel hands over EBX = the command line; a multiboot loader EBX = its information. */
static void read_boot_info(void)
{
	if (boot_magic != MB1_BOOT_MAGIC) {
		copy_cmdline(boot_info);
		return;
	}
	const struct mb1_info *mbi = (const struct mb1_info *)(uintptr_t)boot_info;

	if (mbi->flags & MB1_INFO_CMDLINE)
		copy_cmdline(mbi->cmdline);
	if (mbi->flags & MB1_INFO_MEM)
		multiboot_mem = ((u64)mbi->mem_upper + 1024) * 1024;
}

const char *cmdline(void)
{
	return cmdline_buf;
}

bool cmdline_value(const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);

	for (const char *p = cmdline_buf; *p;) {
		while (*p == ' ')
			p++;
		const char *w = p;

		while (*p && *p != ' ')
			p++;
		if ((size_t)(p - w) > klen && !strncmp(w, key, klen) && w[klen] == '=') {
			size_t n = (size_t)(p - w) - klen - 1;

			if (n >= size)
				n = size - 1;
			memcpy(buf, w + klen + 1, n);
			buf[n] = 0;
			return true;
		}
	}
	return false;
}

u64 mem_size(void)
{
	char v[16];

	if (multiboot_mem)
		return multiboot_mem;
	if (cmdline_value("mem", v, sizeof(v)))
		return (u64)strtoul(v, NULL, 0) << 20;
	return 16ull << 20;
}

/* ---- CPU features and hypercalls ---- */

struct cpu_features cpu;
static bool keel;

static void detect_features(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	u32 max_leaf = r.eax;

	r = cpuid(1, 0);
	cpu.pse = r.edx & CPUID_1_EDX_PSE;
	cpu.vmx = r.ecx & CPUID_1_ECX_VMX;
	if (r.ecx & CPUID_1_ECX_HYPERVISOR) {
		struct cpuid_regs h = cpuid(CPUID_HV_BASE, 0);

		keel = !memcmp(&h.ebx, "Keel", 4) && !memcmp(&h.ecx, "Keel", 4) &&
		       !memcmp(&h.edx, "Keel", 4);
	}
	if (max_leaf >= 7) {
		r = cpuid(7, 0);
		cpu.smep = r.ebx & CPUID_7_EBX_SMEP;
		cpu.smap = r.ebx & CPUID_7_EBX_SMAP;
		cpu.pku = r.ecx & CPUID_7_ECX_PKU;
		cpu.la57 = r.ecx & CPUID_7_ECX_LA57;
	}
	u32 max_ext = cpuid(CPUID_EXT_BASE, 0).eax;

	cpu.maxphyaddr = 36;
	if (max_ext >= CPUID_EXT_BASE + 1) {
		r = cpuid(CPUID_EXT_BASE + 1, 0);
		cpu.nx = r.edx & CPUID_X1_EDX_NX;
		cpu.pdpe1gb = r.edx & CPUID_X1_EDX_PDPE1GB;
		cpu.lm = r.edx & CPUID_X1_EDX_LM;
	}
	if (max_ext >= CPUID_EXT_BASE + 8)
		cpu.maxphyaddr = cpuid(CPUID_EXT_BASE + 8, 0).eax & 0xff;
}

bool under_keel(void)
{
	return keel;
}

long hypercall(long nr, long a, long b, long c, long d)
{
	long ret;

	asm volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d) : "memory");
	return ret;
}

/* ---- descriptors and traps ---- */

extern u64 gdt[GDT_ENTRIES];
extern char trap_stubs_start[];
extern char stack_top[];
int catch_enter(uintptr_t *slot, void (*fn)(uintptr_t), uintptr_t arg);
__noreturn void catch_resume(uintptr_t sp);
__noreturn void enter_user(uintptr_t ip, uintptr_t arg);

#ifdef __x86_64__
struct trap_frame {
	uintptr_t r15, r14, r13, r12, r11, r10, r9, r8, bp, di, si, dx, cx, bx, ax;
	uintptr_t vector, error, ip, cs, flags, sp, ss;
};

struct tss {
	u32 reserved0;
	u64 rsp0, rsp1, rsp2;
	u64 reserved1, ist[7], reserved2;
	u16 reserved3, iomap_base;
} __attribute__((packed));

struct idt_gate {
	u16 off_lo, sel;
	u8 ist, type;
	u16 off_mid;
	u32 off_hi, reserved;
};
#else
struct trap_frame {
	uintptr_t di, si, bp, sp_unused, bx, dx, cx, ax;
	uintptr_t vector, error, ip, cs, flags;
};

struct tss {
	u32 link, esp0, ss0, esp1, ss1, esp2, ss2;
	u32 cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	u32 es, cs, ss, ds, fs, gs, ldt;
	u16 trap, iomap_base;
};

struct idt_gate {
	u16 off_lo, sel;
	u8 zero, type;
	u16 off_hi;
};
#endif

#define GATE_INTERRUPT 0x8e /* present, DPL0, interrupt gate */
#define GATE_DPL3      0x60
#define TSS_AVAILABLE  0x89 /* present, available TSS */
#define TRAP_STUB_SIZE 16

static struct idt_gate idt[256] __aligned(16);
static struct tss tss __aligned(16);
static u8 trap_stack[8192] __aligned(16);

static void set_gate(int vec, uintptr_t stub, u8 type)
{
	struct idt_gate *g = &idt[vec];

	g->off_lo = (u16)stub;
	g->sel = sizeof(uintptr_t) == 8 ? SEL_KCODE64 : SEL_KCODE32;
	g->type = type;
#ifdef __x86_64__
	g->off_mid = (u16)(stub >> 16);
	g->off_hi = (u32)(stub >> 32);
#else
	g->off_hi = (u16)(stub >> 16);
#endif
}

void load_descriptors(void)
{
	uintptr_t base = (uintptr_t)&tss;
	u64 limit = sizeof(tss) - 1;

	for (int v = 0; v < VEC_EXCEPTIONS; v++)
		set_gate(v, (uintptr_t)trap_stubs_start + v * TRAP_STUB_SIZE, GATE_INTERRUPT);
	set_gate(VEC_USER_DONE, (uintptr_t)trap_stubs_start + VEC_EXCEPTIONS * TRAP_STUB_SIZE,
		 GATE_INTERRUPT | GATE_DPL3);
#ifdef __x86_64__
	tss.rsp0 = (uintptr_t)trap_stack + sizeof(trap_stack);
#else
	tss.esp0 = (uintptr_t)trap_stack + sizeof(trap_stack);
	tss.ss0 = SEL_KDATA;
#endif
	tss.iomap_base = sizeof(tss);
	gdt[SEL_TSS / 8] = (limit & 0xffff) | ((u64)(base & 0xffffff) << 16) |
			   ((u64)TSS_AVAILABLE << 40) | ((u64)((base >> 24) & 0xff) << 56);
	gdt[SEL_TSS / 8 + 1] = (u64)base >> 32;
	struct {
		u16 limit;
		uintptr_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uintptr_t)idt };

	asm volatile("lidt %0" : : "m"(idtr));
	asm volatile("ltr %w0" : : "r"(SEL_TSS));
}

struct fault last_fault;
static uintptr_t catch_slots[4];
static int catch_depth;

int catch_run(void (*fn)(uintptr_t), uintptr_t arg)
{
	if (catch_depth == ARRAY_SIZE(catch_slots))
		guest_panic("catch_run nested too deeply");
	int r = catch_enter(&catch_slots[catch_depth++], fn, arg);

	catch_depth--;
	return r;
}

static uintptr_t user_entry;

static void enter_user_thunk(uintptr_t arg)
{
	enter_user(user_entry, arg);
}

int catch_user(void (*probe)(void), uintptr_t arg)
{
	user_entry = user_va(probe);
	return catch_run(enter_user_thunk, arg);
}

void trap_dispatch(struct trap_frame *f)
{
	last_fault.vector = (u32)f->vector;
	last_fault.error = (u32)f->error;
	last_fault.ip = f->ip;
	last_fault.cr2 = f->vector == VEC_PF ? read_cr2() : 0;
	if (catch_depth)
		catch_resume(catch_slots[catch_depth - 1]);
	guest_panic("exception %u, error 0x%x at %p, CR2 %p, outside any catch", last_fault.vector,
		    last_fault.error, (void *)f->ip, (void *)last_fault.cr2);
}

static const char *vector_name(u32 v)
{
	switch (v) {
	case VEC_UD:
		return "#UD";
	case VEC_GP:
		return "#GP";
	case VEC_PF:
		return "#PF";
	case VEC_DF:
		return "#DF";
	case VEC_USER_DONE:
		return "no fault";
	default:
		return "exception";
	}
}

static bool judge_fault(bool faulted, u32 vector, u32 error, uintptr_t cr2)
{
	const struct fault *f = &last_fault;

	if (!faulted)
		return check(false, "expected %s (%u) error 0x%x CR2 %p, but no exception",
			     vector_name(vector), vector, error, (void *)cr2);
	if (vector != VEC_PF)
		return check(f->vector == vector, "expected %s (%u), got %s (%u) error 0x%x at %p",
			     vector_name(vector), vector, vector_name(f->vector), f->vector,
			     f->error, (void *)f->ip);
	return check(f->vector == vector && f->error == error && f->cr2 == cr2,
		     "expected #PF error 0x%x CR2 %p, got %s (%u) error 0x%x CR2 %p", error,
		     (void *)cr2, vector_name(f->vector), f->vector, f->error, (void *)f->cr2);
}

bool expect_fault(void (*fn)(uintptr_t), uintptr_t arg, u32 vector, u32 error, uintptr_t cr2)
{
	return judge_fault(catch_run(fn, arg), vector, error, cr2);
}

bool expect_user_fault(void (*probe)(void), uintptr_t arg, u32 vector, u32 error, uintptr_t cr2)
{
	if (!catch_user(probe, arg))
		guest_panic("a CPL3 probe returned");
	if (last_fault.vector == VEC_USER_DONE)
		return judge_fault(false, vector, error, cr2);
	return judge_fault(true, vector, error, cr2);
}

bool expect_user_done(void (*probe)(void), uintptr_t arg)
{
	if (!catch_user(probe, arg))
		guest_panic("a CPL3 probe returned");
	return check(last_fault.vector == VEC_USER_DONE,
		     "CPL3 probe at %p: expected no fault, got %s (%u) error 0x%x CR2 %p",
		     (void *)arg, vector_name(last_fault.vector), last_fault.vector,
		     last_fault.error, (void *)last_fault.cr2);
}

void probe_read8(uintptr_t va)
{
	(void)*(volatile u8 *)va;
}

void probe_write8(uintptr_t va)
{
	*(volatile u8 *)va = 0x5a;
}

void probe_call(uintptr_t va)
{
	((void (*)(void))va)();
}

/* ---- KTAP ---- */

static const char *current_test;
static bool current_failed, current_skipped;
static char skip_reason[96];

void diag(const char *fmt, ...)
{
	va_list ap;

	putstr("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putstr("\n");
}

bool check_fn(bool ok, const char *file, int line, const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	if (ok)
		return true;
	current_failed = true;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("# %s: %s:%d: %s\n", current_test ? current_test : "setup", file, line, buf);
	return false;
}

void skip(const char *fmt, ...)
{
	va_list ap;

	current_skipped = true;
	va_start(ap, fmt);
	vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
	va_end(ap);
}

__noreturn void guest_exit(u32 status)
{
	outl(KEEL_GUEST_DEBUG_EXIT_PORT, status);
	if (keel)
		hypercall(KEEL_HC_EXIT, status, 0, 0, 0);
	for (;;)
		asm volatile("cli; hlt");
}

__noreturn void guest_panic(const char *fmt, ...)
{
	va_list ap;

	putstr("# PANIC: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putstr("\n");
	guest_exit(0xdead);
}

/* The state every test starts from: what lib_start left, paging as the entry set it up. */
static uintptr_t base_cr0, base_cr3, base_cr4;
static u64 base_efer;
static bool have_efer;

static void restore_baseline(void)
{
#ifdef __x86_64__
	write_cr4(base_cr4);
	write_cr3(base_cr3);
	write_cr0(base_cr0);
#else
	write_cr0(base_cr0 & ~CR0_PG);
	write_cr4(base_cr4);
	write_cr3(base_cr3);
	write_cr0(base_cr0);
#endif
	if (have_efer)
		wrmsr(MSR_IA32_EFER, base_efer);
	page_pool_reset();
}

static void run_one(uintptr_t i)
{
	const struct guest_test *t = (const struct guest_test *)i;

	t->run();
}

__noreturn void run_tests(const char *guest, const struct guest_test *tests, int count)
{
	int passed = 0, failed = 0, skipped = 0;

	base_cr0 = read_cr0();
	base_cr3 = read_cr3();
	base_cr4 = read_cr4();
	have_efer = cpu.lm || cpu.nx;
	if (have_efer)
		base_efer = rdmsr(MSR_IA32_EFER);
	printf("KTAP version 1\n1..%d\n", count);
	diag("%s: %s, cmdline '%s', %s", guest, sizeof(uintptr_t) == 8 ? "64-bit" : "32-bit",
	     cmdline(), keel ? "under Keel" : "no Keel hypervisor");
	for (int i = 0; i < count; i++) {
		current_test = tests[i].name;
		current_failed = current_skipped = false;
		restore_baseline();
		if (catch_run(run_one, (uintptr_t)&tests[i]))
			check(false, "unexpected %s (%u) error 0x%x at %p, CR2 %p",
			      vector_name(last_fault.vector), last_fault.vector, last_fault.error,
			      (void *)last_fault.ip, (void *)last_fault.cr2);
		restore_baseline();
		if (current_failed) {
			failed++;
			printf("not ok %d %s\n", i + 1, tests[i].name);
		} else if (current_skipped) {
			skipped++;
			printf("ok %d %s # SKIP %s\n", i + 1, tests[i].name, skip_reason);
		} else {
			passed++;
			printf("ok %d %s\n", i + 1, tests[i].name);
		}
	}
	current_test = NULL;
	diag("%s: %d passed, %d failed, %d skipped", guest, passed, failed, skipped);
	guest_exit((u32)failed);
}

void lib_start(void)
{
	read_boot_info();
	load_descriptors();
	detect_features();
	guest_main();
	guest_panic("guest_main returned");
}
