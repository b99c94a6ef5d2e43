#!/bin/sh
# A fleet on a three-node RabbitMQ cluster, with metactld's shipped broker
# defaults (heartbeat, reconnect_min, reconnect_max): six agents spread
# over the nodes by their identity; a broadcast reaches all of them;
# a node crash moves its agents and the client (which lists that node
# first) to another, and the time from the crash to all six answering is
# measured; a request replayed through another node is refused; no reply
# is reported twice or without the agent having run the request.
# BENCH_CLUSTER=FILE appends the measured times to FILE.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rabbitmq.sh"
. "$top_srcdir/tests/lib/rabbitmq_cluster.sh"
. "$top_srcdir/tests/lib/fleet.sh"

[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
[ -x "$RABBITMQ_BIN/rabbitmq-server" ] || skip_all "rabbitmq-server not installed"
M="$top_builddir/orchestrator/metactl"
AGENTS="a1 a2 a3 a4 a5 a6"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
cleanup() {
	fleet_stop
	rabbitmq_cluster_stop
}
trap cleanup EXIT INT TERM

t0=$(now_ms)
rabbitmq_cluster_start || { echo "Bail out! the cluster did not start"; exit 99; }
t_cluster=$(($(now_ms) - t0))
diag "three-node cluster up in $t_cluster ms"
running=$(rabbitmq_cluster_ctl 2 eval \
    'length(rabbit_nodes:all_running()).' 2>/dev/null)
check "the three nodes run as one cluster ($running)" [ "$running" = 3 ]

fleet_init || { echo "Bail out! cannot create the fleet"; exit 99; }
FLEET_BROKER_URLS=$RABBITMQ_CLUSTER_URLS FLEET_BROKER_DEFAULTS=1 \
    fleet_start $AGENTS || { echo "Bail out! the fleet did not start"; exit 99; }
mkdir -p "$FLEET_DIR/out"
fleet_client "$RABBITMQ_CLUSTER_URLS"

# on_node I: the agents whose link is to node I now (their last
# connected/restored line names its port).
on_node() {
	_p=$(rabbitmq_cluster_port "$1")
	for _a in $AGENTS; do
		grep -E 'broker .*: (connected|connection restored)' \
		    "$(fleet_log "$_a")" | tail -n 1 |
		    grep -q "@127.0.0.1:$_p/" && printf '%s ' "$_a"
	done
}
# Each identity starts at the URL its hash picks (transport_url_pick).
is_on() { # DESC NODE WANT
	got=$(on_node "$2")
	if [ "$got" = "$3" ]; then ok "$1"; else not_ok "$1: got '$got', want '$3'"; fi
}
is_on "a2 and a4 start on node 1" 1 "a2 a4 "
is_on "a1 and a6 start on node 2" 2 "a1 a6 "
is_on "a3 and a5 start on node 3" 3 "a3 a5 "
conns=$(rabbitmq_cluster_ctl 1 list_connections -q --no-table-headers port |
    sort | uniq -c | awk '{print $1}' | tr '\n' ' ')
check "the brokers see two agents on each node ($conns)" [ "$conns" = "2 2 2 " ]

# ping N: metactl rpc rpcutil ping --json into $FLEET_DIR/out/N.json;
# true when all six answered OK.
ping_all() {
	"$M" rpc rpcutil ping --json >"$FLEET_DIR/out/$1.json" 2>"$FLEET_DIR/out/$1.err"
	"$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
ok = sorted(r["identity"] for r in d["replies"] if r["status"] == "ok")
sys.exit(0 if ok == sys.argv[2].split() else 1)' "$FLEET_DIR/out/$1.json" "$AGENTS"
}

"$M" find --refresh --no-cache >"$FLEET_DIR/out/find" 2>&1
check "a full discovery finds the six agents" [ "$(grep -c '^a' "$FLEET_DIR/out/find")" -eq 6 ]
check "a broadcast through node 1 reaches the agents of every node" ping_all before

# Node 1 crashes (SIGKILL): a2 and a4 lose their link at once, and the
# client's first URL refuses. Measured: from the crash to the two links
# restored, and to all six answering a ping (the client connecting
# through node 2). A graceful stop closes the connections too, early in
# a shutdown whose length depends on the machine's load.
t0=$(now_ms)
rabbitmq_cluster_node_kill 1
for a in a2 a4; do
	check "$a notices the loss" fleet_wait_log $a 'connection lost' 30
	check "$a reconnects" fleet_wait_log $a 'connection restored' 30
done
t_restored=$(($(now_ms) - t0))
i=0
until ping_all "failover$i"; do
	i=$((i + 1))
	[ "$i" -lt 10 ] || break
done
t_failover=$(($(now_ms) - t0))
check "all six answer again after node 1 crashed (ping $((i + 1)))" [ "$i" -lt 10 ]
diag "node 1 crash: links restored at $t_restored ms; all six answering at $t_failover ms"
check "under 10 s from the crash to all answering ($t_failover ms)" \
    [ "$t_failover" -lt 10000 ]
is_on "a2 moved to node 2, the URL after the lost one" 2 "a1 a2 a4 a6 "
check "the others kept their link" \
    [ "$(cat "$(fleet_log a1)" "$(fleet_log a3)" "$(fleet_log a5)" "$(fleet_log a6)" |
    grep -c 'connection lost')" -eq 0 ]
check "the client said nothing of a split" [ ! -s "$FLEET_DIR/out/failover$i.err" ]

# A request signed once and sent through node 2 runs on every agent; the
# same bytes sent again through node 3 are refused by all (replay cache).
"$MCSEND" send -u "$(rabbitmq_cluster_url 2)" -k "$FLEET_DIR/alice.key" \
    -c "$FLEET_DIR/alice.crt" -a "$FLEET_DIR/ca.pub" -n 6 -t 10000 \
    -w "$FLEET_DIR/signed" rpcutil ping >"$FLEET_DIR/out/first"
check "the signed request runs on all six" \
    [ "$(grep -c '"statuscode":0' "$FLEET_DIR/out/first")" -eq 6 ]
"$MCSEND" send -u "$(rabbitmq_cluster_url 3)" -k "$FLEET_DIR/alice.key" \
    -c "$FLEET_DIR/alice.crt" -a "$FLEET_DIR/ca.pub" -r "$FLEET_DIR/signed" \
    -f 6 -t 10000 rpcutil ping >"$FLEET_DIR/out/replay"
check "replayed through node 3 it is refused by all six" [ "$(grep -v '"follow":true' \
    "$FLEET_DIR/out/replay" | grep -c 'request id seen before')" -eq 6 ]

# Node 1 comes back: nobody moves back, and a client on node 1 reaches
# the agents connected to nodes 2 and 3.
t0=$(now_ms)
rabbitmq_cluster_node_start 1 || { echo "Bail out! node 1 did not restart"; exit 99; }
diag "node 1 back in the cluster in $(($(now_ms) - t0)) ms"
check "through node 1 again, all six answer" ping_all after

# Node 2, where four agents are now, stops gracefully: they move to node 3.
# Timed from the start of the shutdown, which runs in the background.
t0=$(now_ms)
rabbitmq_cluster_ctl 2 shutdown >/dev/null 2>&1 &
stopper=$!
for a in a1:1 a2:2 a4:2 a6:1; do
	check "${a%:*} reconnects after node 2 stopped" \
	    fleet_wait_count "${a%:*}" 'connection restored' "${a#*:}" 30
done
i=0
until ping_all "stop$i"; do
	i=$((i + 1))
	[ "$i" -lt 10 ] || break
done
t_stop=$(($(now_ms) - t0))
check "all six answer again after node 2 stopped" [ "$i" -lt 10 ]
wait "$stopper"
t_shutdown=$(($(now_ms) - t0))
rabbitmq_cluster_node_stop 2 # reaps it
diag "node 2 stop: all six answering at $t_stop ms; its shutdown over at $t_shutdown ms"
is_on "all six are on node 3 now" 3 "a1 a2 a3 a4 a5 a6 "

# What the client reported is what the agents did: in every document, an
# identity appears at most once and an OK reply's agent audited the
# request as run, once; no agent ran any request twice.
check "no reply reported twice or without the agent running it" "$PYTHON3" -c '
import glob, json, os, sys
d = sys.argv[1]
runs = {}
for a in sys.argv[2].split():
    recs = [json.loads(l) for l in open(os.path.join(d, a + ".audit"))]
    ids = [r["id"] for r in recs if r.get("decision") == "allowed"]
    assert len(ids) == len(set(ids)), (a, "ran a request twice")
    runs[a] = set(ids)
for f in glob.glob(os.path.join(d, "out", "*.json")):
    doc = json.load(open(f))
    names = [r["identity"] for r in doc["replies"]]
    assert len(names) == len(set(names)), (f, names)
    for r in doc["replies"]:
        if r["status"] == "ok":
            assert doc["request"]["id"] in runs[r["identity"]], (f, r)
' "$FLEET_DIR" "$AGENTS"

if [ -n "${BENCH_CLUSTER:-}" ]; then
	{
		echo "| three-node cluster start (parallel nodes, two joins) | $t_cluster ms |"
		echo "| node crash: links of its agents restored | $t_restored ms |"
		echo "| node crash: all six agents answering a ping | $t_failover ms |"
		echo "| graceful node stop: all six agents answering a ping | $t_stop ms |"
		echo "| graceful node stop: the broker's shutdown over | $t_shutdown ms |"
	} >>"$BENCH_CLUSTER"
fi
done_testing
