#!/bin/sh
# metactld without a broker: the local socket, the uid= caller, every
# refusal's reply, filters, SIGHUP reload, readiness, SIGTERM.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fleet.sh"

[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
fleet_local_init
uid=$(id -u)

# A field of the last reply line: reply FIELD < lines.
field() { "$PYTHON3" -c '
import json, sys
lines = [l for l in sys.stdin if l.strip()]
v = json.loads(lines[-1]) if lines else {}
for k in sys.argv[1].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else (json.dumps(v) if not isinstance(v, str) else v))
' "$1"; }

# -n: configuration checks.
"$MCSEND" issue "$FLEET_DIR" n1 node >/dev/null
fleet_write_conf n1
printf 'role: web\n' >"$(fleet_facts n1)"
: >"$FLEET_DIR/n1.classes"
out=$("$METACTLD" -n -c "$(fleet_conf n1)" 2>&1)
check "-n accepts a good configuration" [ "$out" = "configuration OK" ]
sed "s|^external_dir = .*|external_dir = $FLEET_DIR/none|" "$(fleet_conf n1)" >"$FLEET_DIR/noext.conf"
out=$("$METACTLD" -n -c "$FLEET_DIR/noext.conf" 2>&1)
check "a missing external agent directory means no external agents" \
    [ "$out" = "configuration OK" ]
# with_cert CERT: n1's configuration with another certificate; -n output.
with_cert() {
	sed "s|^certificate = .*|certificate = $1|" "$(fleet_conf n1)" >"$FLEET_DIR/cert.conf"
	"$METACTLD" -n -c "$FLEET_DIR/cert.conf" 2>&1
}
mkdir -p "$FLEET_DIR/x"
cp "$FLEET_DIR/ca.key" "$FLEET_DIR/ca.pub" "$FLEET_DIR/x/"
"$MCSEND" issue "$FLEET_DIR/x" n1 node && "$MCSEND" issue "$FLEET_DIR/x" n2 node
case $(with_cert "$FLEET_DIR/alice.crt") in
*"alice.crt: certificate has role caller, not node") ok "-n refuses a caller certificate" ;;
*) not_ok "-n refuses a caller certificate: $(with_cert "$FLEET_DIR/alice.crt")" ;;
esac
case $(with_cert "$FLEET_DIR/x/n2.crt") in
*'certificate is for "n2", the identity is "n1"') ok "-n refuses another node's certificate" ;;
*) not_ok "-n refuses another node's certificate: $(with_cert "$FLEET_DIR/x/n2.crt")" ;;
esac
case $(with_cert "$FLEET_DIR/x/n1.crt") in
*"n1.key: key does not match certificate $FLEET_DIR/x/n1.crt (the certificate is for public key "*", the key's is "*")") ok "-n refuses a certificate for another key" ;;
*) not_ok "-n refuses a certificate for another key: $(with_cert "$FLEET_DIR/x/n1.crt")" ;;
esac
printf '[node]\nidentity = x\n[limits]\nconcurent_actions = 3\n' >"$FLEET_DIR/bad.conf"
out=$("$METACTLD" -n -c "$FLEET_DIR/bad.conf" 2>&1)
rc=$?
check "-n refuses an unknown key with exit 78" [ "$rc" -eq 78 ]
case $out in
*"$FLEET_DIR/bad.conf:4"*concurent_actions*) ok "-n names file:line" ;;
*) not_ok "-n names file:line: $out" ;;
esac
"$METACTLD" -n -c "$FLEET_DIR/missing.conf" >/dev/null 2>&1
check "a missing configuration exits 66" [ $? -eq 66 ]
"$METACTLD" --bogus >/dev/null 2>&1
check "a bad option exits 64" [ $? -eq 64 ]
check "--version names the version" sh -c "'$METACTLD' --version | grep -q '^metactld [0-9]'"
check "--help lists -n" sh -c "'$METACTLD' --help | grep -q -- '-n  *check the configuration'"

# Readiness: READY=1 on NOTIFY_SOCKET, STOPPING=1 at the end.
notify="$FLEET_DIR/notify.sock"
"$PYTHON3" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
with open(sys.argv[2], "w") as f:
    while True:
        m = s.recv(4096).decode()
        f.write(m + "\n")
        f.flush()
        if "STOPPING=1" in m:
            break
