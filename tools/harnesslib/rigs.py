# SPDX-License-Identifier: GPL-2.0-only
# The rigs: how to build boot media for a kernel and the emulator command line that boots it.
import os
import re
import shlex
import shutil
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOCHS_DIR = os.path.join(REPO, "tools", "bochs")

OVMF_FD = "/usr/share/ovmf/OVMF.fd"
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
BOCHS_BIOS = "/usr/share/bochs/BIOS-bochs-latest"
VGABIOS = "/usr/share/vgabios/vgabios.bin"

RIGS = ("qemu", "qemu-kvm", "bochs", "bochs-ovmf", "fake")
# What each rig boots: a GPT image through OVMF, or a GRUB ISO through the legacy BIOS
# (tools/mkiso.sh makes BIOS-only ISOs, which OVMF cannot start).
MEDIA = {"qemu": ("image",), "qemu-kvm": ("image",), "bochs": ("iso",),
         "bochs-ovmf": ("image",), "fake": ()}
# Bochs+OVMF has no ACPI tables (OVMF builds them only from QEMU's fw_cfg), so no MADT and one CPU.
DEFAULT_SMP = {"qemu": 4, "qemu-kvm": 4, "bochs": 2, "bochs-ovmf": 1, "fake": 1}
BOCHS_MEGS = 512


class RigError(Exception):
    """A setup problem the user must fix: missing files, wrong media for the rig, no KVM."""


def _need_file(path, what):
    if not os.path.isfile(path):
        raise RigError(f"{what} not found: {path}")


def _run_tool(argv, what, log_path):
    with open(log_path, "ab") as log:
        log.write(("$ " + shlex.join(argv) + "\n").encode())
        log.flush()
        try:
            proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=log,
                                  stderr=subprocess.STDOUT, timeout=300)
        except FileNotFoundError as e:
            raise RigError(f"{what}: cannot run {argv[0]}: {e.strerror}") from e
        except subprocess.TimeoutExpired as e:
            raise RigError(f"{what}: {argv[0]} did not finish in 300 s") from e
    if proc.returncode != 0:
        with open(log_path, "rb") as log:
            tail = log.read().decode(errors="replace").splitlines()[-10:]
        raise RigError(f"{what} failed (exit {proc.returncode}):\n  " + "\n  ".join(tail))


def parse_module(spec):
    """NAME=PATH[:CMDLINE] -> (name, path, cmdline); the path must exist."""
    m = re.match(r"^([^=:\s]+)=([^:]+)(?::(.*))?$", spec)
    if not m:
        raise RigError(f"bad --module '{spec}': expected NAME=PATH[:CMDLINE]")
    _need_file(m.group(2), f"module {m.group(1)}")
    return m.group(1), m.group(2), m.group(3) or ""


def build_media(rig, kernel, cmdline, modules, loader, tmpdir, log_path):
    """Builds a private image (OVMF rigs) or ISO (GRUB rig) for kernel; returns its path."""
    _need_file(kernel, "kernel")
    mods = [parse_module(m) for m in modules]
    if "image" in MEDIA[rig]:
        _need_file(loader, "UEFI loader (build it, or pass --loader)")
        out = os.path.join(tmpdir, "keel.img")
        argv = [os.path.join(REPO, "tools", "mkimage.py"), "--out", out, "--loader", loader,
                "--kernel", kernel, "--cmdline", cmdline]
        for name, path, mcmd in mods:
            argv += ["--module", f"{name}={path}" + (f":{mcmd}" if mcmd else "")]
        _run_tool(argv, "building the boot image", log_path)
        return out
    out = os.path.join(tmpdir, "keel.iso")
    argv = [os.path.join(REPO, "tools", "mkiso.sh"), out, kernel, cmdline]
    argv += [f"{name}={path}" + (f":{mcmd}" if mcmd else "") for name, path, mcmd in mods]
    _run_tool(argv, "building the GRUB ISO", log_path)
    return out


def check_media(rig, kind, path):
    if kind not in MEDIA[rig]:
        wants = " or ".join("--" + k for k in MEDIA[rig]) or "no media"
        raise RigError(f"rig {rig} cannot boot --{kind}; it takes {wants} (or --kernel)")
    _need_file(path, kind)


def host_has_vmx():
    try:
        with open("/proc/cpuinfo") as f:
            return re.search(r"^flags\s*:.*\bvmx\b", f.read(), re.M) is not None
    except OSError:
        return False


