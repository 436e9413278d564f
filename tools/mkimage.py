#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Build a bootable GPT disk image with one EFI system partition for Keel.

  mkimage.py --out IMG --loader BOOTX64.EFI (--kernel keel.elf | --no-kernel)
             [--cmdline TEXT] [--module NAME=PATH[:CMDLINE]]... [--cfg-text RAW_CONFIG_TEXT]

The ESP holds EFI/BOOT/BOOTX64.EFI, keel/keel.elf, keel/keel.cfg and every module under keel/.
keel.cfg is generated from --cmdline and --module, or is --cfg-text verbatim (which lets tests
hand the loader a broken config). Needs mkfs.fat and mtools; no root, no loop devices.
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import uuid
import zlib

SECTOR = 512
MIB = 1 << 20
ESP_START_LBA = 2048          # the partition starts at 1 MiB
MIN_IMAGE_BYTES = 64 * MIB
SLACK_BYTES = 16 * MIB

# UEFI spec 5.2.3 "Protective MBR" and 5.3 "GUID Partition Table (GPT) Disk Layout".
MBR_PART_OFFSET = 446
MBR_TYPE_PROTECTIVE = 0xEE
MBR_SIGNATURE = b"\x55\xaa"
GPT_SIGNATURE = b"EFI PART"
GPT_REVISION = 0x00010000
GPT_HEADER_SIZE = 92
GPT_ENTRIES = 128
GPT_ENTRY_SIZE = 128
GPT_ENTRY_SECTORS = GPT_ENTRIES * GPT_ENTRY_SIZE // SECTOR
ESP_TYPE_GUID = uuid.UUID("c12a7328-f81f-11d2-ba4b-00a0c93ec93b")

# Limits the loader enforces (include/keel/bootinfo.h, boot/cfg.h); checked here to fail early.
CMDLINE_MAX = 1023
MODULE_NAME_MAX = 31
MODULE_CMDLINE_MAX = 223


def fail(msg):
    print(f"mkimage: error: {msg}", file=sys.stderr)
    sys.exit(1)


def parse_module(spec):
    name, sep, rest = spec.partition("=")
    if not sep or not name or not rest:
        fail(f"--module {spec!r}: want NAME=PATH[:CMDLINE]")
    path, _, cmdline = rest.partition(":")
    if len(name) > MODULE_NAME_MAX or not all(0x21 <= ord(c) < 0x7F for c in name):
        fail(f"--module {spec!r}: name must be 1-{MODULE_NAME_MAX} printable ASCII characters")
    if len(cmdline.encode()) > MODULE_CMDLINE_MAX or "\n" in cmdline:
        fail(f"--module {spec!r}: command line must be one line of at most "
             f"{MODULE_CMDLINE_MAX} bytes")
    if not os.path.isfile(path):
        fail(f"--module {spec!r}: {path}: no such file")
    base = os.path.basename(path)
    if not all(0x21 <= ord(c) < 0x7F for c in base) or base.lower() in ("keel.elf", "keel.cfg"):
        fail(f"--module {spec!r}: file name {base!r} cannot be used on the ESP")
    return name, path, base, cmdline


def make_config(cmdline, modules):
    lines = ["# Keel boot configuration, written by tools/mkimage.py"]
    if cmdline:
        lines.append(f"cmdline {cmdline}")
    for name, _, base, mod_cmdline in modules:
        lines.append(f"module {name} \\keel\\{base} {mod_cmdline}".rstrip())
    return "\n".join(lines) + "\n"


def run(cmd, **kw):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if proc.returncode:
        fail(f"{' '.join(cmd)} failed:\n{proc.stdout}")


