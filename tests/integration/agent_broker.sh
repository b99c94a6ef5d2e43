#!/bin/sh
# metactld on a real RabbitMQ: replies from all, filters selecting exactly
# the right nodes, every security refusal, hostile bytes, broker restart,
# SIGTERM.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rabbitmq.sh"
. "$top_srcdir/tests/lib/fleet.sh"

[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
[ -x "$RABBITMQ_BIN/rabbitmq-server" ] || skip_all "rabbitmq-server not installed"

cleanup() {
	fleet_stop
	rabbitmq_stop
}
trap cleanup EXIT INT TERM
rabbitmq_start || { echo "Bail out! RabbitMQ did not start"; exit 99; }
fleet_init || { echo "Bail out! cannot create the fleet"; exit 99; }
FLEET_EXTRA_CONF='[limits]
message_size = 64k'
fleet_start web1:web:dc1 web2:web:dc2 db1:db:dc1 ||
	{ echo "Bail out! the fleet did not start"; exit 99; }

# senders < lines: the sorted senders of every reply, space-separated.
senders() { "$PYTHON3" -c '
import json, sys
print(" ".join(sorted(json.loads(l)["sender"] for l in sys.stdin if l.strip())))'; }
# field FIELD < lines: FIELD of the last reply.
field() { "$PYTHON3" -c '
import json, sys
lines = [l for l in sys.stdin if l.strip()]
v = json.loads(lines[-1]).get(sys.argv[1]) if lines else None
print("" if v is None else v)' "$1"; }
# all_verified < lines: every reply is signed by a node of the fleet CA.
all_verified() { "$PYTHON3" -c '
import json, sys
r = [json.loads(l) for l in sys.stdin if l.strip()]
sys.exit(0 if r and all(x["verified"] and x["cert"] == x["sender"] for x in r) else 1)'; }
# expect DESC WANT ARGS...: the senders of the replies to a ping.
expect() {
	d=$1 want=$2
	shift 2
	got=$(fleet_send -t 3000 -n "$(echo "$want" | wc -w)" "$@" rpcutil ping | senders)
	if [ "$got" = "$want" ]; then ok "$d"; else not_ok "$d: got '$got', want '$want'"; fi
}

out=$(fleet_send -n 3 rpcutil ping)
check "ping: all three answer" [ "$(echo "$out" | senders)" = "db1 web1 web2" ]
if echo "$out" | all_verified; then
	ok "ping: every reply is signed by its node"
else
	not_ok "ping: every reply is signed by its node"
fi
check "ping: status 0 from all" [ "$(echo "$out" | grep -c '"statuscode":0')" -eq 3 ]

expect "fact filter role=web" "web1 web2" -F role=web
expect "fact filter dc=dc1" "db1 web1" -F dc=dc1
expect "class filter db" "db1" -K db
expect "class regex filter /^we/" "web1 web2" -K /^we/
expect "identity filter" "web2" -i web2
expect "compound filter" "web1" -X "role=web and dc=dc1"
expect "compound with not" "db1 web2" -X "not (role=web and dc=dc1)"
expect "direct to one identity" "db1" -I db1
out=$(fleet_send -t 1000 -F role=none rpcutil ping)
check "a filter nobody matches gets no reply" [ -z "$out" ]

# Security: a refusal after verification is answered by the node it was
# sent to; anything that does not verify gets no reply at all.
one() { fleet_send -I web1 -n 1 -t 3000 "$@"; }
# save FILE ARGS...: writes the envelope ARGS make to FILE; it goes to a
# node nobody is, so nothing runs it.
save() {
	_f=$1
	shift
	fleet_send -I nobody -n 0 -t 1 -w "$_f" "$@" >/dev/null
}
# silent DESC WHY FILE [LOG]: FILE sent to web1 gets no reply (the ping
# that -f sends behind it is answered by all three, so nothing else is on
# its way), and web1 logs WHY (as a refusal without a reply, or as the ERE
# LOG when given).
silent() {
	_out=$(fleet_send -I web1 -r "$3" -f 3 -t 10000 rpcutil ping)
	_replies=$(echo "$_out" | grep -v '"follow":true')
	if [ "$(echo "$_out" | grep -c '"follow":true')" -eq 3 ] &&
	    [ -z "$_replies" ] &&
	    fleet_wait_log web1 "${4:-refused without a reply: .*$2}" 1; then
		ok "$1"
	else
		not_ok "$1: $_out"
	fi
}
msg_is() { # DESC WANT_PREFIX ARGS...
	d=$1 want=$2
	shift 2
	out=$(one "$@")
	case $(echo "$out" | field statusmsg) in
	"$want"*) ok "$d" ;;
	*) not_ok "$d: $out" ;;
	esac
}

"$MCSEND" issue "$FLEET_DIR" late caller -3600 >/dev/null
save "$FLEET_DIR/late" -k "$FLEET_DIR/late.key" -c "$FLEET_DIR/late.crt" \
    rpcutil ping
silent "an expired certificate is refused" "certificate expired" \
    "$FLEET_DIR/late"

mkdir -p "$FLEET_DIR/other"
"$MCSEND" ca "$FLEET_DIR/other" && "$MCSEND" issue "$FLEET_DIR/other" mallory caller
save "$FLEET_DIR/mallory" -k "$FLEET_DIR/other/mallory.key" \
    -c "$FLEET_DIR/other/mallory.crt" rpcutil ping
silent "a certificate from another CA is refused" \
    "certificate not signed by a trusted CA" "$FLEET_DIR/mallory"

save "$FLEET_DIR/noderole" -k "$FLEET_DIR/db1.key" -c "$FLEET_DIR/db1.crt" \
    rpcutil ping
silent "a node certificate cannot make requests" \
    "certificate has the wrong role" "$FLEET_DIR/noderole"

# A signed request whose body was changed after signing.
one -t 1 -n 0 -w "$FLEET_DIR/signed" rpcutil ping >/dev/null
sed 's/\\"ttl\\":60/\\"ttl\\":61/' "$FLEET_DIR/signed" >"$FLEET_DIR/tampered"
check "the tampered copy differs" sh -c "! cmp -s '$FLEET_DIR/signed' '$FLEET_DIR/tampered'"
silent "a bad signature is refused" "signature does not verify" \
    "$FLEET_DIR/tampered"
msg_is "a replayed request is refused" "request id seen before" \
    -r "$FLEET_DIR/signed" rpcutil ping
msg_is "an expired request is refused" "request expired" -O -3600000 rpcutil ping
msg_is "a request from the future is refused" \
    "request time too far in the future" -O 3600000 rpcutil ping

printf '{"protocol":2,"body":' >"$FLEET_DIR/malformed"
silent "a malformed envelope is refused" "malformed message" \
    "$FLEET_DIR/malformed"
printf '{"protocol":1,"body":"{}"}' >"$FLEET_DIR/v1"
silent "a version 1 message is refused" "unsupported protocol 1" \
    "$FLEET_DIR/v1"
# Oversized messages are discarded unread by the link: no reply (the
# sender is not known), one log line each.
head -c 70000 /dev/zero | tr '\0' 'x' >"$FLEET_DIR/big"
silent "an oversized message is discarded unread" "" "$FLEET_DIR/big" \
    'message of 70000 bytes .* discarded unread'
save "$FLEET_DIR/bigsigned" \
    -j "{\"pad\":\"$(head -c 70000 /dev/zero | tr '\0' 'y')\"}" rpcutil ping
silent "an oversized signed request is discarded unread" "" \
    "$FLEET_DIR/bigsigned" 'discarded unread'
check "each is logged once" \
    [ "$(fleet_count_log web1 'discarded unread')" -eq 2 ]

msg_is "an unknown agent is refused" "unknown agent" nosuch ping
msg_is "an unknown action is refused" "unknown action" rpcutil nosuch
out=$(one rpcutil get_fact 'fact=$(reboot)')
check "invalid input: status 4" [ "$(echo "$out" | field statuscode)" = 4 ]
out=$(one rpcutil get_fact)
check "missing input: status 3" [ "$(echo "$out" | field statuscode)" = 3 ]
out=$(one rpcutil inventory)
check "alice may run inventory" [ "$(echo "$out" | field statuscode)" = 0 ]
"$MCSEND" issue "$FLEET_DIR" bob caller >/dev/null
out=$(one -k "$FLEET_DIR/bob.key" -c "$FLEET_DIR/bob.crt" rpcutil inventory)
check "bob may not: status 6" [ "$(echo "$out" | field statuscode)" = 6 ]
case $(echo "$out" | field statusmsg) in
"cert=bob may not run rpcutil.inventory ("*"rpcutil.policy: policy default)") ok "the denial names the caller and the rule" ;;
*) not_ok "the denial names the caller and the rule: $out" ;;
esac
out=$(one -k "$FLEET_DIR/bob.key" -c "$FLEET_DIR/bob.crt" rpcutil ping)
check "bob may ping" [ "$(echo "$out" | field statuscode)" = 0 ]
check "refusals are audited with the certificate name" \
    grep -q '"caller":"cert=bob","agent":"rpcutil","action":"inventory","arguments":{},"decision":"denied"' \
    "$FLEET_DIR/web1.audit"
