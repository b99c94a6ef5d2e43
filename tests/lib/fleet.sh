# fleet.sh: a fleet of metactld agents in a temporary directory, for tests,
# benchmarks and the quickstart. Source it (after tests/lib/rabbitmq.sh when
# the fleet should use a broker), then:
#
# metactld refuses configuration, policy, DDL, facts and external-agent
# files writable by group or others (lib/file.h): whatever the umask, the
# files written here are 0644 (keys 0600).
#
#   fleet_init [DIR]          workspace (FLEET_DIR), a CA, the caller
#                             certificate "alice" (FLEET_DIR/alice.key/.crt),
#                             and a policy directory (FLEET_DIR/policy) whose
#                             rpcutil.policy lets alice and the local user
#                             run everything, anyone else only ping; add
#                             AGENT.policy files there for other agents
#   fleet_local_init          the same for a test of agents without a broker
#                             (RABBITMQ_URL emptied): bails out (exit 99)
#                             when it fails, stops the fleet on exit
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
#   fleet_wait_count NAME ERE N [SECONDS]
#                             wait until N lines of NAME's log match ERE
#   fleet_count_log NAME ERE  how many lines of NAME's log match ERE
#   fleet_send ARGS...        mcsend send over the broker as alice, replies
#                             verified against the fleet CA
#   fleet_send_local NAME ARGS...
#                             mcsend send over NAME's local socket
#   fleet_client URLS         $FLEET_DIR/client.conf for metactl as alice
#                             on the broker URLS (blank-separated),
#                             exported as METACTL_CONFIG; its node
#                             registry is $FLEET_DIR/cache/nodes.json
#   fleet_nap_agent NAME TIMEOUT
#                             installs the external agent NAME (in
#                             FLEET_DIR/agents) whose action "nap" sleeps
#                             the "seconds" it is given; its DDL timeout is
#                             TIMEOUT seconds. Its policy is the caller's.
#
# FLEET_BROKER_URLS replaces $RABBITMQ_URL in the configurations written;
# FLEET_HEARTBEAT sets the AMQP heartbeat (default 0: none, so that idle
# agents never wake up); FLEET_BROKER_DEFAULTS, when set, leaves heartbeat
# and reconnection to metactld's defaults (only urls is written);
# FLEET_READY is the log line (ERE) fleet_start waits for instead of the
# broker connection (or "started as" without a broker).
# FLEET_LOG_LEVEL (default debug) sets [log] level; FLEET_FLAGS are
# metactld's options (default -d: foreground, debug logging; -f keeps the
# configured level).
# Extra lines for every agent's configuration can be put in FLEET_EXTRA_CONF
# (appended at the end of the file; use full "[section]" headers).
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
	printf 'policy default deny\nallow\tcert=alice uid=%s\t*\t*\nallow\t*\tping\t*\n' \
	    "$(id -u)" >"$FLEET_DIR/policy/rpcutil.policy"
	chmod 0644 "$FLEET_DIR/policy/rpcutil.policy" || return 1
	export FLEET_DIR
}

fleet_local_init() {
	RABBITMQ_URL=
	fleet_init || { echo "Bail out! cannot create the fleet"; exit 99; }
	trap 'fleet_stop' EXIT INT TERM
}

fleet_conf() { echo "$FLEET_DIR/$1.conf"; }
fleet_facts() { echo "$FLEET_DIR/$1.facts"; }
fleet_log() { echo "$FLEET_DIR/$1.log"; }
fleet_pid() { cat "$FLEET_DIR/$1.pid"; }

