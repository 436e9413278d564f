/* SPDX-License-Identifier: GPL-2.0-only */
/* newlib's configuration for Keel's freestanding libc subset (replaces the configure-made file). */
#ifndef __NEWLIB_H__
#define __NEWLIB_H__ 1

#include <_newlib_version.h>

/* The nano formatted-I/O family: small, integer-only. */
#define _NANO_FORMATTED_IO 1
#define _MB_LEN_MAX 1
/* One reentrancy structure for the whole kernel: Keel's libc subset keeps no per-thread state. */
#define _REENT_GLOBAL_ATEXIT 1
#define _WANT_REGISTER_FINI 0

#endif
