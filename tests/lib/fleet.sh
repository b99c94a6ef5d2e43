# fleet.sh: a fleet of metactld agents in a temporary directory, for tests,
# benchmarks and the quickstart. Source it (after tests/lib/rabbitmq.sh when
# the fleet should use a broker), then:
#
#   fleet_init [DIR]          workspace (FLEET_DIR), a CA, and the caller
#                             certificate "alice" (FLEET_DIR/alice.key/.crt)
#   fleet_start SPEC ...      one agent per SPEC = NAME[:ROLE[:DC]]; facts
#                             role=ROLE, dc=DC, classes ROLE; connects to
#                             $RABBITMQ_URL when set (unless FLEET_LOCAL_ONLY
#                             is set) and listens on FLEET_DIR/NAME.sock.
#                             Returns once every agent is ready.
#   fleet_stop                SIGTERM to every agent fleet_start started,
#                             waits for them, removes FLEET_DIR (unless
#                             FLEET_KEEP is set)
#   fleet_stop_one NAME       SIGTERM to one agent; waits; its exit status
#   fleet_pid NAME            its process id
#   fleet_conf NAME           its metactld.conf (edit, then fleet_hup NAME)
#   fleet_facts NAME          its facts file
#   fleet_log NAME            its log file
#   fleet_hup NAME            SIGHUP, and wait for the reload to finish
#   fleet_wait_log NAME ERE [SECONDS]
#                             wait until NAME's log has a line matching ERE
#   fleet_send ARGS...        mcsend send over the broker as alice, replies
#                             verified against the fleet CA
#   fleet_send_local NAME ARGS...
#                             mcsend send over NAME's local socket
#
# Extra lines for every agent's configuration can be put in FLEET_EXTRA_CONF
# (appended at the end of the file; use full "[section]" headers).
# FLEET_HEARTBEAT (default 0, no heartbeats) and FLEET_LOG_LEVEL (default
# debug) set [broker] heartbeat and [log] level; FLEET_FLAGS are metactld's
# options (default -d: foreground, debug logging; -f keeps the level).
# Programs: METACTLD and MCSEND, by default from $top_builddir.

: "${top_builddir:=.}"
: "${top_srcdir:=.}"
METACTLD=${METACTLD:-$top_builddir/agent/metactld}
MCSEND=${MCSEND:-$top_builddir/tests/integration/mcsend}
FLEET_PIDS=

fleet_init() {
	FLEET_DIR=${1:-$(mktemp -d "${TMPDIR:-/tmp}/metactl-fleet.XXXXXX")}
	mkdir -p "$FLEET_DIR/policy" "$FLEET_DIR/agents" || return 1
	"$MCSEND" ca "$FLEET_DIR" &&
		"$MCSEND" issue "$FLEET_DIR" alice caller || return 1
	export FLEET_DIR
}

fleet_conf() { echo "$FLEET_DIR/$1.conf"; }
fleet_facts() { echo "$FLEET_DIR/$1.facts"; }
fleet_log() { echo "$FLEET_DIR/$1.log"; }
fleet_pid() { cat "$FLEET_DIR/$1.pid"; }

fleet_write_conf() { # NAME
	n=$1
	{
		echo "[node]"
		echo "identity = $n"
		echo "facts = $FLEET_DIR/$n.facts"
		echo "classes = $FLEET_DIR/$n.classes"
		if [ -n "${RABBITMQ_URL:-}" ] && [ -z "${FLEET_LOCAL_ONLY:-}" ]; then
			echo "[broker]"
			echo "urls = $RABBITMQ_URL"
			echo "heartbeat = ${FLEET_HEARTBEAT:-0}"
			echo "reconnect_min = 200ms"
			echo "reconnect_max = 2s"
		fi
		echo "[security]"
		echo "key = $FLEET_DIR/$n.key"
		echo "certificate = $FLEET_DIR/$n.crt"
		echo "ca = $FLEET_DIR/ca.pub"
		echo "[policy]"
		echo "dir = $FLEET_DIR/policy"
		echo "[plugins]"
		echo "ddl_dir = $top_srcdir/schemas/ddl"
		echo "external_dir = $FLEET_DIR/agents"
		echo "[local]"
		echo "socket = $FLEET_DIR/$n.sock"
		echo "[log]"
		echo "target = stderr"
		echo "level = ${FLEET_LOG_LEVEL:-debug}"
		echo "audit = $FLEET_DIR/$n.audit"
		[ -n "${FLEET_EXTRA_CONF:-}" ] && printf '%s\n' "$FLEET_EXTRA_CONF"
	} >"$FLEET_DIR/$n.conf"
}

