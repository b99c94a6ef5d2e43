#!/bin/sh
# A restart of an app with [lb], through a real metactld on a runit tree
# and a real HAProxy on loopback, under a steady, bounded stream of HTTP
# requests through HAProxy: no request fails, the app's server is drained
# while its daemon restarts (HAProxy's own state, and the daemons' request
# logs), and it is back in the pool after; dry_run lists the runtime-API
# lines around the manager's commands; a restart that fails leaves the
# server drained and says so.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lbreg/lib.sh"
lb_setup
lb_haproxy
N1_PORT=$(rabbitmq_free_port)

sa_app web "[daemon.http]
platform = exec
command = $PYTHON3 httpd.py n1 $N1_PORT

[lb]
socket = $LB_SOCK
backend = app
server = n1
port = $N1_PORT
check = on
timeout = 20s"
REL=$APPS/web/releases/v1
cp "$top_srcdir/tests/lbreg/httpd.py" "$REL/" && chmod 0644 "$REL/httpd.py"
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }

out=$(svc start app=web)
check "start answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
out=$(lbreg register app=web)
check "register answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "HAProxy says the server is UP" [ "$(lb_state n1)" = UP ]
p1=$(svc status app=web | pid_of http)

out=$(svc -D restart app=web)
check "a dry run of restart answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
first=$(echo "$out" | field data.plan.0.run)
last=$(echo "$out" | "$PYTHON3" -c '
import json, sys
print(json.loads(sys.stdin.read().strip().splitlines()[-1])["data"]["plan"][-1]["run"])')
check "the dry run drains first" sh -c 'echo "$1" | grep -qF "set server app/n1 state drain"' - "$first"
check "the dry run makes the server ready last, after a passing check" \
    sh -c 'echo "$1" | grep -qF "set server app/n1 health down" && echo "$1" | grep -qF "set server app/n1 state ready"' - "$last"

# The stream: 1000 requests, at most 60 s, while the app restarts; a
# watcher notes the server's state in HAProxy meanwhile.
"$PYTHON3" "$top_srcdir/tests/lbreg/stream.py" "http://127.0.0.1:$LB_PORT/" \
    1000 60 >"$LB_DIR/stream.out" &
stream=$!
( while kill -0 "$stream" 2>/dev/null; do lb_state n1; sleep 0.05; done ) \
    >"$LB_DIR/states" &
watcher=$!
t0=$(date +%s%N)
out=$(svc restart app=web)
t1=$(date +%s%3N)
diag "restart with drain and ready: $((($(date +%s%N) - t0) / 1000000)) ms"
check "restart answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
p2=$(echo "$out" | pid_of http)
check "the daemon has a new pid" new_alive "$p2" "$p1"
check "HAProxy says the server is UP after the restart" [ "$(lb_state n1)" = UP ]
wait "$stream"
wait "$watcher"
diag "stream: $(tail -n 1 "$LB_DIR/stream.out")"
check "no request failed" grep -q ' failed 0$' "$LB_DIR/stream.out"
check "HAProxy had the server drained during the restart" grep -q DRAIN "$LB_DIR/states"
# svlogd -tt: "TIMESTAMP n1 START END PATH"
log=$SUP/metactl-web-http/log/main/current
check "the new daemon served requests after the restart" \
    awk -v t="$t1" '$2 == "n1" && $3 >= t { n++ } END { exit n == 0 }' "$log"

# A restart that fails: the daemon's command cannot start.
sed -i 's|command = .*|command = /bin/sh -c "exit 3"|' "$REL/.metactl"
out=$(svc restart app=web)
check "a failed restart is an error" [ "$(echo "$out" | field statuscode)" != 0 ]
check "it says the server stays drained" \
    sh -c "echo \"\$1\" | grep -q 'stays drained'" - "$(echo "$out" | field statusmsg)"
check "HAProxy has the server drained" [ "$(lb_state n1 | cut -c1-5)" = DRAIN ]
done_testing
