#!/bin/sh
# Two agents, web1 and web2, on a private broker, each with its own apps
# directory and runit tree, run the app "demo" (tests/lbreg/httpd.py)
# from a real git repository; one real HAProxy on loopback has both in
# its backend (each node's layer has [lb] with check = on). Under a
# bounded stream of real HTTP requests through HAProxy, metactl restarts
# the app with --batch 1, then deploys a new tag with --batch 1: no
# request fails, a sampler of the runtime API never sees more than one
# server out of the pool, it sees each one drained, and both are UP at
# the end. metactl deploy --dry-run of a tag not fetched yet prints the
# runtime-API lines.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/deploy/lib.sh"
. "$top_srcdir/tests/lbreg/lib.sh"

[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
[ "$(id -u)" -eq 0 ] || skip_all "daemons run as nobody: needs root"
for p in runsvdir sv chpst git haproxy socat curl; do
	command -v "$p" >/dev/null || skip_all "$p not installed"
done
[ -x "$SVWAIT" ] || skip_all "metactl-svwait not built"
M="$top_builddir/orchestrator/metactl"
WEB="web1 web2"

cleanup() {
	lb_stop
	dp_nodes_stop $WEB
	dp_broker_fleet_stop
}
dp_broker_fleet
for a in deploy service; do
	printf 'policy default deny\nallow\tcert=alice\t*\t*\t*\n' \
	    >"$FLEET_DIR/policy/$a.policy"
	chmod 0644 "$FLEET_DIR/policy/$a.policy"
done

# HAProxy: backend "app" without a server; the deploys add them.
LB_DIR=$FLEET_DIR/lb
mkdir -p "$LB_DIR"
lb_haproxy_start

# The app: httpd.py answering its node's name on its node's port.
SRC=$FLEET_DIR/src
mkdir -p "$SRC" && (cd "$SRC" && dp_git init -q) &&
	cp "$top_srcdir/tests/lbreg/httpd.py" "$SRC/" &&
	cat >"$SRC/.metactl" <<EOS &&
[daemon.http]
platform = exec
command = $PYTHON3 httpd.py %(NAME) %(PORT)

[health]
url = http://127.0.0.1:%(PORT)/
timeout = 10s
EOS
	for t in v1 v2 v3; do
		echo "$t" >"$SRC/VERSION" &&
			(cd "$SRC" && dp_git add -A && dp_git commit -qm "$t" &&
				dp_git tag "$t") || exit 1
	done || { echo "Bail out! cannot make the repository"; exit 99; }
chmod -R go+rX "$SRC"

for n in $WEB; do
	dp_node "$n:web"
	port=$(rabbitmq_free_port)
	cat >"$FLEET_DIR/$n/nodes/demo.conf" <<EOS
[env]
NAME = $n
PORT = $port

[build]
repository = $SRC

[lb]
socket = $LB_SOCK
backend = app
server = $n
port = %(PORT)
check = on
timeout = 20s
EOS
	chmod 0644 "$FLEET_DIR/$n/nodes/demo.conf"
done
dp_client
dp_current_of() { readlink "$FLEET_DIR/$1/apps/demo/current" | sed 's|^releases/||'; }

"$M" deploy demo v1 --batch 2 --np >"$FLEET_DIR/v1.out" 2>&1
check "the first deploy of v1 exits 0" [ $? = 0 ]
check "it registered both servers, UP" \
    [ "$(lb_state web1)/$(lb_state web2)" = UP/UP ]

"$M" deploy demo v2 --batch 1 --np --dry-run >"$FLEET_DIR/dry.out" 2>&1
check "deploy --dry-run of a tag not fetched yet exits 0" [ $? = 0 ]
for n in $WEB; do
	check "it prints $n's drain" grep -qF \
	    "metactl-lbctl --socket $LB_SOCK --server app/$n" "$FLEET_DIR/dry.out"
done
check "it prints the runtime-API lines" sh -c \
    'grep -q "would run: .*set server app/web1 state drain" "$1" &&
     grep -q "would run: .*set server app/web1 state ready" "$1"' - \
    "$FLEET_DIR/dry.out"
check "the dry run left both on v1" [ "$(dp_current_of web1)/$(dp_current_of web2)" = v1/v1 ]

# The stream and a sampler of HAProxy's view of both servers.
"$PYTHON3" "$top_srcdir/tests/lbreg/stream.py" "http://127.0.0.1:$LB_PORT/" \
    100000 60 >"$LB_DIR/stream.out" &
stream=$!
LB_PIDS="$LB_PIDS $stream"
( while :; do
	lb_cmd "show stat" | awk -F, '$1 == "app" && $2 ~ /^web/ {
	    gsub(/ /, "_", $18); printf "%s=%s ", $2, $18 } END { print "" }'
	sleep 0.05
done ) >"$LB_DIR/samples" 2>/dev/null &
sampler=$!
LB_PIDS="$LB_PIDS $sampler"
# The stream has started: a request reached a server.
lb_wait_http "http://127.0.0.1:$LB_PORT/"

t0=$(date +%s%N)
"$M" rpc service restart app=demo --batch 1 --np >"$FLEET_DIR/restart.out" 2>&1
check "metactl rpc service restart --batch 1 exits 0" [ $? = 0 ]
t1=$(date +%s%N)
"$M" deploy demo v2 --batch 1 --np >"$FLEET_DIR/v2.out" 2>&1
check "metactl deploy v2 --batch 1 exits 0" [ $? = 0 ]
t2=$(date +%s%N)
kill -TERM "$stream"
wait "$stream"
kill "$sampler"
wait "$sampler" 2>/dev/null
diag "restart: $(((t1 - t0) / 1000000)) ms, deploy: $(((t2 - t1) / 1000000)) ms"
diag "stream: $(tail -n 1 "$LB_DIR/stream.out"); $(wc -l <"$LB_DIR/samples") samples"
check "no request failed" grep -q '^ok [1-9][0-9]* failed 0$' "$LB_DIR/stream.out"
check "both nodes run v2" [ "$(dp_current_of web1)/$(dp_current_of web2)" = v2/v2 ]
# out: how many servers a sample has out of the pool (not UP).
out_max() { awk '{ n = 0; for (i = 1; i <= NF; i++) if ($i !~ /=UP/) n++;
	if (n > m) m = n } END { print m + 0 }' "$LB_DIR/samples"; }
check "never more than one server out of the pool" [ "$(out_max)" = 1 ]
for n in $WEB; do
	check "$n was seen drained" grep -q "$n=DRAIN" "$LB_DIR/samples"
done
check "both servers are UP at the end" \
    [ "$(lb_state web1)/$(lb_state web2)" = UP/UP ]
check "both served requests through HAProxy after the deploy" sh -c '
	s=; for i in 1 2 3 4; do s="$s $(curl -fsS "$1")"; done
	echo "$s" | grep -q web1 && echo "$s" | grep -q web2' - \
    "http://127.0.0.1:$LB_PORT/"
done_testing
