#!/bin/sh
# metactl rollout rpc on a real broker with six real agents: batches run
# in order, two nodes at a time (audit timestamps); a failure stops the
# rollout and leaves the rest untouched; --max-failures lets one pass;
# --canary stops after its first batch; a rollout killed (SIGKILL) in the
# middle of a batch resumes without running done nodes again; --rollback
# runs the action's inverse on the touched nodes; --order FACT sorts the
# nodes by a fact; --pause asks on the terminal before each batch.
#
# The external agent "flip" writes its value to $T/flip.NODE after the
# seconds it is given, fails where $T/fail.NODE exists; "unset" (its
# inverse, declared in the DDL) writes "reverted".
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/integration/orch_lib.sh"

[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
orch_setup

cat >"$T/agents/flip" <<EOF
#!/bin/sh
req=\$(cat)
id=\$(printf '%s' "\$req" | sed -n 's/.*"identity":"\\([^"]*\\)".*/\\1/p')
s=\$(printf '%s' "\$req" | sed -n 's/.*"seconds":\\([0-9]*\\).*/\\1/p')
v=\$(printf '%s' "\$req" | sed -n 's/.*"value":"\\([^"]*\\)".*/\\1/p')
case "\$req" in *'"action":"unset"'*) v=reverted ;; esac
case "\$req" in *'"dry_run":true'*)
	printf '{"statuscode":0,"statusmsg":"OK","data":{"value":"%s"}}\n' "\$v"
	exit 0 ;;
esac
sleep "\${s:-0}"
if [ -e "$T/fail.\$id" ]; then
	printf '{"statuscode":1,"statusmsg":"broken on purpose","data":{}}\n'
	exit 0
fi
printf '%s\n' "\$v" >"$T/flip.\$id"
printf '{"statuscode":0,"statusmsg":"OK","data":{"value":"%s"}}\n' "\$v"
EOF
cat >"$T/agents/flip.json" <<'EOF'
{"agent": "flip", "version": "1.0", "description": "Sets a value",
 "timeout": 20,
 "actions": {
  "set": {"description": "Writes the value", "display": "always",
   "inverse": "unset",
   "input": {"value": {"type": "string", "description": "The value",
                       "optional": false, "maxlength": 32},
             "seconds": {"type": "integer", "description": "Delay",
                         "optional": true, "default": 0}},
   "output": {"value": {"type": "string", "description": "Written",
                        "display_as": "Value"}}},
  "unset": {"description": "Undoes set", "display": "always",
   "input": {"value": {"type": "string", "description": "The value",
                       "optional": false, "maxlength": 32},
             "seconds": {"type": "integer", "description": "Delay",
                         "optional": true, "default": 0}},
   "output": {"value": {"type": "string", "description": "Written",
                        "display_as": "Value"}}}}}
EOF
orch_agent flip || exit 99
NODES="n1 n2 n3 n4 n5 n6"
orch_nodes 6 || { not_ok "six nodes"; done_testing; exit; }

