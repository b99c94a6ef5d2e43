# plugins: the registry, the built-in agents and external-agent support.
# A plugin sees only plugins/plugin.h and lib/; the agent links this library.
noinst_LIBRARIES += plugins/libplugins.a
plugins_libplugins_a_SOURCES = \
	plugins/plugin.h \
	plugins/registry.c plugins/registry.h \
	plugins/external.c plugins/external.h \
	plugins/rpcutil/rpcutil.c plugins/rpcutil/rpcutil.h

dist_ddl_DATA += schemas/ddl/rpcutil.json

# The example external agent, for operators to copy into their agent
# directory (docs/EXTERNAL-AGENTS.md).
externalexampledir = $(pkgdatadir)/examples/external
dist_externalexample_SCRIPTS = plugins/external/example
dist_externalexample_DATA = plugins/external/example.json
externaldocdir = $(docdir)
dist_externaldoc_DATA = docs/EXTERNAL-AGENTS.md
EXTRA_DIST += plugins/README.md

# Plugins are tested in the real action context: tests/unit/agent_harness.c
# builds a small struct agentd and runs each action through action_submit()
# and the event loop, as metactld does.
PLUGIN_TEST_LIBS = plugins/libplugins.a $(AGENTD_TEST_LIBS)
PLUGIN_TEST_CTX = tests/unit/agent_harness.c tests/unit/agent_harness.h \
	$(AGENTD_TEST_SINK)
UNIT_TESTS += tests/unit/test_registry tests/unit/test_rpcutil \
	tests/unit/test_external
check_PROGRAMS += tests/unit/test_registry tests/unit/test_rpcutil \
	tests/unit/test_external
tests_unit_test_registry_SOURCES = tests/unit/test_registry.c $(TESTUTIL)
tests_unit_test_registry_LDADD = $(PLUGIN_TEST_LIBS)
tests_unit_test_rpcutil_SOURCES = tests/unit/test_rpcutil.c \
	$(PLUGIN_TEST_CTX) $(TESTUTIL)
tests_unit_test_rpcutil_LDADD = $(PLUGIN_TEST_LIBS)
tests_unit_test_external_SOURCES = tests/unit/test_external.c \
	$(PLUGIN_TEST_CTX) $(TESTUTIL)
tests_unit_test_external_LDADD = $(PLUGIN_TEST_LIBS)

# The service agent: apps' daemons under the platform's service manager.
plugins_libplugins_a_SOURCES += \
	plugins/service/plan.c plugins/service/plan.h \
	plugins/service/backend.h \
	plugins/service/backends.c \
	plugins/service/unit.c plugins/service/unit.h \
	plugins/service/plan_exec.c plugins/service/plan_exec.h \
	plugins/service/service.c plugins/service/service.h
dist_ddl_DATA += schemas/ddl/service.json

# The deploy agent: a tag of the app's repository to running daemons, with
# rollback; it shares the service agent's units, plans and backends.
plugins_libplugins_a_SOURCES += \
	plugins/deploy/deploy.c plugins/deploy/deploy.h \
	plugins/deploy/flow.c plugins/deploy/flow.h \
	plugins/deploy/release.c plugins/deploy/release.h \
	plugins/deploy/recover.c \
	plugins/deploy/req.c plugins/deploy/req.h \
	plugins/deploy/scm.c plugins/deploy/scm.h \
	plugins/deploy/state.c plugins/deploy/state.h
dist_ddl_DATA += schemas/ddl/deploy.json
UNIT_TESTS += tests/unit/test_service_unit
check_PROGRAMS += tests/unit/test_service_unit
tests_unit_test_service_unit_SOURCES = tests/unit/test_service_unit.c \
	$(TESTUTIL)
tests_unit_test_service_unit_LDADD = plugins/libplugins.a $(MC_TEST_LIBS)
UNIT_TESTS += tests/unit/test_service
check_PROGRAMS += tests/unit/test_service
tests_unit_test_service_SOURCES = tests/unit/test_service.c \
	$(PLUGIN_TEST_CTX) $(TESTUTIL)
