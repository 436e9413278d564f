/* SPDX-License-Identifier: GPL-2.0-only */
/* The loader's config file (\keel\keel.cfg): parsed data and the parser. */
#ifndef BOOT_CFG_H
#define BOOT_CFG_H

#include <keel/bootinfo.h>
#include <keel/types.h>

#define BOOT_CFG_PATH_MAX  256	 /* a module path on the ESP, NUL included */
#define BOOT_CFG_FILE_MAX  65536 /* the largest keel.cfg the loader reads */
#define BOOT_CFG_ERROR_MAX 160

struct boot_cfg_module {
	char name[BOOT_MODULE_NAME_MAX];
	char path[BOOT_CFG_PATH_MAX]; /* normalised: starts with '\', '\' separators */
	char cmdline[BOOT_MODULE_CMDLINE_MAX];
};

struct boot_cfg {
	bool have_cmdline;
	char cmdline[BOOT_CMDLINE_MAX];
	u32 module_count;
	struct boot_cfg_module modules[BOOT_MODULES_MAX];
};

struct boot_cfg_error {
	u32 line; /* 1-based line the error is on */
	char msg[BOOT_CFG_ERROR_MAX];
};

/*
 * Parse len bytes of config text into *cfg. Returns 0, or -1 with err->line and err->msg set
 * (the message names what is wrong on that line, without the file name or the line number).
 */
int cfg_parse(const char *text, size_t len, struct boot_cfg *cfg, struct boot_cfg_error *err);

#endif
