#!/bin/sh
# The service agent through a real metactld, on a runit supervision tree
# the test starts: an app laid down by hand with two daemons (exec, and a
# jvm running a Java program compiled here), restarted over the local
# socket and over a private broker; status, a daemon that dies at start,
# dry_run touching nothing, a node layer moving a port, app errors.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rabbitmq.sh"
. "$top_srcdir/tests/lib/fleet.sh"

[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
[ "$(id -u)" -eq 0 ] || skip_all "daemons run as nobody: needs root"
for p in runsvdir sv chpst svlogd javac jar java; do
	command -v "$p" >/dev/null || skip_all "$p not installed"
done
SVWAIT=$top_builddir/tools/metactl-svwait
[ -x "$SVWAIT" ] || skip_all "metactl-svwait not built"

RUNSVDIR_PID=
cleanup() {
	# runsvdir's SIGHUP: TERM to every runsv, which stops its service.
	[ -n "$RUNSVDIR_PID" ] && kill -HUP "$RUNSVDIR_PID" 2>/dev/null &&
		wait "$RUNSVDIR_PID" 2>/dev/null
	fleet_stop
	[ -n "${RABBITMQ_DIR:-}" ] && rabbitmq_stop
}
trap cleanup EXIT INT TERM
fleet_init || { echo "Bail out! cannot create the fleet"; exit 99; }
# The daemons run as nobody: they must reach their release.
chmod 0755 "$FLEET_DIR"
APPS=$FLEET_DIR/apps SCAN=$FLEET_DIR/scan SUP=$FLEET_DIR/services
NODES=$FLEET_DIR/nodes
mkdir -p "$APPS" "$SCAN" "$SUP" "$NODES" "$FLEET_DIR/cron"
runsvdir -P "$SCAN" >/dev/null 2>&1 &
RUNSVDIR_PID=$!

# The app: releases/v1 with .metactl, current -> releases/v1.
REL=$APPS/shop/releases/v1
mkdir -p "$REL" "$FLEET_DIR/java"
cat >"$FLEET_DIR/java/Tick.java" <<'EOJ'
public class Tick {
	public static void main(String[] args) throws Exception {
		System.out.println("tick on port " + args[0]);
		for (;;)
			Thread.sleep(60000);
	}
}
EOJ
(cd "$FLEET_DIR/java" && javac Tick.java && jar cfe "$REL/tick.jar" Tick Tick.class) ||
	{ echo "Bail out! cannot build the Java program"; exit 99; }
cat >"$REL/.metactl" <<'EOC'
[env]
PORT = 9001

[daemon.worker]
platform = exec
command = /bin/sleep 100000

[daemon.jobs]
platform = jvm
jvm.heap.max = 64m
jvm.jar = tick.jar %(PORT)
EOC
ln -s releases/v1 "$APPS/shop/current"
# An app whose daemon dies as it starts.
mkdir -p "$APPS/crash/releases/v1"
cat >"$APPS/crash/releases/v1/.metactl" <<'EOC'
[daemon.boom]
platform = exec
command = /bin/sh -c "echo cannot bind >&2; exit 3"
EOC
ln -s releases/v1 "$APPS/crash/current"
# An app whose configuration is wrong on line 3.
mkdir -p "$APPS/broken/releases/v1"
printf '[daemon.x]\nplatform = exec\ncommand = /bin/true %%(NOPE)\n' \
    >"$APPS/broken/releases/v1/.metactl"
ln -s releases/v1 "$APPS/broken/current"
chmod -R go+rX "$APPS"

printf 'policy default deny\nallow\tuid=0 cert=alice\t*\t*\t*\n' \
    >"$FLEET_DIR/policy/service.policy"
FLEET_EXTRA_CONF="[apps]
dir = $APPS
node_dir = $NODES
service_manager = runit
service_dir = $SCAN
supervise_dir = $SUP
cron_dir = $FLEET_DIR/cron
svwait = $SVWAIT
start_timeout = 20s
start_grace = 500ms"
if [ -x "$RABBITMQ_BIN/rabbitmq-server" ] && rabbitmq_start; then
	BROKER=1
else
	BROKER= RABBITMQ_URL=
	diag "no broker: the broker case is skipped"
fi
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }

# field FIELD < lines: FIELD of the last reply (a.b.c; JSON when not a
# string).
field() { "$PYTHON3" -c '
import json, sys
lines = [l for l in sys.stdin if l.strip()]
v = json.loads(lines[-1]) if lines else {}
for k in sys.argv[1].split("."):
    if isinstance(v, list):
        v = v[int(k)] if int(k) < len(v) else None
    else:
        v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else (json.dumps(v) if not isinstance(v, str) else v))
