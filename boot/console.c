/* SPDX-License-Identifier: GPL-2.0-only */
/* Loader messages: to the UEFI console and to COM1, each line prefixed "keel-boot: ". */
#include <efi.h>
#include <efilib.h>
#include "console.h"
#include "fmt.h"
#include "drivers/uart16550.h"

#define CONSOLE_VAR_MAX 4096 /* the ConOut variable holds a few device paths */
#define COM1_BAUD	115200

/* UEFI spec 10.3.1 "Generic Device Path Node Structure": type, subtype, 16-bit length. */
#define DP_HEADER_SIZE 4

static SIMPLE_TEXT_OUTPUT_INTERFACE *con_out;
static struct uart16550 com1; /* written directly only when ConOut has no UART */

/*
 * Whether the firmware console already writes to a serial port: the ConOut variable (UEFI spec
 * 3.3 "Globally Defined Variables") lists the console devices, and a UART messaging node means
 * one of them is serial. Writing COM1 ourselves as well would print every line twice.
 */
static bool console_has_uart(EFI_SYSTEM_TABLE *st)
{
	static u8 buf[CONSOLE_VAR_MAX];
	UINTN size = sizeof(buf);
	UINTN off = 0;

	if (st->RuntimeServices->GetVariable(L"ConOut", &gEfiGlobalVariableGuid, NULL, &size,
					     buf) != EFI_SUCCESS)
		return false;
	while (off + DP_HEADER_SIZE <= size) {
		u8 type = buf[off], subtype = buf[off + 1];
		u16 len = (u16)(buf[off + 2] | buf[off + 3] << 8);

		if (type == MESSAGING_DEVICE_PATH && subtype == MSG_UART_DP)
			return true;
		if (len < DP_HEADER_SIZE)
			return false;
		off += len;
	}
	return false;
}

void con_init(EFI_SYSTEM_TABLE *st)
{
	con_out = st->ConOut;
	if (!console_has_uart(st))
		uart16550_init(&com1, UART_COM1_PORT, COM1_BAUD);
}

static void con_write(const char *s, size_t len)
{
	CHAR16 out[CON_LINE_MAX * 2 + 1];
	size_t n = 0;

	if (com1.present)
		uart16550_write(&com1, s, len);
	if (!con_out)
		return;
	for (size_t i = 0; i < len && n + 2 < ARRAY_SIZE(out); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			out[n++] = L'\r';
		out[n++] = c < 0x80 ? (CHAR16)c : L'?';
	}
	out[n] = 0;
	con_out->OutputString(con_out, out);
}

static void con_vline(const char *prefix, const char *fmt, va_list ap)
{
	char line[CON_LINE_MAX];
	int n = fmt_snprintf(line, sizeof(line), "%s", prefix);

	if (n < (int)sizeof(line))
		fmt_vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	for (n = 0; line[n]; n++)
		;
	if (n == sizeof(line) - 1)
		n--;
	line[n++] = '\n';
	con_write(line, (size_t)n);
}

void con_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	con_vline("keel-boot: ", fmt, ap);
	va_end(ap);
}

void con_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	con_vline("keel-boot: error: ", fmt, ap);
	va_end(ap);
}

void con_detach(void)
{
	con_out = NULL;
}

const char *efi_status_str(EFI_STATUS status)
{
	static char other[40];

	switch (status) {
	case EFI_NOT_FOUND:
		return "not found";
	case EFI_OUT_OF_RESOURCES:
		return "out of memory";
	case EFI_DEVICE_ERROR:
		return "device error";
	case EFI_VOLUME_CORRUPTED:
		return "file system corrupted";
	case EFI_ACCESS_DENIED:
		return "access denied";
	case EFI_UNSUPPORTED:
		return "unsupported";
	case EFI_INVALID_PARAMETER:
		return "invalid parameter";
	case EFI_BUFFER_TOO_SMALL:
		return "buffer too small";
	case EFI_NO_MEDIA:
		return "no media";
	case EFI_MEDIA_CHANGED:
		return "media changed";
	}
	fmt_snprintf(other, sizeof(other), "EFI status 0x%llx", (unsigned long long)status);
	return other;
}
