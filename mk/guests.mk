# SPDX-License-Identifier: GPL-2.0-only
# Guest test kernels (tests/guests/): freestanding ELF images that run under Keel or bare metal.

GUEST_SRC := tests/guests
GUEST_OUT := $(BUILD)/guests

GUEST_CFLAGS_COMMON := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-mgeneral-regs-only -fno-omit-frame-pointer -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -nostdinc -isystem $(CLANG_RES)/include -Iinclude \
	-I$(GUEST_SRC)/lib
GUEST_CFLAGS_32 := --target=i386-unknown-none-elf -march=i686 $(GUEST_CFLAGS_COMMON)
GUEST_CFLAGS_64 := --target=x86_64-unknown-none-elf -mno-red-zone $(GUEST_CFLAGS_COMMON)

GUEST_LIB_SRCS := $(GUEST_SRC)/lib/lib.c $(GUEST_SRC)/lib/pt.c $(GUEST_SRC)/lib/trap.S \
	$(GUEST_SRC)/lib/user.S
GUEST_ENTRY    := $(GUEST_SRC)/lib/entry.S

# Most guests load at 1 MiB; `modes` starts in real mode, so its entry must sit below 64 KiB.
GUEST_BASE_DEFAULT := 0x100000

# Object path for source $(2) built for $(1) bits.
guest_obj = $(GUEST_OUT)/obj$(strip $(1))/$(basename $(strip $(2))).o

define guest_objrule
$(call guest_obj,$(1),$(2)): $(2) $(wildcard $(GUEST_SRC)/lib/*.h) include/keel/guest_abi.h
	@mkdir -p $$(dir $$@)
	$$(CC) $$(GUEST_CFLAGS_$(1)) -MMD -MP -c -o $$@ $$<
-include $(patsubst %.o,%.d,$(call guest_obj,$(1),$(2)))
endef

# $(call guest,NAME,BITS,SOURCES[,BASE]): $(GUEST_OUT)/NAME.elf, always ELF32 (the
# 64-bit ones converted: multiboot loaders such as QEMU's -kernel take only ELF32; Keel takes both).
define guest
GUEST_NAMES += $(1)
GUEST_$(1)_OBJS := $(foreach s,$(3) $(GUEST_LIB_SRCS) $(GUEST_ENTRY),$(call guest_obj,$(2),$(s)))
$(GUEST_OUT)/$(1).elf: $$(GUEST_$(1)_OBJS) $(GUEST_SRC)/lib/guest.ld
	$$(LD) -static -nostdlib --no-dynamic-linker -z max-page-size=4096 -z norelro \
		-z separate-loadable-segments \
		--defsym=GUEST_BASE=$(or $(4),$(GUEST_BASE_DEFAULT)) -T $(GUEST_SRC)/lib/guest.ld \
		-o $$@.tmp $$(GUEST_$(1)_OBJS)
	$(if $(filter 64,$(2)),$$(OBJCOPY) -O elf32-i386 $$@.tmp $$@ && rm -f $$@.tmp,mv $$@.tmp $$@)
endef


# NAME:BITS:SOURCES (joined by +)[:LOAD ADDRESS]
GUEST_TABLE := \
	modes:32:$(GUEST_SRC)/modes/modes.c+$(GUEST_SRC)/modes/modes_asm.S:0x8000 \
	paging32:32:$(GUEST_SRC)/paging/paging.c \
	paging64:64:$(GUEST_SRC)/paging/paging.c \
	faults32:32:$(GUEST_SRC)/faults/faults.c \
	faults64:64:$(GUEST_SRC)/faults/faults.c \
	churn:64:$(GUEST_SRC)/churn/churn.c \
	exits:64:$(GUEST_SRC)/exits/exits.c \
	faultin:64:$(GUEST_SRC)/faultin/faultin.c \
	demo:32:$(GUEST_SRC)/demo/demo.c \
	hostile:64:$(GUEST_SRC)/hostile/hostile.c

guest_field = $(word $(2),$(subst :, ,$(1)))
guest_srcs = $(subst +, ,$(call guest_field,$(1),3))
$(foreach g,$(GUEST_TABLE),$(eval $(call guest,$(call guest_field,$(g),1),\
	$(call guest_field,$(g),2),$(call guest_srcs,$(g)),$(call guest_field,$(g),4))))

guest_srcs_of = $(foreach g,$(GUEST_TABLE),$(if $(filter $(1),$(call guest_field,$(g),2)),\
	$(call guest_srcs,$(g))))
GUEST_SRCS_32 := $(sort $(GUEST_LIB_SRCS) $(GUEST_ENTRY) $(call guest_srcs_of,32))
GUEST_SRCS_64 := $(sort $(GUEST_LIB_SRCS) $(GUEST_ENTRY) $(call guest_srcs_of,64))
$(foreach s,$(GUEST_SRCS_32),$(eval $(call guest_objrule,32,$(s))))
$(foreach s,$(GUEST_SRCS_64),$(eval $(call guest_objrule,64,$(s))))

GUEST_ELFS := $(patsubst %,$(GUEST_OUT)/%.elf,$(GUEST_NAMES))

.PHONY: guests
guests: $(GUEST_ELFS)
ALL_TARGETS += $(GUEST_ELFS)
