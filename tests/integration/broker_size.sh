#!/bin/sh
# Oversized AMQP messages are refused unread: while a 100 MiB and a 512 MiB
# message (RabbitMQ's hard cap) go by, the agent's peak RSS stays within
# 2 MiB of its idle RSS, and a normal request works afterwards.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rabbitmq.sh"
. "$top_srcdir/tests/lib/fleet.sh"

[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
[ -x "$RABBITMQ_BIN/rabbitmq-server" ] || skip_all "rabbitmq-server not installed"
[ -w /proc/self/clear_refs ] || skip_all "no /proc/PID/clear_refs"
LINK=$top_builddir/tests/integration/amqp_link

cleanup() {
	fleet_stop
	rabbitmq_stop
}
trap cleanup EXIT INT TERM
RABBITMQ_MAX_MESSAGE_SIZE=536870912 rabbitmq_start ||
	{ echo "Bail out! RabbitMQ did not start"; exit 99; }
fleet_init || { echo "Bail out! cannot create the fleet"; exit 99; }
FLEET_LOG_LEVEL=info FLEET_FLAGS=-f fleet_start big:web:dc1 ||
	{ echo "Bail out! the agent did not start"; exit 99; }
pid=$(fleet_pid big)

kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$pid/status"; }
ping_big() { fleet_send -I big -n 1 -t 20000 rpcutil ping | grep -c '"statuscode":0'; }

# Warm up (first request, first reply), then the idle figure; the peak
# is reset to it (clear_refs 5), so VmHWM is the peak from now on.
check "the agent answers before" [ "$(ping_big)" = 1 ]
idle=$(kb VmRSS)
echo 5 >"/proc/$pid/clear_refs"
diag "idle RSS ${idle} kB"

for mib in 100 512; do
	before=$(fleet_count_log big 'discarded unread')
	if "$LINK" send metactl.direct big $((mib * 1048576)); then
		ok "a $mib MiB message is published"
	else
		not_ok "a $mib MiB message is published"
	fi
	check "$mib MiB: refused, logged once" \
	    fleet_wait_count big 'bytes .* discarded unread' $((before + 1)) 60
	# The request behind it is answered once the body went by.
	check "$mib MiB: the next request is answered" [ "$(ping_big)" = 1 ]
	hwm=$(kb VmHWM)
	rss=$(kb VmRSS)
	diag "$mib MiB: peak RSS ${hwm} kB, RSS after ${rss} kB (idle ${idle} kB)"
	check "$mib MiB: peak RSS within 2 MiB of idle ($((hwm - idle)) kB more)" \
	    [ $((hwm - idle)) -lt 2048 ]
	check "$mib MiB: RSS back near idle ($((rss - idle)) kB more)" \
	    [ $((rss - idle)) -lt 2048 ]
done
check "the refusals name the size" \
    fleet_wait_log big 'message of 536870912 bytes from metactl.direct with key big exceeds' 1
done_testing
