# metactl, the orchestrator CLI. Everything but main.c lives in a private
# library so that the unit tests link the same objects.
noinst_LIBRARIES += orchestrator/liborch.a
orchestrator_liborch_a_SOURCES = \
	orchestrator/cli.h orchestrator/util.c \
	orchestrator/usage.c orchestrator/usage.h \
	orchestrator/cmd_keys.c \
	orchestrator/cmd_fleet.c orchestrator/cmd_rpc.c orchestrator/cmd_doc.c \
	orchestrator/cmd_service.c orchestrator/cmd_config.c \
	orchestrator/cmd_deploy.c orchestrator/cmd_sandbox.c \
	orchestrator/clientconf.c orchestrator/clientconf.h \
	orchestrator/collect.c orchestrator/collect.h \
	orchestrator/fleet.c orchestrator/fleet.h \
	orchestrator/link.c orchestrator/link.h \
	orchestrator/discover.c \
	orchestrator/registry.c orchestrator/registry.h \
	orchestrator/opts.c orchestrator/opts.h \
	orchestrator/output.c orchestrator/output.h \
	orchestrator/progress.c orchestrator/progress.h \
	orchestrator/quiet.c orchestrator/quiet.h \
	orchestrator/results.c orchestrator/results.h \
	orchestrator/units.c orchestrator/units.h \
	orchestrator/cmd_policy.c orchestrator/cmd_policy.h \
	orchestrator/savefile.c orchestrator/savefile.h \
	orchestrator/cmd_rollout.c orchestrator/rollout.c \
	orchestrator/rollout.h orchestrator/rollstate.c \
	orchestrator/rollprint.c \
	orchestrator/cmd_schedule.c orchestrator/schedule.c \
	orchestrator/schedule.h

bin_PROGRAMS += orchestrator/metactl
orchestrator_metactl_SOURCES = orchestrator/main.c
orchestrator_metactl_LDADD = orchestrator/liborch.a policy/libpolicy.a \
	lib/libmetactl.a \
	$(JANSSON_LIBS) $(SODIUM_LIBS) $(RABBITMQ_LIBS) -lm

ORCH_TEST_LIBS = orchestrator/liborch.a $(MC_TEST_LIBS) $(RABBITMQ_LIBS)

SCRIPT_TESTS += tests/integration/orch_keys.sh
EXTRA_DIST += tests/integration/orch_keys.sh

ORCH_UNIT_TESTS = tests/unit/test_orch_opts tests/unit/test_orch_output \
	tests/unit/test_orch_collect tests/unit/test_orch_conf \
	tests/unit/test_orch_quiet \
	tests/unit/test_orch_registry tests/unit/test_orch_schedule
UNIT_TESTS += $(ORCH_UNIT_TESTS)
check_PROGRAMS += $(ORCH_UNIT_TESTS)
tests_unit_test_orch_opts_SOURCES = tests/unit/test_orch_opts.c \
	tests/unit/test_orch_run.h
tests_unit_test_orch_opts_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_orch_opts_LDADD = $(ORCH_TEST_LIBS) -lm
tests_unit_test_orch_output_SOURCES = tests/unit/test_orch_output.c
tests_unit_test_orch_output_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_orch_output_LDADD = $(ORCH_TEST_LIBS) -lm
# The collect test scripts the link itself: only collect.o and what it
# needs come from the library, never link.o.
tests_unit_test_orch_collect_SOURCES = tests/unit/test_orch_collect.c
tests_unit_test_orch_collect_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_orch_collect_LDADD = $(ORCH_TEST_LIBS) -lm
tests_unit_test_orch_quiet_SOURCES = tests/unit/test_orch_quiet.c \
	tests/unit/test_orch_run.h
tests_unit_test_orch_quiet_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_orch_quiet_LDADD = $(ORCH_TEST_LIBS) -lm
tests_unit_test_orch_registry_SOURCES = tests/unit/test_orch_registry.c
tests_unit_test_orch_registry_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_orch_registry_LDADD = $(ORCH_TEST_LIBS) -lm
tests_unit_test_orch_schedule_SOURCES = tests/unit/test_orch_schedule.c \
	tests/unit/test_orch_run.h
tests_unit_test_orch_schedule_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_orch_schedule_LDADD = $(ORCH_TEST_LIBS) -lm
tests_unit_test_orch_conf_SOURCES = tests/unit/test_orch_conf.c $(CONFTAB_MAN)
tests_unit_test_orch_conf_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_orch_conf_LDADD = $(ORCH_TEST_LIBS) -lm

INTEGRATION_TESTS += tests/integration/orch_fleet.sh \
	tests/integration/orch_certcache.sh \
	tests/integration/orch_refused_inventory.sh \
	tests/integration/orch_empty_refresh.sh \
	tests/integration/orch_cli.sh \
	tests/integration/orch_owncert.sh \
	tests/integration/orch_trust.sh \
	tests/integration/orch_truth_silent.sh \
	tests/integration/orch_truth_fleet.sh \
	tests/integration/orch_rollout.sh \
	tests/integration/orch_rollout_deploy.sh \
	tests/integration/orch_schedule.sh
check_PROGRAMS += tests/integration/orch_fakenode
tests_integration_orch_fakenode_SOURCES = tests/integration/orch_fakenode.c \
	tests/integration/fakereply.c tests/integration/fakereply.h
tests_integration_orch_fakenode_LDADD = lib/libmetactl.a $(JANSSON_LIBS) \
	$(SODIUM_LIBS) $(RABBITMQ_LIBS)
EXTRA_DIST += tests/integration/orch_fleet.sh tests/integration/orch_lib.sh \
	tests/integration/orch_certcache.sh \
	tests/integration/orch_refused_inventory.sh \
	tests/integration/orch_empty_refresh.sh \
	tests/integration/orch_cli.sh \
	tests/integration/orch_owncert.sh \
	tests/integration/orch_trust.sh \
	tests/integration/orch_truth_silent.sh \
	tests/integration/orch_truth_fleet.sh \
	tests/integration/orch_rollout.sh \
	tests/integration/orch_rollout_deploy.sh \
	tests/integration/orch_schedule.sh
dist_schema_DATA += schemas/metactl-output.schema.json \
	schemas/rollout-state.schema.json

SCRIPT_TESTS += tests/integration/orch_doc.sh
EXTRA_DIST += tests/integration/orch_doc.sh etc/client.conf \
	etc/bash_completion.d/metactl
bashcompletiondir = $(datadir)/bash-completion/completions
dist_bashcompletion_DATA = etc/bash_completion.d/metactl

# metactl service and logs, and the shipped service.policy, against real
# agents whose apps run under a runit tree the test starts.
INTEGRATION_TESTS += tests/integration/svc_policy.sh \
	tests/integration/svc_logs.sh
EXTRA_DIST += tests/integration/svc_policy.sh tests/integration/svc_logs.sh \
	tests/lib/apps.sh
SCRIPT_TESTS += tests/integration/svc_args.sh
EXTRA_DIST += tests/integration/svc_args.sh
