/* SPDX-License-Identifier: GPL-2.0-only */
/* What newlib's libc subset needs from the kernel: memory for its stdio core, from the heap. */
#include <keel/mm.h>

#include "mm/kmalloc.h"

#include <string.h>

/*
 * nano-vfprintf can grow a buffer it owns (a malloc'ed FILE buffer); vsnprintf into a caller's
 * buffer never does, but the references make the linker want these. They are real: the kernel
 * heap serves them.
 */
struct _reent;

void *_malloc_r(struct _reent *r, size_t size)
{
	return kmalloc(size);
}

void _free_r(struct _reent *r, void *p)
{
	kfree(p);
}

void *_realloc_r(struct _reent *r, void *p, size_t size)
{
	size_t old;
	void *n;

	if (!p)
		return kmalloc(size);
	if (!size) {
		kfree(p);
		return NULL;
	}
	old = ksize(p);
	if (size <= old)
		return p;
	n = kmalloc(size);
	if (!n)
		return NULL;
	memcpy(n, p, old);
	kfree(p);
	return n;
}
