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
