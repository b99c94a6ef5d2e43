#!/bin/sh
# metactl against a real broker and several metactld nodes: discovery,
# every filter kind, rpc, batches, limits, missing and forged replies,
# JSON output against its schema, exit statuses, and local mode.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/integration/orch_lib.sh"

orch_setup
orch_node web1 web dc1 3 "web frontend" || exit 99
orch_node web2 web dc2 8 "web" || exit 99
orch_node db1 db dc1 12 "db::primary" || exit 99

# found FILTER...: the identities metactl find prints, on one line.
found() { "$M" find --no-cache "$@" 2>/dev/null | tr '\n' ' '; }
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: got '$2', want '$3'"; fi
}
schema="$top_srcdir/schemas/metactl-output.schema.json"

# The node registry knows the three nodes: discovery then waits for each
# of them (a cold one ends by the quiet rule, which a node just started
# may miss).
orch_discover_all 3 >/dev/null 2>&1
is "the first full discovery finds every node" $? 0
"$M" ping >"$T/ping.out"
is "ping exits 0 when every node answers" $? 0
check "ping lists every node with its time" \
    test "$(grep -c ' time=[0-9]* ms$' "$T/ping.out")" -eq 3
check "ping ends with count and min/avg/max" \
    grep -q '^3 replies, round-trip min/avg/max = ' "$T/ping.out"
is "ping sorts by identity" \
    "$(awk '/time=/{print $1}' "$T/ping.out" | tr '\n' ' ')" "db1 web1 web2 "

"$M" ping --json >"$T/ping.json"
check "ping --json validates, with the discovery request" "$PYTHON3" -c '
import json, sys, jsonschema
doc = json.load(open(sys.argv[2]))
jsonschema.validate(doc, json.load(open(sys.argv[1])))
assert doc["request"]["action"] == "ping", doc["request"]
assert sorted(r["identity"] for r in doc["replies"]) == ["db1", "web1", "web2"]
assert all(r["rtt_ms"] >= 0 for r in doc["replies"])
' "$schema" "$T/ping.json"

"$M" ping --jsonl >"$T/ping.jsonl"
check "ping --jsonl streams the replies, then the stats" "$PYTHON3" -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
lines = [json.loads(l) for l in open(sys.argv[2])]
for l in lines:
    jsonschema.validate(l, schema)
assert [l["type"] for l in lines] == ["reply"] * 3 + ["stats"], lines
' "$schema" "$T/ping.jsonl"

is "find without filter" "$(found)" "db1 web1 web2 "
is "-F fact=value" "$(found -F role=web)" "web1 web2 "
is "-F ==" "$(found -F dc==dc1)" "db1 web1 "
is "-F !=" "$(found -F role!=web)" "db1 "
is "-F < numeric" "$(found -F 'num<8')" "web1 "
is "-F > numeric, not string order" "$(found -F 'num>5')" "db1 web2 "
is "-F <=" "$(found -F 'num<=8')" "web1 web2 "
is "-F >=" "$(found -F 'num>=12')" "db1 "
is "-F =~" "$(found -F 'role=~^d')" "db1 "
is "-F /regex/" "$(found -F 'dc=/2$/')" "web2 "
is "-F dotted fact" "$(found -F os.family=debian)" "db1 web1 web2 "
is "-F twice is AND" "$(found -F role=web -F dc=dc1)" "web1 "
is "-C class" "$(found -C frontend)" "web1 "
is "-C /regex/" "$(found -C '/^db::/')" "db1 "
is "-I identity" "$(found -I web2)" "web2 "
is "-I repeated is OR" "$(found -I web2 -I db1)" "db1 web2 "
is "-I /regex/" "$(found -I '/^web/')" "web1 web2 "
is "-A agent" "$(found -A rpcutil)" "db1 web1 web2 "
is "-A unknown agent" "$(found -A nosuch)" ""
is "-S compound" "$(found -S 'role=web and not dc=dc2')" "web1 "
is "-S class or fact" "$(found -S 'db::primary or num=8')" "db1 web2 "
is "-T another collective" "$(found -T nosuch)" ""

"$M" find --no-cache -F role=nosuch >"$T/none.out" 2>"$T/none.err"
is "find with no match exits 4" $? 4
check "find with no match says so" grep -q 'no node matched' "$T/none.err"
"$M" rpc rpcutil ping -F role=nosuch >"$T/none.out" 2>&1
is "rpc with no match exits 4" $? 4
check "rpc with no match says so" grep -q 'no node matched' "$T/none.out"

