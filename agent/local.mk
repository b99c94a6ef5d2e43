# agent: metactld, the node agent. Everything but main() lives in
# libagentd.a so that the unit tests can drive the real code.
noinst_LIBRARIES += agent/libagentd.a
agent_libagentd_a_SOURCES = \
	agent/agentd.h \
	agent/action.c agent/action.h \
	agent/amqpio.c agent/amqpio.h \
	agent/broker.c \
	agent/conf.c agent/conf.h \
	agent/dispatch.c \
	agent/local.c \
	agent/metrics.c agent/metrics.h agent/metrics_http.c \
	agent/node.c agent/node.h \
	agent/notify.c \
	agent/queue.c agent/queue.h \
	agent/reply.c \
	agent/spawn.c agent/spawn.h

AGENTD_LIBS = agent/libagentd.a policy/libpolicy.a plugins/libplugins.a \
	lib/libmetactl.a \
	$(RABBITMQ_LIBS) $(UV_LIBS) $(JANSSON_LIBS) $(SODIUM_LIBS)

sbin_PROGRAMS += agent/metactld
agent_metactld_SOURCES = agent/main.c
agent_metactld_LDADD = $(AGENTD_LIBS)

AGENTD_TEST_LIBS = $(AGENTD_LIBS) $(CHECK_LIBS)
AGENTD_TEST_SINK = tests/unit/test_agent_sink.c tests/unit/test_agent_sink.h

UNIT_TESTS += tests/unit/test_agent_action tests/unit/test_agent_node
check_PROGRAMS += tests/unit/test_agent_action tests/unit/test_agent_node
tests_unit_test_agent_action_SOURCES = tests/unit/test_agent_action.c \
	$(AGENTD_TEST_SINK) $(TESTUTIL)
tests_unit_test_agent_action_LDADD = $(AGENTD_TEST_LIBS)
tests_unit_test_agent_node_SOURCES = tests/unit/test_agent_node.c $(TESTUTIL)
tests_unit_test_agent_node_LDADD = $(AGENTD_TEST_LIBS)
UNIT_TESTS += tests/unit/test_agent_spawn
check_PROGRAMS += tests/unit/test_agent_spawn
tests_unit_test_agent_spawn_SOURCES = tests/unit/test_agent_spawn.c $(TESTUTIL)
tests_unit_test_agent_spawn_LDADD = $(AGENTD_TEST_LIBS)
UNIT_TESTS += tests/unit/test_agent_conf
check_PROGRAMS += tests/unit/test_agent_conf
tests_unit_test_agent_conf_SOURCES = tests/unit/test_agent_conf.c $(TESTUTIL) \
	$(CONFTAB_MAN)
tests_unit_test_agent_conf_CPPFLAGS = $(AM_CPPFLAGS) \
	-DSRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_agent_conf_LDADD = $(AGENTD_TEST_LIBS)
UNIT_TESTS += tests/unit/test_agent_dispatch
check_PROGRAMS += tests/unit/test_agent_dispatch
tests_unit_test_agent_dispatch_SOURCES = tests/unit/test_agent_dispatch.c \
	$(AGENTD_TEST_SINK) $(TESTUTIL)
tests_unit_test_agent_dispatch_CPPFLAGS = $(AM_CPPFLAGS) \
	-DSRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_agent_dispatch_LDADD = $(AGENTD_TEST_LIBS)

# The integration tests' client: CA and certificates, signed requests over
# the broker or the local socket, raw bytes, replays.
check_PROGRAMS += tests/integration/mcsend
tests_integration_mcsend_SOURCES = tests/integration/mcsend.c
tests_integration_mcsend_LDADD = lib/libmetactl.a $(RABBITMQ_LIBS) \
	$(JANSSON_LIBS) $(SODIUM_LIBS)

INTEGRATION_TESTS += tests/integration/agent_local.sh \
	tests/integration/agent_broker.sh
EXTRA_DIST += tests/lib/fleet.sh tests/integration/agent_local.sh \
	tests/integration/agent_broker.sh
# The action context and the facts command in a real metactld.
INTEGRATION_TESTS += tests/integration/agent_context.sh
EXTRA_DIST += tests/integration/agent_context.sh
# No caller can fill the replay cache for another (bench/loadgen floods).
INTEGRATION_TESTS += tests/integration/agent_replay.sh
EXTRA_DIST += tests/integration/agent_replay.sh

SCRIPT_TESTS += tests/integration/agent_man.sh
EXTRA_DIST += tests/integration/agent_man.sh etc/metactld.conf

# The audit trail's logrotate snippet, with the configured localstatedir.
logrotatedir = $(sysconfdir)/logrotate.d
logrotate_DATA = etc/logrotate.d/metactl
CLEANFILES += etc/logrotate.d/metactl
EXTRA_DIST += etc/logrotate.d/metactl.in
etc/logrotate.d/metactl: $(srcdir)/etc/logrotate.d/metactl.in Makefile
	$(MKDIR_P) etc/logrotate.d
	sed 's|@localstatedir[@]|$(localstatedir)|g' \
	    $(srcdir)/etc/logrotate.d/metactl.in >$@
# Metrics for Prometheus: counters move, promtool and a real Prometheus.
INTEGRATION_TESTS += tests/integration/agent_metrics.sh
EXTRA_DIST += tests/integration/agent_metrics.sh
UNIT_TESTS += tests/unit/test_agent_metrics
check_PROGRAMS += tests/unit/test_agent_metrics
tests_unit_test_agent_metrics_SOURCES = tests/unit/test_agent_metrics.c \
	$(TESTUTIL)
tests_unit_test_agent_metrics_CPPFLAGS = $(AM_CPPFLAGS) \
	-DSRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_agent_metrics_LDADD = $(AGENTD_TEST_LIBS)
