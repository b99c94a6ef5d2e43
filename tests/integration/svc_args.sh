#!/bin/sh
# metactl service and logs without any agent: what each turns its words
# into (the request --preview prints), and the usage errors.
. "$top_srcdir/tests/lib/tap.sh"
M="$top_builddir/orchestrator/metactl"
T=$(mktemp -d "${TMPDIR:-/tmp}/svc_args.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
printf 'ddl_dir = %s\nsocket = %s/none.sock\n' "$top_srcdir/schemas/ddl" \
    "$T" >"$T/client.conf"
export METACTL_CONFIG="$T/client.conf"
unset METACTL_BROKER

request() { # ARGS...: the request metactl ARGS --preview would send
	"$M" "$@" --preview | sed -n '/^request/,/^}/p' | sed 1d
}
field() { "$PYTHON3" -c 'import json, sys; d = json.load(sys.stdin)
for k in sys.argv[1].split("."): d = d.get(k) if isinstance(d, dict) else None
print(json.dumps(d, sort_keys=True))' "$1"; }

r=$(request service restart shop-web web -F role=web --batch 1)
check "service ACTION APP DAEMON is rpc service ACTION app= daemon=" \
    test "$(echo "$r" | field data)" = '{"app": "shop-web", "daemon": "web"}'
check "the action" test "$(echo "$r" | field action)" = '"restart"'
check "the agent" test "$(echo "$r" | field agent)" = '"service"'
check "rpc's filters" sh -c 'echo "$1" | grep -q "\"role\""' _ "$(echo "$r" | field filter)"
r2=$(request rpc service restart app=shop-web daemon=web -F role=web --batch 1)
check "the same data as rpc's" test "$(echo "$r2" | field data)" = "$(echo "$r" | field data)"
r=$(request service config shop-web)
check "config takes the app alone" test "$(echo "$r" | field data)" = '{"app": "shop-web"}'

usage() { # DESC PATTERN ARGS...: exit status 2 and PATTERN on stderr
	_d=$1 _p=$2
	shift 2
	"$M" "$@" >/dev/null 2>"$T/err"
	_rc=$?
	check "$_d (exit $_rc)" sh -c '[ "$1" -eq 2 ] && grep -q -- "$2" "$3"' _ \
	    "$_rc" "$_p" "$T/err"
}
usage "no action" "ACTION and APP are needed" service
usage "no app" "which APP" service restart
usage "an unknown action" "'bounce' is not an action" service bounce shop
usage "config with a daemon" "config takes an APP only" service config shop web
usage "three words after the action" "at most one DAEMON" service stop a b c
usage "logs is a command" "metactl logs APP" service logs shop
usage "an app against the DDL's rule" 'input "app"' service start ../etc
usage "a daemon against the DDL's rule" 'input "daemon"' service start shop a-b
usage "logs without an app" "which APP" logs
usage "logs with three words" "at most one DAEMON" logs a b c
usage "logs takes no filter" "unknown option" logs shop -F role=web

"$M" shop logs >/dev/null 2>"$T/err"
check "APP logs asks the local agent (exit $?)" grep -q "cannot reach the local agent" "$T/err"
"$M" service restart --help >"$T/out"
check "service ACTION --help lists the action's inputs" grep -q "daemon" "$T/out"
done_testing
