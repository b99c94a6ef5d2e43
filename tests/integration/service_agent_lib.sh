# service_agent_lib.sh: the service agent's integration tests share this.
# Source after tap.sh, rabbitmq.sh and fleet.sh, with $backend set to
# runit or s6; then:
#   sa_init           the fleet directory (world-readable: daemons run as
#                     nobody), the apps, node-layer, scan, service and cron
#                     directories, the supervision tree, a service policy
#                     for the local user and alice, FLEET_EXTRA_CONF with
#                     [apps]; an EXIT trap stops the tree, its daemons, the
#                     fleet and the broker
#   sa_tick DIR       DIR/tick.jar: tests/service/Tick.java compiled here
#   sa_app APP TEXT   APPS/APP/releases/v1 with .metactl TEXT, and current
#   svc ARGS...       mcsend to n1's socket: service ARGS (waits 60 s)
#   field FIELD       FIELD (a.b.0.c) of the last reply on stdin
#   pid_of DAEMON     its pid in the last reply's data.daemons
#   alive PID, new_alive PID OLD, argv_has PID WORDS
SVWAIT=$top_builddir/tools/metactl-svwait

sa_cleanup() {
	if [ -n "${SA_TREE_PID:-}" ]; then
		case $backend in
		runit) kill -HUP "$SA_TREE_PID" 2>/dev/null ;;
		s6) s6-svscanctl -t "$SCAN" 2>/dev/null ;;
		esac
		wait "$SA_TREE_PID" 2>/dev/null
		# The supervisors stop their daemons: wait until they are gone.
		for d in "$SUP"/*/ "$SUP"/*/log/; do
			[ -d "$d" ] && "$SVWAIT" --timeout 20000 gone "$d"
		done
	fi
	fleet_stop
	[ -n "${RABBITMQ_DIR:-}" ] && rabbitmq_stop
}

sa_init() {
	[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
	[ "$(id -u)" -eq 0 ] || skip_all "daemons run as nobody: needs root"
	case $backend in
	runit) sa_tools="runsvdir sv chpst svlogd" ;;
	s6) sa_tools="s6-svscan s6-svc s6-svstat s6-svwait s6-log s6-setuidgid" ;;
	esac
	for p in $sa_tools javac jar java; do
		command -v "$p" >/dev/null || skip_all "$p not installed"
	done
	[ -x "$SVWAIT" ] || skip_all "metactl-svwait not built"
	trap sa_cleanup EXIT
	trap 'exit 1' INT TERM
	fleet_init || { echo "Bail out! cannot create the fleet"; exit 99; }
	chmod 0755 "$FLEET_DIR"
	APPS=$FLEET_DIR/apps SCAN=$FLEET_DIR/scan SUP=$FLEET_DIR/services
	NODES=$FLEET_DIR/nodes CRON=$FLEET_DIR/cron
	mkdir -p "$APPS" "$SCAN" "$SUP" "$NODES" "$CRON"
	case $backend in
	runit) runsvdir -P "$SCAN" </dev/null >/dev/null 2>&1 & ;;
	s6) s6-svscan "$SCAN" </dev/null >/dev/null 2>&1 & ;;
	esac
	SA_TREE_PID=$!
	printf 'policy default deny\nallow\tuid=0 cert=alice\t*\t*\t*\n' \
	    >"$FLEET_DIR/policy/service.policy"
	FLEET_EXTRA_CONF="[apps]
dir = $APPS
node_dir = $NODES
service_manager = $backend
service_dir = $SCAN
supervise_dir = $SUP
cron_dir = $CRON
svwait = $SVWAIT
start_timeout = 30s
start_grace = 500ms"
}

sa_tick() {
	mkdir -p "$FLEET_DIR/java" &&
		cp "$top_srcdir/tests/service/Tick.java" "$FLEET_DIR/java/" &&
		(cd "$FLEET_DIR/java" && javac Tick.java &&
			jar cfe "$1/tick.jar" Tick Tick.class) ||
		{ echo "Bail out! cannot build the Java program"; exit 99; }
	chmod 0644 "$1/tick.jar"
}

sa_app() {
	mkdir -p "$APPS/$1/releases/v1" &&
		printf '%s\n' "$2" >"$APPS/$1/releases/v1/.metactl" &&
		ln -sfn releases/v1 "$APPS/$1/current" &&
		chmod -R go+rX "$APPS/$1"
}

svc() { fleet_send_local n1 -t 60000 -n 1 service "$@"; }

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

pid_of() { "$PYTHON3" -c '
import json, sys
lines = [l for l in sys.stdin if l.strip()]
d = json.loads(lines[-1])["data"].get("daemons") or []
print(" ".join(str(x["pid"]) for x in d if x["daemon"] == sys.argv[1]))
' "$1"; }

alive() { [ -n "$1" ] && [ "$1" -gt 0 ] && kill -0 "$1" 2>/dev/null; }
new_alive() { [ "$1" != "$2" ] && alive "$1"; }
# argv_has PID WORDS: the process's argv holds WORDS (blank-separated).
argv_has() { tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$2"; }
