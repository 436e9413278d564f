#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install the Debian packages Keel's build and tests need; silent when all are present.
set -euo pipefail

# package:probe — a probe is a command on PATH or an absolute path that the package installs.
needs=(
	clang:clang
	lld:ld.lld
	binutils:objcopy
	gnu-efi:/usr/include/efi/efi.h
	newlib-source:/usr/src/newlib
	qemu-system-x86:qemu-system-x86_64
	ovmf:/usr/share/ovmf/OVMF.fd
	bochs:bochs
	bochsbios:/usr/share/bochs/BIOS-bochs-latest
	vgabios:/usr/share/vgabios/vgabios.bin
	grub-pc-bin:/usr/lib/grub/i386-pc/multiboot2.mod
	grub-efi-amd64-bin:/usr/lib/grub/x86_64-efi/multiboot2.mod
	grub-common:grub-mkrescue
	xorriso:xorriso
	mtools:mcopy
	dosfstools:mkfs.fat
	libcmocka-dev:/usr/include/cmocka.h
	valgrind:valgrind
	python3:python3
)

missing=()
for entry in "${needs[@]}"; do
	pkg=${entry%%:*}
	probe=${entry#*:}
	if [[ $probe == /* ]]; then
		[[ -e $probe ]] && continue
	else
		command -v "$probe" >/dev/null 2>&1 && continue
	fi
	missing+=("$pkg")
done

((${#missing[@]} == 0)) && exit 0

if [[ $(id -u) -eq 0 ]]; then
	sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo=(sudo -n)
else
	echo "deps: missing Debian packages: ${missing[*]}" >&2
	echo "deps: run as root: apt-get install ${missing[*]}" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >/dev/null
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
