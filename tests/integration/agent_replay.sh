#!/bin/sh
# No caller can deny the replay cache to another, on a real broker. The
# node's cache is made small (200 ids, 20 set aside for each of 4 callers)
# so that a flood fills it fast: first mallory, whom the policy denies
# everything, sends 1000 signed requests; then bob, who may ping, sends
# 1000 more than his share. alice's requests run after each flood.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rabbitmq.sh"
. "$top_srcdir/tests/lib/fleet.sh"
LOADGEN="$top_builddir/bench/loadgen"

[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
[ -x "$RABBITMQ_BIN/rabbitmq-server" ] || skip_all "rabbitmq-server not installed"
[ -x "$LOADGEN" ] || skip_all "bench/loadgen not built"

cleanup() {
	fleet_stop
	rabbitmq_stop
}
trap cleanup EXIT INT TERM
rabbitmq_start || { echo "Bail out! RabbitMQ did not start"; exit 99; }
fleet_init || { echo "Bail out! cannot create the fleet"; exit 99; }
for who in mallory bob; do
	"$MCSEND" issue "$FLEET_DIR" "$who" caller >/dev/null ||
		{ echo "Bail out! cannot issue $who"; exit 99; }
done
printf 'policy default deny\nallow\tcert=alice\t*\t*\nallow\tcert=bob\tping\t*\n' \
    >"$FLEET_DIR/policy/rpcutil.policy"
FLEET_EXTRA_CONF='[security]
replay_entries = 200
replay_callers = 4
replay_caller_entries = 20'
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }

# flood WHO COUNT: COUNT distinct signed pings from WHO; prints "OK NOT_OK".
flood() {
	"$LOADGEN" "$RABBITMQ_URL" "$FLEET_DIR/$1.key" "$FLEET_DIR/$1.crt" n1 \
	    "$2" 50 | awk '{ print $4, $5 }'
}
# alice_ok: one ping from alice to n1 is answered OK.
alice_ok() {
	out=$(fleet_send -I n1 -n 1 rpcutil ping)
	printf '%s\n' "$out" | grep -q '"statuscode":0' &&
		printf '%s\n' "$out" | grep -q '"verified":true'
}

check "alice is answered before any flood" alice_ok
res=$(flood mallory 1000)
check "every request of the denied caller is refused ($res)" [ "$res" = "0 1000" ]
check "the denied caller's flood took no replay entry" \
    [ "$(fleet_count_log n1 'replay cache full')" -eq 0 ]
check "alice is answered after the denied caller's flood" alice_ok

res=$(flood bob 1000)
ok_n=${res% *}
# bob's own share (20) and the shared rest (200 - 4 * 20 = 120), no more.
check "bob ran only his share and the shared rest ($res)" [ "$ok_n" -eq 140 ]
check "bob's excess was refused as a full cache" \
    [ "$(fleet_count_log n1 'replay cache full')" -gt 0 ]
check "alice is answered after bob filled the shared part" alice_ok
check "so is a second request of alice" alice_ok
done_testing
