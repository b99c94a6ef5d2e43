#!/bin/sh
# The name rules of lib/names.h on a real broker: a node whose identity has
# the longest length the rules allow (242 characters: its queue
# metactl.node.IDENTITY is then 255 bytes, AMQP's limit) gets its
# certificate, starts, answers, and its reply validates against the output
# schema; one character more is refused by ca sign and metactld alike; and
# metactl refuses a collective or agent name the rules refuse.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/integration/orch_lib.sh"

orch_setup
long=$(printf '%0242d' 0 | tr 0 n)
check "a node with a 242-character identity starts" \
    orch_node "$long" web dc1 1 web

# The first discovery after the nodes start can miss them (seen on main as
# well: "0 nodes in 1000 ms"); this test is about names, so it discovers
# once before it looks.
"$M" find >/dev/null 2>&1
"$M" rpc rpcutil ping -I "$long" --json >"$T/ping.json" 2>"$T/ping.err"
check "it answers (exit 0)" test $? -eq 0
check "its reply validates against the output schema" "$PYTHON3" -c '
import json, sys, jsonschema
doc = json.load(open(sys.argv[2]))
jsonschema.validate(doc, json.load(open(sys.argv[1])))
assert [r["identity"] for r in doc["replies"]] == [sys.argv[3]], doc
' "$top_srcdir/schemas/metactl-output.schema.json" "$T/ping.json" "$long"

"$M" keygen "$T/n243" >/dev/null || exit 99
"$M" ca sign --ca "$T/ca" --role node --name "${long}n" -o "$T/n243.crt" \
    "$T/n243.pub" 2>"$T/sign.err"
check "ca sign refuses a 243-character name (exit 2)" test $? -eq 2
check "saying why" grep -q 'longer than 242 characters' "$T/sign.err"
sed -e "s|^identity = .*|identity = ${long}n|" "$T/$long.conf" >"$T/n243.conf"
"$D" -n -c "$T/n243.conf" >/dev/null 2>"$T/n243.err"
check "metactld refuses a 243-character identity (78)" test $? -eq 78
check "saying why" grep -q 'identity: longer than 242 characters' "$T/n243.err"

"$M" rpc rpcutil ping -T a.b >/dev/null 2>"$T/coll.err"
check "metactl -T refuses a collective with a '.' (exit 2)" test $? -eq 2
check "saying why" grep -q "'a.b' is not a collective name: '.' is not allowed" \
    "$T/coll.err"
"$M" rpc RpcUtil ping >/dev/null 2>"$T/agent.err"
check "metactl refuses an agent name with capitals (exit 2)" test $? -eq 2
check "saying why" grep -q "'RpcUtil' is not an agent name" "$T/agent.err"
done_testing