# fleet_wait_log NAME ERE [SECONDS]: polls the log, bounded.
fleet_wait_log() {
	i=0 limit=$((${3:-20} * 20))
	while [ "$i" -lt "$limit" ]; do
		grep -Eq -- "$2" "$FLEET_DIR/$1.log" 2>/dev/null && return 0
		# The agent died: no point in waiting.
		kill -0 "$(fleet_pid "$1")" 2>/dev/null || {
			grep -Eq -- "$2" "$FLEET_DIR/$1.log" 2>/dev/null
			return
		}
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# Lines in NAME's log matching ERE (0 when none).
fleet_count_log() {
	grep -Ec -- "$2" "$FLEET_DIR/$1.log" 2>/dev/null || true
}

fleet_start() {
	for spec in "$@"; do
		n=${spec%%:*}
		rest=${spec#"$n"}
		rest=${rest#:}
		role=${rest%%:*}
		dc=${rest#"$role"}
		dc=${dc#:}
		[ -f "$FLEET_DIR/$n.key" ] ||
			"$MCSEND" issue "$FLEET_DIR" "$n" node || return 1
		{
			echo "hostname: $n"
			[ -n "$role" ] && echo "role: $role"
			[ -n "$dc" ] && echo "dc: $dc"
		} >"$FLEET_DIR/$n.facts"
		if [ -n "$role" ]; then
			echo "$role" >"$FLEET_DIR/$n.classes"
		else
			: >"$FLEET_DIR/$n.classes"
		fi
		fleet_write_conf "$n"
		"$METACTLD" ${FLEET_FLAGS:--d} -c "$FLEET_DIR/$n.conf" \
		    >>"$FLEET_DIR/$n.log" 2>&1 &
		echo $! >"$FLEET_DIR/$n.pid"
		FLEET_PIDS="$FLEET_PIDS $!"
	done
	for spec in "$@"; do
		n=${spec%%:*}
		if [ -n "${RABBITMQ_URL:-}" ] && [ -z "${FLEET_LOCAL_ONLY:-}" ]; then
			ready='broker .*: connected'
		else
			ready='started as'
		fi
		fleet_wait_log "$n" "$ready" 30 || {
			echo "fleet: $n did not start; its log:" >&2
			tail -n 20 "$FLEET_DIR/$n.log" >&2
			return 1
		}
	done
}

fleet_hup() {
	before=$(fleet_count_log "$1" 'reload: done')
	kill -HUP "$(fleet_pid "$1")" || return 1
	i=0
	while [ "$i" -lt 400 ]; do
		[ "$(fleet_count_log "$1" 'reload: done')" -gt "$before" ] &&
			return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# Waits for one agent to exit after SIGTERM; prints nothing, returns its
# exit status (or 124 when it did not stop in 20 s).
fleet_stop_one() {
	pid=$(fleet_pid "$1")
	kill -TERM "$pid" 2>/dev/null || return 1
	i=0
	while kill -0 "$pid" 2>/dev/null; do
		[ "$i" -ge 400 ] && return 124
		sleep 0.05
		i=$((i + 1))
	done
	FLEET_PIDS=$(echo "$FLEET_PIDS" | tr ' ' '\n' | grep -vx "$pid" | tr '\n' ' ')
	wait "$pid"
}

fleet_stop() {
	for pid in $FLEET_PIDS; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in $FLEET_PIDS; do
		i=0
		while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 200 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	FLEET_PIDS=
	[ -n "${FLEET_DIR:-}" ] && [ -z "${FLEET_KEEP:-}" ] && rm -rf "$FLEET_DIR"
	return 0
}

fleet_send() {
	"$MCSEND" send -u "$RABBITMQ_URL" -k "$FLEET_DIR/alice.key" \
	    -c "$FLEET_DIR/alice.crt" -a "$FLEET_DIR/ca.pub" "$@"
}

fleet_send_local() {
	n=$1
	shift
	"$MCSEND" send -s "$FLEET_DIR/$n.sock" -a "$FLEET_DIR/ca.pub" "$@"
}
