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
	plugins/service/backend.h

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
