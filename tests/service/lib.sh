# lib.sh: a private runit or s6 supervision tree for the service tests,
# and the daemons they run. Source after tap.sh with $backend set to
# runit or s6; svc_init starts the tree, an EXIT trap stops it and every
# daemon under it.
SVCRUN="$top_builddir/tests/service/svcrun"
SVWAIT="$top_builddir/tools/metactl-svwait"

svc_cleanup() {
	[ -n "${svc_tree_pid:-}" ] || return 0
	case $backend in
	runit) kill -HUP "$svc_tree_pid" 2>/dev/null ;;
	s6) s6-svscanctl -t "$SVC_T/scan" 2>/dev/null ;;
	esac
	wait "$svc_tree_pid" 2>/dev/null
	for d in "$SVC_T"/sup/*/ "$SVC_T"/sup/*/log/; do
		[ -d "$d" ] && "$SVWAIT" --timeout 20000 gone "$d"
	done
	rm -rf "$SVC_T"
}

# svc_init: the scan directory, the service directories, the tree.
svc_init() {
	[ "$(id -u)" = 0 ] || skip_all "daemons run as another user: needs root"
	case $backend in
	runit) command -v runsvdir >/dev/null || skip_all "runit not installed" ;;
	s6) command -v s6-svscan >/dev/null || skip_all "s6 not installed" ;;
	esac
	SVC_T=$(mktemp -d /tmp/metactl-svc.XXXXXX)
	chmod 755 "$SVC_T"
	mkdir -p "$SVC_T/scan" "$SVC_T/sup" "$SVC_T/out"
	chmod 1777 "$SVC_T/out"
	trap svc_cleanup EXIT
	trap 'exit 1' INT TERM
	case $backend in
	runit) runsvdir -P "$SVC_T/scan" </dev/null >/dev/null 2>&1 & ;;
	s6) s6-svscan "$SVC_T/scan" </dev/null >/dev/null 2>&1 & ;;
	esac
	svc_tree_pid=$!
	svc_daemons
}

# svc DAEMON OP [OPTIONS...] [-- ARGV...]: svcrun for daemon DAEMON of
# app shop.
svc() {
	svc_d=$1 svc_op=$2
	shift 2
	"$SVCRUN" "$backend" "$svc_op" --service-dir "$SVC_T/scan" \
	    --supervise-dir "$SVC_T/sup" --svwait "$SVWAIT" --app shop \
	    --daemon "$svc_d" --user nobody --grace 1000 --timeout 20000 "$@"
}

