#!/bin/sh
# The audit trail: refusals are recorded, every record is one JSON line
# whatever bytes the request carried, logrotate's rotation is followed
# without a signal, SIGHUP opens the file again, "audit = off" stops it.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fleet.sh"

[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
fleet_local_init
fleet_start n1:web:dc1 || { echo "Bail out! metactld did not start"; exit 99; }
audit=$FLEET_DIR/n1.audit
records() { [ -f "$1" ] && wc -l <"$1" || echo 0; }

# A malformed request and one whose id holds control bytes.
printf '\033[2Jnot json at all' >"$FLEET_DIR/garbage"
fleet_send_local n1 -r "$FLEET_DIR/garbage" rpcutil ping >/dev/null
check "a malformed request is audited as rejected" \
    grep -q '"decision":"rejected"' "$audit"
"$PYTHON3" -c '
import json, sys, time
body = json.dumps({"type": "request", "protocol": 2, "id": "a\nb\u001b[31m",
    "time": int(time.time() * 1000), "ttl": 60, "caller": "me",
    "collective": "metactl", "agent": "rpcutil", "action": "ping",
    "data": {}, "filter": {}, "audience": {"type": "broadcast"},
    "dry_run": False})
sys.stdout.write(json.dumps({"protocol": 2, "body": body}))
' >"$FLEET_DIR/ctl"
fleet_send_local n1 -r "$FLEET_DIR/ctl" rpcutil ping >/dev/null
check "every audit record is one JSON object on a line of its own" \
    "$PYTHON3" -c '
import json, sys
n = 0
for line in open(sys.argv[1], "rb"):
    assert not any(b < 0x20 or b == 0x7f for b in line.rstrip(b"\n")), line
    json.loads(line)
    n += 1
assert n >= 2, n
' "$audit"
check "control bytes never reach the log raw" \
    sh -c "! grep -q \"$(printf '\033')\" '$(fleet_log n1)'"

# logrotate, with the shipped snippet pointed at this trail.
if command -v logrotate >/dev/null 2>&1; then
	sed "s|^@localstatedir@/log/metactl/audit.log|$audit|" \
	    "$top_srcdir/etc/logrotate.d/metactl.in" >"$FLEET_DIR/logrotate.conf"
	before=$(records "$audit")
	logrotate -f -s "$FLEET_DIR/logrotate.state" "$FLEET_DIR/logrotate.conf"
	check "logrotate moved the trail away" [ -f "$audit.1" ]
	fleet_send_local n1 rpcutil ping >/dev/null
	check "the next record goes to the new file" \
	    [ "$(records "$audit")" -eq 1 ]
	check "the earlier ones stay in the rotated file" \
	    [ "$(records "$audit.1")" -eq "$before" ]
	check "the new file is mode 0640" [ "$(stat -c %a "$audit")" = 640 ]
else
	diag "no logrotate: rotation by rename only"
fi
mv "$audit" "$audit.moved"
fleet_send_local n1 rpcutil ping >/dev/null
check "a file moved away is followed by a new one" [ "$(records "$audit")" -eq 1 ]

# SIGHUP opens the file again, before any request.
mv "$audit" "$audit.hup"
check "SIGHUP" fleet_hup n1
check "SIGHUP opens the trail again" [ -f "$audit" ]

# audit = off, explicitly.
sed -i 's/^audit = .*/audit = off/' "$(fleet_conf n1)"
check "SIGHUP with audit = off" fleet_hup n1
n=$(records "$audit")
fleet_send_local n1 rpcutil ping >/dev/null
check "audit = off records nothing" [ "$(records "$audit")" -eq "$n" ]
sed -i 's/^audit = .*/audit =/' "$(fleet_conf n1)"
out=$("$METACTLD" -n -c "$(fleet_conf n1)" 2>&1)
case $out in
*"[log] audit: empty"*off*) ok "an empty audit setting is refused: off must be said" ;;
*) not_ok "an empty audit setting is refused: $out" ;;
esac
done_testing
