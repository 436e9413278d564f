/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel command line: `key=value` words separated by spaces, checked strictly. */
#ifndef KEEL_CMDLINE_H
#define KEEL_CMDLINE_H

#include <keel/types.h>

/*
 * Known keys:
 *   ktest=all | ktest=name[,name...]   run in-kernel tests and power off
 *   loglevel=0..7 | err|warn|info|debug
 *   console=ttyS0 | none
 *   vm_cpus=1..64                      run up to that many VMs at once, one per CPU (default 1)
 * Every word that is not exactly one of these (unknown key, missing or empty value, bad number,
 * over-long value, a key given twice, a byte that is not printable ASCII) is an error. The caller
 * refuses to run anything when there was one, so a typo never silently runs something else.
 */
#define CMDLINE_VALUE_MAX 256 /* longest value, NUL included */
#define CMDLINE_NAME_MAX  64  /* longest test name in a ktest= list, NUL included */
#define CMDLINE_ERR_MAX	  160 /* longest error message, NUL included */

enum console_kind {
	CONSOLE_TTYS0 = 0,
	CONSOLE_NONE = 1,
};

struct cmdline_opts {
	bool ktest_given;
	char ktest[CMDLINE_VALUE_MAX];
	bool loglevel_given;
	int loglevel;
	bool console_given;
	enum console_kind console;
	bool vm_cpus_given;
	unsigned int vm_cpus;
};

/* The options the kernel booted with (kernel/init.c). */
extern struct cmdline_opts cmdline_opts;

/* Called once per error with a message that names the offending word. */
typedef void (*cmdline_error_fn)(void *ctx, const char *msg);

/*
 * Parses at most maxlen bytes of line (a missing NUL within them is an error). Fields of opts that
 * the line does not set, or sets wrongly, keep their defaults. Returns the number of errors.
 */
int cmdline_parse(const char *line, size_t maxlen, struct cmdline_opts *opts, cmdline_error_fn err,
		  void *ctx);

/*
 * Iterates a comma-separated name list: copies the next name into name (size CMDLINE_NAME_MAX)
 * and advances *cursor. Returns false at the end of the list.
 */
bool cmdline_list_next(const char **cursor, char *name);

#endif
