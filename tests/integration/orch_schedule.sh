#!/bin/sh
# metactl schedule on a real broker with six real agents and a 12 s
# interval: node i of 6 runs at i * 2 s from each interval's start, two
# intervals give the same offsets, --once runs only what is due in its
# window, --skip-recent skips a node that ran by hand, --max-concurrent
# keeps a slow action from running on two nodes at once.
#
# Timing: a run's audit record (written when the action ends) is no
# earlier than its due time plus the action's length, and no later than
# the reply the scheduler logged (late_ms after the due time), which is
# itself within 5 s of it: the load of the machine decides how late, a
# wrong interval or offset is 12 s or 2 s away.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/integration/orch_lib.sh"
. "$top_srcdir/tests/lib/fleet.sh"

[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
orch_setup

FLEET_DIR=$T fleet_nap_agent nap 20
printf 'allow\tcert=alice\trunning\t*\n' >>"$T/policy/rpcutil.policy"
orch_agent nap || exit 99
NODES="n1 n2 n3 n4 n5 n6"
orch_nodes 6 || { not_ok "six nodes"; done_testing; exit; }

# lines FILE DECISION: how many log lines of FILE have that decision.
lines() { _n=$(grep -c "decision=$2 " "$1" 2>/dev/null); echo "${_n:-0}"; }
# check_runs FILE SECONDS: every "ran" line of FILE is at its node's
# offset, and its audit record (of nap SECONDS) within the tolerance.
check_runs() { "$PYTHON3" - "$T" "$1" "$2" <<'EOF'
import json, re, sys
T, path, secs = sys.argv[1], sys.argv[2], int(sys.argv[3])
nodes = ["n1", "n2", "n3", "n4", "n5", "n6"]
audit = {}
for n in nodes:
    audit[n] = [r["time"] for r in map(json.loads, open("%s/%s.audit" % (T, n)))
                if r.get("action") == "nap" and r.get("decision") == "allowed"
                and r.get("arguments", {}).get("seconds") == secs]
bad = []
for l in open(path):
    if "decision=ran " not in l:
        continue
    kv = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', l))
    n, due, late = kv["node"], int(kv["due"]), int(kv["late_ms"])
    if due % 12000 != nodes.index(n) * 2000:
        bad.append("%s due at offset %d" % (n, due % 12000))
    if late >= secs * 1000 + 5000:
        bad.append("%s: reply %d ms after %d" % (n, late, due))
    if not any(0 <= t - due - secs * 1000 and t - due <= late
               for t in audit[n]):
        bad.append("%s: no audit record between %d + %d s and its reply"
                   % (n, due, secs))
print("; ".join(bad) or "ok")
EOF
}

# 1. A run by hand on n3; a window of a whole interval skips n3 only.
"$M" rpc nap nap seconds=0 -I n3 >/dev/null 2>&1
"$M" schedule --once --window 12s --interval 12s --skip-recent 11s \
    -- nap nap seconds=0 >"$T/recent.out" 2>&1
is "--skip-recent: five ran" "$(lines "$T/recent.out" ran)" 5
check "--skip-recent: n3 skipped" grep -q \
    "decision=skipped_recent node=n3 " "$T/recent.out"

# 2. The long-lived loop, until every node ran twice.
: >"$T/loop.out"
"$M" schedule --interval 12s -- nap nap seconds=0 >>"$T/loop.out" 2>&1 &
pid=$!
i=0
while [ "$(lines "$T/loop.out" ran)" -lt 12 ] && [ $i -lt 800 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -TERM "$pid"
wait "$pid"
is "the loop ends on SIGTERM with status 130" "$?" 130
is "every run at its node's offset, on time" "$(check_runs "$T/loop.out" 0)" ok
diag "$("$PYTHON3" -c '
import re, sys
late = [int(m) for m in re.findall(r"decision=ran .*late_ms=(\d+)", open(sys.argv[1]).read())]
print("loop: %d runs, reply after the due time: median %d ms, max %d ms"
      % (len(late), sorted(late)[len(late) // 2], max(late)))' "$T/loop.out")"
is "two intervals: each node twice, 12 s apart" "$("$PYTHON3" -c '
import re, sys
due = {}
for l in open(sys.argv[1]):
    m = re.search(r"decision=ran node=(\S+) .*due=(\d+)", l)
    if m:
        due.setdefault(m.group(1), []).append(int(m.group(2)))
print(all(len(d) >= 2 and d[1] - d[0] == 12000 for d in due.values())
      and len(due) == 6)' "$T/loop.out")" True
check "the last line of the log has the counters" sh -c \
    "grep '^time=' '$T/loop.out' | tail -n 1 | grep -q 'event=counters .*ran=1[2-9]'"

# 3. --once with a 2 s window: exactly the one node due in it.
t0=$(now_ms)
"$M" schedule --once --window 2s --interval 12s -- nap nap seconds=1 \
    >"$T/once.out" 2>&1
is "--once exits 0" "$?" 0
t1=$(now_ms)
is "--once ran one node" "$(lines "$T/once.out" ran)" 1
is "--once: the node due in the window, on time" \
    "$(check_runs "$T/once.out" 1)" ok
due=$(sed -n 's/.*decision=ran .*due=\([0-9]*\).*/\1/p' "$T/once.out")
check "--once: its due time is in the window it ran in" \
    [ "$due" -ge $((t0 - t0 % 2000)) ] && [ "$due" -le "$t1" ]

# 4. A slow action (3 s) every 2 s, at most one at a time.
"$M" schedule --once --window 6s --interval 12s --max-concurrent 1 \
    -- nap nap seconds=3 >"$T/busy.out" 2>&1
check "--max-concurrent 1: some run skipped busy" \
    [ "$(lines "$T/busy.out" skipped_busy)" -ge 1 ]
check "--max-concurrent 1: some ran" [ "$(lines "$T/busy.out" ran)" -ge 1 ]
is "--max-concurrent 1: no two naps overlapped" "$("$PYTHON3" -c '
import json, sys
ends = sorted(r["time"] for n in sys.argv[2:]
              for r in map(json.loads, open("%s/%s.audit" % (sys.argv[1], n)))
              if r.get("action") == "nap"
              and r.get("arguments", {}).get("seconds") == 3)
print(bool(ends) and all(b - a >= 2900 for a, b in zip(ends, ends[1:])))
' "$T" $NODES)" True

# 5. Options.
"$M" schedule --interval 10s --skip-recent 10s -- nap nap seconds=0 \
    >/dev/null 2>&1
is "--skip-recent as long as the interval is refused" "$?" 2
"$M" schedule -- nap nap seconds=0 >/dev/null 2>&1
is "--interval is needed" "$?" 2

done_testing
