/* SPDX-License-Identifier: GPL-2.0-only */
/* Turning the machine off: ACPI S5 where the FADT allows it, then emulator ports that are detected. */
#ifndef KEEL_POWER_H
#define KEEL_POWER_H

#include <keel/types.h>

/* Drains the console, prints "keel: power off (<method>)", and never returns. */
__noreturn void power_off(void);

#endif