# json FIELD: a field of the JSON object on stdin.
json() { "$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# The daemons: an exec one (sh) that answers HUP through a FIFO, a jvm
# one, one that dies at start, one that reports readiness on fd 3.
svc_daemons() {
	cat >"$SVC_T/web.sh" <<'EOS'
#!/bin/sh
# Reports each HUP on the FIFO $1 (a reader waits on it). Its sleep
# must not outlive it holding the log pipe: TERM ends both.
trap 'echo "hup $$ [$GREETING] ${HOME:-no HOME}" >"$1"' HUP
trap 'kill $! 2>/dev/null; trap - TERM; kill -TERM $$' TERM
echo "web up $$"
while :; do sleep 60 </dev/null >/dev/null 2>&1 & wait $!; done
EOS
	cat >"$SVC_T/die.sh" <<'EOS'
#!/bin/sh
echo "cannot start: no configuration" >&2
exit 3
EOS
	cat >"$SVC_T/ready.sh" <<'EOS'
#!/bin/sh
# Setup that takes a while, then the readiness line on fd 3.
sleep 2
echo "$$" >"$1"
echo >&3
exec 3>&-
trap 'kill $! 2>/dev/null; trap - TERM; kill -TERM $$' TERM
while :; do sleep 60 </dev/null >/dev/null 2>&1 & wait $!; done
EOS
	chmod 755 "$SVC_T"/*.sh
	mkfifo -m 666 "$SVC_T/out/hup"
}

# svc_tick_jar: builds tick.jar from Tick.java; 1 without a JDK.
svc_tick_jar() {
	command -v javac >/dev/null && command -v jar >/dev/null || return 1
	mkdir -p "$SVC_T/cls" &&
	    javac -d "$SVC_T/cls" "$top_srcdir/tests/service/Tick.java" &&
	    jar cfe "$SVC_T/tick.jar" Tick -C "$SVC_T/cls" . &&
	    chmod 644 "$SVC_T/tick.jar"
}

# svc_pid DAEMON: the pid status reports.
svc_pid() { svc "$1" status | json pid; }

# The checks both backends pass.
svc_common_tests() {
	WEB="$SVC_T/web.sh $SVC_T/out/hup"
	if svc_tick_jar; then
		TICK="$(command -v java) -Xmx32m -jar $SVC_T/tick.jar"
	else
		diag "no JDK: the jvm daemon runs sleep"
		TICK="$(command -v sleep) 3600"
	fi
	check "install web" svc web install --reload HUP \
	    --env "GREETING=it's \"quoted\" \$HOME" -- $WEB
	check "install tick" svc tick install -- $TICK
	check "run script as the daemon's user, with its environment only" \
	    grep -qF "'nobody' /usr/bin/env -i" "$SVC_T/sup/metactl-shop-web/run"
	check "the scan directory links the service directory" \
	    [ "$(readlink "$SVC_T/scan/metactl-shop-web")" = "$SVC_T/sup/metactl-shop-web" ]
	check "installed daemons are down" [ "$(svc web status | json state)" = down ]

	check "start web" svc web start -- $WEB
	check "start tick" svc tick start -- $TICK
	w1=$(svc_pid web) t1=$(svc_pid tick)
	check "web runs (pid $w1)" kill -0 "$w1"
	check "tick runs (pid $t1)" kill -0 "$t1"
	check "status: up" [ "$(svc tick status | json state)" = up ]
	check "status: uptime" [ "$(svc tick status | json since)" -ge 0 ]
	check "the daemon runs as its user" \
	    [ "$(ps -o user= -p "$t1" | tr -d ' ')" = nobody ]

	check "restart web" svc web restart -- $WEB
	check "restart tick" svc tick restart -- $TICK
	w2=$(svc_pid web) t2=$(svc_pid tick)
	check "restart changes web's pid ($w1 -> $w2)" [ "$w2" != "$w1" ]
	check "restart changes tick's pid ($t1 -> $t2)" [ "$t2" != "$t1" ]
	check "the new web runs" kill -0 "$w2"
	check "the new tick runs" kill -0 "$t2"
	check "the old web is gone" sh -c "! kill -0 $w1 2>/dev/null"
	check "the old tick is gone" sh -c "! kill -0 $t1 2>/dev/null"

	# reload: the daemon answers the HUP on the FIFO; reading it waits.
	svc web reload --reload HUP &
	got=$(timeout 20 cat "$SVC_T/out/hup")
	wait $!
	check "reload delivers SIGHUP to web ($got)" \
	    [ "$got" = "hup $w2 [it's \"quoted\" \$HOME] no HOME" ]
	if svc tick reload 2>/dev/null; then
		not_ok "reload without a signal is refused"
	else
		ok "reload without a signal is refused"
	fi

	plan=$(svc web stop --dry-run)
	case $plan in *'"run": ['*) ok "dry-run shows the plan" ;;
	*) not_ok "dry-run shows the plan: $plan" ;; esac
	check "dry-run changes nothing" sh -c \
	    "kill -0 $w2 && [ ! -e '$SVC_T/sup/metactl-shop-web/down' ]"
	check "stop web" svc web stop
	check "web is gone after stop" sh -c "! kill -0 $w2 2>/dev/null"
	out=$(svc web status)
	check "status after stop: down" [ "$(echo "$out" | json state)" = down ]
	check "status after stop: last exit by SIGTERM" \
	    [ "$(echo "$out" | json last_signal)" = 15 ]

	check "install a daemon that dies" svc bad install -- "$SVC_T/die.sh"
	err=$(svc bad start -- "$SVC_T/die.sh" 2>&1)
	check "start of a dying daemon fails" [ $? -ne 0 ]
	case $err in *"exited with status 3"*) ok "start says how it died" ;;
	*) not_ok "start says how it died: $err" ;; esac
	check "status: last exit 3" [ "$(svc bad status | json last_exit)" = 3 ]
	err=$(svc ghost start 2>&1)
	case $err in *metactl-shop-ghost*) ok "start of an unknown daemon says why" ;;
	*) not_ok "start of an unknown daemon says why: $err" ;; esac

	# restart=never: the finish script keeps a daemon that exited down.
	check "install a daemon that must not restart" \
	    svc once install --restart never -- /bin/true
	if svc once start 2>/dev/null; then
		not_ok "its start fails: it exited"
	else
		ok "its start fails: it exited"
	fi
	check "the manager keeps it down" svc_kept_down "$SVC_T/sup/metactl-shop-once"
	check "logs name the log file" [ "$(svc bad logs)" = \
	    "less +G $SVC_T/sup/metactl-shop-bad/log/main/current" ]
}

# svc_uninstall_all DAEMON...: uninstalls each; checks nothing is left.
svc_uninstall_all() {
	for d in once "$@"; do
		check "uninstall $d" svc "$d" uninstall
	done
	check "no service directory left" [ -z "$(ls -A "$SVC_T/sup")" ]
	check "no link left" [ -z "$(ls -A "$SVC_T/scan" | grep -v '^\.s6-svscan$')" ]
	check "no daemon left" sh -c "! kill -0 $t2 2>/dev/null && ! kill -0 $w2 2>/dev/null"
}
