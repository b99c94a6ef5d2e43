# The metrics listener's request head (agent/metrics_http.c) from arbitrary
# bytes; here because FUZZ_TARGETS is set in tests/local.mk.
FUZZ_TARGETS += tests/fuzz/fuzz_metrics_http
tests_fuzz_fuzz_metrics_http_SOURCES = tests/fuzz/fuzz_metrics_http.c
tests_fuzz_fuzz_metrics_http_LDADD = $(FUZZ_DRIVER) $(AGENTD_LIBS)
tests_fuzz_fuzz_metrics_http_LDFLAGS = $(FUZZ_LINK_FLAGS)
