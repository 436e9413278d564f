/* SPDX-License-Identifier: GPL-2.0-only */
/* Keel's release version, shown in the boot banner. */
#ifndef KEEL_VERSION_H
#define KEEL_VERSION_H

#define KEEL_VERSION "0.1.0"

#endif
