#!/bin/sh
# The broker restarts under six agents that run metactld's shipped broker
# defaults (heartbeat, reconnect_min, reconnect_max): the restart keeps it
# down long enough for their backoff to reach reconnect_max, and all six
# answer again within 10 s of the broker being back (measured).
# BENCH_CLUSTER=FILE appends the measured times to FILE.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rabbitmq.sh"
. "$top_srcdir/tests/lib/fleet.sh"

[ -x "$RABBITMQ_BIN/rabbitmq-server" ] || skip_all "rabbitmq-server not installed"
AGENTS="r1 r2 r3 r4 r5 r6"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
cleanup() {
	fleet_stop
	rabbitmq_stop
}
trap cleanup EXIT INT TERM
rabbitmq_start || { echo "Bail out! RabbitMQ did not start"; exit 99; }
fleet_init || { echo "Bail out! cannot create the fleet"; exit 99; }
FLEET_BROKER_DEFAULTS=1 fleet_start $AGENTS ||
	{ echo "Bail out! the fleet did not start"; exit 99; }

# answering: how many agents answer one ping (within 3 s).
answering() {
	fleet_send -n 6 -t 3000 rpcutil ping 2>/dev/null | grep -c '"statuscode":0'
}
check "all six answer before the restart" [ "$(answering)" -eq 6 ]

t0=$(now_ms)
rabbitmq_restart || { echo "Bail out! RabbitMQ did not restart"; exit 99; }
t_back=$(now_ms)
t_down=$((t_back - t0))
for a in $AGENTS; do
	check "$a reconnects" fleet_wait_log "$a" 'connection restored' 30
done
t_restored=$(($(now_ms) - t_back))
i=0
until [ "$(answering)" -eq 6 ]; do
	i=$((i + 1))
	[ "$i" -lt 5 ] || break
done
t_answer=$(($(now_ms) - t_back))
check "all six answer again (ping $((i + 1)))" [ "$i" -lt 5 ]
diag "broker down $t_down ms (stop and start); after it was back: links restored at $t_restored ms, all six answering at $t_answer ms"
check "under 10 s from the broker back to all answering ($t_answer ms)" \
    [ "$t_answer" -lt 10000 ]
check "each agent logged the loss once" [ "$(cat "$FLEET_DIR"/r?.log |
    grep -c 'connection lost')" -eq 6 ]

if [ -n "${BENCH_CLUSTER:-}" ]; then
	{
		echo "| single broker restart: down (stop and start) | $t_down ms |"
		echo "| broker back: links of six agents restored | $t_restored ms |"
		echo "| broker back: all six agents answering a ping | $t_answer ms |"
	} >>"$BENCH_CLUSTER"
fi
done_testing
