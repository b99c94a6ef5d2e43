# Transport: URL parsing and the UNIX socket (unit), the AMQP link against
# a real broker (integration).
UNIT_TESTS += tests/unit/test_transport
check_PROGRAMS += tests/unit/test_transport
tests_unit_test_transport_SOURCES = tests/unit/test_transport.c $(TESTUTIL)
tests_unit_test_transport_LDADD = $(MC_TEST_LIBS) $(RABBITMQ_LIBS)

check_PROGRAMS += tests/integration/amqp_link
tests_integration_amqp_link_LDADD = lib/libmetactl.a $(RABBITMQ_LIBS)
INTEGRATION_TESTS += tests/integration/transport_amqp.sh
EXTRA_DIST += tests/integration/transport_amqp.sh
# amqps:// for the link, metactld and metactl (needs the openssl command).
INTEGRATION_TESTS += tests/integration/tls.sh
EXTRA_DIST += tests/integration/tls.sh
# The broker link of metactld: oversized messages refused unread (memory
# measured), the loop never waiting on the broker, live re-binding.
INTEGRATION_TESTS += tests/integration/broker_size.sh
EXTRA_DIST += tests/integration/broker_size.sh
INTEGRATION_TESTS += tests/integration/broker_io.sh
EXTRA_DIST += tests/integration/broker_io.sh
# Two sites joined by RabbitMQ federation (docs/FEDERATION.md): a client at
# one site reaches the agents of the other.
INTEGRATION_TESTS += tests/integration/federation.sh
EXTRA_DIST += tests/integration/federation.sh tests/lib/federation.sh
# Setting up federated sites (installed with the other documents).
dist_doc_DATA = docs/FEDERATION.md
# A three-node RabbitMQ cluster (tests/lib/rabbitmq_cluster.sh): agents
# spread over its nodes and fail over when one stops; the time measured.
INTEGRATION_TESTS += tests/integration/cluster.sh
EXTRA_DIST += tests/integration/cluster.sh tests/lib/rabbitmq_cluster.sh
# A broker restart under agents with the shipped reconnection defaults.
INTEGRATION_TESTS += tests/integration/broker_restart.sh
EXTRA_DIST += tests/integration/broker_restart.sh
# Two unclustered brokers listed together: the split metactl warns about.
INTEGRATION_TESTS += tests/integration/cluster_split.sh
EXTRA_DIST += tests/integration/cluster_split.sh