"$M" rpc rpcutil ping >"$T/rpc.out"
is "rpc exits 0 when all replied OK" $? 0
is "rpc prints one line per node with the display column" \
    "$(grep -c '  OK  *Pong: [0-9-]*T[0-9:.]*[+-][0-9:]*$' "$T/rpc.out")" 3
check "rpc prints the summary" \
    grep -q '^3 nodes: 3 ok, 0 failed, 0 no reply' "$T/rpc.out"

"$M" rpc rpcutil ping --json >"$T/rpc.json"
is "--json exits 0" $? 0
check "--json validates against the schema" "$PYTHON3" -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.validate(doc, schema)
assert sorted(r["identity"] for r in doc["replies"]) == ["db1", "web1", "web2"]
assert doc["stats"]["ok"] == 3 and doc["missing"] == []
assert doc["request"]["agent"] == "rpcutil"
' "$schema" "$T/rpc.json"
"$M" rpc rpcutil ping --jsonl >"$T/rpc.jsonl"
check "--jsonl: a line per reply then a stats line, each valid" \
    "$PYTHON3" -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
lines = [json.loads(l) for l in open(sys.argv[2])]
for l in lines:
    jsonschema.validate(l, schema)
assert [l["type"] for l in lines] == ["reply"] * 3 + ["stats"], lines
assert lines[-1]["stats"]["ok"] == 3
' "$schema" "$T/rpc.jsonl"

# Errors from the nodes: every node refuses rpcutil get_facts.
"$M" rpc rpcutil get_facts facts=role >"$T/denied.out"
is "replies with an error exit 1" $? 1
is "each refusal is listed with its status" \
    "$(grep -c '  not authorised ' "$T/denied.out")" 3
check "the summary counts them as failed" \
    grep -q '^3 nodes: 0 ok, 3 failed, 0 no reply' "$T/denied.out"

# inventory and facts need the node's policy to allow them: a node
# with the built-in default-deny rule refuses, and says so.
"$M" inventory web1 >"$T/inv.out"
rc=$?
if grep -q 'not authorised' "$T/inv.out"; then
	is "inventory of a node that refuses exits 1" $rc 1
	ok "# SKIP inventory: the agent's policy denies rpcutil inventory"
	"$M" facts role >"$T/facts.out"
	is "facts when the nodes refuse exits 1" $? 1
else
	is "inventory exits 0" $rc 0
	check "inventory shows the node and its classes" sh -c \
	    'grep -q "^identity: *web1$" "$1" && grep -q "^  frontend$" "$1"' \
	    _ "$T/inv.out"
	"$M" facts role >"$T/facts.out"
	is "facts exits 0" $? 0
	check "facts counts each value" sh -c \
	    'grep -q "^  web  *2$" "$1" && grep -q "^  db  *1$" "$1"' _ \
	    "$T/facts.out"
fi
"$M" inventory ghost -t 1 >"$T/inv.out"
is "inventory of a silent node exits 3" $? 3
check "and says it was not addressed, never seen" \
    grep -q '^not addressed (never seen): ghost$' "$T/inv.out"

# On a terminal: a progress bar on stderr and colours, unless --np and
# NO_COLOR; never on a pipe (every other test here).
tty_run() {
	"$PYTHON3" -c '
import os, pty, subprocess, sys
master, slave = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdout=slave, stderr=slave)
os.close(slave)
out = b""
while True:
    try:
        b = os.read(master, 4096)
    except OSError:
        break
    if not b:
        break
    out += b
p.wait()
sys.stdout.write(repr(out))
' "$@"
}
out=$(tty_run "$M" rpc rpcutil ping)
check "a terminal gets a progress bar" sh -c 'printf "%s\n" "$1" | grep -q "\\\\r\\["' _ "$out"
check "a terminal gets colours" sh -c 'printf "%s\n" "$1" | grep -q "x1b\\[32m"' _ "$out"
out=$(NO_COLOR=1 tty_run "$M" rpc rpcutil ping --np)
check "--np: no progress bar" sh -c '! printf "%s\n" "$1" | grep -q "\\\\r\\["' _ "$out"
check "NO_COLOR: no colours" sh -c '! printf "%s\n" "$1" | grep -q "x1b\\[3"' _ "$out"
check "NO_COLOR still prints the results" sh -c 'printf "%s\n" "$1" | grep -q "3 nodes: 3 ok"' _ "$out"