# state FILE NODE: the node's state in a rollout state file ("-": none).
state() { "$PYTHON3" -c '
import json, sys
n = json.load(open(sys.argv[1]))["nodes"].get(sys.argv[2])
print(n["state"] if n else "-")' "$1" "$2"; }
states() { for n in $NODES; do printf '%s ' "$(state "$1" "$n")"; done; }
# runs NODE VALUE: how many allowed flip.set of VALUE NODE's audit shows.
runs() { grep -c "\"action\":\"set\".*\"value\":\"$2\".*\"decision\":\"allowed\"" \
    "$T/$1.audit" 2>/dev/null || true; }

# 1. Two at a time, in order: each batch ends after the one before.
"$M" rollout rpc flip set value=a seconds=1 --batch 2 --np \
    --state "$T/s1.json" >"$T/r1.out" 2>&1
is "a clean rollout exits 0" "$?" 0
is "every node is ok" "$(states "$T/s1.json")" "ok ok ok ok ok ok "
order=$("$PYTHON3" -c '
import json, sys
t = {}
for n in sys.argv[2:]:
    for l in open("%s/%s.audit" % (sys.argv[1], n)):
        r = json.loads(l)
        if r.get("action") == "set" and r.get("arguments", {}).get("value") == "a":
            t[n] = r["time"]
b = [sorted(t[n] for n in p) for p in (("n1","n2"),("n3","n4"),("n5","n6"))]
# A batch starts once the one before ended; each action takes 1 s.
print(all(b[i][1] + 900 <= b[i + 1][0] for i in range(2)) and len(t) == 6)
' "$T" $NODES)
is "batch k+1 ran after batch k ended (audit times)" "$order" True
check "the table names the rollout complete" grep -q "complete" "$T/r1.out"

# 2. A failure in the second batch: stop, the rest untouched.
touch "$T/fail.n3"
"$M" rollout rpc flip set value=b --batch 2 --np --state "$T/s2.json" \
    >"$T/r2.out" 2>&1
is "a failed batch exits 1" "$?" 1
is "first batch ok, n3 failed, n5 n6 untouched" "$(states "$T/s2.json")" \
    "ok ok failed ok - - "
is "n5 never ran it" "$(runs n5 b)" 0
check "the report says the rollout stopped" grep -q "stopped" "$T/r2.out"
check "the report lists n6 as untouched" grep -q "^n6  *untouched" "$T/r2.out"

# 3. --max-failures 1 lets the one failure pass.
"$M" rollout rpc flip set value=c --batch 2 --max-failures 1 --np \
    --state "$T/s3.json" >"$T/r3.out" 2>&1
is "--max-failures 1: exit 1 (a node failed)" "$?" 1
is "--max-failures 1: every node was run" "$(states "$T/s3.json")" \
    "ok ok failed ok ok ok "
rm -f "$T/fail.n3"

# 4. --canary 1 stops after a failing first node.
touch "$T/fail.n1"
"$M" rollout rpc flip set value=d --batch 2 --canary 1 --np --jsonl \
    --state "$T/s4.json" >"$T/r4.out" 2>&1
is "--canary 1: the canary failed, nothing else touched" \
    "$(states "$T/s4.json")" "failed - - - - - "
check "--jsonl: a stop decision for batch 1" grep -q \
    '"batch":1,"decision":"stop"' "$T/r4.out"
rm -f "$T/fail.n1"

# 5. Killed in the middle of batch 2, then resumed.
"$M" rollout rpc flip set value=e seconds=2 --batch 2 --np \
    --state "$T/s5.json" >"$T/r5.out" 2>&1 &
pid=$!
i=0
until [ "$(state "$T/s5.json" n3 2>/dev/null)" = in_flight ] ||
    [ $i -ge 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -KILL "$pid"
wait "$pid" 2>/dev/null
is "killed: n1 n2 done, n3 n4 in flight" "$(states "$T/s5.json")" \
    "ok ok in_flight in_flight - - "
"$M" rollout --resume "$T/s5.json" --np >"$T/r5b.out" 2>&1
is "resume exits 0" "$?" 0
is "resumed: every node ok" "$(states "$T/s5.json")" "ok ok ok ok ok ok "
is "n1 ran once" "$(runs n1 e)" 1
is "n5 ran once" "$(runs n5 e)" 1
"$M" rollout --resume "$T/s5.json" --np >/dev/null 2>&1
is "a complete rollout does not resume" "$?" 2

# 6. --rollback runs the inverse on the touched nodes only.
"$M" rollout --rollback "$T/s2.json" --np >"$T/r6.out" 2>&1
is "rollback exits 0" "$?" 0
is "rollback: touched nodes reverted, n5 n6 untouched" \
    "$(states "$T/s2.json")" "reverted reverted reverted reverted - - "
is "n1 holds the inverse's value" "$(cat "$T/flip.n1")" reverted
is "n5 keeps its value" "$(cat "$T/flip.n5")" e

# 8. The request of a batch, copied and broadcast by someone with broker
# credentials only, runs on no other node: its signed audience names the
# batch. The fake node a0 (first in the order) keeps what it receives.
"$M" keygen "$T/a0" >/dev/null &&
"$M" ca sign --ca "$T/ca" --role node --name a0 -o "$T/a0.crt" \
    "$T/a0.pub" >/dev/null || exit 99
mkfifo "$T/a0.ready"
"$top_builddir/tests/integration/orch_fakenode" "$RABBITMQ_URL" \
    "$T/a0.key" "$T/a0.crt" a0 a0 metactl spy-raw \
    >"$T/a0.ready" 2>"$T/a0.log" &
ORCH_PIDS="$ORCH_PIDS $!"
read -r _ <"$T/a0.ready" || exit 99
printf 'n2\na0\nn1\n' >"$T/copy.nodes"
"$M" rollout rpc flip set value=f --batch 2 --nodes "$T/copy.nodes" --np \
    --state "$T/s8.json" >"$T/r8.out" 2>&1
is "a rollout with the spy in batch 1: exit 0" "$?" 0
id=$("$PYTHON3" -c '
import json, sys
for l in open(sys.argv[1]):
    env = json.loads(l)
    req = json.loads(env["body"])
    if req["agent"] == "flip":
        open(sys.argv[2], "w").write(l.rstrip("\n"))
        print(req["id"], ",".join(req["audience"]["identities"]))
' "$T/a0.log" "$T/batch1.env")
is "batch 1's audience is a0 and n1" "${id#* }" "a0,n1"
id=${id%% *}
"$top_builddir/tests/integration/mcsend" send -u "$RABBITMQ_URL" \
    -k "$T/alice.key" -c "$T/alice.crt" -a "$T/ca/ca.pub" -C metactl \
    -r "$T/batch1.env" -f 7 -t 10000 rpcutil ping >"$T/copy.out"
is "every node received the broadcast copy (the ping behind it)" \
    "$(grep -c '"follow":true' "$T/copy.out")" 7
for n in n2 n3 n4 n5 n6; do
	check "$n did not run the copy of batch 1" sh -c \
	    "! grep -q '\"id\":\"$id\"' '$T/$n.audit'"
done
is "n1 ran batch 1 once" "$(grep -c "\"id\":\"$id\".*\"decision\":\"allowed\"" \
    "$T/n1.audit")" 1

# 9. A dry run stays one when resumed: nothing is written anywhere.
"$M" rollout rpc flip set value=dry --batch 2 --dry-run --pause --np \
    --state "$T/s9.json" </dev/null >/dev/null 2>&1
is "--pause without a terminal is refused" "$?" 2
"$M" rollout rpc flip set value=dry --batch 2 --dry-run --np \
    --state "$T/s9.json" >"$T/r9.out" 2>&1
is "a dry-run rollout exits 0" "$?" 0
is "every node answered the dry run" "$(states "$T/s9.json")" \
    "ok ok ok ok ok ok "
is "and no node wrote the value" "$(cat "$T/flip.n1")" f
check "the state file says dry_run" grep -q '"dry_run":true' "$T/s9.json"

# 10. --order FACT: n7 (num 0) joins; ordered by num it comes first, where
# the identity order puts it last, and a0 (no such fact) is last.
orch_node n7 web dc1 0 web && orch_discover_all 7 >/dev/null ||
	{ echo "Bail out! n7"; exit 99; }
batches() { "$PYTHON3" -c '
import json, sys
print(" ".join(",".join(b) for b in json.load(open(sys.argv[1]))["batches"]))' "$1"; }
"$M" rollout rpc flip set value=o --batch 3 --order num --np --dry-run \
    --state "$T/s10.json" >/dev/null 2>&1
is "--order num: the batches follow the fact" "$(batches "$T/s10.json")" \
    "n7,n1,n2 n3,n4,n5 n6,a0"

# 11. --pause on a terminal (script(1) gives a pty): yes to batch 1, no to
# batch 2; the rollout stops there, not confirmed.
printf 'y\nn\n' | script -qec "'$M' rollout rpc flip set value=p --batch 3 \
    --order num --pause --np --dry-run --state '$T/s11.json'" /dev/null \
    | tr -d '\r' >"$T/r11.out"
check "--pause asks before a batch" grep -q 'run batch 1 of 3 (3 nodes)? \[y/N\]' "$T/r11.out"
is "--pause: batch 1 ran, batch 2 was refused" \
    "$(states "$T/s11.json")$(state "$T/s11.json" n7)" "ok ok - - - - ok"
check "--pause: the rollout stops, not confirmed" grep -q '"reason":"not confirmed"' "$T/s11.json"

# 7. The state file is the documented schema.
check "the state file validates against its schema" "$PYTHON3" -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
' "$top_srcdir/schemas/rollout-state.schema.json" "$T/s2.json" &&
"$PYTHON3" -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
' "$top_srcdir/schemas/rollout-state.schema.json" "$T/s9.json"

done_testing