fleet_write_conf() { # NAME
	_f_n=$1
	{
		echo "[node]"
		echo "identity = $_f_n"
		echo "facts = $FLEET_DIR/$_f_n.facts"
		echo "classes = $FLEET_DIR/$_f_n.classes"
		if [ -n "${RABBITMQ_URL:-}" ] && [ -z "${FLEET_LOCAL_ONLY:-}" ]; then
			echo "[broker]"
			echo "urls = ${FLEET_BROKER_URLS:-$RABBITMQ_URL}"
			[ -z "${FLEET_BROKER_DEFAULTS:-}" ] && {
				echo "heartbeat = ${FLEET_HEARTBEAT:-0}"
				echo "reconnect_min = 200ms"
				echo "reconnect_max = 2s"
			}
		fi
		echo "[security]"
		echo "key = $FLEET_DIR/$_f_n.key"
		echo "certificate = $FLEET_DIR/$_f_n.crt"
		echo "ca = $FLEET_DIR/ca.pub"
		echo "[policy]"
		echo "dir = $FLEET_DIR/policy"
		echo "[plugins]"
		echo "ddl_dir = $top_srcdir/schemas/ddl"
		echo "external_dir = $FLEET_DIR/agents"
		echo "[local]"
		echo "socket = $FLEET_DIR/$_f_n.sock"
		echo "[log]"
		echo "target = stderr"
		echo "level = ${FLEET_LOG_LEVEL:-debug}"
		echo "audit = $FLEET_DIR/$_f_n.audit"
		[ -n "${FLEET_EXTRA_CONF:-}" ] && printf '%s\n' "$FLEET_EXTRA_CONF"
	} >"$FLEET_DIR/$_f_n.conf"
	chmod 0644 "$FLEET_DIR/$_f_n.conf"
}

# fleet_wait_log NAME ERE [SECONDS]: polls the log, bounded.
fleet_wait_log() {
	_f_i=0 _f_limit=$((${3:-20} * 20))
	while [ "$_f_i" -lt "$_f_limit" ]; do
		grep -Eq -- "$2" "$FLEET_DIR/$1.log" 2>/dev/null && return 0
		# The agent died: no point in waiting.
		kill -0 "$(fleet_pid "$1")" 2>/dev/null || {
			grep -Eq -- "$2" "$FLEET_DIR/$1.log" 2>/dev/null
			return
		}
		sleep 0.05
		_f_i=$((_f_i + 1))
	done
	return 1
}

