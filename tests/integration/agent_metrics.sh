#!/bin/sh
# Metrics for Prometheus, on a real broker: [metrics] listen serves the text
# exposition format, its counters move as requests arrive, names from
# requests never become labels, promtool accepts the output, a slow client
# holds up neither the local socket nor another scrape, and a real
# Prometheus started here scrapes the agent.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rabbitmq.sh"
. "$top_srcdir/tests/lib/fleet.sh"

[ -x "$RABBITMQ_BIN/rabbitmq-server" ] || skip_all "rabbitmq-server not installed"
command -v curl >/dev/null || skip_all "curl not found"
[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"

PROM_PID=
cleanup() {
	[ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID"
	fleet_stop
	rabbitmq_stop
}
trap cleanup EXIT INT TERM
rabbitmq_start || { echo "Bail out! RabbitMQ did not start"; exit 99; }
fleet_init || { echo "Bail out! cannot create the fleet"; exit 99; }
"$MCSEND" issue "$FLEET_DIR" bob caller >/dev/null ||
	{ echo "Bail out! cannot issue bob"; exit 99; }
PORT=$(rabbitmq_free_port)
URL="http://127.0.0.1:$PORT/metrics"
FLEET_EXTRA_CONF="[metrics]
listen = 127.0.0.1:$PORT"
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }

scrape() { curl -sf --max-time 5 "$URL"; }
# metric SERIES: its value in a scrape now (0 when absent). SERIES is the
# name with its labels exactly as the agent writes them.
metric() {
	scrape | awk -v s="$1" '$1 == s { v = $2 } END { printf "%.0f\n", v }'
}
# wait_metric SERIES MIN: until the value reaches MIN, at most 10 s.
wait_metric() {
	_i=0
	while [ "$_i" -lt 200 ]; do
		[ "$(metric "$1")" -ge "$2" ] && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}
ping_ok='metactld_requests_total{agent="rpcutil",action="ping",outcome="allowed"}'
dur_count='metactld_action_duration_seconds_count{agent="rpcutil",action="ping"}'
dur_inf='metactld_action_duration_seconds_bucket{agent="rpcutil",action="ping",le="+Inf"}'
denied='metactld_requests_total{agent="rpcutil",action="daemon_stats",outcome="denied"}'
fmiss='metactld_requests_total{agent="rpcutil",action="ping",outcome="filter_miss"}'
unknown='metactld_requests_total{agent="",action="",outcome="refused",reason="unkagent"}'

out=$(curl -s -D - --max-time 5 "$URL")
check "GET /metrics answers 200 in format 0.0.4" \
    eval 'printf "%s" "$out" | grep -q "^Content-Type: text/plain; version=0.0.4"'
check "the broker link is up" [ "$(metric metactld_broker_connected)" -eq 1 ]
check "the start time is now" \
    [ "$(metric metactld_start_time_seconds)" -gt $(($(date +%s) - 600)) ]
check "the resident set size is known" \
    [ "$(metric metactld_resident_memory_bytes)" -gt 100000 ]

before=$(metric "$ping_ok")
for i in 1 2 3; do
	fleet_send -I n1 -n 1 rpcutil ping | grep -q '"statuscode":0' ||
		diag "ping $i was not answered"
done
check "three pings count as allowed" [ "$(metric "$ping_ok")" -eq $((before + 3)) ]
check "the duration histogram counts them" [ "$(metric "$dur_count")" -ge 3 ]
check "its +Inf bucket equals its count" \
    [ "$(metric "$dur_inf")" -eq "$(metric "$dur_count")" ]
check "the replay cache holds their ids" \
    [ "$(metric 'metactld_replay_cache_entries{cache="signed"}')" -ge 3 ]

"$MCSEND" send -u "$RABBITMQ_URL" -k "$FLEET_DIR/bob.key" \
    -c "$FLEET_DIR/bob.crt" -a "$FLEET_DIR/ca.pub" -I n1 -n 1 \
    rpcutil daemon_stats >/dev/null
check "a request the policy refuses counts as denied" wait_metric "$denied" 1

fleet_send -t 500 -F role=none rpcutil ping >/dev/null
check "a filter miss is counted" wait_metric "$fmiss" 1

fleet_send -I n1 -n 1 nosuchagent nosuchaction >/dev/null
check "an unknown agent counts under empty labels" wait_metric "$unknown" 1
check "names from a request never become labels" \
    eval '! scrape | grep -q nosuch'

check "other paths are not found" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")" = 404 ]
check "other methods are refused" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL")" = 405 ]
big=$(head -c 5000 /dev/zero | tr '\0' a)
check "an oversized request head is refused" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$URL")" = 431 ]

fleet_hup n1 || diag "reload did not finish"
check "the reload is recorded as applied" \
    [ "$(metric metactld_reload_success)" -eq 1 ]
check "with its time" [ "$(metric metactld_reload_timestamp_seconds)" -gt 0 ]
cp "$FLEET_DIR/policy/rpcutil.policy" "$FLEET_DIR/good.policy"
echo 'not a policy' >"$FLEET_DIR/policy/rpcutil.policy"
fleet_hup n1 || diag "reload did not finish"
check "a reload that kept the previous policies is recorded as such" \
    [ "$(metric metactld_reload_success)" -eq 0 ]
