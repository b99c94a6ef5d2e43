#!/bin/sh
# A refresh that heard no node does not make the node registry whole: a
# discovery on an empty fleet (or one that heard nothing in its window)
# leaves the refresh due, so the next discovery records the inventory of
# the nodes it meets, and a filter on their facts expects them.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/integration/orch_lib.sh"

orch_setup
reg() { "$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
n = d["nodes"]
print(len(n), sum(1 for v in n.values() if "inventory" in v),
      sys.argv[2] in d.get("refresh", {}))' "$T/cache/nodes.json" metactl; }

"$M" ping >/dev/null 2>&1
is "no node yet: ping exits 4" "$?" 4
is "the registry is not marked refreshed" "$(reg)" "0 0 False"
orch_node n1 web dc1 1 web >/dev/null || exit 99
orch_node n2 db dc1 2 db >/dev/null || exit 99
"$M" ping >/dev/null
is "two nodes: ping exits 0" "$?" 0
is "their inventories are recorded, the registry refreshed" "$(reg)" \
    "2 2 True"
"$M" ping -F role=web -v >/dev/null 2>"$T/web.err"
is "a filter on their facts" "$?" 0
check "expects n1 and ends when it answered" \
    grep -q "discovery: 1 node in .* every expected node answered" \
    "$T/web.err"

done_testing
