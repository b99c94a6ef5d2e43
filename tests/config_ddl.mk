# tests of the config_ddl area: INI configuration (lib/config.c) and agent
# DDLs (lib/ddl.c), their data-driven cases, out-of-memory tests, fuzz
# targets, the project-wide layering and man page checks, the DDL schema,
# the sample app configuration and metactl.conf(5).
UNIT_TESTS += tests/unit/test_config tests/unit/test_ddl
check_PROGRAMS += tests/unit/test_config tests/unit/test_ddl
tests_unit_test_config_SOURCES = tests/unit/test_config.c $(TESTUTIL)
tests_unit_test_config_LDADD = $(MC_TEST_LIBS)
tests_unit_test_ddl_SOURCES = tests/unit/test_ddl.c $(TESTUTIL)
tests_unit_test_ddl_LDADD = $(MC_TEST_LIBS)
EXTRA_DIST += tests/data/config tests/data/ddl

FUZZ_TARGETS += tests/fuzz/fuzz_config tests/fuzz/fuzz_ddl
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_config_LDADD = $(FUZZ_DRIVER) lib/libmetactl.a $(JANSSON_LIBS)
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_ddl_SOURCES = tests/fuzz/fuzz_ddl.c
tests_fuzz_fuzz_ddl_LDADD = $(FUZZ_DRIVER) lib/libmetactl.a $(JANSSON_LIBS)
tests_fuzz_fuzz_ddl_LDFLAGS = $(FUZZ_LINK_FLAGS)

SCRIPT_TESTS += tests/layering.sh tests/manlint.sh
EXTRA_DIST += tests/layering.sh tests/manlint.sh

dist_schema_DATA += schemas/ddl.schema.json
# etc/examples/seed, the sample app, is listed in etc/local.mk.

# The app configuration (lib/appconf.h): three layers split at form feeds,
# seeded from tests/data/appconf.
FUZZ_TARGETS += tests/fuzz/fuzz_appconf
tests_fuzz_fuzz_appconf_SOURCES = tests/fuzz/fuzz_appconf.c
tests_fuzz_fuzz_appconf_LDADD = $(FUZZ_DRIVER) lib/libmetactl.a $(JANSSON_LIBS)
tests_fuzz_fuzz_appconf_LDFLAGS = $(FUZZ_LINK_FLAGS)

# metactl config show on an app laid down by hand.
SCRIPT_TESTS += tests/config_show.sh
EXTRA_DIST += tests/config_show.sh
