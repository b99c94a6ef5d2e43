#!/bin/sh
# metactl rollout deploy on a real broker, six real agents each with its
# own apps directory and runit tree, and a real git repository
# (tests/deploy/lib.sh): two nodes at a time in order (audit times); a tag
# broken on the second batch stops the rollout with the first batch on
# it, the second rolled back by the agent and the rest untouched;
# --max-failures 1 lets one failure pass; --canary 1 stops at once; a
# rollout killed (SIGKILL) mid-batch resumes without deploying done nodes
# again; --rollback puts every touched node back on the release it left.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/deploy/lib.sh"

[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
[ "$(id -u)" -eq 0 ] || skip_all "daemons run as nobody: needs root"
for p in runsvdir sv chpst git; do
	command -v "$p" >/dev/null || skip_all "$p not installed"
done
[ -x "$SVWAIT" ] || skip_all "metactl-svwait not built"
M="$top_builddir/orchestrator/metactl"
NODES="n1 n2 n3 n4 n5 n6"

cleanup() {
	dp_nodes_stop $NODES
	dp_broker_fleet_stop
}
dp_broker_fleet
printf 'policy default deny\nallow\tcert=alice\t*\t*\t*\n' \
    >"$FLEET_DIR/policy/deploy.policy"
chmod 0644 "$FLEET_DIR/policy/deploy.policy"
SRC=$FLEET_DIR/src
dp_repo "$SRC" || { echo "Bail out! cannot make the repository"; exit 99; }
# v5 dies at start on n3 and n4, v6 on n3, v7 on n1; v8 builds slowly.
dp_tag "$SRC" v5 'case $(pwd) in */n3/*|*/n4/*) exit 3 ;; esac; exec sleep 100005' &&
dp_tag "$SRC" v6 'case $(pwd) in */n3/*) exit 3 ;; esac; exec sleep 100006' &&
dp_tag "$SRC" v7 'case $(pwd) in */n1/*) exit 3 ;; esac; exec sleep 100007' &&
printf 'sleep 2; echo ok > BUILT\n' >"$SRC/build.sh" &&
dp_tag "$SRC" v8 'exec sleep 100008' || { echo "Bail out! tags"; exit 99; }
chmod -R go+rX "$SRC"
dp_site "$SRC" >"$FLEET_DIR/site.conf"

for n in $NODES; do
	dp_node "$n"
done
dp_client

# on: the release each node's current names, in order.
on() { for n in $NODES; do
	printf '%s ' "$(readlink "$FLEET_DIR/$n/apps/demo/current" | sed 's|^releases/||')"
done; }
state() { "$PYTHON3" -c '
import json, sys
st = json.load(open(sys.argv[1]))
print(" ".join(st["nodes"].get(n, {}).get("state", "-") for n in sys.argv[2:]))
' "$1" $NODES; }
# deploys NODE TAG: allowed deploys of TAG in NODE's audit trail.
deploys() { grep -c "\"action\":\"deploy\".*\"tag\":\"$2\".*\"decision\":\"allowed\"" \
    "$FLEET_DIR/$1.audit" || true; }
roll() { "$M" rollout deploy demo "$@" --site "$FLEET_DIR/site.conf" --np; }
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: got '$2', want '$3'"; fi
}

roll v1 --batch 6 --state "$FLEET_DIR/s1.json" >/dev/null 2>&1
is "v1 everywhere" "$(on)" "v1 v1 v1 v1 v1 v1 "

# 1. Two at a time, in order.
roll v2 --batch 2 --state "$FLEET_DIR/s2.json" >"$FLEET_DIR/r2.out" 2>&1
is "a rollout of v2 exits 0" "$?" 0
is "v2 everywhere" "$(on)" "v2 v2 v2 v2 v2 v2 "
is "each batch ended after the one before (audit times)" "$("$PYTHON3" -c '
import json, sys
t = {}
for n in sys.argv[2:]:
    for l in open("%s/%s.audit" % (sys.argv[1], n)):
        r = json.loads(l)
        if r.get("action") == "deploy" and r.get("arguments", {}).get("tag") == "v2":
            t[n] = r["time"]
b = [sorted(t[n] for n in p) for p in (("n1","n2"),("n3","n4"),("n5","n6"))]
print(len(t) == 6 and all(b[i][1] < b[i + 1][0] for i in range(2)))
' "$FLEET_DIR" $NODES)" True

# 2. v5 is broken on the second batch.
roll v5 --batch 2 --state "$FLEET_DIR/s5.json" >"$FLEET_DIR/r5.out" 2>&1
is "the broken rollout exits 1" "$?" 1
is "batch 1 on v5, batch 2 rolled back to v2, the rest untouched" \
    "$(on)" "v5 v5 v2 v2 v2 v2 "
is "the state says so" "$(state "$FLEET_DIR/s5.json")" \
    "ok ok failed failed - -"
is "n5 was never asked to deploy v5" "$(deploys n5 v5)" 0
check "the report: n3 rolled back by the agent" \
    grep -q '^n3 .*failed .*on v2 (was v2), rolled back by the agent' \
    "$FLEET_DIR/r5.out"
check "the report: n6 untouched" grep -q '^n6  *untouched' "$FLEET_DIR/r5.out"
check "the report: stopped, and why" grep -q 'stopped: 2 nodes failed' \
    "$FLEET_DIR/r5.out"

# 3. --max-failures 1: v6 fails on n3 only.
roll v6 --batch 2 --max-failures 1 --state "$FLEET_DIR/s6.json" \
    >"$FLEET_DIR/r6.out" 2>&1
is "--max-failures 1 goes on past n3" "$(on)" "v6 v6 v2 v6 v6 v6 "

# 4. --canary 1: v7 fails on n1, the canary.
roll v7 --batch 2 --canary 1 --state "$FLEET_DIR/s7.json" \
    >"$FLEET_DIR/r7.out" 2>&1
is "--canary 1 stops after n1" "$(state "$FLEET_DIR/s7.json")" \
    "failed - - - - -"
is "nobody moved" "$(on)" "v6 v6 v2 v6 v6 v6 "

# 5. Killed in the middle of batch 2 (v8 builds for 2 s), then resumed.
"$M" rollout deploy demo v8 --site "$FLEET_DIR/site.conf" --np --batch 2 \
    --state "$FLEET_DIR/s8.json" >"$FLEET_DIR/r8.out" 2>&1 &
pid=$!
i=0
until [ "$(state "$FLEET_DIR/s8.json" 2>/dev/null)" = \
    "ok ok in_flight in_flight - -" ] || [ $i -ge 600 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -KILL "$pid"
wait "$pid" 2>/dev/null
is "killed with batch 2 in flight" "$(state "$FLEET_DIR/s8.json")" \
    "ok ok in_flight in_flight - -"
"$M" rollout --resume "$FLEET_DIR/s8.json" --np >"$FLEET_DIR/r8b.out" 2>&1
is "the resumed rollout exits 0" "$?" 0
is "v8 everywhere" "$(on)" "v8 v8 v8 v8 v8 v8 "
is "n1 and n2 deployed v8 once" "$(deploys n1 v8) $(deploys n2 v8)" "1 1"
is "n5 and n6 deployed v8 once" "$(deploys n5 v8) $(deploys n6 v8)" "1 1"

# 6. --rollback: each node back on the release it left.
"$M" rollout --rollback "$FLEET_DIR/s8.json" --np >"$FLEET_DIR/rb.out" 2>&1
is "the rollback exits 0" "$?" 0
is "every node on its previous release" "$(on)" "v6 v6 v2 v6 v6 v6 "
is "the state says reverted" "$(state "$FLEET_DIR/s8.json")" \
    "reverted reverted reverted reverted reverted reverted"

done_testing