def make_fat(part_img, part_bytes, files):
    """A FAT32 file system image holding files, a list of (ESP path, host path)."""
    run(["mkfs.fat", "-F", "32", "-n", "KEEL", "-C", part_img, str(part_bytes // 1024)])
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    dirs = sorted({os.path.dirname(dst) for dst, _ in files} | {"EFI", "EFI/BOOT", "keel"})
    for d in dirs:
        run(["mmd", "-D", "s", "-i", part_img, f"::{d}"], env=env)
    for dst, src in files:
        run(["mcopy", "-o", "-i", part_img, src, f"::{dst}"], env=env)


def gpt_entries(first_lba, last_lba):
    entry = struct.pack("<16s16sQQQ72s", ESP_TYPE_GUID.bytes_le, uuid.uuid4().bytes_le,
                        first_lba, last_lba, 0, "EFI system partition".encode("utf-16-le"))
    return entry + bytes(GPT_ENTRY_SIZE * (GPT_ENTRIES - 1))


def gpt_header(my_lba, alt_lba, entries_lba, first_usable, last_usable, disk_guid, entries_crc):
    def pack(crc):
        return struct.pack("<8sIIIIQQQQ16sQIII", GPT_SIGNATURE, GPT_REVISION, GPT_HEADER_SIZE,
                           crc, 0, my_lba, alt_lba, first_usable, last_usable, disk_guid,
                           entries_lba, GPT_ENTRIES, GPT_ENTRY_SIZE, entries_crc)
    header = pack(zlib.crc32(pack(0)))
    return header + bytes(SECTOR - len(header))


def protective_mbr(total_sectors):
    mbr = bytearray(SECTOR)
    size = min(total_sectors - 1, 0xFFFFFFFF)
    # Boot indicator, CHS start 0/0/2, type, CHS end (unrepresentable), LBA start 1, size.
    part = struct.pack("<B3sB3sII", 0, b"\x00\x02\x00", MBR_TYPE_PROTECTIVE, b"\xff\xff\xff",
                       1, size)
    mbr[MBR_PART_OFFSET:MBR_PART_OFFSET + len(part)] = part
    mbr[510:512] = MBR_SIGNATURE
    return bytes(mbr)


def write_image(out, part_img, part_sectors):
    total = ESP_START_LBA + part_sectors + ESP_START_LBA  # 1 MiB before and after the ESP
    first_lba, last_lba = ESP_START_LBA, ESP_START_LBA + part_sectors - 1
    entries = gpt_entries(first_lba, last_lba)
    entries_crc = zlib.crc32(entries)
    disk_guid = uuid.uuid4().bytes_le
    first_usable = 2 + GPT_ENTRY_SECTORS
    last_usable = total - 2 - GPT_ENTRY_SECTORS
    backup_entries_lba = total - 1 - GPT_ENTRY_SECTORS
    primary = gpt_header(1, total - 1, 2, first_usable, last_usable, disk_guid, entries_crc)
    backup = gpt_header(total - 1, 1, backup_entries_lba, first_usable, last_usable, disk_guid,
                        entries_crc)
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.truncate(total * SECTOR)
        f.write(protective_mbr(total))
        f.write(primary)
        f.write(entries)
        f.seek(first_lba * SECTOR)
        with open(part_img, "rb") as p:
            shutil.copyfileobj(p, f, MIB)
        f.seek(backup_entries_lba * SECTOR)
        f.write(entries)
        f.write(backup)
    os.replace(tmp, out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="disk image to write")
    ap.add_argument("--loader", required=True, help="BOOTX64.EFI")
    kern = ap.add_mutually_exclusive_group(required=True)
    kern.add_argument("--kernel", help="keel.elf")
    kern.add_argument("--no-kernel", action="store_true", help="leave keel/keel.elf out")
    ap.add_argument("--cmdline", default="", help="kernel command line")
    ap.add_argument("--module", action="append", default=[], metavar="NAME=PATH[:CMDLINE]")
    ap.add_argument("--cfg-text", help="write this as keel/keel.cfg instead of generating it")
    args = ap.parse_args()

    if args.cfg_text is not None and args.cmdline:
        fail("--cmdline and --cfg-text exclude each other")
    if "\n" in args.cmdline or len(args.cmdline.encode()) > CMDLINE_MAX:
        fail(f"--cmdline must be one line of at most {CMDLINE_MAX} bytes")
    modules = [parse_module(m) for m in args.module]
    names = [m[0] for m in modules]
    bases = [m[2].lower() for m in modules]
    if len(set(names)) != len(names):
        fail("two --module options use the same name")
    if len(set(bases)) != len(bases):
        fail("two --module files have the same file name")
    for path in [args.loader] + ([args.kernel] if args.kernel else []):
        if not os.path.isfile(path):
            fail(f"{path}: no such file")

    cfg = args.cfg_text if args.cfg_text is not None else make_config(args.cmdline, modules)
    with tempfile.TemporaryDirectory(prefix="keel-mkimage-") as tmp:
        cfg_path = os.path.join(tmp, "keel.cfg")
        with open(cfg_path, "w", encoding="utf-8", newline="") as f:
            f.write(cfg)
        files = [("EFI/BOOT/BOOTX64.EFI", args.loader), ("keel/keel.cfg", cfg_path)]
        if args.kernel:
            files.append(("keel/keel.elf", args.kernel))
        files += [(f"keel/{base}", path) for _, path, base, _ in modules]
        content = sum(os.path.getsize(src) for _, src in files)
        image_bytes = max(MIN_IMAGE_BYTES, content * 5 // 4 + SLACK_BYTES)
        part_bytes = (image_bytes + MIB - 1) // MIB * MIB - 2 * MIB
        part_img = os.path.join(tmp, "esp.img")
        make_fat(part_img, part_bytes, files)
        write_image(args.out, part_img, part_bytes // SECTOR)


if __name__ == "__main__":
    main()