# fleet_wait_count NAME ERE N [SECONDS]: wait until N lines match.
fleet_wait_count() {
	_f_i=0 _f_limit=$((${4:-20} * 20))
	while [ "$_f_i" -lt "$_f_limit" ]; do
		[ "$(fleet_count_log "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.05
		_f_i=$((_f_i + 1))
	done
	return 1
}

# Lines in NAME's log matching ERE (0 when none).
fleet_count_log() {
	grep -Ec -- "$2" "$FLEET_DIR/$1.log" 2>/dev/null || true
}

fleet_start() {
	for _f_spec in "$@"; do
		_f_n=${_f_spec%%:*}
		_f_rest=${_f_spec#"$_f_n"}
		_f_rest=${_f_rest#:}
		_f_role=${_f_rest%%:*}
		_f_dc=${_f_rest#"$_f_role"}
		_f_dc=${_f_dc#:}
		[ -f "$FLEET_DIR/$_f_n.key" ] ||
			"$MCSEND" issue "$FLEET_DIR" "$_f_n" node || return 1
		{
			echo "hostname: $_f_n"
			[ -n "$_f_role" ] && echo "role: $_f_role"
			[ -n "$_f_dc" ] && echo "dc: $_f_dc"
		} >"$FLEET_DIR/$_f_n.facts"
		if [ -n "$_f_role" ]; then
			echo "$_f_role" >"$FLEET_DIR/$_f_n.classes"
		else
			: >"$FLEET_DIR/$_f_n.classes"
		fi
		chmod 0644 "$FLEET_DIR/$_f_n.facts" "$FLEET_DIR/$_f_n.classes"
		fleet_write_conf "$_f_n"
		"$METACTLD" ${FLEET_FLAGS:--d} -c "$FLEET_DIR/$_f_n.conf" \
		    >>"$FLEET_DIR/$_f_n.log" 2>&1 &
		echo $! >"$FLEET_DIR/$_f_n.pid"
		FLEET_PIDS="$FLEET_PIDS $!"
	done
	for _f_spec in "$@"; do
		_f_n=${_f_spec%%:*}
		if [ -n "${FLEET_READY:-}" ]; then
			_f_ready=$FLEET_READY
		elif [ -n "${RABBITMQ_URL:-}" ] && [ -z "${FLEET_LOCAL_ONLY:-}" ]; then
			_f_ready='broker .*: connected'
		else
			_f_ready='started as'
		fi
		fleet_wait_log "$_f_n" "$_f_ready" 30 || {
			echo "fleet: $_f_n did not start; its log:" >&2
			tail -n 20 "$FLEET_DIR/$_f_n.log" >&2
			return 1
		}
	done
}

fleet_hup() {
	_f_before=$(fleet_count_log "$1" 'reload: done')
	kill -HUP "$(fleet_pid "$1")" || return 1
	_f_i=0
	while [ "$_f_i" -lt 400 ]; do
		[ "$(fleet_count_log "$1" 'reload: done')" -gt "$_f_before" ] &&
			return 0
		sleep 0.05
		_f_i=$((_f_i + 1))
	done
	return 1
}

# Waits for one agent to exit after SIGTERM; prints nothing, returns its
# exit status (or 124 when it did not stop in 20 s).
fleet_stop_one() {
	_f_pid=$(fleet_pid "$1")
	kill -TERM "$_f_pid" 2>/dev/null || return 1
	_f_i=0
	while kill -0 "$_f_pid" 2>/dev/null; do
		[ "$_f_i" -ge 400 ] && return 124
		sleep 0.05
		_f_i=$((_f_i + 1))
	done
	FLEET_PIDS=$(echo "$FLEET_PIDS" | tr ' ' '\n' | grep -vx "$_f_pid" | tr '\n' ' ')
	wait "$_f_pid"
}

fleet_stop() {
	for _f_pid in $FLEET_PIDS; do
		kill -TERM "$_f_pid" 2>/dev/null
	done
	for _f_pid in $FLEET_PIDS; do
		_f_i=0
		while kill -0 "$_f_pid" 2>/dev/null && [ "$_f_i" -lt 200 ]; do
			sleep 0.05
			_f_i=$((_f_i + 1))
		done
		kill -KILL "$_f_pid" 2>/dev/null
		wait "$_f_pid" 2>/dev/null
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
	_f_n=$1
	shift
	"$MCSEND" send -s "$FLEET_DIR/$_f_n.sock" -a "$FLEET_DIR/ca.pub" "$@"
}

fleet_client() {
	cat >"$FLEET_DIR/client.conf" <<-EOF
	broker = $1
	key = $FLEET_DIR/alice.key
	certificate = $FLEET_DIR/alice.crt
	ca = $FLEET_DIR/ca.pub
	timeout = 5s
	discovery_timeout = 2s
	ddl_dir = $top_srcdir/schemas/ddl
	cache = $FLEET_DIR/cache/nodes.json
	EOF
	chmod 0644 "$FLEET_DIR/client.conf"
	METACTL_CONFIG=$FLEET_DIR/client.conf
	export METACTL_CONFIG
	unset METACTL_BROKER
}

fleet_nap_agent() {
	cat >"$FLEET_DIR/agents/$1" <<-'EOS'
	#!/bin/sh
	s=$(sed -n 's/.*"seconds":\([0-9]*\).*/\1/p')
	sleep "$s"
	printf '{"statuscode":0,"statusmsg":"OK","data":{"slept":%s}}\n' "$s"
	EOS
	chmod 0755 "$FLEET_DIR/agents/$1"
	sed "s/@NAME@/$1/; s/@TIMEOUT@/$2/" >"$FLEET_DIR/agents/$1.json" <<-'EOS'
	{"agent":"@NAME@","version":"1.0","description":"Sleeps","timeout":@TIMEOUT@,
	 "actions":{"nap":{"description":"Sleeps","display":"always",
	  "input":{"seconds":{"type":"integer","description":"How long",
	                      "optional":false}},
	  "output":{"slept":{"type":"integer","description":"Slept",
	                     "display_as":"Slept"}}}}}
	EOS
	chmod 0644 "$FLEET_DIR/agents/$1.json"
}
