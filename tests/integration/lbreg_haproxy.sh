#!/bin/sh
# The lbreg agent through a real metactld against a real HAProxy on
# loopback, started by the test with an admin socket: register sends
# traffic to the app's server, drain stops new sessions while a slow one
# finishes, status says what HAProxy says, deregister deletes the server;
# dry_run lists the runtime-API lines; a dead socket, a missing backend
# and a server name another node holds are clear errors.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lbreg/lib.sh"
lb_setup
lb_haproxy
lb_httpd n1
N1_PORT=$HTTPD_PORT

sa_app web "[lb]
socket = $LB_SOCK
backend = app
server = n1
port = $N1_PORT
weight = 10"
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }

# dry_run: the exact lines, nothing sent.
out=$(lbreg -D register app=web)
check "a dry run answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "a dry run lists the runtime-API lines" has "$out" data.plan -F "add server app/n1 127.0.0.1:$N1_PORT weight 10"
check "a dry run lists set server ... state ready" has "$out" data.plan -F "set server app/n1 state ready"
check "a dry run adds no server" [ -z "$(lb_state n1)" ]

out=$(lbreg register app=web)
check "register answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "HAProxy has the server, up" [ "$(lb_state n1)" = "no check" ]
seen=
for i in 1 2 3 4; do
	seen="$seen $(curl -fsS "http://127.0.0.1:$LB_PORT/")"
done
check "traffic through HAProxy reaches the new server" sh -c "echo '$seen' | grep -q n1"
out=$(lbreg status app=web)
check "status says what HAProxy says" [ "$(echo "$out" | field data.status.state)/$(echo "$out" | field data.status.weight)/$(echo "$out" | field data.status.port)" = "no check/10/$N1_PORT" ]
out=$(lbreg register app=web)
check "register again answers OK (idempotent)" [ "$(echo "$out" | field statuscode)" = 0 ]

# drain: a slow request on n1 started before finishes, new ones go to s0.
lb_cmd "set server app/s0 state maint" >/dev/null
curl -fsS -o "$LB_DIR/slow.out" "http://127.0.0.1:$LB_PORT/slow?ms=1500" &
slow=$!
# The slow request is on n1 once n1's log... has not got it yet: it logs at
# the end. HAProxy counts it: wait for one current session on n1.
n=0
until [ "$(lb_cmd 'show stat' | awk -F, '$1 == "app" && $2 == "n1" { print $5 }')" = 1 ]; do
	n=$((n + 1)); [ "$n" -lt 100 ] || break; sleep 0.05
done
lb_cmd "set server app/s0 state ready" >/dev/null
lbreg drain app=web >"$LB_DIR/drain.out" &
drain=$!
n=0
until [ "$(lb_state n1)" = DRAIN ]; do
	n=$((n + 1)); [ "$n" -lt 100 ] || break; sleep 0.05
done
during=
for i in 1 2 3 4; do
	during="$during $(curl -fsS "http://127.0.0.1:$LB_PORT/")"
done
wait "$drain"
out=$(cat "$LB_DIR/drain.out")
check "drain answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "drain answered after the slow request had finished" \
    [ "$(cat "$LB_DIR/slow.out" 2>/dev/null)" = n1 ]
wait "$slow"
check "the slow request succeeded" [ $? = 0 ]
check "no new request reached the drained server" [ "$during" = " s0 s0 s0 s0" ]
out=$(lbreg status app=web)
check "status says DRAIN and no session" [ "$(echo "$out" | field data.status.state)/$(echo "$out" | field data.status.sessions)" = "DRAIN/0" ]

# A server name another node holds: a second app on another port, same name.
sa_app web2 "[lb]
socket = $LB_SOCK
backend = app
server = n1
port = 1"
out=$(lbreg register app=web2)
check "a server taken by another address is refused" has "$out" statusmsg "app/n1 is taken"

out=$(lbreg deregister app=web)
check "deregister answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "HAProxy has no server n1 any more" [ -z "$(lb_state n1)" ]
out=$(lbreg deregister app=web)
check "deregister of an absent server answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
out=$(lbreg status app=web)
check "status of an absent server says so" has "$out" statusmsg "has no server n1"

# Errors.
sa_app nobe "[lb]
socket = $LB_SOCK
backend = nope
port = 80"
out=$(lbreg register app=nobe)
check "a backend HAProxy does not have is named" has "$out" statusmsg "no backend nope"
sa_app dead "[lb]
socket = $LB_DIR/dead.sock
backend = app
port = 80"
out=$(lbreg register app=dead)
check "a dead socket path is named" has "$out" statusmsg "dead.sock"
sa_app nolb "[env]
X = 1"
out=$(lbreg register app=nolb)
check "an app without [lb] is refused" has "$out" statusmsg "no \[lb\]"
sa_app badport "[lb]
backend = app
port = 99999"
out=$(lbreg register app=badport)
check "a bad port is named with its file and line" has "$out" statusmsg ".metactl:3.*port"
done_testing
