# SPDX-License-Identifier: GPL-2.0-only
# newlib from Debian's newlib-source: only the pure parts the kernel uses, built with kernel flags.

# newlib is a cache shared by every build directory: it depends only on the tarball and this file.
NEWLIB_DIR     := build/newlib
NEWLIB_TARBALL := $(firstword $(wildcard /usr/src/newlib/newlib-*.tar.*))
NEWLIB_SRC     := $(NEWLIB_DIR)/src/newlib/libc
NEWLIB_INC     := $(NEWLIB_DIR)/include
NEWLIB_LIB     := $(NEWLIB_DIR)/libc.a

NEWLIB_FILES := \
	string/memchr.c string/memcmp.c string/memcpy.c string/memmove.c string/memset.c \
	string/strcat.c string/strchr.c string/strcmp.c string/strcpy.c string/strcspn.c \
	string/strlen.c string/strncat.c string/strncmp.c string/strncpy.c string/strnlen.c \
	string/strrchr.c string/strspn.c string/strstr.c string/strcasecmp.c string/strncasecmp.c \
	string/strlcpy.c string/strlcat.c string/strtok_r.c \
	ctype/ctype_.c ctype/isalnum.c ctype/isalpha.c ctype/iscntrl.c ctype/isdigit.c \
	ctype/islower.c ctype/isprint.c ctype/ispunct.c ctype/isspace.c \
	ctype/isupper.c ctype/isxdigit.c ctype/tolower.c ctype/toupper.c \
	stdlib/strtol.c stdlib/strtoul.c stdlib/strtoll.c stdlib/strtoull.c stdlib/atoi.c \
	stdlib/abs.c stdlib/labs.c search/qsort.c search/bsearch.c \
	stdio/nano-vfprintf.c stdio/nano-vfprintf_i.c stdio/snprintf.c stdio/vsnprintf.c \
	stdio/sprintf.c stdio/vsprintf.c \
	errno/errno.c reent/impure.c

# newlib's own sources are not ours to fix: warnings off, and never let the compiler turn a copy
# loop inside memcpy into a call to memcpy.
NEWLIB_CFLAGS = --target=x86_64-unknown-none-elf -std=gnu11 -O2 -g \
	-ffreestanding -fno-builtin -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fno-common -w \
	-nostdinc -isystem $(NEWLIB_INC) -isystem $(CLANG_RES)/include \
	-D_COMPILING_NEWLIB -DMISSING_SYSCALL_NAMES -DNO_FLOATING_POINT -D_I386MACH_ALLOW_HW_INTERRUPTS

NEWLIB_OBJS := $(addprefix $(NEWLIB_DIR)/obj/,$(subst /,_,$(NEWLIB_FILES:.c=.o)))

$(NEWLIB_DIR)/.unpacked: mk/newlib.mk mk/newlib/newlib.h
	@test -n "$(NEWLIB_TARBALL)" || { echo "newlib: no tarball in /usr/src/newlib (run tools/deps.sh)"; exit 1; }
	@rm -rf $(NEWLIB_DIR)/src $(NEWLIB_INC) && mkdir -p $(NEWLIB_DIR)/src
	tar -xf $(NEWLIB_TARBALL) -C $(NEWLIB_DIR)/src --strip-components=1 --wildcards '*/newlib/libc'
	cp -r $(NEWLIB_SRC)/include $(NEWLIB_INC)
	cp mk/newlib/newlib.h $(NEWLIB_INC)/newlib.h
	@touch $@

# Every object depends on the unpacked tree; file names are flattened (string/memcpy.c → string_memcpy.o).
define newlib_obj
$(NEWLIB_DIR)/obj/$(subst /,_,$(1:.c=.o)): $(NEWLIB_DIR)/.unpacked
	@mkdir -p $$(dir $$@)
	@$$(CC) $$(NEWLIB_CFLAGS) -I$$(NEWLIB_SRC)/$(dir $(1)) $(if $(findstring nano-vfprintf.c,$(1)),-DSTRING_ONLY) -c $$(NEWLIB_SRC)/$(1) -o $$@
endef
$(foreach f,$(NEWLIB_FILES),$(eval $(call newlib_obj,$(f))))

$(NEWLIB_LIB): $(NEWLIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(NEWLIB_INC): $(NEWLIB_DIR)/.unpacked

.PHONY: newlib
newlib: $(NEWLIB_LIB)
