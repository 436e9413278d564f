/* SPDX-License-Identifier: GPL-2.0-only */
/* Parser for \keel\keel.cfg: pure C, no EFI, so the hosted tests can run it. */
#include "cfg.h"
#include "fmt.h"

/*
 * One directive a line; see docs/boot.md:
 *   # comment                    (only at the start of a line, after optional blanks)
 *   cmdline <rest of line>       (at most once)
 *   module <name> <path> [module command line...]
 */

#define KEY_SHOWN_MAX 32 /* how much of an unknown key an error message repeats */

struct cursor {
	const char *p;
	const char *end;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_word_char(char c)
{
	return c > ' ' && c < 0x7f;
}

static void skip_blanks(struct cursor *c)
{
	while (c->p < c->end && is_blank(*c->p))
		c->p++;
}

/* The next blank-separated word (any bytes but blanks); *len 0 at the end of the line. */
static const char *next_word(struct cursor *c, size_t *len)
{
	const char *start;

	skip_blanks(c);
	start = c->p;
	while (c->p < c->end && !is_blank(*c->p))
		c->p++;
	*len = (size_t)(c->p - start);
	return start;
}

/* The rest of the line without leading and trailing blanks. */
static const char *rest_of_line(struct cursor *c, size_t *len)
{
	const char *end = c->end;

	skip_blanks(c);
	while (end > c->p && is_blank(end[-1]))
		end--;
	*len = (size_t)(end - c->p);
	return c->p;
}

static bool word_is(const char *w, size_t len, const char *lit)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (lit[i] != w[i])
			return false;
	return lit[i] == '\0';
}

static void copy_str(char *dst, const char *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = src[i];
	dst[len] = '\0';
}

static int fail(struct boot_cfg_error *err, u32 line, const char *fmt, ...) __printf(3, 4);

static int fail(struct boot_cfg_error *err, u32 line, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	fmt_vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Rejects bytes that have no place in a text line; returns 0 or fails. */
static int check_line_bytes(const char *p, size_t len, u32 line, struct boot_cfg_error *err)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\0')
			return fail(err, line, "NUL byte at column %zu", i + 1);
		if ((c < ' ' && c != '\t') || c == 0x7f)
			return fail(err, line, "control character 0x%02x at column %zu", c, i + 1);
	}
	return 0;
}

static int parse_cmdline(struct cursor *c, u32 line, struct boot_cfg *cfg, u32 *cmdline_line,
			 struct boot_cfg_error *err)
{
	size_t len;
	const char *val = rest_of_line(c, &len);

	if (cfg->have_cmdline)
		return fail(err, line, "duplicate 'cmdline' (first on line %u)", *cmdline_line);
	if (!len)
		return fail(err, line, "'cmdline' needs a value (leave the line out for none)");
	if (len >= BOOT_CMDLINE_MAX)
		return fail(err, line, "cmdline is %zu bytes, at most %d", len,
			    BOOT_CMDLINE_MAX - 1);
	copy_str(cfg->cmdline, val, len);
	cfg->have_cmdline = true;
	*cmdline_line = line;
	return 0;
}

/* Copies a module path, turning '/' into '\' and making it absolute. */
static int copy_path(struct boot_cfg_module *m, const char *p, size_t len, u32 line,
		     struct boot_cfg_error *err)
{
	size_t out = 0;

	for (size_t i = 0; i < len; i++)
		if (!is_word_char(p[i]))
			return fail(err, line, "module '%s': path must be printable ASCII",
				    m->name);
	if (p[0] != '/' && p[0] != '\\')
		m->path[out++] = '\\';
	if (out + len >= BOOT_CFG_PATH_MAX)
		return fail(err, line, "module '%s': path is %zu bytes, at most %d", m->name,
			    out + len, BOOT_CFG_PATH_MAX - 1);
	for (size_t i = 0; i < len; i++)
		m->path[out++] = p[i] == '/' ? '\\' : p[i];
	m->path[out] = '\0';
	if (m->path[out - 1] == '\\')
		return fail(err, line, "module '%s': path '%s' names a directory", m->name,
			    m->path);
	return 0;
}

