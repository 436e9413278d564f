/* SPDX-License-Identifier: GPL-2.0-only */
/* printk: format a whole message, then write it to the console under one lock. */
#include <keel/console.h>
#include <keel/printk.h>
#include <keel/spinlock.h>

#include <stdio.h>
#include <string.h>

#include "kernel/printk_internal.h"

#define PRINTK_MSG_MAX 512 /* longer messages are cut and marked */
#define TRUNC_MARK     "[...]\n"
/* Lock attempts in emergency mode before writing anyway: the holder may be the panicking CPU. */
#define EMERGENCY_LOCK_TRIES 1000000

static struct spinlock printk_lock = SPINLOCK_INIT;
static int console_level = LOG_INFO;
static bool at_line_start = true;
static bool emergency;

void printk_set_level(enum log_level level)
{
	WRITE_ONCE(console_level, (int)level);
}

void printk_enter_emergency(void)
{
	WRITE_ONCE(emergency, true);
}

static bool take_lock(void)
{
	if (!READ_ONCE(emergency)) {
		spin_lock(&printk_lock);
		return true;
	}
	for (long i = 0; i < EMERGENCY_LOCK_TRIES; i++) {
		if (spin_trylock(&printk_lock))
			return true;
		cpu_relax();
	}
	return false;
}

/* "ok"/"not ok" at a line start would be read as a KTAP result by the harness. */
static bool looks_like_result(const char *s, size_t n)
{
	static const char *const words[] = { "ok", "not ok" };

	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		size_t len = strlen(words[i]);

		if (n >= len && !memcmp(s, words[i], len) &&
		    (n == len || s[len] == ' ' || s[len] == '\n'))
			return true;
	}
	return false;
}

/* Write buf line by line; lines of ordinary log text that mimic KTAP results get "# " first. */
static void emit(const char *buf, size_t n, bool raw)
{
	while (n) {
		const char *nl = memchr(buf, '\n', n);
		size_t len = nl ? (size_t)(nl - buf) + 1 : n;

		if (!raw && at_line_start && looks_like_result(buf, len))
			console_write("# ", 2);
		console_write(buf, len);
		at_line_start = buf[len - 1] == '\n';
		buf += len;
		n -= len;
	}
}

static void vprint(bool raw, const char *fmt, va_list ap)
{
	char buf[PRINTK_MSG_MAX];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	bool locked;

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf)) {
		strcpy(buf + sizeof(buf) - sizeof(TRUNC_MARK), TRUNC_MARK);
		n = sizeof(buf) - 1;
	}
	locked = take_lock();
	emit(buf, (size_t)n, raw);
	if (locked)
		spin_unlock(&printk_lock);
}

void vprintk(enum log_level level, const char *fmt, va_list ap)
{
	if ((int)level > READ_ONCE(console_level))
		return;
	vprint(false, fmt, ap);
}

void printk(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}

void printk_raw(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(true, fmt, ap);
	va_end(ap);
}
