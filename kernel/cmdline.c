/* SPDX-License-Identifier: GPL-2.0-only */
/* Command-line parser: pure C, shared by the kernel and the hosted unit tests. */
#include <keel/cmdline.h>
#include <keel/printk.h>
#include <keel/smp.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORD_SHOWN 48 /* how much of an offending word an error message quotes */

struct parser {
	struct cmdline_opts *opts;
	cmdline_error_fn err;
	void *ctx;
	int errors;
};

__printf(2, 3) static void report(struct parser *p, const char *fmt, ...)
{
	char msg[CMDLINE_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->errors++;
	if (p->err)
		p->err(p->ctx, msg);
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* A ktest= value: `all`, or names of [A-Za-z0-9_] separated by single commas. */
static bool valid_test_list(const char *v, const char **why)
{
	size_t len = 0;

	if (!strcmp(v, "all"))
		return true;
	for (; *v; v++) {
		if (*v == ',') {
			if (len == 0) {
				*why = "empty test name";
				return false;
			}
			len = 0;
			continue;
		}
		if (!is_name_char(*v)) {
			*why = "test names use only letters, digits and '_'";
			return false;
		}
		if (++len >= CMDLINE_NAME_MAX) {
			*why = "test name too long";
			return false;
		}
	}
	if (len == 0) {
		*why = "empty test name";
		return false;
	}
	return true;
}

static void set_ktest(struct parser *p, const char *word, const char *v)
{
	const char *why = NULL;

	if (p->opts->ktest_given) {
		report(p, "cmdline: '%.*s': ktest= given twice", WORD_SHOWN, word);
		return;
	}
	if (!valid_test_list(v, &why)) {
		report(p, "cmdline: '%.*s': %s", WORD_SHOWN, word, why);
		return;
	}
	p->opts->ktest_given = true;
	strcpy(p->opts->ktest, v);
}

static int level_by_name(const char *v)
{
	static const struct {
		const char *name;
		int level;
	} names[] = {
		{ "err", LOG_ERR },
		{ "warn", LOG_WARN },
		{ "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(v, names[i].name))
			return names[i].level;
	}
	return -1;
}

static void set_loglevel(struct parser *p, const char *word, const char *v)
{
	int level = level_by_name(v);

	if (p->opts->loglevel_given) {
		report(p, "cmdline: '%.*s': loglevel= given twice", WORD_SHOWN, word);
		return;
	}
	if (level < 0) {
		char *end;
		long n = strtol(v, &end, 10);

		if (*v < '0' || *v > '9' || *end || n > LOG_DEBUG) {
			report(p, "cmdline: '%.*s': loglevel must be 0..7 or err|warn|info|debug",
			       WORD_SHOWN, word);
			return;
		}
		level = (int)n;
	}
	p->opts->loglevel_given = true;
	p->opts->loglevel = level;
}

static void set_console(struct parser *p, const char *word, const char *v)
{
	if (p->opts->console_given) {
		report(p, "cmdline: '%.*s': console= given twice", WORD_SHOWN, word);
		return;
	}
	if (!strcmp(v, "ttyS0")) {
		p->opts->console = CONSOLE_TTYS0;
	} else if (!strcmp(v, "none")) {
		p->opts->console = CONSOLE_NONE;
	} else {
		report(p, "cmdline: '%.*s': console must be ttyS0 or none", WORD_SHOWN, word);
		return;
	}
	p->opts->console_given = true;
}

/* vm_cpus=N: how many VMs may run at once, each on its own CPU (vmm/runner.c). */
static void set_vm_cpus(struct parser *p, const char *word, const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (p->opts->vm_cpus_given) {
		report(p, "cmdline: '%.*s': vm_cpus= given twice", WORD_SHOWN, word);
		return;
	}
	if (*v < '0' || *v > '9' || *end || n < 1 || n > KEEL_MAX_CPUS) {
		report(p, "cmdline: '%.*s': vm_cpus must be 1..%d", WORD_SHOWN, word,
		       KEEL_MAX_CPUS);
		return;
	}
	p->opts->vm_cpus_given = true;
	p->opts->vm_cpus = (unsigned int)n;
}

static const struct {
	const char *key;
	void (*set)(struct parser *p, const char *word, const char *value);
} keys[] = {
	{ "ktest", set_ktest },
	{ "loglevel", set_loglevel },
	{ "console", set_console },
	{ "vm_cpus", set_vm_cpus },
};

/* word is NUL-terminated and non-empty; it fits in CMDLINE_VALUE_MAX + the longest key. */
static void parse_word(struct parser *p, const char *word)
{
	const char *eq = strchr(word, '=');
	size_t klen = eq ? (size_t)(eq - word) : strlen(word);

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (strlen(keys[i].key) != klen || strncmp(word, keys[i].key, klen))
			continue;
		if (!eq || !eq[1]) {
			report(p, "cmdline: '%.*s': missing value", WORD_SHOWN, word);
			return;
		}
		if (strlen(eq + 1) >= CMDLINE_VALUE_MAX) {
			report(p, "cmdline: '%.*s...': value longer than %d bytes", WORD_SHOWN,
			       word, CMDLINE_VALUE_MAX - 1);
			return;
		}
		keys[i].set(p, word, eq + 1);
		return;
	}
	report(p, "cmdline: '%.*s': unknown option", WORD_SHOWN, word);
}

#define WORD_MAX (CMDLINE_VALUE_MAX + 16)

int cmdline_parse(const char *line, size_t maxlen, struct cmdline_opts *opts, cmdline_error_fn err,
		  void *ctx)
{
	struct parser p = { .opts = opts, .err = err, .ctx = ctx };
	char word[WORD_MAX];
	size_t len = 0, i;
	bool overlong = false;

	memset(opts, 0, sizeof(*opts));
	opts->loglevel = LOG_INFO;
	opts->console = CONSOLE_TTYS0;
	opts->vm_cpus = 1;

	if (!line || strnlen(line, maxlen) == maxlen) {
		report(&p, "cmdline: not NUL-terminated within %lu bytes", (unsigned long)maxlen);
		return p.errors;
	}
	for (i = 0; i <= maxlen; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			word[len] = '\0';
			if (overlong)
				report(&p, "cmdline: '%.*s...': word longer than %d bytes",
				       WORD_SHOWN, word, WORD_MAX - 1);
			else if (len)
				parse_word(&p, word);
			len = 0;
			overlong = false;
			if (c == '\0')
				break;
			continue;
		}
		if (c < 0x21 || c > 0x7e) {
			report(&p, "cmdline: byte 0x%02x at offset %lu is not printable ASCII", c,
			       (unsigned long)i);
			return p.errors;
		}
		if (len < WORD_MAX - 1)
			word[len++] = (char)c;
		else
			overlong = true;
	}
	return p.errors;
}

bool cmdline_list_next(const char **cursor, char *name)
{
	const char *s = *cursor;
	size_t len = 0;

	if (!*s)
		return false;
	while (*s && *s != ',') {
		if (len < CMDLINE_NAME_MAX - 1)
			name[len++] = *s;
		s++;
	}
	name[len] = '\0';
	*cursor = *s ? s + 1 : s;
	return true;
}