tests_unit_test_service_LDADD = $(PLUGIN_TEST_LIBS)
# The agent through metactld on a real runit tree, locally and by broker.
INTEGRATION_TESTS += tests/integration/service_agent.sh \
	tests/integration/service_jetty.sh tests/integration/service_agent_s6.sh
EXTRA_DIST += tests/integration/service_agent.sh \
	tests/integration/service_agent_lib.sh \
	tests/integration/service_jetty.sh tests/integration/service_agent_s6.sh
plugins_libplugins_a_SOURCES += \
	plugins/service/plan_files.c plugins/service/plan_files.h \
	plugins/service/svdir.c plugins/service/svdir.h \
	plugins/service/runit.c plugins/service/s6.c

# The helper the runit and s6 backends wait with (inotify, no polling).
pkglibexec_PROGRAMS = tools/metactl-svwait
tools_metactl_svwait_SOURCES = tools/metactl-svwait.c

# The service test driver: a backend's plan for one daemon, performed.
check_PROGRAMS += tests/service/svcrun
tests_service_svcrun_SOURCES = tests/service/svcrun.c
tests_service_svcrun_LDADD = plugins/libplugins.a $(MC_TEST_LIBS)
INTEGRATION_TESTS += tests/integration/service_runit.sh \
	tests/integration/service_s6.sh
EXTRA_DIST += tests/integration/service_runit.sh \
	tests/integration/service_s6.sh tests/service/lib.sh \
	tests/service/Tick.java
UNIT_TESTS += tests/unit/test_plan_files
check_PROGRAMS += tests/unit/test_plan_files
tests_unit_test_plan_files_SOURCES = tests/unit/test_plan_files.c $(TESTUTIL)
tests_unit_test_plan_files_LDADD = plugins/libplugins.a $(MC_TEST_LIBS)

# The service managers that render definitions (systemd, SMF, Upstart),
# what they say of a daemon, the crontab and the detection of the manager.
plugins_libplugins_a_SOURCES += \
	plugins/service/text.c plugins/service/text.h \
	plugins/service/systemd.c plugins/service/smf.c \
	plugins/service/upstart.c \
	plugins/service/svcstate.c plugins/service/svcstate.h \
	plugins/service/cron.c plugins/service/cron.h \
	plugins/service/detect.c

# The renderers are tested without the managers (which cannot run as PID
# 1 here): plans against golden files, recorded status outputs, and the
# systemd units through `systemd-analyze verify`.
SERVICE_CASES = tests/unit/service_cases.c tests/unit/service_cases.h
UNIT_TESTS += tests/unit/test_service_render
check_PROGRAMS += tests/unit/test_service_render tests/unit/service_units
tests_unit_test_service_render_SOURCES = tests/unit/test_service_render.c \
	$(SERVICE_CASES) $(TESTUTIL)
tests_unit_test_service_render_LDADD = plugins/libplugins.a $(MC_TEST_LIBS)
tests_unit_service_units_SOURCES = tests/unit/service_units.c $(SERVICE_CASES)
tests_unit_service_units_LDADD = plugins/libplugins.a lib/libmetactl.a \
	$(JANSSON_LIBS)
SCRIPT_TESTS += tests/service_verify.sh
EXTRA_DIST += tests/service_verify.sh tests/data/service
UNIT_TESTS += tests/unit/test_svc_supervise
check_PROGRAMS += tests/unit/test_svc_supervise
tests_unit_test_svc_supervise_SOURCES = tests/unit/test_svc_supervise.c \
	$(TESTUTIL)
tests_unit_test_svc_supervise_LDADD = plugins/libplugins.a $(MC_TEST_LIBS)
SCRIPT_TESTS += tests/service/svwait.sh
EXTRA_DIST += tests/service/svwait.sh

# The deploy agent through metactld on a real runit tree, with git
# repositories made by the test.
INTEGRATION_TESTS += tests/integration/deploy_agent.sh \
	tests/integration/deploy_crash.sh tests/integration/deploy_disk.sh \
	tests/integration/deploy_seed.sh tests/integration/deploy_svn.sh \
	tests/integration/deploy_deadline.sh