def _qemu_argv(rig, path, serial, smp, tmpdir):
    argv = ["qemu-system-x86_64", "-M", "q35", "-m", "512", "-smp", str(smp)]
    if rig == "qemu-kvm":
        if not os.path.exists("/dev/kvm"):
            raise RigError("rig qemu-kvm needs /dev/kvm, and this host has none")
        if not os.access("/dev/kvm", os.R_OK | os.W_OK):
            raise RigError("rig qemu-kvm: /dev/kvm is not readable and writable by this user")
        if not host_has_vmx():
            raise RigError("rig qemu-kvm needs an Intel host CPU with VMX (no 'vmx' in "
                           "/proc/cpuinfo); use --rig qemu")
        argv += ["-enable-kvm", "-cpu", "host,+vmx"]
    else:
        argv += ["-accel", "tcg", "-cpu", "max"]
    if os.path.isfile(OVMF_CODE) and os.path.isfile(OVMF_VARS):
        vars_copy = os.path.join(tmpdir, "OVMF_VARS.fd")
        shutil.copyfile(OVMF_VARS, vars_copy)
        argv += ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}",
                 "-drive", f"if=pflash,format=raw,unit=1,file={vars_copy}"]
    else:
        _need_file(OVMF_FD, "OVMF firmware (Debian package ovmf)")
        argv += ["-bios", OVMF_FD]
    # -snapshot: the boot never writes the image; no lock: a run elsewhere may hold one.
    argv += ["-drive", f"file={path},format=raw,if=ide,media=disk,file.locking=off",
             "-snapshot"]
    argv += ["-serial", f"file:{serial}", "-display", "none", "-monitor", "none",
             "-parallel", "none", "-no-reboot", "-net", "none",
             "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    return argv


def _bochs_config(rig, path, serial, smp, tmpdir):
    values = {"VGABIOS": VGABIOS, "MEGS": str(BOCHS_MEGS), "CPUS": str(smp), "SERIAL": serial,
              "LOG": os.path.join(tmpdir, "bochs.log"), "BIOS": BOCHS_BIOS, "OVMF": OVMF_FD}
    if rig == "bochs":
        _need_file(BOCHS_BIOS, "Bochs BIOS (Debian package bochsbios)")
        template = "grub.bxrc"
        values["ISO"] = path
    else:
        _need_file(OVMF_FD, "OVMF firmware (Debian package ovmf)")
        template = "ovmf.bxrc"
        # Bochs opens the disk read-write: boot a private copy, never the build's image.
        values["IMAGE"] = os.path.join(tmpdir, "disk.img")
        shutil.copyfile(path, values["IMAGE"])
    _need_file(VGABIOS, "VGA BIOS (Debian package vgabios)")
    text = ""
    for name in ("common.bxrc", template):
        with open(os.path.join(BOCHS_DIR, name)) as f:
            text += f.read()
    for key, value in values.items():
        if re.search(r"[\s,\"]", value):
            raise RigError(f"Bochs cannot take a path with spaces, commas or quotes: {value}")
        text = text.replace(f"@{key}@", value)
    left = re.findall(r"@[A-Z]+@", text)
    if left:
        raise RigError(f"Bochs template left unfilled: {', '.join(sorted(set(left)))}")
    cfg = os.path.join(tmpdir, "keel.bxrc")
    with open(cfg, "w") as f:
        f.write(text)
    rc = os.path.join(tmpdir, "debugger.rc")
    with open(rc, "w") as f:
        f.write("c\nquit\n")
    return ["bochs", "-q", "-f", cfg, "-rc", rc]


def emulator_argv(rig, path, serial, smp, tmpdir, fake_command=None):
    """The command that boots path (an image or ISO, see MEDIA) with COM1 written to serial."""
    if rig == "fake":
        if not fake_command:
            raise RigError("rig fake needs --fake-command (a command that writes {serial})")
        return [a.replace("{serial}", serial) for a in shlex.split(fake_command)]
    if rig in ("qemu", "qemu-kvm"):
        return _qemu_argv(rig, path, serial, smp, tmpdir)
    return _bochs_config(rig, path, serial, smp, tmpdir)


def bochs_log(tmpdir):
    path = os.path.join(tmpdir, "bochs.log")
    return path if os.path.isfile(path) else None
