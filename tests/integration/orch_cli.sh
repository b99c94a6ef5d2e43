#!/bin/sh
# metactl's command line as operators use it, on a real broker: help
# anywhere, the same options on every fleet command, one wording of "no
# node matched", --ids piped into --nodes -, --sort, -q, --ttl, units in
# tables and raw numbers in JSON, inventory of several nodes with their
# facts, and facts sorted numerically.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/integration/orch_lib.sh"

is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: got '$2', want '$3'"; fi
}
schema="$top_srcdir/schemas/metactl-output.schema.json"

# help COMMAND...: metactl COMMAND... exits 0 and prints the usage of
# the command named first.
help_ok() {
	out=$("$M" "$@" 2>&1)
	rc=$?
	case "$out" in
	*"usage: metactl $1"*) is "$* prints the help" $rc 0 ;;
	*) not_ok "$* prints the help: exit $rc: $(echo "$out" | head -2)" ;;
	esac
}

orch_setup
# daemon_stats too, for its units.
printf 'policy default deny\nallow\t*\tping inventory get_fact daemon_stats\t*\n' \
    >"$T/policy/rpcutil.policy"
orch_node web1 web dc1 3 "web frontend" || exit 99
orch_node web2 web dc2 8 "web" || exit 99
orch_node web3 web dc2 16 "web" || exit 99
web3_pid=${ORCH_PIDS##* }
orch_node db1 db dc1 12 "db::primary" || exit 99
# A stopped node holds its signals: let it go before the teardown.
trap 'kill -CONT "$web3_pid" 2>/dev/null; orch_teardown' EXIT

# 1. -h and --help anywhere.
help_ok rpc rpcutil ping --help
check "rpc AGENT ACTION --help lists the action's inputs" \
    sh -c '"$1" rpc rpcutil get_fact -F role=web --help | grep -q "^  fact  *string, required"' _ "$M"
help_ok ping -F x=y --help
help_ok ping -h
help_ok find -F role=web --help
help_ok discover --np -h
help_ok inventory web1 --help
help_ok facts cpus -h
help_ok doc rpcutil --help
help_ok ca sign --help
help_ok ca init -h
help_ok cert show --help
help_ok keygen x -h
help_ok policy check -h
help_ok policy lint x --help
"$M" find -- --help >/dev/null 2>"$T/err"
is "after -- --help is an argument" $? 2
check "and the error has the usage shape" \
    grep -q "^metactl: find: unexpected argument '--help' (metactl help find)$" "$T/err"
"$M" facts 2>"$T/err"
is "a usage error exits 2" $? 2
check "in the one shape" grep -q '^metactl: facts: .* (metactl help facts)$' "$T/err"

# A full discovery, so that the node cache knows the fleet.
"$M" ping >"$T/ping.out"
is "ping exits 0" $? 0
check "ping's summary counts the nodes" grep -q '^4 nodes: 4 ok, 0 failed, 0 no reply, ' "$T/ping.out"

# 2. The same options on every fleet command.
"$M" find --json --np >"$T/find.json"
is "find --json --np exits 0" $? 0
check "find --json validates against the output schema" "$PYTHON3" -c '
import json, sys, jsonschema
doc = json.load(open(sys.argv[2]))
jsonschema.validate(doc, json.load(open(sys.argv[1])))
ids = sorted(r["identity"] for r in doc["replies"])
assert ids == ["db1", "web1", "web2", "web3"], ids
' "$schema" "$T/find.json"
"$M" facts role --display ok --sort identity -q >"$T/out"
is "facts --display --sort -q exit 0" $? 0
"$M" find --no-cache -F role=nosuch >"$T/out" 2>"$T/err"
is "find without a match exits 4" $? 4
check "find says no node matched the filter on stderr" \
    grep -q '^metactl: find: no node matched the filter$' "$T/err"
check "and prints nothing on stdout" test ! -s "$T/out"
for c in ping "rpc rpcutil ping" "facts role" inventory; do
	# shellcheck disable=SC2086
	"$M" $c --no-cache -F role=nosuch >"$T/out" 2>&1
	is "$c without a match exits 4" $? 4
	check "$c says no node matched the filter" \
	    grep -q '^no node matched the filter$' "$T/out"
done

# 6. facts sorted numerically, counts aligned.
"$M" facts num >"$T/facts.out"
is "facts num exits 0" $? 0
is "facts sorts numeric values as numbers" \
    "$(awk '/^  /{print $1}' "$T/facts.out" | tr '\n' ' ')" "3 8 12 16 "
check "each value's count, aligned" sh -c '
	test "$(grep -c "^  [0-9]*  *1$" "$1")" -eq 4 &&
	test "$(awk "/^  /{print index(\$0, \"1\" )}" "$1" | sort -u | wc -l)" -ge 1' _ \
    "$T/facts.out"

# inventory with a filter, several nodes, their facts.
"$M" inventory -F role=web >"$T/inv.out"
is "inventory -F role=web exits 0" $? 0
is "inventory shows every matching node" \
    "$(awk '/^identity:/{print $2}' "$T/inv.out" | tr '\n' ' ')" "web1 web2 web3 "
check "inventory shows the facts with their values" \
    grep -q '^  role *= web$' "$T/inv.out"
check "inventory shows the uptime as a duration" \
    grep -Eq '^uptime: +[0-9.]+ (ms|s)$|^uptime: +[0-9]+[mhd] ' "$T/inv.out"
"$M" inventory web1 db1 >"$T/inv2.out"
is "inventory of two nodes exits 0" $? 0
is "and shows both" \
    "$(awk '/^identity:/{print $2}' "$T/inv2.out" | tr '\n' ' ')" "db1 web1 "
"$M" inventory web1 ghost -t 3 >"$T/inv3.out"
is "inventory of a node and a silent one exits 3" $? 3
check "shows the node and names the silent one" sh -c \
    'grep -q "^identity: *web1$" "$1" && grep -q "^not addressed (never seen): ghost$" "$1"' \
    _ "$T/inv3.out"

# 4. Units in tables, raw numbers in JSON.
"$M" rpc rpcutil ping >"$T/rpc.out"
check "Pong is a local ISO 8601 time" \
    test "$(grep -Ec '  Pong: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}$' "$T/rpc.out")" -eq 4
"$M" rpc rpcutil daemon_stats -I web1 >"$T/stats.out"
is "daemon_stats exits 0" $? 0
check "daemon_stats shows uptime as a duration" \
    grep -Eq 'Uptime: [0-9.]+ (ms|s)  |Uptime: [0-9]+[mhd] ' "$T/stats.out"
check "daemon_stats shows RSS in MiB" grep -Eq 'RSS: [0-9]+\.[0-9] MiB' "$T/stats.out"
check "daemon_stats shows when it started" \
    grep -Eq 'Started: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[+-]' "$T/stats.out"
check "daemon_stats shows each counter in its own column" \
    grep -Eq 'Received: [0-9]+  Replied: [0-9]+  Refused: [0-9]+' "$T/stats.out"
check "daemon_stats aggregates the fleet's counters and memory" sh -c \
    'grep -Eq "^sum of received: [1-9]" "$1" && grep -Eq "^average of rss: [0-9.]+ MiB$" "$1"' \
    _ "$T/stats.out"
"$M" rpc rpcutil daemon_stats -I web1 --json >"$T/stats.json"
check "--json keeps the raw numbers" "$PYTHON3" -c '
import json, sys, jsonschema
doc = json.load(open(sys.argv[2]))
jsonschema.validate(doc, json.load(open(sys.argv[1])))
d = doc["replies"][0]["data"]
assert isinstance(d["uptime"], int) and isinstance(d["rss"], int), d
' "$schema" "$T/stats.json"

# 3. --sort, -q, --ttl.
"$M" rpc rpcutil ping --sort identity >"$T/out"
is "--sort identity" "$(awk '/ OK /{print $1}' "$T/out" | tr '\n' ' ')" \
    "db1 web1 web2 web3 "
"$M" rpc rpcutil ping -q >"$T/out"
is "-q exits 0" $? 0
check "-q prints no OK row" sh -c '! grep -q " OK " "$1"' _ "$T/out"
check "-q prints the summary" grep -q '^4 nodes: 4 ok' "$T/out"
"$M" rpc rpcutil ping --ttl 77 --preview >"$T/out"
check "--ttl sets the request's ttl" grep -q '"ttl": 77' "$T/out"
"$M" rpc rpcutil ping --ttl 0 2>"$T/err"
is "--ttl 0 is refused" $? 2

# --ids silent of a stopped node, piped into --nodes -.
kill -STOP "$web3_pid"
"$M" ping --ids silent >"$T/silent" 2>"$T/err"
is "ping --ids silent with a stopped node exits 3" $? 3
is "--ids silent prints the stopped node only" "$(cat "$T/silent")" web3
"$M" rpc rpcutil ping --nodes - -t 1 --json <"$T/silent" >"$T/retry.json"
is "piped into --nodes -, the retry exits 3" $? 3
check "and reports exactly that node missing" "$PYTHON3" -c '
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["missing"] == ["web3"], doc["missing"]
assert doc["replies"] == [], doc["replies"]
' "$T/retry.json"
"$M" ping --ids ok >"$T/ok"
is "--ids ok lists the others" "$(tr '\n' ' ' <"$T/ok")" "db1 web1 web2 "
printf 'web1\nweb3\n' | "$M" ping -q --nodes - -t 3 >"$T/out"
is "ping -q with a silent node exits 3" $? 3
check "-q prints no OK row" sh -c '! grep -q "^web1 " "$1"' _ "$T/out"
check "-q still names the silent node" grep -q '^no reply from: web3$' "$T/out"
check "with its row" grep -q '^web3  *no reply' "$T/out"
kill -CONT "$web3_pid"

done_testing
