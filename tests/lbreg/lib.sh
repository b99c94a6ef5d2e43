# tests/lbreg/lib.sh: a real HAProxy on loopback for the lbreg tests.
# Source after tap.sh (it brings the service agent's test library with
# runit unless a deploy test brought it already); then:
#   lb_setup           sa_init, then lb_init
#   lb_init            (after sa_init or dp_init) haproxy's directory, an
#                      lbreg policy for the local
#                      user, an EXIT trap that also stops what lb_* start
#   lb_httpd NAME      a test HTTP server (httpd.py) on a free port: its
#                      port in $HTTPD_PORT, its request log NAME.log
#   lb_haproxy_start [LINE]
#                      haproxy with an admin socket ($LB_SOCK) and a
#                      frontend on $LB_PORT whose backend "app" (option
#                      httpchk GET /) has the server LINE, or none
#   lb_haproxy         the same with one static server s0 on $S0_PORT (an
#                      httpd "s0"), once it serves
#   lb_cmd LINE        a runtime-API line through socat, its answer
#   lbreg ARGS...      mcsend to n1's socket: lbreg ARGS
#   has REPLY FIELD [-F] PATTERN   the reply's FIELD matches PATTERN
if [ -z "${SVWAIT:-}" ]; then
	. "$top_srcdir/tests/lib/rabbitmq.sh"
	. "$top_srcdir/tests/lib/fleet.sh"
	backend=runit
	. "$top_srcdir/tests/integration/service_agent_lib.sh"
fi
LB_PIDS=

# lb_stop: what lb_* started (the test servers, haproxy).
lb_stop() {
	for p in $LB_PIDS; do
		kill "$p" 2>/dev/null
	done
	[ -f "${LB_DIR:-/nonexistent}/haproxy.pid" ] &&
		kill "$(cat "$LB_DIR/haproxy.pid")" 2>/dev/null
}

lb_cleanup() {
	lb_stop
	sa_cleanup
}

lb_init() {
	for p in haproxy socat curl; do
		command -v "$p" >/dev/null || skip_all "$p not installed"
	done
	LB_DIR=$FLEET_DIR/lb
	mkdir -p "$LB_DIR"
	printf 'policy default deny\nallow\tuid=0\t*\t*\t*\n' \
	    >"$FLEET_DIR/policy/lbreg.policy"
	trap lb_cleanup EXIT
}

lb_setup() {
	sa_init
	lb_init
	RABBITMQ_URL=
}

lb_httpd() {
	HTTPD_PORT=$(rabbitmq_free_port)
	"$PYTHON3" "$top_srcdir/tests/lbreg/httpd.py" "$1" "$HTTPD_PORT" \
	    >"$LB_DIR/$1.log" 2>&1 &
	LB_PIDS="$LB_PIDS $!"
	lb_wait_http "http://127.0.0.1:$HTTPD_PORT/"
}

# lb_wait_http URL: until URL answers (a server that is starting).
lb_wait_http() {
	n=0
	until curl -fsS -o /dev/null "$1" 2>/dev/null; do
		n=$((n + 1))
		[ "$n" -lt 100 ] || { echo "Bail out! $1 never answered"; exit 99; }
		sleep 0.1
	done
}

lb_haproxy_start() {
	LB_PORT=$(rabbitmq_free_port)
	LB_SOCK=$LB_DIR/admin.sock
	cat >"$LB_DIR/haproxy.cfg" <<CFG
global
	stats socket $LB_SOCK mode 600 level admin
	pidfile $LB_DIR/haproxy.pid
defaults
	mode http
	timeout connect 2s
	timeout client 30s
	timeout server 30s
frontend fe
	bind 127.0.0.1:$LB_PORT
	default_backend app
backend app
	balance roundrobin
	option httpchk GET /
${1:+	$1}
CFG
	haproxy -D -f "$LB_DIR/haproxy.cfg" ||
		{ echo "Bail out! haproxy did not start"; exit 99; }
}

lb_haproxy() {
	lb_httpd s0
	S0_PORT=$HTTPD_PORT
	lb_haproxy_start "server s0 127.0.0.1:$S0_PORT"
	lb_wait_http "http://127.0.0.1:$LB_PORT/"
}

lb_cmd() { echo "$1" | socat - "UNIX-CONNECT:$LB_SOCK"; }

# lb_state SERVER: its status in show stat ("" when absent).
lb_state() { lb_cmd "show stat" | awk -F, -v s="$1" \
    '$1 == "app" && $2 == s { print $18 }'; }

lbreg() { fleet_send_local n1 -t 60000 -n 1 lbreg "$@"; }

has() {
	r=$1 f=$2
	shift 2
	echo "$r" | field "$f" | grep -q "$@"
}