' "$notify" "$FLEET_DIR/notify.out" &
listener=$!
i=0
while [ ! -S "$notify" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
NOTIFY_SOCKET=$notify
export NOTIFY_SOCKET
fleet_start n1:web:dc1 || { echo "Bail out! metactld did not start"; exit 99; }
unset NOTIFY_SOCKET
i=0
while ! grep -q READY=1 "$FLEET_DIR/notify.out" 2>/dev/null && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
check "READY=1 sent to NOTIFY_SOCKET" grep -q READY=1 "$FLEET_DIR/notify.out"
check "the recovery at start ends" \
    fleet_wait_log n1 'request recover-at-start: deploy.recover done' 10
check "and answers nobody: no reply is encoded for it" sh -c \
    "! grep -q 'reply to recover-at-start' '$FLEET_DIR/n1.log'"
perm=$(stat -c %a "$FLEET_DIR/n1.sock")
check "the socket is mode 0666" [ "$perm" = 666 ]

out=$(fleet_send_local n1 rpcutil ping)
check "ping over the local socket" [ "$(echo "$out" | field statuscode)" = 0 ]
# A signed answer to an unsigned request could be passed off as the
# node's answer to a broker request whose bytes a local user copied.
check "the reply is not signed: the local socket signs nothing" \
    [ "$(echo "$out" | field verified)" = false ]
check "the reply names its sender" [ "$(echo "$out" | field sender)" = n1 ]
check "the caller is uid=$uid in the audit trail" \
    grep -q "\"caller\":\"uid=$uid\",\"agent\":\"rpcutil\",\"action\":\"ping\"" \
    "$FLEET_DIR/n1.audit"

out=$(fleet_send_local n1 rpcutil inventory)
check "the policy lets uid=$uid run inventory" [ "$(echo "$out" | field statuscode)" = 0 ]
check "allowed actions are audited" \
    grep -q '"action":"inventory","arguments":{},"decision":"allowed"' "$FLEET_DIR/n1.audit"

# SIGHUP with a stricter policy: inventory is now refused.
policy="$FLEET_DIR/policy/rpcutil.policy"
cp "$policy" "$FLEET_DIR/rpcutil.policy.orig"
printf 'policy default deny\nallow\tuid=%s\tping get_fact\t*\n' "$uid" >"$policy"
check "SIGHUP with a new policy" fleet_hup n1
out=$(fleet_send_local n1 rpcutil inventory)
check "a denied action gets status 6" [ "$(echo "$out" | field statuscode)" = 6 ]
case $(echo "$out" | field statusmsg) in
"uid=$uid may not run rpcutil.inventory ($(basename "$policy"): policy default)") ok "the denial names the caller and the deciding rule, not its directory" ;;
*) not_ok "the denial names the caller and the deciding rule: $out" ;;
esac
check "the denial is audited" grep -q '"decision":"denied"' "$FLEET_DIR/n1.audit"
check "the denial is logged" fleet_wait_log n1 "refused: uid=$uid may not run rpcutil.inventory" 1

# A broken policy is refused and the previous one stays in force.
printf 'policy default deny\nallow uid=%s * *\n' "$uid" >"$policy"
fleet_hup n1
check "a broken policy is refused with file:line" \
    fleet_wait_log n1 "policy refused: $policy:2" 1
out=$(fleet_send_local n1 rpcutil inventory)
check "the previous policy is kept" [ "$(echo "$out" | field statuscode)" = 6 ]
out=$(fleet_send_local n1 rpcutil ping)
check "and still allows what it allowed" [ "$(echo "$out" | field statuscode)" = 0 ]
cp "$FLEET_DIR/rpcutil.policy.orig" "$policy"
fleet_hup n1

out=$(fleet_send_local n1 nosuch ping)
check "unknown agent: status 2" [ "$(echo "$out" | field statuscode)" = 2 ]
out=$(fleet_send_local n1 rpcutil nosuch)
check "unknown action: status 2" [ "$(echo "$out" | field statuscode)" = 2 ]
out=$(fleet_send_local n1 rpcutil get_fact 'fact=a b')
check "invalid input: status 4" [ "$(echo "$out" | field statuscode)" = 4 ]
out=$(fleet_send_local n1 rpcutil get_fact)
check "missing input: status 3" [ "$(echo "$out" | field statuscode)" = 3 ]
out=$(fleet_send_local n1 -j '{"_dry_run":true}' rpcutil ping)
check "the old _dry_run data key is an unknown input: status 4" \
    [ "$(echo "$out" | field statuscode)" = 4 ]

