#!/bin/sh
# metactl-connwait against a real HTTP server on loopback: it counts the
# connection of a slow request in flight once (the client's and the
# server's socket are one connection), a wait shorter than the request
# times out saying what is left (exit 2), a longer one ends when the
# request does (exit 0), and a bad address is a usage error (exit 3).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rabbitmq.sh"
W="$top_builddir/tools/metactl-connwait"
[ -x "$W" ] || skip_all "metactl-connwait not built"
[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
command -v curl >/dev/null || skip_all "curl not installed"
T=$(mktemp -d "${TMPDIR:-/tmp}/lbreg_connwait.XXXXXX") || exit 99
PIDS=
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
PORT=$(rabbitmq_free_port)
"$PYTHON3" "$top_srcdir/tests/lbreg/httpd.py" s1 "$PORT" >"$T/httpd.log" 2>&1 &
PIDS=$!
n=0
until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null; do
	n=$((n + 1)); [ "$n" -lt 100 ] || { echo "Bail out! no server"; exit 99; }
	sleep 0.1
done

count() { "$W" 127.0.0.1 "$PORT" --count; }
n=0
until [ "$(count)" = '{"connections": 0}' ]; do
	n=$((n + 1)); [ "$n" -lt 100 ] || break; sleep 0.05
done
check "no connection once the first requests ended" [ "$(count)" = '{"connections": 0}' ]
curl -fsS -o "$T/slow.out" "http://127.0.0.1:$PORT/slow?ms=2000" &
slow=$!
PIDS="$PIDS $slow"
n=0
until [ "$(count)" = '{"connections": 1}' ]; do
	n=$((n + 1)); [ "$n" -lt 100 ] || break; sleep 0.02
done
check "the slow request is one connection" [ "$(count)" = '{"connections": 1}' ]
"$W" 127.0.0.1 "$PORT" --wait-idle 200 2>"$T/err"
check "a wait shorter than the request times out (2)" [ $? = 2 ]
check "and says what is left" grep -q "127.0.0.1:$PORT: 1 established connection still open after 200 ms" "$T/err"
"$W" localhost "$PORT" --wait-idle 10000
check "a longer wait, by host name, ends with the request (0)" [ $? = 0 ]
check "once the request had its answer" [ "$(cat "$T/slow.out")" = s1 ]
wait "$slow"
"$W" 127.0.0.1 0 --count 2>/dev/null
check "port 0 is a usage error (3)" [ $? = 3 ]
"$W" 127.0.0.1 "$PORT" --sometimes 2>/dev/null
check "an unknown option is a usage error (3)" [ $? = 3 ]
done_testing
