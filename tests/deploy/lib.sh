# tests/deploy/lib.sh: the deploy agent's integration tests share this.
# Source after tap.sh; then:
#   dp_init                 sa_init (service_agent_lib.sh, runit) without a
#                           broker, a deploy policy for root and alice, and
#                           SRC, a repository made by dp_repo, whose site
#                           layer is SITE; the caller starts the fleet
#   dp_repo DIR             a git repository with tags v1..v4 of the app
#                           "demo" (one exec daemon, a build, a health
#                           check): v1 and v2 work, v3's build fails, v4's
#                           daemon dies at start
#   dp_tag DIR TAG SCRIPT   one more tag: SCRIPT is the daemon's body
#   dep ARGS...             mcsend deploy ARGS to n1's socket (60 s)
#   dp_site URL             the site layer: [build] repository = URL
#   dp_current APP          the tag APPS/APP/current names
#   dp_pid APP              the pid of APP's daemon "web" (runit's own)
#   dp_runs PID TAG         the process runs release TAG's daemon
# For a fleet over a broker, each node with its own apps directory
# (FLEET_DIR/NAME/apps, node layers in FLEET_DIR/NAME/nodes) and runit
# tree:
#   dp_node NAME[:ROLE]     makes its directories, starts its tree and the
#                           agent (bails out when it does not start)
#   dp_nodes_stop NAME...   stops their trees and waits for their daemons
#   dp_client               FLEET_DIR/client.conf for alice over the broker
#                           (METACTL_CONFIG), and a first discovery by $M
. "$top_srcdir/tests/lib/rabbitmq.sh"
. "$top_srcdir/tests/lib/fleet.sh"
backend=runit
. "$top_srcdir/tests/integration/service_agent_lib.sh"

dp_init() {
	command -v git >/dev/null || skip_all "git not installed"
	sa_init
	printf 'policy default deny\nallow\tuid=0 cert=alice\t*\t*\t*\n' \
	    >"$FLEET_DIR/policy/deploy.policy"
	RABBITMQ_URL=
	SRC=$FLEET_DIR/src
	dp_repo "$SRC" || { echo "Bail out! cannot make the repository"; exit 99; }
	chmod -R go+rX "$SRC"
	SITE=$(dp_site "$SRC")
}

dp_git() { git -c user.email=t@example.net -c user.name=t -c init.defaultBranch=main "$@"; }

dp_tag() {
	printf '#!/bin/sh\n%s\n' "$3" >"$1/daemon.sh" && chmod 0755 "$1/daemon.sh" &&
		(cd "$1" && dp_git add -A && dp_git commit -qm "$2" && dp_git tag "$2")
}

dp_repo() {
	mkdir -p "$1" && (cd "$1" && dp_git init -q) || return 1
	cat >"$1/.metactl" <<-'EOS'
	[daemon.web]
	platform = exec
	command = daemon.sh

	[build]
	command = /bin/sh build.sh
	timeout = 30s
	keep = 3

	[health]
	command = /bin/test -f BUILT
	timeout = 5s
	EOS
	printf 'echo building; echo ok > BUILT\n' >"$1/build.sh"
	dp_tag "$1" v1 'exec sleep 100001' &&
		dp_tag "$1" v2 'exec sleep 100002' &&
		printf 'echo "compile error in Main.c" >&2; exit 2\n' >"$1/build.sh" &&
		dp_tag "$1" v3 'exec sleep 100003' &&
		printf 'echo building; echo ok > BUILT\n' >"$1/build.sh" &&
		dp_tag "$1" v4 'echo "cannot bind port" >&2; exit 3'
}

dp_site() { printf '[build]\nrepository = %s\n' "$1"; }

dep() { fleet_send_local n1 -t 60000 -n 1 deploy "$@"; }

dp_current() { readlink "$APPS/$1/current" | sed 's|^releases/||'; }

dp_pid() { sv status "$SCAN/metactl-$1-web" | sed -n 's/^run: [^(]*(pid \([0-9]*\)).*/\1/p'; }

dp_runs() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null &&
	tr '\0' ' ' <"/proc/$1/cmdline" | grep -q "sleep 10000${2#v}"; }

DP_TREES=

dp_node() {
	_d_n=${1%%:*}
	_d=$FLEET_DIR/$_d_n
	mkdir -p "$_d/apps" "$_d/scan" "$_d/sup" "$_d/nodes" "$_d/cron"
	chmod 0755 "$_d" "$_d/apps"
	runsvdir -P "$_d/scan" </dev/null >/dev/null 2>&1 &
	DP_TREES="$DP_TREES $!"
	FLEET_EXTRA_CONF="[apps]
dir = $_d/apps
node_dir = $_d/nodes
service_manager = runit
service_dir = $_d/scan
supervise_dir = $_d/sup
cron_dir = $_d/cron
svwait = $SVWAIT
start_timeout = 30s
start_grace = 500ms"
	fleet_start "$1" || { echo "Bail out! $_d_n did not start"; exit 99; }
}

dp_nodes_stop() {
	for _d_p in $DP_TREES; do
		kill -HUP "$_d_p" 2>/dev/null
		wait "$_d_p" 2>/dev/null
	done
	for _d_n in "$@"; do
		for _d in "$FLEET_DIR/$_d_n/sup"/*/; do
			[ -d "$_d" ] && "$SVWAIT" --timeout 20000 gone "$_d"
		done
	done
}

# dp_broker_fleet: the fleet's workspace with a private broker inside it;
# the caller's cleanup runs at exit and ends with dp_broker_fleet_stop.
dp_broker_fleet() {
	fleet_init || { echo "Bail out! cannot create the fleet"; exit 99; }
	chmod 0755 "$FLEET_DIR"
	trap cleanup EXIT
	trap 'exit 1' INT TERM
	rabbitmq_start "$FLEET_DIR/rabbitmq" >"$FLEET_DIR/rabbitmq.out" 2>&1 ||
		skip_all "cannot start RabbitMQ"
}

# The broker first: fleet_stop removes its directory and Erlang cookie,
# without which rabbitmqctl cannot stop it.
dp_broker_fleet_stop() {
	rabbitmq_stop
	fleet_stop
}

dp_client() {
	cat >"$FLEET_DIR/client.conf" <<EOF
broker = $RABBITMQ_URL
key = $FLEET_DIR/alice.key
certificate = $FLEET_DIR/alice.crt
ca = $FLEET_DIR/ca.pub
timeout = 60s
discovery_timeout = 2s
ddl_dir = $top_srcdir/schemas/ddl
cache = $FLEET_DIR/cache/nodes.json
EOF
	METACTL_CONFIG=$FLEET_DIR/client.conf
	export METACTL_CONFIG
	"$M" find --refresh --no-cache >/dev/null 2>&1
}