printf 'this is not json' >"$FLEET_DIR/garbage"
out=$(fleet_send_local n1 -r "$FLEET_DIR/garbage" rpcutil ping)
check "malformed: status 5" [ "$(echo "$out" | field statuscode)" = 5 ]
case $(echo "$out" | field statusmsg) in
"malformed message"*) ok "malformed: the message says so" ;;
*) not_ok "malformed: the message says so: $out" ;;
esac
head -c 1100000 /dev/zero | tr '\0' 'a' >"$FLEET_DIR/big"
out=$(fleet_send_local n1 -r "$FLEET_DIR/big" rpcutil ping)
case $(echo "$out" | field statusmsg) in
*"exceeds the limit"*) ok "oversized: refused by size" ;;
*) not_ok "oversized: refused by size: $out" ;;
esac

# Time window and replay cache apply locally too.
fleet_send_local n1 -w "$FLEET_DIR/saved" rpcutil ping >/dev/null
out=$(fleet_send_local n1 -r "$FLEET_DIR/saved" rpcutil ping)
check "a replayed request is refused" \
    [ "$(echo "$out" | field statusmsg)" = "request id seen before" ]
out=$(fleet_send_local n1 -O -3600000 rpcutil ping)
check "an old request is refused" \
    [ "$(echo "$out" | field statusmsg)" = "request expired" ]

# Filters: a miss is dropped without a reply.
out=$(fleet_send_local n1 -t 500 -F role=db rpcutil ping)
check "a filter miss gets no reply" [ -z "$out" ]
check "the miss is logged" fleet_wait_log n1 'filter does not match' 1
out=$(fleet_send_local n1 -F role=web -K web -i n1 rpcutil ping)
check "fact, class and identity filters match" \
    [ "$(echo "$out" | field statuscode)" = 0 ]

# SIGHUP: a new fact is picked up; a broken facts file keeps the old ones.
printf 'role: web\ndc: dc1\nrack: r7\n' >"$(fleet_facts n1)"
check "SIGHUP reloads" fleet_hup n1
out=$(fleet_send_local n1 -F rack=r7 rpcutil ping)
check "the new fact matches after SIGHUP" [ "$(echo "$out" | field statuscode)" = 0 ]
printf 'rack r8 without a colon\n' >"$(fleet_facts n1)"
fleet_hup n1
check "a broken facts file is logged" fleet_wait_log n1 'keeping the previous facts' 1
out=$(fleet_send_local n1 -F rack=r7 rpcutil ping)
check "and the previous facts are kept" [ "$(echo "$out" | field statuscode)" = 0 ]

# A client that sends and never reads is paused, not buffered for without
# end; once it reads, every reply arrives.
out=$("$PYTHON3" -c '
import socket, sys, threading, time
n = 4000
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
sender = threading.Thread(target=lambda: s.sendall(b"x\n" * n))
sender.start()
log = sys.argv[2]
for _ in range(400):
    if "reads no replies; pausing" in open(log).read():
        break
    time.sleep(0.05)
else:
    print("never paused")
got = b""
s.settimeout(30)
while got.count(b"\n") < n:
    chunk = s.recv(65536)
    if not chunk:
        break
    got += chunk
sender.join()
print(got.count(b"\n"))
' "$FLEET_DIR/n1.sock" "$(fleet_log n1)")
check "a client that does not read is paused, then gets all its replies" \
    [ "$out" = 4000 ]

pid=$(fleet_pid n1)
check "the daemon is still up" kill -0 "$pid"

fleet_stop_one n1
rc=$?
check "SIGTERM: exit status 0" [ "$rc" -eq 0 ]
check "SIGTERM: logged as stopped" fleet_wait_log n1 '^metactld: stopped$' 1
check "SIGTERM: the socket is removed" [ ! -e "$FLEET_DIR/n1.sock" ]
wait "$listener"
check "STOPPING=1 sent to NOTIFY_SOCKET" grep -q STOPPING=1 "$FLEET_DIR/notify.out"
# Actions that run programs: an external agent that naps, installed while
# the agent runs and picked up by SIGHUP.
rm -f "$FLEET_DIR/n1.log"
fleet_start n1:web:dc1 || { echo "Bail out! metactld did not restart"; exit 99; }
fleet_nap_agent nap 3
printf 'policy default deny\nallow\tuid=%s\tnap\t*\n' "$uid" >"$FLEET_DIR/policy/nap.policy"
check "SIGHUP picks up a new external agent" fleet_hup n1
out=$(fleet_send_local n1 nap nap seconds=0)
check "the external agent answers" [ "$(echo "$out" | field data.slept)" = 0 ]
out=$(fleet_send_local n1 -D nap nap seconds=0)
check "dry run: the program is not started" \
    [ "$(echo "$out" | field statusmsg)" = "dry run: not started" ]
check "dry run: the reply lists the argv it would run" \
    [ "$(echo "$out" | field data.commands)" = "[[\"$FLEET_DIR/agents/nap\", \"nap\"]]" ]
out=$(fleet_send_local n1 -t 10000 nap nap seconds=20)
case $(echo "$out" | field statusmsg) in
*"timed out after 3 s"*) ok "an action past its timeout is killed" ;;
*) not_ok "an action past its timeout is killed: $out" ;;
esac
check "the kill is logged" fleet_wait_log n1 'timed out, killing its process group' 1

