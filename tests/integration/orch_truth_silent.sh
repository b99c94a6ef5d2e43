#!/bin/sh
# The expected set never shrinks silently: a stopped (SIGSTOP) node is
# named by every run of ping, find and rpc, never receives an rpc request
# it did not answer discovery for, and leaves the node registry only after
# forget_misses misses or metactl forget. --nodes tells a name never seen
# from a silent node; a node whose facts changed is not called silent; a
# filter's first use after a full discovery ends as soon as its nodes
# answered. JSON output is validated against the schema.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/integration/orch_lib.sh"

orch_setup
pids=
start() { orch_node "$@" || exit 99; pids="$pids $1=${ORCH_PIDS##* }"; }
pid_of() { for p in $pids; do [ "${p%%=*}" = "$1" ] && echo "${p#*=}"; done; }
start web1 web dc1 1 web
start web2 web dc1 2 web
start web3 web dc2 3 web
start db1 db dc1 4 db
start lb1 lb dc1 5 lb
start lb2 lb dc2 6 lb
stopped=
stop() { kill -STOP "$(pid_of "$1")"; stopped="$stopped $1"; }
cont() { kill -CONT "$(pid_of "$1")"; }
trap 'for n in $stopped; do cont "$n"; done; orch_teardown' EXIT
schema="$top_srcdir/schemas/metactl-output.schema.json"

# A full discovery fills the registry with every node's inventory (the
# whole window: the registry is empty). A node just started may miss the
# first broadcast: the registry grows until it knows all six.
orch_discover_all 6 >"$T/all.out" 2>"$T/all.err"
is "the first full discovery finds every node" $? 0
is "a full discovery finds the six nodes" "$(tr '\n' ' ' <"$T/all.out")" \
    "db1 lb1 lb2 web1 web2 web3 "
check "--refresh names each node it added, once" \
    test "$(grep -c '^metactl: refresh: new node ' "$T/all.err")" -eq 6

# A filter's first use after it: ends when its nodes answered, long
# before a 5 s window, whatever way the filter is written.
"$M" ping -F role=web --dt 5 --json >"$T/early.json"
is "-F role=web after a full discovery exits 0" $? 0
check "and ends long before its 5 s window" orch_valid "$T/early.json" '
assert d["stats"]["elapsed_ms"] < 2500, d["stats"]
assert sorted(r["identity"] for r in d["replies"]) == ["web1", "web2", "web3"], d
assert not any(r["new"] for r in d["replies"]), d'
"$M" ping -S 'role=web and dc=dc1' --dt 5 --json >"$T/early2.json"
check "so does -S, a filter never used before" orch_valid "$T/early2.json" '
assert d["stats"]["elapsed_ms"] < 2500, d["stats"]
assert sorted(r["identity"] for r in d["replies"]) == ["web1", "web2"], d'

# web3 stops: named by every run.
stop web3
for i in 1 2; do
	"$M" ping -F role=web >"$T/ping$i.out"
	is "ping $i with web3 stopped exits 3" $? 3
	check "ping $i names web3" grep -q '^no reply from: web3$' "$T/ping$i.out"
done
"$M" find -F role=web >"$T/find.out" 2>"$T/find.err"
is "find with web3 stopped exits 3" $? 3
check "find names web3 on stderr" grep -q 'no reply from web3' "$T/find.err"
"$M" rpc rpcutil ping -F role=web --json >"$T/rpc.json"
is "rpc with web3 stopped exits 3" $? 3
check "rpc names web3: not addressed, no reply to discovery" \
    orch_valid "$T/rpc.json" '
assert sorted(r["identity"] for r in d["replies"]) == ["web1", "web2"], d
assert d["not_addressed"] == [{"identity": "web3",
    "reason": "no reply to discovery"}], d
assert d["stats"]["not_addressed"] == 1 and d["stats"]["addressed"] == 2, d'
rpc_id=$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["request"]["id"])' "$T/rpc.json")
"$M" rpc rpcutil ping -F role=web --jsonl >"$T/rpc.jsonl"
check "--jsonl names it too" "$PYTHON3" -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
lines = [json.loads(l) for l in open(sys.argv[2])]
for l in lines:
    jsonschema.validate(l, schema)