# Input checks happen before anything is sent.
"$M" rpc rpcutil get_fact 2>"$T/err"
is "a missing required input exits 2" $? 2
check "the error names the input and the rule" grep -q '"fact".*required' "$T/err"
"$M" rpc rpcutil get_fact fact='a;b' 2>"$T/err"
is "a value against the pattern exits 2" $? 2
check "the error names the pattern" grep -q 'pattern' "$T/err"
"$M" rpc rpcutil get_fact fact=x colour=red 2>"$T/err"
is "an unknown input exits 2" $? 2
check "the error names the unknown input" grep -q 'colour' "$T/err"
"$M" rpc rpcutil nosuch 2>"$T/err"
is "an unknown action exits 2" $? 2
"$M" rpc nosuch ping 2>"$T/err"
is "an unknown agent exits 2" $? 2

# Missing nodes are named.
printf 'web1\n# a comment\n\nghost\n' >"$T/nodes"
"$M" rpc rpcutil ping --nodes "$T/nodes" -t 3 >"$T/missing.out"
is "a silent node exits 3" $? 3
check "the silent node is named" grep -q '^no reply from: ghost$' "$T/missing.out"
check "the answering node is listed" grep -q '^web1 .* OK' "$T/missing.out"
echo web2 | "$M" rpc rpcutil ping --nodes - --json >"$T/stdin.json"
check "--nodes - reads identities from stdin" "$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [r["identity"] for r in d["replies"]] == ["web2"], d
' "$T/stdin.json"

# Limits.
replies() { "$M" rpc rpcutil ping --jsonl "$@" | grep -c '"type":"reply"'; }
is "--limit-nodes 2 addresses two nodes" "$(replies --limit-nodes 2)" 2
is "-1 addresses one node" "$(replies -1)" 1
is "--limit-nodes 50% of 3 addresses two" "$(replies --limit-nodes 50%)" 2
chosen() {
	"$M" rpc rpcutil ping --limit-nodes 1 --limit-seed "$1" --jsonl |
	    sed -n 's/.*"identity":"\([^"]*\)".*"type":"reply".*/\1/p'
}
a=$(chosen 7)
is "the same --limit-seed chooses the same node" "$(chosen 7)" "$a"

# Batches: the nodes' own clocks (pong) show the groups and the pause.
"$M" rpc rpcutil ping --batch 2 --batch-sleep 1 --json >"$T/batch.json"
is "a batched rpc exits 0" $? 0
check "--batch 2 of 3: two nodes, a pause of 1 s, then one" \
    "$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = sorted(r["data"]["pong"] for r in d["replies"])
assert len(t) == 3, t
assert t[1] - t[0] < 900, t
assert t[2] - t[1] >= 1000, t
' "$T/batch.json"
# Interrupted during the sleep after the first batch: what came back is
# printed, the rest is not sent, exit 130.
mkfifo "$T/int.fifo"
"$M" rpc rpcutil ping --batch 1 --batch-sleep 30 --jsonl >"$T/int.fifo" \
    2>"$T/int.err" &
pid=$!
exec 4<"$T/int.fifo"
read -r first <&4
kill -INT "$pid"
cat <&4 >"$T/int.rest"
exec 4<&-
wait "$pid"
is "SIGINT during a rollout exits 130" $? 130
check "the reply before it was printed" \
    sh -c 'printf "%s\n" "$1" | grep -q "\"type\":\"reply\""' _ "$first"
check "the stats line follows, with one node addressed" \
    "$PYTHON3" -c '
import json, sys
d = json.loads(open(sys.argv[1]).read())
assert d["type"] == "stats" and d["stats"]["ok"] == 1, d
assert d["stats"]["addressed"] == 1, d
' "$T/int.rest"
check "the nodes not addressed are counted" \
    grep -q 'interrupted: 2 nodes not addressed' "$T/int.err"
"$M" rpc rpcutil ping --batch 1 --json >"$T/batch1.json"
check "--batch 1 addresses every node, one at a time" "$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["stats"]["ok"] == 3 and d["stats"]["addressed"] == 3, d
' "$T/batch1.json"

# The node cache: once every node seen last time answered, discovery ends.
"$M" find -F role=web >/dev/null
t0=$(now_ms)
out=$("$M" find -v --dt 20 -F role=web 2>"$T/v.err" | tr '\n' ' ')
t1=$(now_ms)
is "a cached discovery finds the same nodes" "$out" "web1 web2 "
check "-v says why discovery ended" \
    grep -q '^metactl: discovery: 2 nodes in [0-9]* ms, every expected node answered$' "$T/v.err"
check "a cached discovery ends long before its 20 s window" \
    test $((t1 - t0)) -lt 10000
t0=$(now_ms)
out=$("$M" find --dt 20 -I web2 -I db1 | tr '\n' ' ')
t1=$(now_ms)
is "-I with plain names finds them" "$out" "db1 web2 "
check "and ends when they answered, not at its 20 s window" \
    test $((t1 - t0)) -lt 10000