EXTRA_DIST += tests/integration/deploy_agent.sh tests/deploy/lib.sh \
	tests/integration/deploy_crash.sh tests/integration/deploy_disk.sh \
	tests/integration/deploy_seed.sh tests/integration/deploy_svn.sh \
	tests/integration/deploy_deadline.sh
UNIT_TESTS += tests/unit/test_deploy_scm
check_PROGRAMS += tests/unit/test_deploy_scm
tests_unit_test_deploy_scm_SOURCES = tests/unit/test_deploy_scm.c $(TESTUTIL)
tests_unit_test_deploy_scm_LDADD = plugins/libplugins.a $(MC_TEST_LIBS)

# The lbreg agent: an app's server in its load balancer (HAProxy's runtime
# API through metactl-lbctl, or a server-list file and a reload command).
plugins_libplugins_a_SOURCES += \
	plugins/lbreg/lbreg.c plugins/lbreg/lbreg.h \
	plugins/lbreg/lb.c plugins/lbreg/lb.h
dist_ddl_DATA += schemas/ddl/lbreg.json
pkglibexec_PROGRAMS += tools/metactl-lbctl tools/metactl-connwait
tools_metactl_lbctl_SOURCES = tools/metactl-lbctl.c
tools_metactl_connwait_SOURCES = tools/metactl-connwait.c
INTEGRATION_TESTS += tests/integration/lbreg_haproxy.sh \
	tests/integration/lbreg_restart.sh tests/integration/lbreg_nginx.sh \
	tests/integration/lbreg_deploy.sh tests/integration/lbreg_fleet.sh
EXTRA_DIST += tests/integration/lbreg_haproxy.sh tests/lbreg/lib.sh \
	tests/integration/lbreg_restart.sh tests/integration/lbreg_nginx.sh \
	tests/integration/lbreg_deploy.sh tests/integration/lbreg_fleet.sh \
	tests/lbreg/httpd.py tests/lbreg/stream.py
# The shipped lbreg.policy (etc/policy) does what its comments say; bash
# completes the agent, its actions and its apps; metactl-connwait counts
# and waits out a real server's connections.
SCRIPT_TESTS += tests/lbreg_policy.sh tests/lbreg_completion.sh \
	tests/lbreg_connwait.sh
EXTRA_DIST += tests/lbreg_policy.sh tests/lbreg_completion.sh \
	tests/lbreg_connwait.sh
UNIT_TESTS += tests/unit/test_lbreg
check_PROGRAMS += tests/unit/test_lbreg
tests_unit_test_lbreg_SOURCES = tests/unit/test_lbreg.c $(TESTUTIL)
tests_unit_test_lbreg_LDADD = plugins/libplugins.a $(MC_TEST_LIBS)
# The sandbox agent: an app's network namespace, address, outbound
# firewall and DNS names; it performs plans with service/'s plan_exec.
plugins_libplugins_a_SOURCES += \
	plugins/sandbox/sandbox.c plugins/sandbox/sandbox.h \
	plugins/sandbox/sbxconf.c plugins/sandbox/sbxconf.h \
	plugins/sandbox/sbxplan.c plugins/sandbox/sbxplan.h \
	plugins/sandbox/sbxlive.c plugins/sandbox/sbxlive.h \
	plugins/sandbox/sbxipt.c plugins/sandbox/sbxipt.h
dist_ddl_DATA += schemas/ddl/sandbox.json
INTEGRATION_TESTS += tests/integration/sandbox_agent.sh \
	tests/integration/sandbox_deploy.sh \
	tests/integration/sandbox_iptables.sh
EXTRA_DIST += tests/integration/sandbox_agent.sh \
	tests/integration/sandbox_deploy.sh \
	tests/integration/sandbox_iptables.sh \
	tests/integration/sandbox_lib.sh
UNIT_TESTS += tests/unit/test_sandbox
check_PROGRAMS += tests/unit/test_sandbox
tests_unit_test_sandbox_SOURCES = tests/unit/test_sandbox.c $(TESTUTIL)
tests_unit_test_sandbox_LDADD = plugins/libplugins.a $(MC_TEST_LIBS)