# Replies leave in order: behind a long action the later ones wait, and a
# client sending more meanwhile is paused rather than buffered for.
out=$("$PYTHON3" -c '
import json, os, socket, sys, threading, time
c = (",", ":")
body = json.dumps({"type": "request", "protocol": 2,
    "id": os.urandom(16).hex(), "time": int(time.time() * 1000),
    "ttl": 60, "caller": "me", "collective": "metactl", "agent": "nap",
    "action": "nap", "data": {"seconds": 2}, "filter": {},
    "audience": {"type": "broadcast"}, "dry_run": False}, separators=c)
n = 20000
log = sys.argv[2]
before = open(log).read().count("reads no replies; pausing")
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(json.dumps({"protocol": 2, "body": body}, separators=c).encode()
    + b"\n")
sender = threading.Thread(target=lambda: s.sendall(b"x\n" * n))
sender.start()
paused = "not paused"
for _ in range(30):
    if open(log).read().count("reads no replies; pausing") > before:
        paused = "paused"
        break
    time.sleep(0.05)
got = b""
s.settimeout(30)
while got.count(b"\n") < n + 1:
    chunk = s.recv(65536)
    if not chunk:
        break
    got += chunk
sender.join()
first = json.loads(json.loads(got.split(b"\n")[0])["body"])
print(paused, got.count(b"\n"), first["data"].get("slept"))
' "$FLEET_DIR/n1.sock" "$(fleet_log n1)")
check "a client is paused while its replies wait behind an action" \
    [ "$out" = "paused 20001 2" ]

# SIGTERM lets a running action finish and answer. The action runs 2 s,
# under its 3 s timeout, so that the signal, sent once it is logged
# running, still finds it running on a loaded machine.
started=$(fleet_count_log n1 'running .*/agents/nap')
fleet_send_local n1 -t 10000 nap nap seconds=2 >"$FLEET_DIR/nap.out" &
client=$!
fleet_wait_count n1 'running .*/agents/nap' $((started + 1)) 10
fleet_stop_one n1
rc=$?
wait "$client"
check "SIGTERM waits for the running action" [ "$(field data.slept <"$FLEET_DIR/nap.out")" = 2 ]
check "and then exits 0" [ "$rc" -eq 0 ]
check "after logging that every action finished" \
    fleet_wait_log n1 'every action finished' 1

# ... but not longer than shutdown_timeout.
FLEET_EXTRA_CONF='[limits]
shutdown_timeout = 300ms'
fleet_start n1:web:dc1 || { echo "Bail out! metactld did not restart"; exit 99; }
started=$(fleet_count_log n1 'running .*/agents/nap')
fleet_send_local n1 -t 10000 nap nap seconds=2 >/dev/null &
client=$!
fleet_wait_count n1 'running .*/agents/nap' $((started + 1)) 10
child=$(sed -n 's/.*running .*agents\/nap (pid \([0-9]*\)).*/\1/p' "$(fleet_log n1)" | tail -n 1)
fleet_stop_one n1
rc=$?
wait "$client"
check "at the deadline the agent stops anyway" [ "$rc" -eq 0 ]
check "saying so" fleet_wait_log n1 'deadline reached with 1 actions running' 1
i=0
while kill -0 "$child" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check "and the action's process is gone" sh -c "! kill -0 $child 2>/dev/null"
done_testing
