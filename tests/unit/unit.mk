# unit.mk - cmocka unit tests, one binary per module (included by Makefile).
#
# Each test links the module under test and the leaf code it needs; fakes
# come through the module's own seams (the virt vtable), never --wrap.

UNIT_DIR := tests/unit
UNIT_BIN := $(BUILD)/tests

UNIT_BINS := $(UNIT_BIN)/test_mig_state $(UNIT_BIN)/test_cfg $(UNIT_BIN)/test_util \
             $(UNIT_BIN)/test_mv $(UNIT_BIN)/test_schema $(UNIT_BIN)/test_router \
             $(UNIT_BIN)/test_sched $(UNIT_BIN)/test_policy $(UNIT_BIN)/test_db \
             $(UNIT_BIN)/test_log $(UNIT_BIN)/test_cpu $(UNIT_BIN)/test_msg $(UNIT_BIN)/test_err \
             $(UNIT_BIN)/test_policy_ferry $(UNIT_BIN)/test_view $(UNIT_BIN)/test_sim

# the API without its main() and its HTTP server
API_LIB_SRCS := $(filter-out api/main.c api/http.c,$(API_SRCS))

$(UNIT_BIN)/test_mig_state: $(call obj,$(UNIT_DIR)/test_mig_state.c common/mig_state.c)
$(UNIT_BIN)/test_cfg: $(call obj,$(UNIT_DIR)/test_cfg.c $(COMMON_SRCS))
$(UNIT_BIN)/test_util: $(call obj,$(UNIT_DIR)/test_util.c $(COMMON_SRCS))
$(UNIT_BIN)/test_mv: $(call obj,$(UNIT_DIR)/test_mv.c api/mv.c $(COMMON_SRCS))
$(UNIT_BIN)/test_schema: $(call obj,$(UNIT_DIR)/test_schema.c $(API_LIB_SRCS) $(DB_SRCS) \
                                    $(COMMON_SRCS))
$(UNIT_BIN)/test_view: $(call obj,$(UNIT_DIR)/test_view.c $(API_LIB_SRCS) $(DB_SRCS) \
                                  $(COMMON_SRCS))
$(UNIT_BIN)/test_router: $(call obj,$(UNIT_DIR)/test_router.c $(API_LIB_SRCS) $(DB_SRCS) \
                                    $(COMMON_SRCS))
$(UNIT_BIN)/test_sched: $(call obj,$(UNIT_DIR)/test_sched.c scheduler/sched.c $(DB_SRCS) \
                                   $(COMMON_SRCS))
$(UNIT_BIN)/test_policy: $(call obj,$(UNIT_DIR)/test_policy.c compute/policy.c $(COMMON_SRCS))
# the policy on ferry-sim's model of QEMU (tools/sim: qemu.c, and drive.c's
# action table, which brings the peers and Nova's policy along)
$(UNIT_BIN)/test_policy_ferry: $(call obj,$(UNIT_DIR)/test_policy_ferry.c compute/policy_ferry.c \
                                         tests/fakes/virt_fake.c tools/sim/qemu.c \
                                         tools/sim/drive.c tools/sim/peers.c compute/policy.c \
                                         $(COMMON_SRCS))
$(UNIT_BIN)/test_sim: $(call obj,$(UNIT_DIR)/test_sim.c tools/sim/qemu.c)
$(UNIT_BIN)/test_msg: $(call obj,$(UNIT_DIR)/test_msg.c $(COMMON_SRCS))
$(UNIT_BIN)/test_cpu: $(call obj,$(UNIT_DIR)/test_cpu.c compute/cpu.c $(COMMON_SRCS))
$(UNIT_BIN)/test_log: $(call obj,$(UNIT_DIR)/test_log.c $(COMMON_SRCS))
$(UNIT_BIN)/test_err: $(call obj,$(UNIT_DIR)/test_err.c $(COMMON_SRCS))
$(UNIT_BIN)/test_db: $(call obj,$(UNIT_DIR)/test_db.c $(DB_SRCS) $(COMMON_SRCS))

$(UNIT_BINS):
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call pl,cmocka $(ALL_PKGS)) $(LDLIBS_BASE)

# Integration tests in C: real PostgreSQL (FERRY_TEST_DB), fake hypervisor.
INTEG_BINS := $(UNIT_BIN)/test_worker $(UNIT_BIN)/test_db_sched $(UNIT_BIN)/test_db_pg
COMPUTE_LIB_SRCS := $(filter-out compute/main.c compute/virt_libvirt.c,$(COMPUTE_SRCS))

$(UNIT_BIN)/test_worker: $(call obj,tests/integration/test_worker.c tests/fakes/virt_fake.c \
                                    $(COMPUTE_LIB_SRCS) $(DB_SRCS) $(COMMON_SRCS))

$(UNIT_BIN)/test_db_sched: $(call obj,tests/integration/test_db_sched.c scheduler/sched.c \
                                      $(DB_SRCS) $(COMMON_SRCS))

$(UNIT_BIN)/test_db_pg: $(call obj,tests/integration/test_db_pg.c $(DB_SRCS) $(COMMON_SRCS))

$(INTEG_BINS):
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call pl,cmocka $(ALL_PKGS)) $(LDLIBS_BASE)

# Tools the e2e tests run against the lab (built by `make all`).
TOOL_BINS := $(UNIT_BIN)/dirty_rate
$(UNIT_BIN)/dirty_rate: $(call obj,tests/tools/dirty_rate.c compute/virt_libvirt.c $(COMMON_SRCS))
$(TOOL_BINS):
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call pl,$(ALL_PKGS)) $(LDLIBS_BASE)

# make bench's scheduler timing (tests/bench/run.sh)
BENCH_BINS := $(UNIT_BIN)/bench_sched
$(UNIT_BIN)/bench_sched: $(call obj,tests/bench/bench_sched.c scheduler/sched.c $(DB_SRCS) \
                                    $(COMMON_SRCS))
$(BENCH_BINS):
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call pl,$(ALL_PKGS)) $(LDLIBS_BASE)

# the pre-copy simulator (tools/sim, issue 16 section 2): make bench-sim
SIM_BIN := $(BUILD)/ferry-sim
$(SIM_BIN): $(call obj,tools/sim/main.c tools/sim/drive.c tools/sim/qemu.c tools/sim/peers.c \
                       compute/policy.c compute/policy_ferry.c $(COMMON_SRCS))
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call pl,$(ALL_PKGS)) $(LDLIBS_BASE)
