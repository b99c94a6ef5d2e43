# metactl, the orchestrator CLI. Everything but main.c lives in a private
# library so that the unit tests link the same objects.
noinst_LIBRARIES += orchestrator/liborch.a
orchestrator_liborch_a_SOURCES = \
	orchestrator/cli.h orchestrator/util.c \
	orchestrator/usage.c orchestrator/usage.h \
	orchestrator/cmd_keys.c

bin_PROGRAMS += orchestrator/metactl
orchestrator_metactl_SOURCES = orchestrator/main.c
orchestrator_metactl_LDADD = orchestrator/liborch.a lib/libmetactl.a \
	$(JANSSON_LIBS) $(SODIUM_LIBS) $(RABBITMQ_LIBS)

ORCH_TEST_LIBS = orchestrator/liborch.a $(MC_TEST_LIBS) $(RABBITMQ_LIBS)

SCRIPT_TESTS += tests/integration/orch_keys.sh
EXTRA_DIST += tests/integration/orch_keys.sh
