#!/bin/sh
# The lbreg agent's file backend through a real metactld and a real nginx
# on loopback, started by the test: register writes the app's server line
# into a file the nginx upstream includes and reloads nginx, which then
# serves through the new server; drain marks it down and waits until the
# connection of a slow request in flight to it has ended; status says what
# the file and the node's connections say; deregister removes the file.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lbreg/lib.sh"
command -v nginx >/dev/null || skip_all "nginx not installed"
lb_setup
lb_httpd s0
S0_PORT=$HTTPD_PORT
lb_httpd n1
N1_PORT=$HTTPD_PORT
NG_PORT=$(rabbitmq_free_port)
NG=$LB_DIR/nginx
mkdir -p "$NG/upstreams"
cat >"$NG/nginx.conf" <<CFG
pid $NG/nginx.pid;
error_log $NG/error.log;
events { }
http {
	access_log $NG/access.log;
	client_body_temp_path $NG;
	proxy_temp_path $NG;
	fastcgi_temp_path $NG;
	uwsgi_temp_path $NG;
	scgi_temp_path $NG;
	upstream app {
		server 127.0.0.1:$S0_PORT;
		include $NG/upstreams/*.conf;
	}
	server {
		listen 127.0.0.1:$NG_PORT;
		location / { proxy_pass http://app; }
	}
}
CFG
nginx -c "$NG/nginx.conf" || { echo "Bail out! nginx did not start"; exit 99; }
NGINX_PID=$(cat "$NG/nginx.pid")
LB_PIDS="$LB_PIDS $NGINX_PID"
lb_wait_http "http://127.0.0.1:$NG_PORT/"

sa_app web "[lb]
type = file
file = $NG/upstreams/web.conf
reload = nginx -c $NG/nginx.conf -s reload
port = $N1_PORT"
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }

# answers N: the bodies of N requests through nginx, blank-separated.
answers() {
	i=0 seen=
	while [ "$i" -lt "$1" ]; do
		seen="$seen $(curl -fsS "http://127.0.0.1:$NG_PORT/")"
		i=$((i + 1))
	done
	echo "$seen"
}
# until_answers WORD N: until WORD is among N answers (nginx's reload is
# a signal; its new workers take over a moment later), bounded.
until_answers() {
	n=0
	until answers "$2" | grep -q "$1"; do
		n=$((n + 1)); [ "$n" -lt 50 ] || return 1; sleep 0.1
	done
}

out=$(lbreg -D register app=web)
check "a dry run lists the file and the reload argv" \
    sh -c 'echo "$1" | grep -q "web.conf" && echo "$1" | grep -qF "\"-s\", \"reload\""' - "$(echo "$out" | field data.plan)"
check "a dry run writes no file" [ ! -e "$NG/upstreams/web.conf" ]
out=$(lbreg register app=web)
check "register answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "the file has the server line" [ "$(cat "$NG/upstreams/web.conf")" = "server 127.0.0.1:$N1_PORT weight=1;" ]
check "nginx serves through the new server" until_answers n1 4
out=$(lbreg status app=web)
check "status says the file lists the server, not down, no connection" \
    [ "$(echo "$out" | field data.status.listed)/$(echo "$out" | field data.status.down)/$(echo "$out" | field data.status.connections)" = "true/false/0" ]

# drain waits for a slow request in flight to n1: nginx's one worker
# sends two requests in a row to s0 and n1, one each.
for i in 1 2; do
	curl -fsS -o "$LB_DIR/slow$i.out" "http://127.0.0.1:$NG_PORT/slow?ms=2500" &
	eval "slow$i=\$!"
done
conns() { lbreg status app=web | field data.status.connections; }
n=0
until [ "$(conns)" = 1 ]; do
	n=$((n + 1)); [ "$n" -lt 100 ] || break; sleep 0.05
done
check "status counts the connection of the request in flight to n1" [ "$(conns)" = 1 ]
t0=$(date +%s%N)
out=$(lbreg drain app=web)
diag "drain with a request in flight: $((($(date +%s%N) - t0) / 1000000)) ms"
check "drain answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "drain answered after the slow request to n1 had finished" \
    [ "$(cat "$LB_DIR/slow1.out" "$LB_DIR/slow2.out" 2>/dev/null | sort | xargs)" = "n1 s0" ]
wait "$slow1" && wait "$slow2"
check "the slow requests succeeded" [ $? = 0 ]
check "the file marks the server down" grep -q ' down;$' "$NG/upstreams/web.conf"
out=$(lbreg status app=web)
check "status says listed, down, no connection" \
    [ "$(echo "$out" | field data.status.listed)/$(echo "$out" | field data.status.down)/$(echo "$out" | field data.status.connections)" = "true/true/0" ]
# Once the reloaded workers serve, n1 gets nothing: 8 answers all s0.
only_s0() {
	n=0
	until [ "$(answers 8 | tr -s ' ' '\n' | sort -u | xargs)" = s0 ]; do
		n=$((n + 1)); [ "$n" -lt 50 ] || return 1; sleep 0.1
	done
}
check "nginx stops sending to the drained server" only_s0
out=$(lbreg deregister app=web)
check "deregister answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "deregister removes the file" [ ! -e "$NG/upstreams/web.conf" ]
out=$(lbreg status app=web)
check "status says the server is not listed any more" [ "$(echo "$out" | field data.status.listed)" = false ]
check "nginx still serves after deregister" until_answers s0 2
done_testing
