/* SPDX-License-Identifier: GPL-2.0-only */
/* Guest loading: a module's command line into VM options, its ELF image into guest RAM. */
#ifndef VMM_LOAD_LOAD_H
#define VMM_LOAD_LOAD_H

#include <vmm/vmm.h>

/* Parses guest_abi.h's option words; -EINVAL with the offending word named in err. */
int vm_options_parse(struct vm_options *opt, const char *name, const char *cmdline, char *err,
		     size_t errlen);

/*
 * Copies the PT_LOAD segments of an ELF32 or ELF64 executable to their p_paddr in guest RAM and
 * returns its entry point in *entry. Every header field is checked against the image size and
 * the guest's RAM first: a corrupt image is -ENOEXEC with the reason in err.
 */
int vm_load_elf(struct vm *vm, const void *image, u64 size, u64 *entry, char *err, size_t errlen);

#endif
