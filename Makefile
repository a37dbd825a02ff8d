# Ferry - OpenStack Nova's live-migration API over libvirt, in C.
#
#   make            build ferry-api, ferry-scheduler, ferry-compute, ferry-manage
#   make run        a whole system on this machine (PostgreSQL, libvirt lab, services)
#   make stop       stop what `make run` started (state kept); make clean-run wipes it
#   make test       unit, integration and end-to-end tests (as root)
#   make check      unit tests only; make lint; make bench
#   make bench-sim  the pre-copy simulator's report (tools/sim: table, JSON, PNG)
#   make bench-migration  nova against ferry on the lab, per case of SCENARIO
#                   (tools/bench/migration: table, JSON, PNG, calibrate; as root)
#   make asan       unit and integration tests built with ASan and UBSan (build-asan/)
#   make fuzz       the libFuzzer harnesses for FUZZ_SECONDS each (build-fuzz/)
#   make install    the four programs, the schema, systemd units, the sample
#                   config (PREFIX=/usr/local, DESTDIR=); make uninstall
#
# Dependencies point one way (make lint checks it):
#   api/, scheduler/, compute/ -> db/ -> libpq;  everything -> common/;
#   only compute/virt_libvirt.c includes libvirt; only api/http.c libmicrohttpd.

BUILD      ?= build
CC         ?= cc
PKG_CONFIG ?= pkg-config
FERRY_STATE ?= /var/lib/ferry/run
export FERRY_STATE

# snprintf truncation is how fixed buffers are used here, so that warning is off.
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral \
           -Wno-format-truncation
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 $(WARN) -D_GNU_SOURCE -I. -MMD -MP
# sanitizer flags of `make asan` (its own BUILD directory)
SAN     ?=
CFLAGS  += $(SAN)
LDFLAGS += $(SAN)
LDLIBS_BASE := -lpthread -lm

pc = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pl = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

COMMON_SRCS := common/err.c common/log.c common/cfg.c common/util.c common/mig_state.c common/cli.c \
               common/mig_opts.c common/msg.c
DB_SRCS     := db/db.c db/db_schema.c db/db_host.c db/db_instance.c db/db_mig.c \
               db/db_hostreq.c db/db_action.c db/db_service.c db/db_sched.c \
               db/db_watch.c db/db_flavor.c db/db_metadata.c db/db_steer.c \
               db/db_metrics.c db/db_drain.c
API_SRCS    := api/main.c api/http.c api/router.c api/routes.c api/mv.c api/auth.c \
               api/fault.c api/schema.c api/view.c api/qparam.c api/h_versions.c api/h_servers.c \
               api/h_migrate.c api/h_migrations.c api/h_actions.c api/h_services.c \
               api/h_hypervisors.c api/h_flavors.c api/h_metadata.c api/h_ferry.c \
               api/h_metrics.c api/h_drain.c api/h_dashboard.c
SCHED_SRCS  := scheduler/main.c scheduler/sched.c scheduler/sched_loop.c
COMPUTE_SRCS := compute/main.c compute/worker.c compute/monitor.c compute/hostreq.c compute/cpu.c compute/sync.c \
                compute/event.c compute/storage.c compute/policy.c compute/policy_ferry.c \
                compute/steer_ferry.c compute/probe.c compute/rates.c compute/virt_libvirt.c
MANAGE_SRCS := manage/main.c

API_PKGS     := libmicrohttpd jansson libpq inih uuid gnutls
SCHED_PKGS   := jansson libpq inih uuid
COMPUTE_PKGS := libvirt libxml-2.0 jansson libpq inih uuid
MANAGE_PKGS  := jansson libpq inih uuid

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

# quiet by default; make V=1 shows the commands
V ?= 0
ifeq ($(V),0)
Q := @
say = @echo "  $(1)	$(2)"
else
Q :=
say = @true
endif

.DEFAULT_GOAL := all
include tools/lab/guest/guest.mk
include tests/unit/unit.mk
include tests/fuzz/fuzz.mk

BINS := $(BUILD)/ferry-api $(BUILD)/ferry-scheduler $(BUILD)/ferry-compute $(BUILD)/ferry-manage

.PHONY: all deps run stop clean-run status test check integration e2e clients contract \
        lint bench bench-sim bench-migration clean
all: $(BINS) $(LAB_KERNEL) $(LAB_RELAY) $(LAB_REAPER) $(TOOL_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CFLAGS) $(call pc,$(ALL_PKGS)) -c $< -o $@

ALL_PKGS := libmicrohttpd jansson libpq inih uuid libvirt libxml-2.0 gnutls

$(BUILD)/ferry-api: $(call obj,$(API_SRCS) $(DB_SRCS) $(COMMON_SRCS))
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call pl,$(API_PKGS)) $(LDLIBS_BASE)
$(BUILD)/ferry-scheduler: $(call obj,$(SCHED_SRCS) $(DB_SRCS) $(COMMON_SRCS))
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call pl,$(SCHED_PKGS)) $(LDLIBS_BASE)
$(BUILD)/ferry-compute: $(call obj,$(COMPUTE_SRCS) $(DB_SRCS) $(COMMON_SRCS))
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call pl,$(COMPUTE_PKGS)) $(LDLIBS_BASE)
$(BUILD)/ferry-manage: $(call obj,$(MANAGE_SRCS) $(DB_SRCS) $(COMMON_SRCS))
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call pl,$(MANAGE_PKGS)) $(LDLIBS_BASE)

