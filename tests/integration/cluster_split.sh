#!/bin/sh
# The silent split: two brokers that are NOT one cluster, listed together.
# Three agents start on the first (their identities pick it), fail over to
# the second when it stops, and stay there when it is back; a client on
# the first then finds none of them, and says so on stderr as a likely
# split, naming the broker it used. The teardown leaves nothing running.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rabbitmq.sh"
. "$top_srcdir/tests/lib/rabbitmq_cluster.sh"
. "$top_srcdir/tests/lib/fleet.sh"

[ -x "$RABBITMQ_BIN/rabbitmq-server" ] || skip_all "rabbitmq-server not installed"
M="$top_builddir/orchestrator/metactl"
AGENTS="s2 s4 s6"

cleanup() {
	fleet_stop
	rabbitmq_cluster_stop
}
trap cleanup EXIT INT TERM
RABBITMQ_CLUSTER_SIZE=2 RABBITMQ_CLUSTER_JOIN=no rabbitmq_cluster_start ||
	{ echo "Bail out! the brokers did not start"; exit 99; }
B1=$(rabbitmq_cluster_url 1)
fleet_init || { echo "Bail out! cannot create the fleet"; exit 99; }
FLEET_BROKER_URLS=$RABBITMQ_CLUSTER_URLS fleet_start $AGENTS ||
	{ echo "Bail out! the fleet did not start"; exit 99; }
fleet_client "$RABBITMQ_CLUSTER_URLS"

port1=$(rabbitmq_cluster_port 1)
check "the three agents start on broker 1" [ "$(grep -l "@127.0.0.1:$port1/metactl: connected" \
    "$FLEET_DIR"/s?.log | wc -l)" -eq 3 ]
"$M" find --refresh --no-cache >"$FLEET_DIR/find" 2>&1
check "the client on broker 1 finds the three" [ "$(grep -c '^s' "$FLEET_DIR/find")" -eq 3 ]
"$M" ping >"$FLEET_DIR/ping.out" 2>"$FLEET_DIR/ping.err"
check "while they are there, no split is reported" \
    sh -c '! grep -q "split" "$1"' _ "$FLEET_DIR/ping.err"

# Broker 1 stops: the agents move to broker 2; it comes back.
rabbitmq_cluster_node_stop 1
for a in $AGENTS; do
	check "$a fails over to broker 2" fleet_wait_log $a 'connection restored' 30
done
rabbitmq_cluster_node_start 1 || { echo "Bail out! broker 1 did not restart"; exit 99; }

"$M" ping >"$FLEET_DIR/split.out" 2>"$FLEET_DIR/split.err"
rc=$?
check "the client on broker 1 gets no reply (exit $rc)" [ "$rc" -ne 0 ]
check "the agents stayed on broker 2" [ "$(cat "$FLEET_DIR"/s?.log |
    grep -c 'connection lost')" -eq 3 ]
want="warning: 3 of 3 expected nodes did not answer through broker amqp://metactl:\*\*\*@127.0.0.1:$port1/metactl"
if grep -q "$want" "$FLEET_DIR/split.err" &&
    grep -q "not one cluster (or federated) with it, the fleet is split" "$FLEET_DIR/split.err"; then
	ok "metactl warns of a split, naming broker 1"
else
	not_ok "metactl warns of a split, naming broker 1: $(cat "$FLEET_DIR/split.err")"
fi
check "the warning hides the broker's password" \
    sh -c '! grep -q "metactl:metactl@" "$1"' _ "$FLEET_DIR/split.err"

# The teardown stops what the start started, epmd too.
ports="$RABBITMQ_CLUSTER_EPMD_PORT"
for n in 1 2; do
	ports="$ports $(rabbitmq_cluster_port $n) $(rabbitmq_cluster_dist_port $n)"
done
fleet_stop
rabbitmq_cluster_stop
left=
for p in $ports; do
	[ -n "$(ss -Hltn "sport = :$p")" ] && left="$left $p"
done
check "nothing listens on the brokers' or epmd's ports after the teardown ($ports)" \
    [ -z "$left" ]
done_testing
