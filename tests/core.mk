# tests of the core area: message codec, signatures, replay cache

UNIT_TESTS += tests/unit/test_message tests/unit/test_sign \
	tests/unit/test_replay
check_PROGRAMS += tests/unit/test_message tests/unit/test_sign \
	tests/unit/test_replay
tests_unit_test_message_LDADD = $(MC_TEST_LIBS)
tests_unit_test_sign_LDADD = $(MC_TEST_LIBS)
tests_unit_test_replay_LDADD = $(MC_TEST_LIBS)

# Decoder cases: one directory per case.
EXTRA_DIST += tests/data/request tests/data/reply

# The top Makefile.am sets the Check variables without exporting them, so
# suites would print their plain report instead of TAP.
AM_TESTS_ENVIRONMENT += export CK_TAP_LOG_FILE_NAME CK_VERBOSITY \
	CK_DEFAULT_TIMEOUT;