deps:
	@tools/deps.sh

run: deps all
	@tools/stack up

stop:
	@tools/stack down

clean-run:
	@tools/stack wipe

status:
	@tools/stack status

check: $(UNIT_BINS) $(SIM_BIN)
	@tests/unit/run.sh $(UNIT_BINS)
	@tests/unit/reserve.sh
	@tools/sim/check.sh $(SIM_BIN)
	@tools/bench/migration/check.sh $(SIM_BIN)

integration: all $(INTEG_BINS)
	@tests/integration/run.sh

e2e: all
	@tests/e2e/run.sh

test: deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(INTEG_BINS) $(SIM_BIN)
	@tests/unit/run.sh $(UNIT_BINS)
	@tests/unit/reserve.sh
	@tools/sim/check.sh $(SIM_BIN)
	@tools/bench/migration/check.sh $(SIM_BIN)
	@tools/lint.sh
	@tests/integration/run.sh
	@tests/e2e/run.sh

# ASan + UBSan: everything built again into $(ASAN_BUILD), then the unit and
# integration tests run on it (tests/asan.sh); any sanitizer report fails it.
ASAN_BUILD ?= build-asan
ASAN_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
              -fno-omit-frame-pointer
.PHONY: asan asan-run
asan:
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) SAN="$(ASAN_SAN)" asan-run
# and the lab's own files (build/lab, own flags, no sanitizer), which
# tools/stack takes whichever build of Ferry it runs
asan-run: $(BINS) $(UNIT_BINS) $(INTEG_BINS) $(LAB_KERNEL) $(LAB_RELAY) $(LAB_REAPER)
	@tests/asan.sh $(BUILD) $(UNIT_BINS)

lint: $(BINS)
	@tools/lint.sh

bench: all $(BENCH_BINS)
	@tests/bench/run.sh

# every policy over 4-256 GiB x 1/10/25 Gbit/s; OUT= where the results go
bench-sim: $(SIM_BIN)
	@tools/sim/bench.sh $(SIM_BIN) $(or $(OUT),$(BUILD)/sim)

# the lab bench: SCENARIO= (tools/bench/migration/default.txt), OUT= (build/bench-migration)
bench-migration: all $(SIM_BIN)
	@SIM=$(SIM_BIN) tools/bench/migration/bench.sh \
	    $(or $(SCENARIO),tools/bench/migration/default.txt) $(or $(OUT),$(BUILD)/bench-migration)

# Installed layout: PREFIX/bin (the programs), PREFIX/share/ferry: migrations-sql
# and dashboard.html (what ferry-manage and ferry-api find beside their bin/), UNITDIR (systemd units,
# PREFIX/bin substituted), /etc/ferry (ferry.conf.sample; ferry.conf from it
# when there is none), the README as the units' documentation.  A `ferry`
# system user runs ferry-api, ferry-scheduler and the schema sync; it is
# created when installing to the real root (DESTDIR empty).
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  := $(PREFIX)/bin
DATADIR := $(PREFIX)/share/ferry
DOCDIR  := $(PREFIX)/share/doc/ferry
UNITDIR ?= $(PREFIX)/lib/systemd/system
CONFDIR ?= /etc/ferry
UNITS   := ferry-db-sync.service ferry-api.service ferry-scheduler.service ferry-compute.service

.PHONY: install uninstall
install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/migrations-sql $(DESTDIR)$(DOCDIR) \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(CONFDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 644 migrations-sql/*.sql $(DESTDIR)$(DATADIR)/migrations-sql/
	install -m 644 api/dashboard.html $(DESTDIR)$(DATADIR)/
	install -m 644 README.md $(DESTDIR)$(DOCDIR)/
	for u in $(UNITS); do \
	    sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' etc/systemd/$$u \
	        > $(DESTDIR)$(UNITDIR)/$$u && chmod 644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -m 644 etc/ferry.conf.sample $(DESTDIR)$(CONFDIR)/
	[ -e $(DESTDIR)$(CONFDIR)/ferry.conf ] || \
	    install -m 640 etc/ferry.conf.sample $(DESTDIR)$(CONFDIR)/ferry.conf
	if [ -z "$(DESTDIR)" ]; then \
	    getent passwd ferry >/dev/null || useradd --system --user-group --no-create-home \
	        --home-dir /nonexistent --shell /usr/sbin/nologin ferry; \
	    chgrp ferry $(CONFDIR)/ferry.conf; \
	    ! command -v systemctl >/dev/null || systemctl daemon-reload 2>/dev/null || true; \
	fi

# the configuration (ferry.conf) and the ferry user stay
uninstall:
	rm -f $(patsubst $(BUILD)/%,$(DESTDIR)$(BINDIR)/%,$(BINS))
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	rm -f $(patsubst %,$(DESTDIR)$(UNITDIR)/%,$(UNITS)) $(DESTDIR)$(CONFDIR)/ferry.conf.sample

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
