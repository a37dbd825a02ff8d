# guest.mk: build the lab's dirtying guest kernel, build/lab/dirtier.elf,
# its link relay, build/lab/relay, and the hosts' child reaper, build/lab/reaper.
#
# A make fragment: the top-level Makefile includes it, and it also works on
# its own, from the repository root:
#     make -f tools/lab/guest/guest.mk build/lab/dirtier.elf
# Paths are relative to the repository root.  Only gcc and GNU ld are
# needed (no multilib: the guest uses no libc).  Every name it defines
# starts with LAB_ or lab- so it cannot clash with the services' build.

LAB_GUEST_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
LAB_BUILD     := build/lab
LAB_KERNEL    := $(LAB_BUILD)/dirtier.elf

LAB_GUEST_CC      ?= gcc
LAB_GUEST_LD      ?= ld
LAB_GUEST_CFLAGS  := -m32 -march=i686 -O2 -ffreestanding -fno-pic \
                     -fno-stack-protector -fno-asynchronous-unwind-tables \
                     -nostdlib -Wall -Wextra -Werror
LAB_GUEST_LDFLAGS := -m elf_i386 -nostdlib -T $(LAB_GUEST_DIR)/link.ld
LAB_GUEST_HDRS    := $(LAB_GUEST_DIR)/io.h $(LAB_GUEST_DIR)/disk.h
LAB_GUEST_OBJS    := $(LAB_BUILD)/boot.o $(LAB_BUILD)/dirtier.o $(LAB_BUILD)/disk.o

# Keep whatever default goal the including Makefile has (or will have):
# a fragment included at the top must not make the guest the default.
lab_saved_goal := $(.DEFAULT_GOAL)

$(LAB_KERNEL): $(LAB_GUEST_OBJS) $(LAB_GUEST_DIR)/link.ld
	$(LAB_GUEST_LD) $(LAB_GUEST_LDFLAGS) -o $@ $(LAB_GUEST_OBJS)

# Static pattern rules: they beat any build/%.o rule of the includer.
$(LAB_BUILD)/boot.o: $(LAB_BUILD)/%.o: $(LAB_GUEST_DIR)/%.S $(LAB_GUEST_DIR)/guest.mk
	@mkdir -p $(LAB_BUILD)
	$(LAB_GUEST_CC) $(LAB_GUEST_CFLAGS) -c -o $@ $<

$(LAB_BUILD)/dirtier.o $(LAB_BUILD)/disk.o: $(LAB_BUILD)/%.o: $(LAB_GUEST_DIR)/%.c \
		$(LAB_GUEST_HDRS) $(LAB_GUEST_DIR)/guest.mk
	@mkdir -p $(LAB_BUILD)
	$(LAB_GUEST_CC) $(LAB_GUEST_CFLAGS) -c -o $@ $<

# The lab's link relay (tools/lab/relay.c), a program of this machine.
LAB_RELAY        := $(LAB_BUILD)/relay
LAB_RELAY_CC     ?= cc
LAB_RELAY_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE

$(LAB_RELAY): $(LAB_GUEST_DIR)/../relay.c $(LAB_GUEST_DIR)/guest.mk
	@mkdir -p $(LAB_BUILD)
	$(LAB_RELAY_CC) $(LAB_RELAY_CFLAGS) -o $@ $<

# Each lab host's libvirtd runs under it (tools/lab/reaper.c): its guests'
# QEMU are reaped the moment they exit, as systemd reaps them on a real host.
LAB_REAPER := $(LAB_BUILD)/reaper

$(LAB_REAPER): $(LAB_GUEST_DIR)/../reaper.c $(LAB_GUEST_DIR)/guest.mk
	@mkdir -p $(LAB_BUILD)
	$(LAB_RELAY_CC) $(LAB_RELAY_CFLAGS) -o $@ $<

.PHONY: lab-guest lab-guest-clean
lab-guest: $(LAB_KERNEL) $(LAB_RELAY) $(LAB_REAPER)

lab-guest-clean:
	rm -f $(LAB_KERNEL) $(LAB_GUEST_OBJS) $(LAB_RELAY) $(LAB_REAPER)

.DEFAULT_GOAL := $(lab_saved_goal)