assert {"type": "not_addressed", "identity": "web3",
    "reason": "no reply to discovery"} in lines, lines
assert lines[-1]["not_addressed"] == ["web3"], lines[-1]
' "$schema" "$T/rpc.jsonl"
cont web3
# Once it answers a direct ping, it has read everything sent before.
"$M" ping -I web3 >/dev/null
check "web3, resumed, never got the rpc request" \
    sh -c '! grep -q "\"id\":\"$1\"" "$2"' _ "$rpc_id" "$T/web3.audit"

# Every matching node down: named, exit 3, not "no node matched".
stop lb1
stop lb2
"$M" rpc rpcutil ping -F role=lb --json >"$T/lb.json"
is "rpc with every matching node down exits 3, not 4" $? 3
check "and names both" orch_valid "$T/lb.json" '
assert sorted(n["identity"] for n in d["not_addressed"]) == ["lb1", "lb2"], d'
"$M" find -F role=lb >/dev/null 2>"$T/lb.err"
is "find with every matching node down exits 3" $? 3
check "and names them" sh -c 'grep -q "no reply from lb1" "$1" &&
    grep -q "no reply from lb2" "$1"' _ "$T/lb.err"
cont lb1
cont lb2

# forget: an unknown name is an error; a known one is no longer expected.
"$M" forget nosuch 2>"$T/forget.err"
is "forget of a name the registry does not know exits 2" $? 2
check "and says so" grep -q "'nosuch' is not in the node registry" "$T/forget.err"
"$M" forget lb1
is "forget lb1 exits 0" $? 0
"$M" ping -F role=lb --no-cache --dt 3 --json >"$T/lb2.json"
check "a forgotten node that answers again is shown as new" \
    orch_valid "$T/lb2.json" '
new = {r["identity"]: r["new"] for r in d["replies"]}
assert new == {"lb1": True, "lb2": False}, new'

# --nodes: a name never seen is told from a silent node.
printf 'web1\nwbe1\n' >"$T/typo"
"$M" rpc rpcutil ping --nodes "$T/typo" -t 3 --json >"$T/typo.json"
is "--nodes with an unknown name exits 3" $? 3
check "the unknown name is 'never seen'" orch_valid "$T/typo.json" '
assert d["missing"] == ["wbe1"], d
assert d["missing_reasons"] == {"wbe1": "never seen"}, d'

# -I names a node: never seen is said even when rpc adds its agent filter
# (-A here, as rpc does for every agent but rpcutil).
"$M" rpc rpcutil ping -I wbe1 -A rpcutil --dt 1 --json >"$T/typo2.json"
is "-I with an unknown name and an agent filter exits 3" $? 3
check "the name is named, 'never seen'" orch_valid "$T/typo2.json" '
assert [x["identity"] for x in d["not_addressed"]] == ["wbe1"], d
assert d["not_addressed"][0]["reason"] == "never seen", d'

# db1's facts change (role=cache): it no longer matches role=db, and is
# not called silent.
sed -i 's/"role":"db"/"role":"cache"/' "$T/db1.facts"
before=$(grep -c 'reload: done' "$T/db1.log")
kill -HUP "$(pid_of db1)"
i=0
while [ "$(grep -c 'reload: done' "$T/db1.log")" -le "$before" ] &&
    [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
"$M" ping -F role=db --json >"$T/db.json"
is "a node whose facts changed is not silent: exit 4, nothing matched" $? 4
check "it is not missing" orch_valid "$T/db.json" '
assert d["missing"] == [] and d["replies"] == [], d'
"$M" ping -F role=cache --json >"$T/cache.json"
is "its new role finds it" $? 0
check "once" orch_valid "$T/cache.json" '
assert [r["identity"] for r in d["replies"]] == ["db1"], d'

done_testing