static int parse_module(struct cursor *c, u32 line, struct boot_cfg *cfg, u32 *module_lines,
			struct boot_cfg_error *err)
{
	struct boot_cfg_module *m;
	const char *name, *path, *rest;
	size_t name_len, path_len, rest_len;

	name = next_word(c, &name_len);
	path = next_word(c, &path_len);
	rest = rest_of_line(c, &rest_len);
	if (!name_len || !path_len)
		return fail(err, line, "'module' needs a name and a path");
	if (cfg->module_count == BOOT_MODULES_MAX)
		return fail(err, line, "too many modules, at most %d", BOOT_MODULES_MAX);
	if (name_len >= BOOT_MODULE_NAME_MAX)
		return fail(err, line, "module name is %zu bytes, at most %d", name_len,
			    BOOT_MODULE_NAME_MAX - 1);
	for (size_t i = 0; i < name_len; i++)
		if (!is_word_char(name[i]))
			return fail(err, line, "module name must be printable ASCII");

	m = &cfg->modules[cfg->module_count];
	copy_str(m->name, name, name_len);
	for (u32 i = 0; i < cfg->module_count; i++)
		if (word_is(name, name_len, cfg->modules[i].name))
			return fail(err, line, "duplicate module name '%s' (first on line %u)",
				    m->name, module_lines[i]);
	if (copy_path(m, path, path_len, line, err))
		return -1;
	if (rest_len >= BOOT_MODULE_CMDLINE_MAX)
		return fail(err, line, "module '%s': command line is %zu bytes, at most %d",
			    m->name, rest_len, BOOT_MODULE_CMDLINE_MAX - 1);
	copy_str(m->cmdline, rest, rest_len);
	module_lines[cfg->module_count++] = line;
	return 0;
}

static int unknown_key(const char *key, size_t len, u32 line, struct boot_cfg_error *err)
{
	char shown[KEY_SHOWN_MAX + 4];

	if (len > KEY_SHOWN_MAX) {
		copy_str(shown, key, KEY_SHOWN_MAX);
		copy_str(shown + KEY_SHOWN_MAX, "...", 3);
	} else {
		copy_str(shown, key, len);
	}
	return fail(err, line, "unknown key '%s'", shown);
}

int cfg_parse(const char *text, size_t len, struct boot_cfg *cfg, struct boot_cfg_error *err)
{
	static const char bom[] = "\xef\xbb\xbf";
	u32 module_lines[BOOT_MODULES_MAX];
	u32 cmdline_line = 0;
	const char *end = text + len;
	const char *p = text;
	u32 line = 0;

	__builtin_memset(cfg, 0, sizeof(*cfg));
	__builtin_memset(err, 0, sizeof(*err));
	if (len >= 3 && p[0] == bom[0] && p[1] == bom[1] && p[2] == bom[2])
		p += 3;

	while (p < end) {
		struct cursor c = { .p = p };
		const char *key;
		size_t key_len;
		int ret;

		line++;
		while (p < end && *p != '\n')
			p++;
		c.end = p;
		if (p < end)
			p++;
		if (c.end > c.p && c.end[-1] == '\r')
			c.end--;
		if (check_line_bytes(c.p, (size_t)(c.end - c.p), line, err))
			return -1;

		key = next_word(&c, &key_len);
		if (!key_len || key[0] == '#')
			continue;
		if (word_is(key, key_len, "cmdline"))
			ret = parse_cmdline(&c, line, cfg, &cmdline_line, err);
		else if (word_is(key, key_len, "module"))
			ret = parse_module(&c, line, cfg, module_lines, err);
		else
			ret = unknown_key(key, key_len, line, err);
		if (ret)
			return ret;
	}
	return 0;
}
