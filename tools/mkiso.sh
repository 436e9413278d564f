#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build a legacy-BIOS GRUB ISO that boots keel.elf through multiboot2 with a command line and modules.
#
#   tools/mkiso.sh OUT.iso KERNEL.elf "CMDLINE" [NAME=PATH[:MODULE_CMDLINE]]...
#
# GRUB waits for nothing (timeout=0) and talks on COM1. Each module is handed over with the
# string "NAME MODULE_CMDLINE", which the multiboot2 entry splits into name and command line.
set -euo pipefail

die() {
	echo "mkiso: $*" >&2
	exit 1
}

(($# >= 3)) || die "usage: $0 OUT.iso KERNEL.elf \"CMDLINE\" [NAME=PATH[:MODULE_CMDLINE]]..."
out=$1
kernel=$2
cmdline=$3
shift 3

grub_dir=/usr/lib/grub/i386-pc
[[ -f $grub_dir/multiboot2.mod ]] || die "GRUB for i386-pc is missing ($grub_dir): install grub-pc-bin"
command -v grub-mkrescue >/dev/null || die "grub-mkrescue is missing: install grub-common"
command -v xorriso >/dev/null || die "xorriso is missing: install xorriso"
[[ -f $kernel ]] || die "kernel '$kernel' does not exist"

# Every word goes into grub.cfg single-quoted. GRUB re-quotes words that hold quotes or
# backslashes when it builds the multiboot2 string, so those cannot be passed through unchanged.
grub_words() {
	local what=$1 text=$2 word
	local -a words
	[[ $text != *$'\n'* ]] || die "$what contains a newline"
	read -r -a words <<<"$text"
	for word in "${words[@]}"; do
		[[ $word != *[\'\"\\]* ]] || die "$what: quotes and backslashes are not supported: $word"
		printf " '%s'" "$word"
	done
}

work=$(mktemp -d "${TMPDIR:-/tmp}/keel-iso.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/boot/grub" "$root/keel"
cp "$kernel" "$root/keel/keel.elf"

modules=""
declare -A seen=()
for spec in "$@"; do
	[[ $spec == *=* ]] || die "module '$spec' is not NAME=PATH[:MODULE_CMDLINE]"
	name=${spec%%=*}
	rest=${spec#*=}
	path=${rest%%:*}
	mod_cmdline=""
	[[ $rest == *:* ]] && mod_cmdline=${rest#*:}
	[[ $name =~ ^[A-Za-z0-9._-]{1,31}$ ]] ||
		die "module name '$name' must be 1-31 characters of A-Z a-z 0-9 . _ -"
	[[ -z ${seen[$name]:-} ]] || die "module name '$name' given twice"
	seen[$name]=1
	[[ -f $path ]] || die "module '$name': file '$path' does not exist"
	cp "$path" "$root/keel/mod-$name"
	modules+="	module2 /keel/mod-$name '$name'$(grub_words "module '$name' command line" "$mod_cmdline")"$'\n'
done

kernel_words=$(grub_words "kernel command line" "$cmdline")
cat >"$root/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
set timeout_style=hidden
menuentry keel {
	multiboot2 /keel/keel.elf$kernel_words
$modules	boot
}
CFG

# -d selects the BIOS platform alone, so no EFI image is attempted; the module list keeps the
# core image small and the boot fast.
mkdir -p "$(dirname "$out")"
log=$work/grub-mkrescue.log
if ! grub-mkrescue -d "$grub_dir" -o "$out" --compress=xz --fonts= --locales= --themes= \
	--install-modules="multiboot2 normal serial terminal configfile echo iso9660 biosdisk" \
	"$root" >"$log" 2>&1; then
	cat "$log" >&2
	die "grub-mkrescue failed"
fi