cp "$FLEET_DIR/good.policy" "$FLEET_DIR/policy/rpcutil.policy"
fleet_hup n1 || diag "reload did not finish"
check "and the next good one as applied" \
    [ "$(metric metactld_reload_success)" -eq 1 ]

# Slow clients that connect and send nothing. With one of them, another
# scrape and the local socket are served at once; with eight (the cap),
# the local socket still is; the agent closes the silent ones after its
# read timeout.
# slow N: N silent connections in the background ($SLOW); slow.out says
# "connected", then "closed K SECONDS" once the agent closed K of them.
slow() {
	: >"$FLEET_DIR/slow.out"
	"$PYTHON3" - "$PORT" "$1" >"$FLEET_DIR/slow.out" 2>&1 <<'EOS' &
import socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1])))
         for _ in range(int(sys.argv[2]))]
print("connected", flush=True)
t = time.time()
closed = 0
for s in socks:
    s.settimeout(30)
    if s.recv(1) == b"":
        closed += 1
print("closed", closed, round(time.time() - t), flush=True)
EOS
	SLOW=$!
	_i=0
	while ! grep -q connected "$FLEET_DIR/slow.out" && [ "$_i" -lt 200 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
}
slow 1
t=$(curl -s -o /dev/null -w '%{time_total}' --max-time 5 "$URL")
check "a scrape beside a silent client is served at once (${t}s)" \
    awk -v t="$t" 'BEGIN { exit !(t > 0 && t < 1) }'
out=$(fleet_send_local n1 -n 1 rpcutil ping)
check "so is the local socket" \
    eval 'printf "%s" "$out" | grep -q "\"statuscode\":0"'
wait "$SLOW"
check "the silent client was closed by the read timeout" \
    grep -Eq "^closed 1 [4-6]$" "$FLEET_DIR/slow.out"
slow 8
out=$(fleet_send_local n1 -n 1 rpcutil ping)
check "the local socket answers while slow clients hold every connection" \
    eval 'printf "%s" "$out" | grep -q "\"statuscode\":0"'
wait "$SLOW"
check "the silent clients were closed by the read timeout" \
    grep -q "^closed 8 " "$FLEET_DIR/slow.out"
check "a scrape after them is served" [ "$(metric "$ping_ok")" -ge 3 ]

# The broker goes away and comes back: the link gauge follows, and the
# new connection counts as a reconnect.
before=$(metric metactld_broker_reconnects_total)
rabbitmq_restart >/dev/null 2>&1 || diag "RabbitMQ did not restart"
check "a reconnect after the broker restarted is counted" \
    wait_metric metactld_broker_reconnects_total $((before + 1))
check "and the link is up again" [ "$(metric metactld_broker_connected)" -eq 1 ]

if command -v promtool >/dev/null; then
	scrape >"$FLEET_DIR/metrics.txt"
	check "promtool check metrics accepts the output" \
	    promtool check metrics <"$FLEET_DIR/metrics.txt"
else
	ok "# SKIP promtool not installed (Debian package prometheus)"
fi

if command -v prometheus >/dev/null; then
	PPORT=$(rabbitmq_free_port)
	cat >"$FLEET_DIR/prometheus.yml" <<-EOS
	global:
	  scrape_interval: 1s
	  scrape_timeout: 1s
	scrape_configs:
	  - job_name: metactld
	    static_configs:
	      - targets: ['127.0.0.1:$PORT']
	EOS
	prometheus --config.file="$FLEET_DIR/prometheus.yml" \
	    --storage.tsdb.path="$FLEET_DIR/tsdb" \
	    --web.listen-address="127.0.0.1:$PPORT" \
	    >"$FLEET_DIR/prometheus.log" 2>&1 &
	PROM_PID=$!
	API="http://127.0.0.1:$PPORT/api/v1"
	# prom_wait URL ERE: until the API's answer matches, at most 30 s.
	prom_wait() {
		_i=0
		while [ "$_i" -lt 300 ]; do
			curl -sf --max-time 2 "$1" 2>/dev/null | grep -Eq "$2" &&
				return 0
			kill -0 "$PROM_PID" 2>/dev/null || return 1
			sleep 0.1
			_i=$((_i + 1))
		done
		return 1
	}
	check "Prometheus reports the agent's target up" \
	    prom_wait "$API/targets" '"health":"up"'
	q='metactld_requests_total%7Bagent%3D%22rpcutil%22%2Caction%3D%22ping%22%2Coutcome%3D%22allowed%22%7D'
	check "Prometheus has the allowed pings" \
	    prom_wait "$API/query?query=$q" '"value":\[[0-9.]+,"[1-9][0-9]*"\]'
	kill "$PROM_PID"
	wait "$PROM_PID"
	PROM_PID=
else
	ok "# SKIP prometheus not installed (Debian package prometheus)"
fi
done_testing
