# tests of the configuration tables (lib/conftab.c), logging (lib/log.c),
# the audit trail and the local socket's limits.
# Holds a configuration table against its manual page and sample file;
# the configuration suites of both programs list it in their SOURCES.
CONFTAB_MAN = tests/unit/conftab_man.c tests/unit/conftab_man.h

UNIT_TESTS += tests/unit/test_log
check_PROGRAMS += tests/unit/test_log
tests_unit_test_log_SOURCES = tests/unit/test_log.c $(TESTUTIL)
tests_unit_test_log_LDADD = $(MC_TEST_LIBS)

INTEGRATION_TESTS += tests/integration/local_limits.sh
EXTRA_DIST += tests/integration/local_limits.sh

INTEGRATION_TESTS += tests/integration/agent_audit.sh
EXTRA_DIST += tests/integration/agent_audit.sh