check "refusals are logged" fleet_wait_log web1 'refused: request id seen before' 1
check "unanswered refusals are audited" \
    grep -q '"caller":"unverified".*signature does not verify' \
    "$FLEET_DIR/web1.audit"

out=$(fleet_send -n 3 rpcutil ping)
check "after all that, every node still answers" \
    [ "$(echo "$out" | senders)" = "db1 web1 web2" ]

# SIGHUP over the broker: a new fact, and the link stays up.
printf 'role: db\ndc: dc1\nowner: ops\n' >"$(fleet_facts db1)"
check "SIGHUP reloads db1" fleet_hup db1
expect "the new fact selects db1" "db1" -F owner=ops
check "the link was not dropped by the reload" \
    [ "$(fleet_count_log db1 'connection lost')" -eq 0 ]

# The broker goes away and comes back.
rabbitmq_halt
for n in web1 web2 db1; do
	check "$n notices the loss" fleet_wait_log $n 'connection lost' 30
done
rabbitmq_launch || { echo "Bail out! RabbitMQ did not restart"; exit 99; }
for n in web1 web2 db1; do
	check "$n reconnects" fleet_wait_log $n 'connection restored' 60
done
out=$(fleet_send -n 3 -t 10000 rpcutil ping)
if [ "$(echo "$out" | senders)" != "db1 web1 web2" ]; then
	# What each agent did since the loss, for the failure report.
	diag "replies: $out"
	for n in web1 web2 db1; do
		sed -n "/connection lost/,\$s/^/$n: /p" "$(fleet_log $n)" |
		    grep -v 'attempt [0-9]* failed' | while read -r l; do diag "$l"; done
	done