"$M" ping -I web1 -I ghost --dt 1 >"$T/named.out"
is "ping of a named node that does not exist exits 3" $? 3
check "and names it" grep -q '^no reply from: ghost$' "$T/named.out"
t0=$(now_ms)
"$M" find --dt 2 --no-cache >/dev/null
t1=$(now_ms)
check "--no-cache waits the whole window" test $((t1 - t0)) -ge 2000

"$M" rpc rpcutil ping --preview -F role=web >"$T/dry.out"
is "--preview exits 0" $? 0
check "--preview prints the decoded request" grep -q '"agent": "rpcutil"' "$T/dry.out"
check "--preview lists the cached nodes" \
    sh -c 'grep -q "^  web1$" "$1" && grep -q "^  web2$" "$1"' _ "$T/dry.out"

# Forged replies: a node of another fleet (its CA is not ours) on the
# same broker, which cannot verify our requests and so answers nothing,
# and one that signs with its own valid certificate but claims to be
# web1.
orch_node rogue web dc9 1 "" rogue "$T/rogueca" || exit 99
orch_fake imposter web1 || exit 99
printf 'rogue\nimposter\nweb2\n' >"$T/forged"
"$M" rpc rpcutil ping --nodes "$T/forged" -t 2 --json >"$T/forged.json"
is "forging nodes count as silent: exit 3" $? 3
check "forged replies are reported as invalid, never as results" \
    "$PYTHON3" -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
d = json.load(open(sys.argv[2]))
assert [r["identity"] for r in d["replies"]] == ["web2"], d
bad = {i["identity"]: i["reason"] for i in d["invalid"]}
assert "rogue" not in bad, bad
# Reported under the name it claimed, with the certificate it showed.
assert "does not match" in bad["web1"] and "imposter" in bad["web1"], bad
assert sorted(d["missing"]) == ["imposter", "rogue"], d
' "$schema" "$T/forged.json"

# A broker that is down is a clear error within seconds.
t0=$(now_ms)
METACTL_BROKER=amqp://metactl:metactl@127.0.0.1:1/metactl "$M" ping \
    2>"$T/down.err"
rc=$?
t1=$(now_ms)
is "a broker that is down exits 2" $rc 2
check "and says so" grep -q '^metactl: ping: ' "$T/down.err"
check "within a few seconds" test $((t1 - t0)) -lt 5000

# A "broker" that accepts the connection and never speaks: the connect
# timeout (3 s by default) ends the wait.
check "a broker that never answers is an error within the connect timeout" \
    "$PYTHON3" -c '
import os, socket, subprocess, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
env = dict(os.environ,
    METACTL_BROKER="amqp://u:p@127.0.0.1:%d/" % s.getsockname()[1])
t0 = time.monotonic()
p = subprocess.run([sys.argv[1], "ping"], env=env, capture_output=True,
    text=True, timeout=60)
took = time.monotonic() - t0
assert p.returncode == 2, p
assert "timed out" in p.stderr, p.stderr
assert took < 6, took
' "$M"

# Local mode: no broker configured, the local agent's socket.
orch_local_node local1 || exit 99
printf 'socket = %s\nddl_dir = %s\n' "$T/local1.sock" \
    "$top_srcdir/schemas/ddl" >"$T/local.conf"
METACTL_CONFIG="$T/local.conf" "$M" ping >"$T/local.out"
is "local ping exits 0" $? 0
check "local ping names the local node" grep -q '^local1 ' "$T/local.out"
METACTL_CONFIG="$T/local.conf" "$M" rpc rpcutil ping -F role=web \
    >"$T/local.out"
is "local rpc with a matching filter exits 0" $? 0
check "local rpc shows the reply" grep -q '^local1 .*OK.*Pong' "$T/local.out"
METACTL_CONFIG="$T/local.conf" "$M" rpc rpcutil ping -F role=db --dt 0.3 \
    >"$T/local.out"
is "local rpc with a filter that does not match exits 4" $? 4
METACTL_CONFIG="$T/local.conf" "$M" inventory local1 >"$T/local.out"
is "local inventory exits 0" $? 0
check "local inventory shows the node" grep -q '^identity: *local1$' "$T/local.out"
METACTL_CONFIG="$T/local.conf" "$M" inventory other 2>"$T/err"
is "local inventory of another node exits 4" $? 4
check "and says so" grep -q "the local agent is not 'other'" "$T/err"

"$M" ping --bogus 2>"$T/err"
is "an unknown option exits 2" $? 2
check "the error names the option" grep -q -- '--bogus' "$T/err"
done_testing
