# rabbitmq_cluster.sh: a private three-node RabbitMQ cluster on loopback,
# for failover tests. Source it after tests/lib/rabbitmq.sh, then:
#
#   rabbitmq_cluster_start [DIR]
#                          start three nodes (data, logs, cookies under DIR,
#                          default a new temporary directory), each with its
#                          own node name, AMQP port and distribution port,
#                          one Erlang cookie and one epmd; the others join
#                          node 1 (join_cluster). Exports
#                          RABBITMQ_CLUSTER_URLS (the nodes' AMQP URLs, in
#                          order, blank-separated), RABBITMQ_URL (node 1),
#                          RABBITMQ_CLUSTER_DIR, RABBITMQ_CLUSTER_EPMD_PORT
#                          (the nodes' epmd); vhost "metactl", user
#                          "metactl" as for rabbitmq_start.
#   rabbitmq_cluster_url I the URL of node I (from 1)
#   rabbitmq_cluster_port I
#                          its AMQP port
#   rabbitmq_cluster_dist_port I
#                          its Erlang distribution port
#   rabbitmq_cluster_ctl I ARGS...
#                          rabbitmqctl against node I
#   rabbitmq_cluster_node_stop I
#                          stop node I (its Erlang VM: every connection to
#                          it is closed); the others go on
#   rabbitmq_cluster_node_kill I
#                          SIGKILL to node I's Erlang VM, a crash: the
#                          kernel resets its connections at once, the
#                          others see it down
#   rabbitmq_cluster_node_start I
#                          start it again on its port and data; it rejoins
#   rabbitmq_cluster_stop  stop every node still running and the epmd
#                          started for them, remove DIR (unless
#                          RABBITMQ_KEEP is set)
# RABBITMQ_CLUSTER_SIZE (default 3) sets the number of nodes;
# RABBITMQ_CLUSTER_JOIN=no leaves them separate brokers (each with the
# vhost and user), as an operator listing unclustered brokers has them.
# The nodes start in parallel; the joins follow one another (join_cluster
# changes the cluster's membership, which RabbitMQ serialises anyway).
# Uses rabbitmq_env and rabbitmq_free_port of rabbitmq.sh with the
# RABBITMQ_* variables of one node at a time.

_rc_nodes() { seq 1 "${RABBITMQ_CLUSTER_SIZE:-3}"; }

# _rc_node I: makes node I the one rabbitmq.sh's functions act on.
_rc_node() {
	eval "RABBITMQ_DIR=\$RABBITMQ_CLUSTER_DIR/n$1
	RABBITMQ_PORT=\$_rc_port_$1
	RABBITMQ_DIST_PORT=\$_rc_dist_$1
	RABBITMQ_PID=\${_rc_pid_$1:-}"
	RABBITMQ_EPMD_PORT=$_rc_epmd
}

rabbitmq_cluster_url() {
	eval "echo amqp://metactl:metactl@127.0.0.1:\$_rc_port_$1/metactl"
}

rabbitmq_cluster_port() {
	eval "echo \$_rc_port_$1"
}

rabbitmq_cluster_dist_port() {
	eval "echo \$_rc_dist_$1"
}

rabbitmq_cluster_ctl() {
	_rc_i=$1
	shift
	(_rc_node "$_rc_i" && rabbitmq_ctl "$@")
}

# _rc_layout I: the directory, cookie and configuration of node I.
_rc_layout() {
	_rc_node "$1"
	mkdir -p "$RABBITMQ_DIR" &&
	cp "$RABBITMQ_CLUSTER_DIR/cookie" "$RABBITMQ_DIR/.erlang.cookie" &&
	chmod 0400 "$RABBITMQ_DIR/.erlang.cookie" &&
	printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users = none\n' \
	    "$RABBITMQ_PORT" >"$RABBITMQ_DIR/rabbitmq.conf" &&
	echo '[].' >"$RABBITMQ_DIR/enabled_plugins"
}

# _rc_spawn I: starts node I's server in the background (no wait).
_rc_spawn() {
	_rc_node "$1"
	rabbitmq_env "$RABBITMQ_BIN/rabbitmq-server" \
	    >>"$RABBITMQ_DIR/server.out" 2>&1 &
	eval "_rc_pid_$1=\$!"
}

# _rc_wait I: waits until node I runs.
_rc_wait() {
	_rc_node "$1"
	rabbitmq_ctl wait --pid "$RABBITMQ_PID" --timeout 120 \
	    >>"$RABBITMQ_DIR/ctl.out" 2>&1 && return 0
	echo "rabbitmq: node $1 did not start; see $RABBITMQ_DIR/server.out" >&2
	tail -n 20 "$RABBITMQ_DIR/server.out" >&2
	return 1
}

# _rc_join I: node I joins node 1's cluster.
_rc_join() {
	_rc_first="metactl$_rc_port_1@localhost"
	rabbitmq_cluster_ctl "$1" stop_app >/dev/null &&
	rabbitmq_cluster_ctl "$1" join_cluster "$_rc_first" >/dev/null &&
	rabbitmq_cluster_ctl "$1" start_app >/dev/null || {
		echo "rabbitmq: node $1 could not join $_rc_first" >&2
		return 1
	}
}

