# Tests of the filter language and the action policy.
UNIT_TESTS += tests/unit/test_filter
check_PROGRAMS += tests/unit/test_filter
tests_unit_test_filter_SOURCES = tests/unit/test_filter.c $(TESTUTIL)
tests_unit_test_filter_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_filter_LDADD = $(MC_TEST_LIBS)
EXTRA_DIST += tests/data/filter

UNIT_TESTS += tests/unit/test_policy
check_PROGRAMS += tests/unit/test_policy
tests_unit_test_policy_SOURCES = tests/unit/test_policy.c $(TESTUTIL)
tests_unit_test_policy_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_policy_LDADD = policy/libpolicy.a $(MC_TEST_LIBS)
EXTRA_DIST += tests/data/policy

# The policy subcommands of metactl, driven from the shell.
check_PROGRAMS += tests/unit/policy_cli
tests_unit_policy_cli_SOURCES = tests/unit/policy_cli.c \
	orchestrator/cmd_policy.c orchestrator/cmd_policy.h
tests_unit_policy_cli_LDADD = policy/libpolicy.a lib/libmetactl.a \
	$(JANSSON_LIBS)
SCRIPT_TESTS += tests/policy_cli.sh
EXTRA_DIST += tests/policy_cli.sh

# Fuzz targets (see tests/local.mk); corpora in tests/fuzz/corpus/NAME/.
FUZZ_TARGETS += tests/fuzz/fuzz_filter_expr tests/fuzz/fuzz_policy
tests_fuzz_fuzz_filter_expr_SOURCES = tests/fuzz/fuzz_filter_expr.c
tests_fuzz_fuzz_filter_expr_LDADD = $(FUZZ_DRIVER) lib/libmetactl.a \
	$(JANSSON_LIBS)
tests_fuzz_fuzz_filter_expr_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_policy_SOURCES = tests/fuzz/fuzz_policy.c
tests_fuzz_fuzz_policy_LDADD = $(FUZZ_DRIVER) policy/libpolicy.a \
	lib/libmetactl.a $(JANSSON_LIBS)
tests_fuzz_fuzz_policy_LDFLAGS = $(FUZZ_LINK_FLAGS)
