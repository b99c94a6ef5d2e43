# Tests of the filter language and the action policy.
UNIT_TESTS += tests/unit/test_filter
check_PROGRAMS += tests/unit/test_filter
tests_unit_test_filter_SOURCES = tests/unit/test_filter.c
tests_unit_test_filter_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_filter_LDADD = $(MC_TEST_LIBS)
EXTRA_DIST += tests/data/filter

UNIT_TESTS += tests/unit/test_policy
check_PROGRAMS += tests/unit/test_policy
tests_unit_test_policy_SOURCES = tests/unit/test_policy.c
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
