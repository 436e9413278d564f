# SPDX-License-Identifier: GPL-2.0-only
# Toolchains and flags shared by every fragment: the freestanding kernel, EFI, and hosted tests.

BUILD      := build
CC         := clang
LD         := ld.lld
OBJCOPY    := objcopy
AR         := llvm-ar
PYTHON     := python3
CLANG_RES  := $(shell $(CC) -print-resource-dir 2>/dev/null)

# newlib.mk sets NEWLIB_INC and NEWLIB_LIB; they are used here lazily (=, not :=).
KERNEL_CFLAGS = --target=x86_64-unknown-none-elf -std=gnu11 -O2 -g \
	-ffreestanding -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-omit-frame-pointer -fno-common -fno-strict-aliasing \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
	-nostdinc -isystem $(NEWLIB_INC) -isystem $(CLANG_RES)/include \
	-Iinclude -Iarch/x86/include -I. -DKEEL_KERNEL
KERNEL_ASFLAGS = --target=x86_64-unknown-none-elf -g -Iinclude -Iarch/x86/include -I. \
	-D__ASSEMBLER__ -DKEEL_KERNEL

# Hosted code (unit tests, hosted libraries): ASan + UBSan, every warning an error.
HOST_CC      := clang
HOST_CFLAGS  := -std=gnu11 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -Iinclude -Iarch/x86/include -I. -DKEEL_HOSTED
HOST_LDFLAGS := -fsanitize=address,undefined

# Every header in the tree: a test program built from several sources in one compiler call gets
# no reliable dependency file, so each depends on all of them.
HOST_HEADERS := $(shell find include arch vmm kernel mm drivers boot tests -name '*.h' 2>/dev/null)

# $(call unit_test,NAME,SOURCES): a cmocka test program build/unit/NAME run by `make test-unit`.
define unit_test
UNIT_TESTS += $(BUILD)/unit/$(1)
$(BUILD)/unit/$(1): $(2) $$(HOST_HEADERS)
	@mkdir -p $$(dir $$@)
	$$(HOST_CC) $$(HOST_CFLAGS) -o $$@ $(2) $$(HOST_LDFLAGS) -lcmocka
endef

# $(call bench_prog,PATH): a program that prints `bench <name> <value> <unit>` lines for `make bench`.
define bench_prog
BENCH_PROGS += $(1)
endef
