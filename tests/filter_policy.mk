# Tests of the filter language and the action policy.
UNIT_TESTS += tests/unit/test_filter
check_PROGRAMS += tests/unit/test_filter
tests_unit_test_filter_SOURCES = tests/unit/test_filter.c
tests_unit_test_filter_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_filter_LDADD = $(MC_TEST_LIBS)
EXTRA_DIST += tests/data/filter
