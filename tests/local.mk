# Tests shared by every area, and the fuzzing infrastructure.
#
# A fuzz target is tests/fuzz/NAME.c defining LLVMFuzzerTestOneInput(), with
# a seed corpus in tests/fuzz/corpus/NAME/. Add it as
#   FUZZ_TARGETS += tests/fuzz/NAME
#   tests_fuzz_NAME_SOURCES = tests/fuzz/NAME.c
#   tests_fuzz_NAME_LDADD = $(FUZZ_DRIVER) <libraries>
#   tests_fuzz_NAME_LDFLAGS = $(FUZZ_LINK_FLAGS)
# Without --enable-fuzzing each target links the replay driver and runs in
# make check over its corpus; with it (clang), `make fuzz-run` fuzzes each
# for FUZZ_SECONDS.
FUZZ_TARGETS =
FUZZ_SECONDS = 10
if ENABLE_FUZZING
FUZZ_DRIVER =
noinst_PROGRAMS += $(FUZZ_TARGETS)
else
FUZZ_DRIVER = tests/fuzz/libreplay.a
check_LIBRARIES = tests/fuzz/libreplay.a
tests_fuzz_libreplay_a_SOURCES = tests/fuzz/replay.c
check_PROGRAMS += $(FUZZ_TARGETS)
FUZZ_TESTS += $(FUZZ_TARGETS)
endif
EXTRA_DIST += tests/fuzz/corpus

fuzz-run: $(FUZZ_TARGETS)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  n=$${t##*/}; mkdir -p fuzz-work/$$n; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	  ./$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    -print_final_stats=1 fuzz-work/$$n \
	    $(srcdir)/tests/fuzz/corpus/$$n 2>fuzz-work/$$n.log || \
	    { tail -n 40 fuzz-work/$$n.log; exit 1; }; \
	  grep -E 'stat::number_of_executed_units' fuzz-work/$$n.log || true; \
	done
.PHONY: fuzz-run
clean-local: clean-fuzz-work
clean-fuzz-work:
	rm -rf fuzz-work
.PHONY: clean-fuzz-work

# Source formatting (skips when clang-format is absent).
SCRIPT_TESTS += tests/format.sh
EXTRA_DIST += tests/format.sh tests/lib/tap.sh tests/lib/rabbitmq.sh

# Helpers shared by the Check suites: a suite that uses them lists
# $(TESTUTIL) in its SOURCES.
TESTUTIL = tests/unit/testutil.c tests/unit/testutil.h

include tests/core.mk
include tests/filter_policy.mk
include tests/config_ddl.mk
include tests/transport.mk
include tests/conf.mk
include tests/metrics.mk
