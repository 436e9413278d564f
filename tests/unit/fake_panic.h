/* SPDX-License-Identifier: GPL-2.0-only */
/* A hosted panic() for kernel code under test: a test can catch it and read its message. */
#ifndef KEEL_TESTS_FAKE_PANIC_H
#define KEEL_TESTS_FAKE_PANIC_H

#include <setjmp.h>

/*
 * panic() formats its message into panic_msg, then longjmps to *panic_jmp when a test set it
 * (expecting the panic), or reports the message and aborts when none did.
 */
extern jmp_buf *panic_jmp;
extern char panic_msg[160];

#endif
