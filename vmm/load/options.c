/* SPDX-License-Identifier: GPL-2.0-only */
/* A VM's options from its module command line (guest_abi.h): parsed strictly, defaults filled. */
#include <vmm/load/load.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MEM_MIB	     16
#define DEFAULT_BUDGET_MINSN 2000

static bool parse_u64(const char *s, u64 *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return false;
	v = strtoul(s, &end, 0);
	if (*end)
		return false;
	*out = v;
	return true;
}

static int parse_expect(struct vm_options *opt, const char *v)
{
	if (!strncmp(v, "exit:", 5)) {
		opt->expect_stop = false;
		return parse_u64(v + 5, &opt->expect_status) ? 0 : -EINVAL;
	}
	if (!strncmp(v, "stop:", 5)) {
		opt->expect_stop = true;
		opt->expect_reason = vm_stop_reason_parse(v + 5);
		return opt->expect_reason == VM_STOP_REASON_COUNT ? -EINVAL : 0;
	}
	return -EINVAL;
}

static int parse_word(struct vm_options *opt, const char *key, const char *v)
{
	u64 n;

	if (!strcmp(key, "mmu")) {
		if (!strcmp(v, "ept"))
			opt->mmu = MMU_MODE_TDP;
		else if (!strcmp(v, "shadow"))
			opt->mmu = MMU_MODE_SHADOW;
		else
			return -EINVAL;
	} else if (!strcmp(key, "mem")) {
		if (!parse_u64(v, &n) || n == 0 || n > VM_MEM_MIB_MAX)
			return -EINVAL;
		opt->mem_mib = (u32)n;
	} else if (!strcmp(key, "entry")) {
		if (!strcmp(v, "prot32"))
			opt->entry = VM_ENTRY_PROT32;
		else if (!strcmp(v, "real"))
			opt->entry = VM_ENTRY_REAL;
		else
			return -EINVAL;
	} else if (!strcmp(key, "unsync")) {
		if (strcmp(v, "on") && strcmp(v, "off"))
			return -EINVAL;
		opt->unsync = !strcmp(v, "on");
	} else if (!strcmp(key, "expect")) {
		return parse_expect(opt, v);
	} else if (!strcmp(key, "budget")) {
		if (!parse_u64(v, &n) || n == 0 || n > 1000000)
			return -EINVAL;
		opt->budget_minsn = n;
	} else {
		return -EINVAL;
	}
	return 0;
}

int vm_options_parse(struct vm_options *opt, const char *name, const char *cmdline, char *err,
		     size_t errlen)
{
	char buf[VM_CMDLINE_MAX];
	char *save = NULL, *word;

	memset(opt, 0, sizeof(*opt));
	snprintf(opt->name, sizeof(opt->name), "%s", name);
	opt->mmu = MMU_MODE_TDP;
	opt->mem_mib = DEFAULT_MEM_MIB;
	opt->entry = VM_ENTRY_PROT32;
	opt->unsync = true;
	opt->budget_minsn = DEFAULT_BUDGET_MINSN;
	if (strlen(cmdline) >= sizeof(buf)) {
		snprintf(err, errlen, "command line too long");
		return -EINVAL;
	}
	strcpy(buf, cmdline);
	for (word = strtok_r(buf, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(word, '=');

		if (!strcmp(word, "--")) {
			const char *rest =
				cmdline + (save ? (size_t)(save - buf) : strlen(cmdline));

			snprintf(opt->cmdline, sizeof(opt->cmdline), "%s", rest);
			break;
		}
		if (!eq) {
			snprintf(err, errlen, "bad option word '%s' (expected key=value or --)",
				 word);
			return -EINVAL;
		}
		*eq = '\0';
		if (parse_word(opt, word, eq + 1)) {
			snprintf(err, errlen, "bad option '%s=%s'", word, eq + 1);
			return -EINVAL;
		}
	}
	return 0;
}
