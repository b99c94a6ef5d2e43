#!/bin/sh
# metactld never waits on the broker: with a broker that accepts and never
# answers, and with a broker that blocks publishers (memory alarm), the
# local socket answers in milliseconds; replies wait in a bounded queue and
# are dropped when it is full. A reload re-binds on the live connection,
# losing no request. Broker passwords never reach a log or an error.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rabbitmq.sh"
. "$top_srcdir/tests/lib/fleet.sh"

[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
[ -x "$RABBITMQ_BIN/rabbitmq-server" ] || skip_all "rabbitmq-server not installed"
M=$top_builddir/orchestrator/metactl

hang_pid=
clients=
cleanup() {
	[ -n "$hang_pid" ] && kill "$hang_pid" 2>/dev/null
	for p in $clients; do kill "$p" 2>/dev/null; done
	fleet_stop
	rabbitmq_stop
}
trap cleanup EXIT INT TERM
rabbitmq_start || { echo "Bail out! RabbitMQ did not start"; exit 99; }
fleet_init || { echo "Bail out! cannot create the fleet"; exit 99; }

# local_ms NAME: one ping over NAME's local socket, timed by this test's
# own clock around the request; prints the milliseconds, fails unless OK.
local_ms() {
	"$PYTHON3" -c '
import json, os, socket, sys, time
c = (",", ":")
body = json.dumps({"type": "request", "protocol": 2,
    "id": os.urandom(16).hex(), "time": int(time.time() * 1000),
    "ttl": 60, "caller": "me", "collective": "metactl", "agent": "rpcutil",
    "action": "ping", "data": {}, "filter": {},
    "audience": {"type": "broadcast"}, "dry_run": False}, separators=c)
line = json.dumps({"protocol": 2, "body": body}, separators=c).encode()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(60)
t0 = time.monotonic()
s.sendall(line + b"\n")
got = b""
while not got.endswith(b"\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    got += chunk
took = (time.monotonic() - t0) * 1000
reply = json.loads(json.loads(got)["body"])
print("%.1f" % took)
sys.exit(0 if reply["statuscode"] == 0 else 1)' "$FLEET_DIR/$1.sock"
}
# fast NAME DESC: five local pings; the median answered within 50 ms (the
# figure to meet) and every one within a second, where the loop used to
# wait for the broker for 5 s and more (one slow answer is the machine's
# load, not the agent's).
fast() {
	all=
	for i in 1 2 3 4 5; do
		t=$(local_ms "$1") || { not_ok "$2: request $i failed"; return; }
		all="$all $t"
	done
	diag "$2: local pings took$all ms"
	median=$(echo "$all" | tr ' ' '\n' | sed '/^$/d' | sort -n | sed -n 3p)
	worst=$(echo "$all" | tr ' ' '\n' | sed '/^$/d' | sort -n | tail -n 1)
	check "$2 (median ${median} ms, worst ${worst} ms)" \
	    awk -v m="$median" -v w="$worst" 'BEGIN { exit !(m < 50 && w < 1000) }'
}
field() { "$PYTHON3" -c '
import json, sys
lines = [l for l in sys.stdin if l.strip()]
v = json.loads(lines[-1]) if lines else None
for k in sys.argv[1].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else v)' "$1"; }
bindings() { # QUEUE: its routing keys on metactl.broadcast, sorted
	rabbitmq_ctl list_bindings -p metactl -q source_name destination_name \
	    routing_key 2>/dev/null |
	    awk -v q="$1" '$1 == "metactl.broadcast" && $2 == q {print $3}' |
	    sort | tr '\n' ' '
}
wait_for() { # SECONDS COMMAND...: until COMMAND succeeds
	_w_n=$(($1 * 20))
	shift
	while [ "$_w_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		_w_n=$((_w_n - 1))
	done
	return 1
}

# An external agent whose action takes the seconds it is given.
install_nap() { # NAME
	fleet_nap_agent "$1" 300
	printf 'policy default deny\nallow\tcert=alice\t*\t*\n' \
	    >"$FLEET_DIR/policy/$1.policy"
}

# 1. A "broker" that accepts TCP connections and never says a word.
"$PYTHON3" -c '
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    held.append(s.accept()[0])
' "$FLEET_DIR/hang.port" &
hang_pid=$!
wait_for 10 test -s "$FLEET_DIR/hang.port" ||
	{ echo "Bail out! the silent listener did not start"; exit 99; }
hang=amqp://metactl:s3cretpw@127.0.0.1:$(cat "$FLEET_DIR/hang.port")/metactl
FLEET_BROKER_URLS="$hang $hang" FLEET_READY='started as' \
    FLEET_EXTRA_CONF='[broker]
connect_timeout = 5s' fleet_start mute:mute:dc1 ||
	{ echo "Bail out! the agent did not start"; exit 99; }
fast mute "a hanging broker: the local socket answers within 50 ms"
check "the agent is trying to log in meanwhile" \
    fleet_wait_log mute 'cannot connect: .*; retrying' 30
fast mute "still within 50 ms while it retries"
check "an agent waiting for a silent broker stops in time" fleet_stop_one mute
check "the password is not in its log" \
    sh -c "! grep -q s3cretpw '$(fleet_log mute)'"
check "the user is" grep -q 'amqp://metactl:\*\*\*@127.0.0.1' "$(fleet_log mute)"

# Ready means subscribed: with the silent broker first in its list, the
# agent tells its service manager (here s6's notification fd) it is ready
# only once its queue is bound on the real broker, so that a broadcast
# sent at that moment reaches it. It used to say so at start, a connect
# timeout before it could receive anything.
"$MCSEND" issue "$FLEET_DIR" ready1 node >/dev/null &&
	echo "hostname: ready1" >"$FLEET_DIR/ready1.facts" &&
	: >"$FLEET_DIR/ready1.classes" &&
	chmod 0644 "$FLEET_DIR/ready1.facts" "$FLEET_DIR/ready1.classes" &&
	FLEET_BROKER_URLS="$hang $RABBITMQ_URL" FLEET_EXTRA_CONF='[broker]
connect_timeout = 1s
[daemon]
notification_fd = 3' fleet_write_conf ready1 &&
	mkfifo "$FLEET_DIR/ready1.ready" ||
	{ echo "Bail out! cannot prepare ready1"; exit 99; }
"$METACTLD" -d -c "$FLEET_DIR/ready1.conf" 3>"$FLEET_DIR/ready1.ready" \
    >>"$FLEET_DIR/ready1.log" 2>&1 &
echo $! >"$FLEET_DIR/ready1.pid"
FLEET_PIDS="$FLEET_PIDS $!"
read -r _ <"$FLEET_DIR/ready1.ready"
check "readiness is said once the node queue is bound" \
    grep -q 'connected as ready1' "$(fleet_log ready1)"
fleet_stop_one ready1

# A URL that does not parse is named in the error without its password.
FLEET_BROKER_URLS=amqp://metactl:s3cretpw@127.0.0.1:port/metactl \
    FLEET_READY='cannot connect' fleet_start badurl:bad:dc1 ||
	{ echo "Bail out! the agent did not start"; exit 99; }
check "a malformed URL is logged" \
    grep -q 'amqp://metactl:\*\*\*@127.0.0.1:port/metactl: malformed' "$(fleet_log badurl)"
check "without its password" sh -c "! grep -q s3cretpw '$(fleet_log badurl)'"
fleet_stop_one badurl

# metactl names the broker it could not use without its password.
cat >"$FLEET_DIR/client.conf" <<EOF
broker = amqp://metactl:s3cretpw@127.0.0.1:1/metactl
key = $FLEET_DIR/alice.key
certificate = $FLEET_DIR/alice.crt
ca = $FLEET_DIR/ca.pub
ddl_dir = $top_srcdir/schemas/ddl
EOF
METACTL_CONFIG=$FLEET_DIR/client.conf "$M" ping >/dev/null \
    2>"$FLEET_DIR/metactl.err"
check "metactl: the failure names the broker" \
    grep -q 'amqp://metactl:\*\*\*@127.0.0.1:1' "$FLEET_DIR/metactl.err"
check "metactl: without the password" \
    sh -c "! grep -q s3cretpw '$FLEET_DIR/metactl.err'"
sed -i 's/127.0.0.1:1/127.0.0.1:port/' "$FLEET_DIR/client.conf"
METACTL_CONFIG=$FLEET_DIR/client.conf "$M" ping >/dev/null \
    2>"$FLEET_DIR/metactl.err"
check "metactl: a malformed URL is named without its password" \
    sh -c "grep -q 'amqp://metactl:\*\*\*@' '$FLEET_DIR/metactl.err' &&
        ! grep -q s3cretpw '$FLEET_DIR/metactl.err'"

# 2. The broker's memory alarm blocks publishers (connection.blocked).
install_nap nap
FLEET_EXTRA_CONF='[broker]
reply_queue_length = 2' fleet_start mem:mem:dc1 ||
	{ echo "Bail out! the agent did not start"; exit 99; }
check "the agent answers before the alarm" \
    [ "$(fleet_send -I mem -n 1 rpcutil ping | field statuscode)" = 0 ]
# Six naps run while the alarm is raised; the test ends each one's sleep
# (naps of 101 and 102 seconds, told apart by their sleep's argument)
# when it is time; the clients wait up to 10 min (the sum of this part's
# waits, on a loaded machine, exceeds a minute or two; they are killed at
# its end). The first reply, once the alarm is in force, makes the
# broker block the agent's connection (RabbitMQ blocks a connection when
# it publishes); the later ones go into the blocked link.
fleet_send -I mem -n 1 -t 600000 nap nap seconds=101 >"$FLEET_DIR/nap0.out" &
clients="$clients $!"
for i in 1 2 3 4 5; do
	fleet_send -I mem -n 1 -t 600000 nap nap seconds=102 >"$FLEET_DIR/nap$i.out" &
	clients="$clients $!"
done
check "six naps run" fleet_wait_count mem 'running .*/agents/nap' 6 30
rabbitmq_ctl set_vm_memory_high_watermark 0.0000001 >/dev/null
alarm() { rabbitmq_ctl eval 'rabbit_alarm:get_alarms().' 2>/dev/null | grep -q memory; }
check "the broker reports its memory alarm" wait_for 30 alarm
pkill -x -f 'sleep 101'
check "the agent is told it is blocked" \
    fleet_wait_log mem 'blocked by the broker' 60
pkill -x -f 'sleep 102'
fast mem "a blocked broker: the local socket answers within 50 ms"
check "all six naps are done" fleet_wait_count mem 'nap.nap done' 6 60
# Each reply either left before the block, waits in the queue (two at
# most), or was dropped with a log line: at least two of the five late
# ones were dropped.
dropped=$(fleet_count_log mem 'dropped: the outgoing queue is full')
check "replies beyond the queue's bound are dropped and logged ($dropped)" \
    [ "$dropped" -ge 2 ]
check "and counted" fleet_wait_log mem "$dropped dropped so far" 1
rabbitmq_ctl set_vm_memory_high_watermark 0.4 >/dev/null
check "the alarm cleared, the agent is unblocked" \
    fleet_wait_log mem 'unblocked' 60
got() { n=0; for f in "$FLEET_DIR"/nap?.out; do [ -s "$f" ] && n=$((n + 1)); done; echo $n; }
check "every reply not dropped arrives" \
    wait_for 60 [ "$(got)" -eq $((6 - dropped)) ]
check "and no other is dropped" \
    [ "$(fleet_count_log mem 'dropped: the outgoing queue is full')" -eq "$dropped" ]
check "broker traffic works again" \
    [ "$(fleet_send -I mem -n 1 rpcutil ping | field statuscode)" = 0 ]
check "the connection was never dropped" \
    [ "$(fleet_count_log mem 'connection lost')" -eq 0 ]
for p in $clients; do kill "$p" 2>/dev/null; done
clients=
fleet_stop_one mem

# 3. A reload re-binds on the live connection: requests in flight all get
# their answers, nothing reconnects.
FLEET_HEARTBEAT=1s fleet_start rb:rb:dc1 ||
	{ echo "Bail out! the agent did not start"; exit 99; }
q=metactl.node.rb
check "bound before: metactl.deploy metactl.lbreg metactl.nap metactl.rpcutil metactl.sandbox metactl.service" \
    [ "$(bindings $q)" = "metactl.deploy metactl.lbreg metactl.nap metactl.rpcutil metactl.sandbox metactl.service " ]
for i in 1 2 3; do
	fleet_send -I rb -n 1 -t 20000 nap nap seconds=2 >"$FLEET_DIR/rb$i.out" &
	clients="$clients $!"
done
fleet_wait_count rb 'running .*/agents/nap' 3 10
( for i in $(seq 1 20); do fleet_send -I rb -n 1 -t 20000 rpcutil ping; done ) \
    >"$FLEET_DIR/pings.out" &
pinger=$!
# nap goes, doze comes, and the node joins a second collective.
rm -f "$FLEET_DIR/agents/nap" "$FLEET_DIR/agents/nap.json"
install_nap doze
sed -i 's/^identity = rb$/identity = rb\ncollectives = metactl extra/' \
    "$(fleet_conf rb)"
check "SIGHUP reloads rb" fleet_hup rb
check "the bindings are updated once the naps finished" \
    fleet_wait_count rb 'bindings updated' 2 20
wait "$pinger"
for p in $clients; do wait "$p"; done
clients=
n=0
for i in 1 2 3; do
	[ "$(field data.slept <"$FLEET_DIR/rb$i.out")" = 2 ] && n=$((n + 1))
done
check "the three naps in flight across the reload answered" [ "$n" -eq 3 ]
check "the 20 pings sent across the reload answered" \
    [ "$(grep -c '"statuscode":0' "$FLEET_DIR/pings.out")" -eq 20 ]
check "nothing reconnected" \
    [ "$(fleet_count_log rb 'connection lost|restored|subscribing again')" -eq 0 ]
check "the removed agent is unbound, the added one bound, per collective" \
    [ "$(bindings $q)" = "extra.deploy extra.doze extra.lbreg extra.rpcutil extra.sandbox extra.service metactl.deploy metactl.doze metactl.lbreg metactl.rpcutil metactl.sandbox metactl.service " ]
out=$(fleet_send -I rb -C extra -n 1 doze nap seconds=0)
check "the new agent answers in the new collective" \
    [ "$(echo "$out" | field statuscode)" = 0 ]
done_testing
