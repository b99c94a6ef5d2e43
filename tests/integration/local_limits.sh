#!/bin/sh
# The local socket is open to every local user (mode 0666) and the agent
# runs as root: what an unprivileged user can make it hold is bounded.
# A real non-root user opens 300 connections, each sending 1,000,000
# bytes without a newline and keeping the connection open; the agent's
# memory stays within 16 MiB of idle, excess connections are refused,
# root keeps getting answers, and a connection that sits on half a line
# is closed at the deadline.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fleet.sh"

[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to act as another user"
command -v runuser >/dev/null 2>&1 || skip_all "runuser not found"
id nobody >/dev/null 2>&1 || skip_all "no user nobody"
fleet_local_init
chmod 0755 "$FLEET_DIR"
fleet_start n1:web:dc1 || { echo "Bail out! metactld did not start"; exit 99; }
pid=$(fleet_pid n1)
sock=$FLEET_DIR/n1.sock

# kB of FIELD (VmRSS, VmHWM) in the agent's /proc status.
mem() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$pid/status"; }
# below A B LIMIT: both numbers are known and B - A < LIMIT.
below() { [ -n "$1" ] && [ -n "$2" ] && [ $(($2 - $1)) -lt "$3" ]; }
ping_ok() {
	fleet_send_local n1 rpcutil ping | grep -q '"statuscode":0'
}

check "ping before the attack" ping_ok
idle=$(mem VmRSS)
diag "idle: VmRSS ${idle} kB, VmHWM $(mem VmHWM) kB"

# The attacker: 300 connections, 1,000,000 bytes each without a newline,
# held until the agent closes them. It writes "holding" to the file given
# once every connection was tried and the first round of bytes is out,
# and at the end: connections accepted, closed by the agent, bytes sent.
cat >"$FLEET_DIR/attack.py" <<'EOS'
import os, select, socket, sys, time
path, marker, n, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
chunk = b"a" * 65536
socks, left, sent, closed, refused = [], {}, 0, 0, 0
for _ in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(path)
    except OSError:
        refused += 1
        continue
    s.setblocking(False)
    socks.append(s)
    left[s] = size
def pump(timeout):
    global sent, closed
    w = [s for s in socks if left[s] > 0]
    r, w, _ = select.select(socks, w, [], timeout)
    for s in r:
        try:
            data = s.recv(65536)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            data = b""
        if not data:
            socks.remove(s)
            s.close()
            closed += 1
    for s in w:
        if s not in socks:
            continue
        try:
            k = s.send(chunk[:min(len(chunk), left[s])])
            left[s] -= k
            sent += k
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            socks.remove(s)
            s.close()
            closed += 1
    return r or w
while pump(1.0):
    pass
with open(marker, "w") as f:
    f.write("holding %d\n" % len(socks))
deadline = time.time() + 60
while socks and time.time() < deadline:
    pump(1.0)
print(n - refused, closed, len(socks), sent)
EOS
mkdir "$FLEET_DIR/nobody" && chown nobody "$FLEET_DIR/nobody"
marker=$FLEET_DIR/nobody/holding
runuser -u nobody -- "$PYTHON3" "$FLEET_DIR/attack.py" "$sock" "$marker" \
    300 1000000 >"$FLEET_DIR/attack.out" 2>"$FLEET_DIR/attack.err" &
attacker=$!
i=0
while [ ! -s "$marker" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
check "the attacker holds its connections" [ -s "$marker" ]
diag "$(cat "$marker" 2>/dev/null)"
during=$(mem VmRSS)
check "root still gets answers during the attack" ping_ok
check "and again" ping_ok
diag "during the attack: VmRSS ${during} kB"
check "the agent holds less than 16 MiB more than idle during the attack" \
    below "$idle" "$during" 16384
wait "$attacker"
read -r accepted closed open sent <"$FLEET_DIR/attack.out" || true
diag "connections made $accepted, closed by the agent $closed, left open $open, bytes sent $sent"
[ -s "$FLEET_DIR/attack.err" ] && diag "$(cat "$FLEET_DIR/attack.err")"
check "every connection of the attacker was closed by the agent" \
    [ "${open:-1}" = 0 ] && [ "${closed:-0}" = "${accepted:-1}" ]
check "excess connections were refused" fleet_wait_log n1 'refusing connection' 1
peak=$(mem VmHWM)
diag "after the attack: VmRSS $(mem VmRSS) kB, VmHWM ${peak} kB"
check "the peak stayed within 16 MiB of idle" below "$idle" "$peak" 16384
check "the agent is still up" kill -0 "$pid"
check "root gets answers after the attack" ping_ok

# A half line is closed at the deadline; an idle connection is not.
out=$(runuser -u nobody -- "$PYTHON3" -c '
import socket, sys, time
idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
idle.connect(sys.argv[1])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"{\"protocol\":")
s.settimeout(60)
t = time.time()
try:
    gone = s.recv(1) == b""
except socket.timeout:
    gone = False
except OSError:
    gone = True
idle.setblocking(False)
try:
    alive = idle.recv(1) != b""
except BlockingIOError:
    alive = True
print("closed" if gone else "open", "idle-open" if alive else "idle-closed",
      int(time.time() - t))
' "$sock")
diag "half line: $out"
case $out in
"closed idle-open "*) ok "a half line is closed at the deadline, an idle connection is kept" ;;
*) not_ok "a half line is closed at the deadline, an idle connection is kept: $out" ;;
esac
check "the close is logged" fleet_wait_log n1 'half a line' 1
done_testing
