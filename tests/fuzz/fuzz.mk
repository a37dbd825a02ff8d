# fuzz.mk - libFuzzer harnesses (Debian's clang, ASan and UBSan), built into
# their own directory (included by Makefile).
#
#   make fuzz                  each harness for FUZZ_SECONDS (60), seeds from
#                              tests/fuzz/seeds.py, after replaying every input
#                              in tests/fuzz/regress/NAME (crashes found once)
#   make fuzz FUZZ_SECONDS=20  CI's short run
#
# The corpus each run grows is kept in $(FUZZ_BUILD)/corpus/NAME; a crash is
# written to $(FUZZ_BUILD)/crash-NAME-* and fails the target.

FUZZ_BUILD   ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_NAMES   := router body mv cfg token
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS  := -g -O1 -fno-omit-frame-pointer -std=gnu11 -D_GNU_SOURCE -I. -Wall -Werror \
                $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP
FUZZ_BINS    := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_NAMES))
fobj = $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(1))
FUZZ_LIB := $(call fobj,tests/fuzz/fuzz_common.c $(API_LIB_SRCS) $(DB_SRCS) $(COMMON_SRCS))

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$<)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(call pc,$(API_PKGS)) -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB)
	$(call say,LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(call pl,$(API_PKGS)) $(LDLIBS_BASE)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_NAMES)

# objects of a pattern chain are kept (make would delete them after linking)
.SECONDARY: $(FUZZ_LIB) $(call fobj,$(patsubst %,tests/fuzz/fuzz_%.c,$(FUZZ_NAMES)))

# a header's change rebuilds what includes it (a struct's new size, seen by
# every object)
-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)