fi
check "after the restart all three answer again" \
    [ "$(echo "$out" | senders)" = "db1 web1 web2" ]
check "the loss is logged once" [ "$(fleet_count_log web1 'connection lost')" -eq 1 ]
check "the recovery is logged once" \
    [ "$(fleet_count_log web1 'connection restored')" -eq 1 ]

# Idle: no wake-ups. The CPU time of an idle agent does not move.
pid=$(fleet_pid web2)
t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
sleep 2
t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
check "an idle agent uses no CPU ($t0 -> $t1 ticks)" [ "$t0" -eq "$t1" ]
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
check "an idle agent's RSS is small (${rss} kB)" [ "$rss" -lt 16384 ]

# Broker URLs are tried in turn: the first one is dead.
dead=amqp://metactl:metactl@127.0.0.1:$(rabbitmq_free_port)/metactl
FLEET_BROKER_URLS="$dead $RABBITMQ_URL" fleet_start spare:spare:dc3
check "an agent whose first broker is dead connects to the second" \
    fleet_wait_log spare "broker .*:$RABBITMQ_PORT/metactl: connected" 1
expect "and answers" "spare" -I spare
fleet_stop_one spare

# Heartbeats: an idle agent keeps its link through several heartbeat
# intervals (RabbitMQ closes a link that misses two).
FLEET_HEARTBEAT=1s fleet_start beat:beat:dc3
sleep 4
check "heartbeats keep an idle link open" \
    [ "$(fleet_count_log beat 'connection lost')" -eq 0 ]
expect "and the agent answers after the idle time" "beat" -I beat
fleet_stop_one beat

# No broker reachable at all: the agent says so once, keeps trying
# quietly, and its local socket answers meanwhile.
FLEET_BROKER_URLS=$dead FLEET_READY='started as' fleet_start lonely:lonely:dc3
check "an unreachable broker is logged" \
    fleet_wait_log lonely 'broker: cannot connect: .*; retrying' 10
check "retries go on quietly" fleet_wait_log lonely 'attempt 3 failed' 20
check "the failure is logged once" \
    [ "$(fleet_count_log lonely 'cannot connect: .*; retrying')" -eq 1 ]
out=$(fleet_send_local lonely rpcutil ping)
check "the local socket answers without a broker" \
    [ "$(echo "$out" | field statuscode)" = 0 ]
fleet_stop_one lonely
check "an agent still looking for its broker stops cleanly" [ $? -eq 0 ]

fleet_stop_one web1
check "SIGTERM: web1 exits 0" [ $? -eq 0 ]
check "SIGTERM: web1 logged its stop" fleet_wait_log web1 '^metactld: stopped$' 1
expect "the others still answer" "db1 web2"
done_testing
