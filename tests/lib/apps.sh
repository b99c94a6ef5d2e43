# apps.sh: apps on a node under a real runit supervision tree, for the
# service agent's tests and the quickstart. Source it; every directory is
# the caller's (a node's own, NODEDIR below).
#
#   apps_runit_start NODEDIR  NODEDIR/service (runit's scan directory),
#                             NODEDIR/sv (the service directories),
#                             NODEDIR/apps (the apps), NODEDIR/nodes (node
#                             layers); starts runsvdir on NODEDIR/service
#   apps_runit_stop NODEDIR   stops every service of the tree, then runsvdir
#   apps_conf NODEDIR         the [apps] section of metactld.conf for them
#   apps_release NODEDIR APP TAG
#                             lays down APP's release TAG with the .metactl
#                             read from stdin, and points current at it
#   apps_require              a test's skip_all (tap.sh) unless runit, root
#                             (chpst changes user only as root) and
#                             metactl-svwait are there
#   apps_pid NODEDIR UNIT     UNIT's pid as sv status tells it (empty
#                             when it is not running)
#
# SVWAIT is metactl-svwait (default: the build tree's).
: "${top_builddir:=.}"
SVWAIT=${SVWAIT:-$top_builddir/tools/metactl-svwait}

apps_require() {
	command -v runsvdir >/dev/null || skip_all "runit is not installed"
	[ "$(id -u)" -eq 0 ] || skip_all "daemons run as another user: needs root"
	[ -x "$SVWAIT" ] || skip_all "metactl-svwait not built"
}

apps_runit_start() {
	mkdir -p "$1/service" "$1/sv" "$1/apps" "$1/nodes" || return 1
	# The last argument is runsvdir's process title, for ps only.
	runsvdir -P "$1/service" \
	    'log: .........................................................' \
	    >/dev/null 2>&1 &
	echo $! >"$1/runsvdir.pid"
}

apps_runit_stop() {
	[ -f "$1/runsvdir.pid" ] || return 0
	for _a_s in "$1"/service/*; do
		[ -d "$_a_s/supervise" ] || continue
		sv -w 10 force-stop "$_a_s" >/dev/null 2>&1
		[ -d "$_a_s/log/supervise" ] && sv exit "$_a_s/log" >/dev/null 2>&1
		sv exit "$_a_s" >/dev/null 2>&1
	done
	_a_pid=$(cat "$1/runsvdir.pid")
	kill -HUP "$_a_pid" 2>/dev/null
	wait "$_a_pid" 2>/dev/null
	rm -f "$1/runsvdir.pid"
	return 0
}

apps_conf() {
	cat <<EOF
[apps]
dir = $1/apps
node_dir = $1/nodes
service_manager = runit
service_dir = $1/service
supervise_dir = $1/sv
cron_dir = $1/cron.d
svwait = $(cd "$(dirname "$SVWAIT")" && pwd)/$(basename "$SVWAIT")
start_timeout = 20s
start_grace = 300ms
EOF
}

apps_release() {
	_a_rel=$1/apps/$2/releases/$3
	mkdir -p "$_a_rel" "$1/apps/$2/state" || return 1
	cat >"$_a_rel/.metactl" && chmod 0644 "$_a_rel/.metactl" &&
		ln -sfn "releases/$3" "$1/apps/$2/current"
}

apps_pid() {
	sv status "$1/sv/$2" 2>/dev/null | sed -n 's/^run: [^(]*(pid \([0-9]*\)).*/\1/p'
}
