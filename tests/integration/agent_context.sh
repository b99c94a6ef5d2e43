#!/bin/sh
# The action context of a real metactld over its local socket: what
# rpcutil reports of the agents, and the facts command, which runs through
# the same asynchronous runner as actions (a slow or failing one at reload
# keeps the previous facts and never delays a request).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fleet.sh"

[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
fleet_local_init

# A field of the last reply line: field PATH < lines (PATH: a.b.0.c).
field() { "$PYTHON3" -c '
import json, sys
lines = [l for l in sys.stdin if l.strip()]
v = json.loads(lines[-1]) if lines else {}
for k in sys.argv[1].split("."):
    if isinstance(v, list) and k.isdigit() and int(k) < len(v):
        v = v[int(k)]
    else:
        v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else (json.dumps(v) if not isinstance(v, str) else v))
' "$1"; }
now_ms() { date +%s%3N; }

# The facts command prints $FLEET_DIR/facts.json, or sleeps, or fails, as
# $FLEET_DIR/facts.mode says.
facts_sh="$FLEET_DIR/facts.sh"
cat >"$facts_sh" <<EOF
#!/bin/sh
case \$(cat "$FLEET_DIR/facts.mode") in
slow) : >"$FLEET_DIR/facts.running"; exec sleep 30 ;;
fail) echo "facts: the inventory service is down" >&2; exit 2 ;;
*) exec cat "$FLEET_DIR/facts.json" ;;
esac
EOF
chmod 755 "$facts_sh"
echo good >"$FLEET_DIR/facts.mode"
echo '{"source": "command", "gen": 1}' >"$FLEET_DIR/facts.json"
FLEET_EXTRA_CONF="[node]
facts_command = $facts_sh
facts_timeout = 1s"
fleet_start n1:web:dc1 || { echo "Bail out! metactld did not start"; exit 99; }

fact() { fleet_send_local n1 rpcutil get_fact "fact=$1" | field data.value; }

# agent_inventory: every hosted agent with its DDL's version and description.
out=$(fleet_send_local n1 rpcutil agent_inventory)
check "agent_inventory answers" [ "$(echo "$out" | field statuscode)" = 0 ]
ddl="$top_srcdir/schemas/ddl/rpcutil.json"
want_v=$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$ddl")
want_d=$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["description"])' "$ddl")
# Sorted by name: deploy, lbreg, rpcutil, sandbox, service.
check "agent_inventory lists rpcutil" [ "$(echo "$out" | field data.agents.2.name)" = rpcutil ]
got=$(echo "$out" | field data.agents.2.version)
check "agent_inventory gives rpcutil's version ($got)" [ "$got" = "$want_v" ]
got=$(echo "$out" | field data.agents.2.description)
check "agent_inventory gives rpcutil's description ($got)" [ "$got" = "$want_d" ]

# Start-up: the command's facts are in before the first request is served.
check "the command's facts are there from the start" [ "$(fact gen)" = 1 ]
check "merged over the facts file" [ "$(fact role)" = web ]

# A command slower than facts_timeout at reload: requests are answered at
# once meanwhile, and the previous facts stay.
echo slow >"$FLEET_DIR/facts.mode"
echo '{"source": "command", "gen": 2}' >"$FLEET_DIR/facts.json"
kill -HUP "$(fleet_pid n1)"
i=0
while [ ! -e "$FLEET_DIR/facts.running" ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
check "SIGHUP starts the slow facts command" [ -e "$FLEET_DIR/facts.running" ]
t0=$(now_ms)
out=$(fleet_send_local n1 rpcutil ping)
t1=$(now_ms)
diag "ping during a slow facts command: $((t1 - t0)) ms"
check "a request during the facts command is answered" \
    [ "$(echo "$out" | field statuscode)" = 0 ]
check "in less than 500 ms ($((t1 - t0)) ms)" [ $((t1 - t0)) -lt 500 ]
check "the facts are unchanged while the command runs" [ "$(fact gen)" = 1 ]
check "the timeout is logged" \
    fleet_wait_log n1 'facts: .*timed out after 1000 ms; keeping the previous facts' 10
check "the previous facts are kept after the timeout" [ "$(fact gen)" = 1 ]

# A failing command keeps them too, and its stderr is in the log.
echo fail >"$FLEET_DIR/facts.mode"
check "SIGHUP with a failing facts command" fleet_hup n1
check "the failure is logged with the command's stderr" \
    fleet_wait_log n1 'facts: .*exit status 2: facts: the inventory service is down; keeping the previous facts' 10
check "the previous facts are kept after a failure" [ "$(fact gen)" = 1 ]

# A good command swaps them.
echo good >"$FLEET_DIR/facts.mode"
echo '{"source": "command", "gen": 3}' >"$FLEET_DIR/facts.json"
check "SIGHUP with a good facts command" fleet_hup n1
check "the new facts are logged" fleet_wait_log n1 'facts: updated' 10
check "the new facts are served" [ "$(fact gen)" = 3 ]

# At start a failing facts command is a configuration error (-n too).
echo fail >"$FLEET_DIR/facts.mode"
out=$("$METACTLD" -n -c "$(fleet_conf n1)" 2>&1)
rc=$?
check "-n with a failing facts command exits 78 ($rc)" [ "$rc" -eq 78 ]
case $out in
*"facts_command: $facts_sh failed with exit status 2: facts: the inventory service is down") ok "-n says why the facts command failed" ;;
*) not_ok "-n says why the facts command failed: $out" ;;
esac

# ... and one slower than facts_timeout is killed at it.
echo slow >"$FLEET_DIR/facts.mode"
t0=$(now_ms)
out=$("$METACTLD" -n -c "$(fleet_conf n1)" 2>&1)
rc=$?
t1=$(now_ms)
check "-n with a slow facts command exits 78 ($rc)" [ "$rc" -eq 78 ]
check "at facts_timeout ($((t1 - t0)) ms)" [ $((t1 - t0)) -lt 5000 ]
case $out in
*"facts_command: $facts_sh timed out after 1000 ms") ok "-n says the facts command timed out" ;;
*) not_ok "-n says the facts command timed out: $out" ;;
esac

# A SIGHUP while the facts command runs at start does not kill the agent.
rm -f "$FLEET_DIR/facts.running"
"$METACTLD" -n -c "$(fleet_conf n1)" >/dev/null 2>&1 &
pid=$!
i=0
while [ ! -e "$FLEET_DIR/facts.running" ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -HUP "$pid"
wait "$pid"
rc=$?
check "a SIGHUP during the first facts command is ignored ($rc)" [ "$rc" -eq 78 ]

check "metactld stops on SIGTERM" fleet_stop_one n1
done_testing