# _rc_try: one attempt at the whole cluster, on new ports.
_rc_try() {
	_rc_epmd=$(rabbitmq_free_port)
	for _rc_i in $(_rc_nodes); do
		eval "_rc_port_$_rc_i=\$(rabbitmq_free_port)
		_rc_dist_$_rc_i=\$(rabbitmq_free_port)"
		_rc_layout "$_rc_i" || return 1
	done
	for _rc_i in $(_rc_nodes); do
		_rc_spawn "$_rc_i"
	done
	for _rc_i in $(_rc_nodes); do
		_rc_wait "$_rc_i" || return 1
	done
	[ "${RABBITMQ_CLUSTER_JOIN:-yes}" = no ] && return 0
	for _rc_i in $(_rc_nodes); do
		[ "$_rc_i" -eq 1 ] || _rc_join "$_rc_i" || return 1
	done
}

# _rc_user I: the vhost and user on node I.
_rc_user() {
	(_rc_node "$1" && rabbitmq_add_user)
}

rabbitmq_cluster_start() {
	[ -x "$RABBITMQ_BIN/rabbitmq-server" ] || {
		echo "rabbitmq: $RABBITMQ_BIN/rabbitmq-server not found (apt-get install rabbitmq-server)" >&2
		return 1
	}
	RABBITMQ_CLUSTER_DIR=${1:-$(mktemp -d "${TMPDIR:-/tmp}/metactl-rmqc.XXXXXX")}
	for _rc_attempt in 1 2 3; do
		rm -rf "$RABBITMQ_CLUSTER_DIR"
		mkdir -p "$RABBITMQ_CLUSTER_DIR" || return 1
		od -An -N20 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F \
		    >"$RABBITMQ_CLUSTER_DIR/cookie"
		_rc_try && break
		_rc_halt_all
		[ "$_rc_attempt" -lt 3 ] || return 1
		echo "rabbitmq: trying the cluster again with other ports" >&2
	done
	RABBITMQ_CLUSTER_URLS=
	for _rc_i in $(_rc_nodes); do
		if [ "$_rc_i" -eq 1 ] || [ "${RABBITMQ_CLUSTER_JOIN:-yes}" = no ]; then
			_rc_user "$_rc_i" || return 1
		fi
		RABBITMQ_CLUSTER_URLS="$RABBITMQ_CLUSTER_URLS${RABBITMQ_CLUSTER_URLS:+ }$(rabbitmq_cluster_url "$_rc_i")"
	done
	RABBITMQ_URL=$(rabbitmq_cluster_url 1)
	RABBITMQ_CLUSTER_EPMD_PORT=$_rc_epmd
	export RABBITMQ_CLUSTER_URLS RABBITMQ_URL RABBITMQ_CLUSTER_DIR \
	    RABBITMQ_CLUSTER_EPMD_PORT
}

rabbitmq_cluster_node_stop() {
	_rc_node "$1"
	rabbitmq_halt
	eval "_rc_pid_$1="
}

_rc_descendants() {
	for _rc_c in $(ps -o pid= --ppid "$1"); do
		echo "$_rc_c"
		_rc_descendants "$_rc_c"
	done
}

rabbitmq_cluster_node_kill() {
	_rc_node "$1"
	# The Erlang VM, a descendant of the process started (shells and
	# the server script in between).
	for _rc_vm in $(_rc_descendants "$RABBITMQ_PID"); do
		case $(cat "/proc/$_rc_vm/comm" 2>/dev/null) in
		beam*) kill -KILL "$_rc_vm" ;;
		esac
	done
	wait "$RABBITMQ_PID" 2>/dev/null
	eval "_rc_pid_$1="
}

rabbitmq_cluster_node_start() {
	_rc_spawn "$1"
	_rc_wait "$1"
}

_rc_halt_all() {
	for _rc_i in $(_rc_nodes | sort -rn); do
		[ -n "${RABBITMQ_CLUSTER_DIR:-}" ] || return 0
		eval "[ -n \"\${_rc_pid_$_rc_i:-}\" ]" || continue
		rabbitmq_cluster_node_stop "$_rc_i"
	done
	# epmd detaches from the process tree; stop the one on our port.
	_rc_epmd_pid=$(ss -Hltnp "sport = :${_rc_epmd:-0}" 2>/dev/null |
	    sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1)
	[ -n "$_rc_epmd_pid" ] && kill "$_rc_epmd_pid" 2>/dev/null
	return 0
}

rabbitmq_cluster_stop() {
	_rc_halt_all
	[ -n "${RABBITMQ_CLUSTER_DIR:-}" ] && [ -z "${RABBITMQ_KEEP:-}" ] &&
		rm -rf "$RABBITMQ_CLUSTER_DIR"
	return 0
}
