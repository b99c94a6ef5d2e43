noinst_LIBRARIES += lib/libmetactl.a
lib_libmetactl_a_SOURCES = \
	lib/appconf.c lib/appconf.h \
	lib/appconf_check.c lib/appconf_check.h lib/appconf_show.c \
	lib/cert_cache.c lib/cert_cache.h \
	lib/config.c lib/config.h \
	lib/conftab.c lib/conftab.h \
	lib/cron.c lib/cron.h \
	lib/ddl.c lib/ddl.h \
	lib/error.c lib/error.h \
	lib/file.c lib/file.h \
	lib/filter.c lib/filter.h \
	lib/log.c lib/log.h \
	lib/message.c lib/message.h \
	lib/names.c lib/names.h \
	lib/pattern.c lib/pattern.h \
	lib/replay.c lib/replay.h \
	lib/sandbox_names.c lib/sandbox_names.h \
	lib/sign.c lib/sign.h \
	lib/strv.c lib/strv.h \
	lib/transport.c lib/transport.h \
	lib/trust.c lib/trust.h

UNIT_TESTS += tests/unit/test_file tests/unit/test_strv tests/unit/test_names
check_PROGRAMS += tests/unit/test_file tests/unit/test_strv \
	tests/unit/test_names
tests_unit_test_file_SOURCES = tests/unit/test_file.c $(TESTUTIL)
tests_unit_test_file_LDADD = $(MC_TEST_LIBS)
tests_unit_test_strv_SOURCES = tests/unit/test_strv.c $(TESTUTIL)
tests_unit_test_strv_LDADD = $(MC_TEST_LIBS)
# The name rules (lib/names.h) against docs/PROTOCOL.md and schemas/.
tests_unit_test_names_SOURCES = tests/unit/test_names.c $(TESTUTIL)
tests_unit_test_names_LDADD = $(MC_TEST_LIBS)

# The file rules (lib/file.h) as metactld -n applies them.
SCRIPT_TESTS += tests/integration/file_modes.sh
EXTRA_DIST += tests/integration/file_modes.sh
# The same rules on a real broker: the longest identity, one more.
INTEGRATION_TESTS += tests/integration/names_fleet.sh
EXTRA_DIST += tests/integration/names_fleet.sh

# The app configuration (lib/appconf.h) over tests/data/appconf/CASE/.
UNIT_TESTS += tests/unit/test_appconf
check_PROGRAMS += tests/unit/test_appconf
tests_unit_test_appconf_SOURCES = tests/unit/test_appconf.c $(TESTUTIL)
tests_unit_test_appconf_LDADD = $(MC_TEST_LIBS)
EXTRA_DIST += tests/data/appconf
