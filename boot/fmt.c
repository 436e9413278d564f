/* SPDX-License-Identifier: GPL-2.0-only */
/* A small snprintf for the loader: no libc, hosted-testable. */
#include "fmt.h"

struct fmt_out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct fmt_out *o, const char *s, size_t n, unsigned int width, char pad)
{
	for (size_t i = n; i < width; i++)
		put(o, pad);
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
}

static void put_number(struct fmt_out *o, u64 v, bool negative, unsigned int base,
		       unsigned int width, char pad)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[24];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
		v /= base;
	} while (v);
	if (negative)
		tmp[sizeof(tmp) - 1 - n++] = '-';
	put_padded(o, tmp + sizeof(tmp) - n, n, width, pad);
}

static void put_arg(struct fmt_out *o, char conv, int lng, unsigned int width, char pad,
		    va_list *ap)
{
	u64 u;
	s64 s;

	switch (conv) {
	case 'd':
		s = lng == 2   ? va_arg(*ap, long long)
		    : lng == 1 ? va_arg(*ap, long)
			       : va_arg(*ap, int);
		put_number(o, s < 0 ? 0 - (u64)s : (u64)s, s < 0, 10, width, pad);
		return;
	case 'u':
	case 'x':
		if (lng == 2)
			u = va_arg(*ap, unsigned long long);
		else if (lng == 1)
			u = va_arg(*ap, unsigned long);
		else
			u = va_arg(*ap, unsigned int);
		put_number(o, u, false, conv == 'x' ? 16 : 10, width, pad);
		return;
	}
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = { .buf = buf, .size = size };
	va_list args;

	va_copy(args, ap);
	for (const char *p = fmt; *p; p++) {
		unsigned int width = 0;
		char pad = ' ';
		int lng = 0;
		const char *s;
		size_t n;
		char c;

		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		p++;
		if (*p == '0') {
			pad = '0';
			p++;
		}
		while (*p >= '0' && *p <= '9')
			width = width * 10 + (unsigned int)(*p++ - '0');
		while (*p == 'l' || *p == 'z') {
			lng = *p == 'z' ? 1 : lng + 1;
			p++;
		}
		switch (*p) {
		case '%':
			put(&o, '%');
			break;
		case 'c':
			c = (char)va_arg(args, int);
			put_padded(&o, &c, 1, width, ' ');
			break;
		case 's':
			s = va_arg(args, const char *);
			if (!s)
				s = "(null)";
			for (n = 0; s[n]; n++)
				;
			put_padded(&o, s, n, width, ' ');
			break;
		case 'd':
		case 'u':
		case 'x':
			put_arg(&o, *p, lng, width, pad, &args);
			break;
		default:
			/* An unknown conversion is copied out as it is, so the mistake stays
			 * visible. */
			put(&o, '%');
			if (!*p) {
				p--;
				break;
			}
			put(&o, *p);
			break;
		}
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
