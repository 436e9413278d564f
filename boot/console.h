/* SPDX-License-Identifier: GPL-2.0-only */
/* Loader messages: to the UEFI console and to COM1, each line prefixed "keel-boot: ". */
#ifndef BOOT_CONSOLE_H
#define BOOT_CONSOLE_H

#include <efi.h>
#include <keel/types.h>

#define CON_LINE_MAX 256

void con_init(EFI_SYSTEM_TABLE *st);
/* A progress line: "keel-boot: <text>". */
void con_info(const char *fmt, ...) __printf(1, 2);
/* The one line a failure prints: "keel-boot: error: <text>". */
void con_error(const char *fmt, ...) __printf(1, 2);
/* No output after this: boot services are gone. */
void con_detach(void);
/* An EFI status in words, for error lines. */
const char *efi_status_str(EFI_STATUS status);

#endif