' "$1"; }
# pid DAEMON < status reply
pid_of() { "$PYTHON3" -c '
import json, sys
lines = [l for l in sys.stdin if l.strip()]
d = json.loads(lines[-1])["data"]["daemons"]
print(" ".join(str(x["pid"]) for x in d if x["daemon"] == sys.argv[1]))
' "$1"; }
alive() { [ -n "$1" ] && [ "$1" -gt 0 ] && kill -0 "$1" 2>/dev/null; }
# argv_has PID WORDS: the process's argv holds WORDS (blank-separated).
argv_has() { tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$2"; }
new_alive() { [ "$1" != "$2" ] && alive "$1"; }
svc() { fleet_send_local n1 -t 60000 -n 1 service "$@"; }

out=$(svc start app=shop)
check "start answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
diag "$(echo "$out" | field statusmsg)"
check "start reports both daemons up" [ "$(echo "$out" | field data.daemons.0.state) $(echo "$out" | field data.daemons.1.state)" = "up up" ]
w1=$(echo "$out" | pid_of worker) j1=$(echo "$out" | pid_of jobs)
check "the worker runs as its pid says" alive "$w1"
check "the jvm runs as its pid says" alive "$j1"
check "the jvm runs as nobody" [ "$(stat -c %U /proc/"$j1")" = nobody ]
check "the jvm has the app's port in its argv" \
    argv_has "$j1" "-Xmx64m -jar $REL/tick.jar 9001"
check "the scan directory links the service directory" \
    [ "$(readlink "$SCAN/metactl-shop-jobs")" = "$SUP/metactl-shop-jobs" ]

out=$(svc restart app=shop)
check "restart answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
w2=$(echo "$out" | pid_of worker) j2=$(echo "$out" | pid_of jobs)
check "restart gives the worker a new pid" new_alive "$w2" "$w1"
check "restart gives the jvm a new pid" new_alive "$j2" "$j1"
check "the old processes are gone" sh -c "! kill -0 $w1 2>/dev/null && ! kill -0 $j1 2>/dev/null"
check "restart answers once the manager says up" \
    sv status "$SCAN/metactl-shop-jobs" | grep -q "^run: .*(pid $j2)"

out=$(svc status app=shop)
check "status answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "status names the manager" [ "$(echo "$out" | field data.manager)" = runit ]
check "status gives the pids the manager has" [ "$(echo "$out" | pid_of jobs)" = "$j2" ]
up=$(echo "$out" | field data.daemons.1.uptime)
check "status gives an uptime in seconds" [ "${up:-x}" -ge 0 ]
out=$(svc status app=shop daemon=jobs)
check "status of one daemon reports only that one" \
    [ "$(echo "$out" | field data.daemons.0.daemon)/$(echo "$out" | field data.daemons.1)" = "jobs/" ]

# dry_run: the plan, nothing touched.
tree() { find "$SUP" "$SCAN" "$APPS" "$NODES" -printf '%p %s %m %T@ %l\n' | sort; }
before=$(tree)
out=$(svc -D restart app=shop)
check "a dry run answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "a dry run returns the plan with the manager's commands" \
    sh -c "echo '$(echo "$out" | field data.plan)' | grep -q '\"sv\|svwait'"
check "a dry run lists the jvm's argv" \
    sh -c "echo '$(echo "$out" | field data.plan)' | grep -q 'tick.jar'"
check "a dry run changes no file" [ "$(tree)" = "$before" ]
out=$(svc status app=shop)
check "a dry run leaves the daemons alone" \
    [ "$(echo "$out" | pid_of worker) $(echo "$out" | pid_of jobs)" = "$w2 $j2" ]

# A node layer moves the port: the restart runs the new argv.
printf '[env]\nPORT = 9002\n' >"$NODES/shop.conf"
out=$(svc restart app=shop daemon=jobs)
check "restart of one daemon answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
j3=$(echo "$out" | pid_of jobs)
check "the node layer's port is in the jvm's new argv" \
    argv_has "$j3" "tick.jar 9002"
check "restart of one daemon leaves the other running" kill -0 "$w2"
out=$(svc config app=shop)
check "config says the node layer set PORT" \
    [ "$(echo "$out" | field data.config.sections.env.PORT.layer)" = node ]

# Errors.
out=$(svc start app=crash)
check "a daemon that dies at start fails the start" [ "$(echo "$out" | field statuscode)" = 1 ]
msg=$(echo "$out" | field statusmsg)
diag "$msg"
case $msg in
*boom*exit*3* | *boom*3*) ok "the failure says the daemon exited with 3" ;;
*) not_ok "the failure says the daemon exited with 3: $msg" ;;
esac
out=$(svc stop app=crash)
out=$(svc restart app=shop daemon=nope)
check "an unknown daemon is status 4" [ "$(echo "$out" | field statuscode)" = 4 ]
check "an unknown daemon's error names the app's daemons" \
    sh -c "echo '$(echo "$out" | field statusmsg)' | grep -q 'worker, jobs'"
out=$(svc status app=nosuch)
check "an app that does not exist is status 4" [ "$(echo "$out" | field statuscode)" = 4 ]
check "... and says so" [ "$(echo "$out" | field statusmsg)" = "no app nosuch in $APPS" ]
mkdir -p "$APPS/empty"
out=$(svc status app=empty)
check "an app without a current release says so" \
    [ "$(echo "$out" | field statusmsg)" = "app empty has no current release ($APPS/empty/current)" ]
out=$(svc restart app=broken)
check "a configuration error is status 4" [ "$(echo "$out" | field statuscode)" = 4 ]
case $(echo "$out" | field statusmsg) in
*"$APPS/broken/current/.metactl:3"*NOPE*) ok "it names file:line and the variable" ;;
*) not_ok "it names file:line and the variable: $(echo "$out" | field statusmsg)" ;;
esac

if [ -n "$BROKER" ]; then
	out=$(fleet_send -t 60000 -n 1 -I n1 service restart app=shop)
	check "over the broker: restart answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
	check "over the broker: the reply is signed by the node" [ "$(echo "$out" | field verified)" = true ]
	j4=$(echo "$out" | pid_of jobs)
	check "over the broker: the jvm has a new pid" new_alive "$j4" "$j3"
fi

out=$(svc stop app=shop)
check "stop answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "stop reports the daemons down" [ "$(echo "$out" | field data.daemons.0.state) $(echo "$out" | field data.daemons.1.state)" = "down down" ]
check "stop ended the jvm" sh -c "! kill -0 ${j4:-$j3} 2>/dev/null"
check "stop leaves the definitions" [ -d "$SUP/metactl-shop-jobs" ]
done_testing
