# tests of the core area: message codec, signatures, replay cache

UNIT_TESTS += tests/unit/test_message tests/unit/test_sign \
	tests/unit/test_replay tests/unit/test_cert_cache
check_PROGRAMS += tests/unit/test_message tests/unit/test_sign \
	tests/unit/test_replay tests/unit/test_cert_cache
tests_unit_test_message_SOURCES = tests/unit/test_message.c $(TESTUTIL)
tests_unit_test_message_LDADD = $(MC_TEST_LIBS)
tests_unit_test_sign_SOURCES = tests/unit/test_sign.c $(TESTUTIL)
tests_unit_test_sign_LDADD = $(MC_TEST_LIBS)
tests_unit_test_cert_cache_SOURCES = tests/unit/test_cert_cache.c $(TESTUTIL)
tests_unit_test_cert_cache_LDADD = $(MC_TEST_LIBS)
tests_unit_test_replay_SOURCES = tests/unit/test_replay.c $(TESTUTIL)
tests_unit_test_replay_LDADD = $(MC_TEST_LIBS)

# Decoder cases: one directory per case.
EXTRA_DIST += tests/data/request tests/data/reply docs/PROTOCOL.md

# Real messages from the library: the schema test and the fuzz corpora.
check_PROGRAMS += tests/unit/gen_messages
tests_unit_gen_messages_LDADD = $(MC_TEST_LIBS)

# Fuzz targets; seeds in tests/fuzz/corpus/NAME/ come from
# `tests/unit/gen_messages corpus $(srcdir)/tests/fuzz/corpus`.
FUZZ_TARGETS += tests/fuzz/fuzz_message tests/fuzz/fuzz_cert
FUZZ_CORE_LIBS = lib/libmetactl.a $(JANSSON_LIBS) $(SODIUM_LIBS)
tests_fuzz_fuzz_message_SOURCES = tests/fuzz/fuzz_message.c
tests_fuzz_fuzz_message_LDADD = $(FUZZ_DRIVER) $(FUZZ_CORE_LIBS)
tests_fuzz_fuzz_message_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_cert_SOURCES = tests/fuzz/fuzz_cert.c
tests_fuzz_fuzz_cert_LDADD = $(FUZZ_DRIVER) $(FUZZ_CORE_LIBS)
tests_fuzz_fuzz_cert_LDFLAGS = $(FUZZ_LINK_FLAGS)
FUZZ_TARGETS += tests/fuzz/fuzz_replay
tests_fuzz_fuzz_replay_SOURCES = tests/fuzz/fuzz_replay.c
tests_fuzz_fuzz_replay_LDADD = $(FUZZ_DRIVER) $(FUZZ_CORE_LIBS)
tests_fuzz_fuzz_replay_LDFLAGS = $(FUZZ_LINK_FLAGS)

# The wire schemas, installed as protocol documentation, and the test that
# holds them and the C decoders to the same rules.
dist_schema_DATA += schemas/request.schema.json schemas/reply.schema.json \
	schemas/envelope.schema.json schemas/certificate.schema.json
SCRIPT_TESTS += tests/schemas.sh
EXTRA_DIST += tests/schemas.sh tests/data/schema-invalid
