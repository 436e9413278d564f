/* SPDX-License-Identifier: GPL-2.0-only */
/* power_off(): ACPI S5 where the tables allow it, then emulator ports found present, then halt. */
#include <keel/power.h>
#include <keel/acpi.h>
#include <keel/arch.h>
#include <keel/console.h>
#include <keel/printk.h>
#include <arch/io.h>
#include <string.h>

/*
 * Emulator ports. Each is used only after the emulator has been recognised, because on real
 * hardware (or another emulator) the same port may belong to something else.
 *
 * QEMU fw_cfg (QEMU docs/specs/fw_cfg.rst): write a 16-bit item selector to the selector port,
 * read the item's bytes from the data port; item 0 is the signature "QEMU".
 * QEMU isa-debug-exit (-device isa-debug-exit, iobase 0xf4 by default): a write of v ends QEMU
 * with exit status (v << 1) | 1.
 * Bochs (iodev/unmapped.cc): with port_e9_hack enabled, a read of port 0xe9 returns 0xe9; the
 * bytes of "Shutdown" written in order to port 0x8900 end the simulation.
 */
#define FW_CFG_PORT_SEL	      0x510
#define FW_CFG_PORT_DATA      0x511
#define FW_CFG_ITEM_SIGNATURE 0x0000
#define FW_CFG_SIGNATURE      "QEMU"
#define QEMU_DEBUG_EXIT_PORT  0xf4
#define QEMU_DEBUG_EXIT_VALUE 0
#define BOCHS_E9_PORT	      0xe9
#define BOCHS_E9_ANSWER	      0xe9
#define BOCHS_SHUTDOWN_PORT   0x8900
#define BOCHS_SHUTDOWN_STRING "Shutdown"

/* How long to wait for a method to take effect before trying the next: ~1 us per port write. */
#define POWER_OFF_SETTLE_DELAYS 200000
/* How long the firmware may take to switch to ACPI mode (Linux allows it about 3 s). */
#define ACPI_ENABLE_POLL_DELAYS 3000000

static void announce(const char *method)
{
	printk_raw("keel: power off (%s)\n", method);
	console_drain();
}

static void settle(void)
{
	for (unsigned int i = 0; i < POWER_OFF_SETTLE_DELAYS; i++)
		io_delay();
}

/* Keep the register's other bits, replace SLP_TYP, leave SLP_EN clear for now. */
static u16 pm1_cnt_with_type(u16 port, u8 slp_typ)
{
	u16 v = inw(port) & ~(ACPI_PM1_SLP_TYP_MASK | ACPI_PM1_SLP_EN);

	return v | (u16)(slp_typ << ACPI_PM1_SLP_TYP_SHIFT);
}

/*
 * ACPI chapter 16 (Waking and Sleeping): both PM1 control blocks get their SLP_TYP value first,
 * then SLP_EN is set in each, PM1a before PM1b. Keel runs no _PTS method: it has no AML
 * interpreter, and the emulators it targets need none.
 */
static void acpi_s5(const struct acpi_info *ai)
{
	u16 a = pm1_cnt_with_type(ai->pm1a_cnt.port, ai->slp_typa);
	u16 b = 0;

	outw(ai->pm1a_cnt.port, a);
	if (ai->pm1b_cnt.present) {
		b = pm1_cnt_with_type(ai->pm1b_cnt.port, ai->slp_typb);
		outw(ai->pm1b_cnt.port, b);
	}
	outw(ai->pm1a_cnt.port, a | ACPI_PM1_SLP_EN);
	if (ai->pm1b_cnt.present)
		outw(ai->pm1b_cnt.port, b | ACPI_PM1_SLP_EN);
}

/*
 * A PC may still be in legacy (SMM-owned) mode, where SLP_EN is not guaranteed to be honoured.
 * Writing ACPI_ENABLE to the FADT's SMI command port asks the firmware to hand ACPI over; it
 * sets SCI_EN when done.
 */
static void acpi_enter_acpi_mode(const struct acpi_info *ai)
{
	if ((inw(ai->pm1a_cnt.port) & ACPI_PM1_SCI_EN) || !ai->smi_cmd || !ai->acpi_enable)
		return;
	outb(ai->smi_cmd, ai->acpi_enable);
	for (unsigned int i = 0; i < ACPI_ENABLE_POLL_DELAYS; i++) {
		if (inw(ai->pm1a_cnt.port) & ACPI_PM1_SCI_EN)
			return;
		io_delay();
	}
	printk_raw("keel: power off: the firmware did not enter ACPI mode\n");
	console_drain();
}

static bool qemu_fw_cfg_present(void)
{
	char sig[sizeof(FW_CFG_SIGNATURE) - 1];

	outw(FW_CFG_PORT_SEL, FW_CFG_ITEM_SIGNATURE);
	for (size_t i = 0; i < sizeof(sig); i++)
		sig[i] = (char)inb(FW_CFG_PORT_DATA);
	return memcmp(sig, FW_CFG_SIGNATURE, sizeof(sig)) == 0;
}

static bool bochs_present(void)
{
	return inb(BOCHS_E9_PORT) == BOCHS_E9_ANSWER;
}

static void bochs_shutdown(void)
{
	for (const char *p = BOCHS_SHUTDOWN_STRING; *p; p++)
		outb(BOCHS_SHUTDOWN_PORT, (u8)*p);
}

__noreturn void power_off(void)
{
	const struct acpi_info *ai = acpi_get_info();
	bool qemu;

	console_drain();
	if (!ai) {
		printk_raw("keel: power off: no usable ACPI tables\n");
	} else if (!ai->s5_found || !ai->pm1a_cnt.present) {
		printk_raw("keel: power off: ACPI has no %s\n",
			   ai->s5_found ? "PM1a control block" : "_S5_ sleep type");
	} else {
		acpi_enter_acpi_mode(ai);
		announce("acpi s5");
		acpi_s5(ai);
		settle();
	}

	/* QEMU's isa-debugcon answers 0xe9 as Bochs's e9 hack does, so QEMU is ruled out first. */
	qemu = qemu_fw_cfg_present();
	if (qemu) {
		announce("qemu isa-debug-exit");
		outb(QEMU_DEBUG_EXIT_PORT, QEMU_DEBUG_EXIT_VALUE);
		settle();
	} else if (bochs_present()) {
		announce("bochs shutdown port");
		bochs_shutdown();
		settle();
	}

	printk_raw("keel: power off failed: no method worked, halting\n");
	console_drain();
	arch_halt();
}
