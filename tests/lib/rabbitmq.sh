# rabbitmq.sh: a private RabbitMQ broker on loopback for tests and demos.
#
# Source it, then:
#   rabbitmq_start [DIR]   start a broker (data, logs and cookie under DIR,
#                          default a new temporary directory) on free loopback
#                          ports; exports RABBITMQ_URL (vhost "metactl", user
#                          "metactl"), RABBITMQ_PORT, RABBITMQ_DIR
#   rabbitmq_stop          stop it and the epmd it started
#   rabbitmq_restart       stop and start again on the same port and data
#   rabbitmq_ctl ARGS...   rabbitmqctl against this broker
#   rabbitmq_make_ca DIR NAME
#                          a throwaway CA (DIR/NAME.key, DIR/NAME.pem), with
#                          the openssl command
# With RABBITMQ_TLS=1, rabbitmq_start also makes a CA and a certificate for
# 127.0.0.1 and localhost under RABBITMQ_DIR/tls, opens a TLS listener (the
# broker does not ask for client certificates) and exports RABBITMQ_TLS_URL
# (amqps://localhost:..., same vhost and user), RABBITMQ_TLS_PORT and
# RABBITMQ_TLS_CA (the CA's PEM file). The plain listener stays.
# RABBITMQ_PLUGINS (comma-separated) are enabled at start, such as
# rabbitmq_federation.
# RABBITMQ_MAX_MESSAGE_SIZE (bytes) raises the broker's max_message_size
# (RabbitMQ 3.10: default 128 MiB, at most 512 MiB).
# Runs Debian's server as a plain process (no systemd, no service user):
# see shared/notes/rabbitmq-on-loopback.md.

RABBITMQ_BIN=${RABBITMQ_BIN:-/usr/lib/rabbitmq/bin}

rabbitmq_free_port() {
	# A port nobody listens on, in a range the kernel does not hand out.
	used=$(ss -Hltn 2>/dev/null | awk '{print $4}' | sed 's/.*://')
	while :; do
		p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12000))
		echo "$used" | grep -qx "$p" || { echo "$p"; return; }
	done
}

rabbitmq_env() {
	env HOME="$RABBITMQ_DIR" \
	    RABBITMQ_NODENAME="metactl$RABBITMQ_PORT@localhost" \
	    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
	    RABBITMQ_NODE_PORT="$RABBITMQ_PORT" \
	    RABBITMQ_DIST_PORT="$RABBITMQ_DIST_PORT" \
	    ERL_EPMD_PORT="$RABBITMQ_EPMD_PORT" ERL_EPMD_ADDRESS=127.0.0.1 \
	    RABBITMQ_CONFIG_FILE="$RABBITMQ_DIR/rabbitmq" \
	    RABBITMQ_MNESIA_BASE="$RABBITMQ_DIR/mnesia" \
	    RABBITMQ_LOG_BASE="$RABBITMQ_DIR/log" \
	    RABBITMQ_ENABLED_PLUGINS_FILE="$RABBITMQ_DIR/enabled_plugins" \
	    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
	    "$@"
}

rabbitmq_ctl() {
	rabbitmq_env "$RABBITMQ_BIN/rabbitmqctl" "$@"
}

rabbitmq_launch() {
	rabbitmq_env "$RABBITMQ_BIN/rabbitmq-server" \
	    >>"$RABBITMQ_DIR/server.out" 2>&1 &
	RABBITMQ_PID=$!
	if ! rabbitmq_ctl wait --pid "$RABBITMQ_PID" --timeout 120 \
	    >>"$RABBITMQ_DIR/ctl.out" 2>&1; then
		echo "rabbitmq: broker did not start; see $RABBITMQ_DIR/server.out" >&2
		tail -n 20 "$RABBITMQ_DIR/server.out" >&2
		return 1
	fi
}

rabbitmq_make_ca() { # DIR NAME
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -days 7 -subj "/CN=$2" -keyout "$1/$2.key" -out "$1/$2.pem" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1
}

# rabbitmq_tls_files DIR: CA, server key and certificate for the broker.
rabbitmq_tls_files() {
	command -v openssl >/dev/null || {
		echo "rabbitmq: RABBITMQ_TLS needs the openssl command" >&2
		return 1
	}
	mkdir -p "$1" &&
	rabbitmq_make_ca "$1" ca &&
	printf '%s\n' 'subjectAltName = IP:127.0.0.1, DNS:localhost' \
	    'extendedKeyUsage = serverAuth' 'basicConstraints = CA:FALSE' \
	    >"$1/server.ext" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -subj /CN=localhost -keyout "$1/server.key" \
	    -out "$1/server.csr" >/dev/null 2>&1 &&
	openssl x509 -req -in "$1/server.csr" -CA "$1/ca.pem" \
	    -CAkey "$1/ca.key" -set_serial 1 -days 7 \
	    -extfile "$1/server.ext" -out "$1/server.pem" >/dev/null 2>&1 || {
		echo "rabbitmq: could not make the TLS certificates" >&2
		return 1
	}
}

# The vhost "metactl" and the user "metactl" (password "metactl") with
# every permission on it.
rabbitmq_add_user() {
	rabbitmq_ctl add_vhost metactl >/dev/null &&
	rabbitmq_ctl add_user metactl metactl >/dev/null &&
	rabbitmq_ctl set_permissions -p metactl metactl '.*' '.*' '.*' >/dev/null ||
		{ echo "rabbitmq: could not create vhost and user" >&2; return 1; }
}

rabbitmq_start() {
	[ -x "$RABBITMQ_BIN/rabbitmq-server" ] || {
		echo "rabbitmq: $RABBITMQ_BIN/rabbitmq-server not found (apt-get install rabbitmq-server)" >&2
		return 1
	}
	RABBITMQ_DIR=${1:-$(mktemp -d "${TMPDIR:-/tmp}/metactl-rabbitmq.XXXXXX")}
	# Ports are picked at random among free ones; another broker starting
	# at the same moment may take one first, so try again with new ports.
	for try in 1 2 3; do
		rm -rf "$RABBITMQ_DIR"
		mkdir -p "$RABBITMQ_DIR"
		RABBITMQ_PORT=$(rabbitmq_free_port)
		RABBITMQ_DIST_PORT=$(rabbitmq_free_port)
		RABBITMQ_EPMD_PORT=$(rabbitmq_free_port)
		printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users = none\n' \
		    "$RABBITMQ_PORT" >"$RABBITMQ_DIR/rabbitmq.conf"
		[ -n "${RABBITMQ_MAX_MESSAGE_SIZE:-}" ] &&
			echo "max_message_size = $RABBITMQ_MAX_MESSAGE_SIZE" \
			    >>"$RABBITMQ_DIR/rabbitmq.conf"
		if [ -n "${RABBITMQ_TLS:-}" ]; then
			_r_tls=$RABBITMQ_DIR/tls
			rabbitmq_tls_files "$_r_tls" || return 1
			RABBITMQ_TLS_PORT=$(rabbitmq_free_port)
			cat >>"$RABBITMQ_DIR/rabbitmq.conf" <<-EOF
			listeners.ssl.default = 127.0.0.1:$RABBITMQ_TLS_PORT
			ssl_options.cacertfile = $_r_tls/ca.pem
			ssl_options.certfile = $_r_tls/server.pem
			ssl_options.keyfile = $_r_tls/server.key
			ssl_options.verify = verify_none
			ssl_options.fail_if_no_peer_cert = false
			EOF
		fi
		echo "[${RABBITMQ_PLUGINS:-}]." >"$RABBITMQ_DIR/enabled_plugins"
		rabbitmq_launch && break
		rabbitmq_halt
		[ "$try" -lt 3 ] || return 1
		echo "rabbitmq: trying again with other ports" >&2
	done
	rabbitmq_add_user || return 1
	RABBITMQ_URL="amqp://metactl:metactl@127.0.0.1:$RABBITMQ_PORT/metactl"
	export RABBITMQ_URL RABBITMQ_PORT RABBITMQ_DIR
	if [ -n "${RABBITMQ_TLS:-}" ]; then
		# localhost, not 127.0.0.1: librabbitmq matches only the
		# certificate's DNS names.
		RABBITMQ_TLS_URL="amqps://metactl:metactl@localhost:$RABBITMQ_TLS_PORT/metactl"
		RABBITMQ_TLS_CA=$RABBITMQ_DIR/tls/ca.pem
		export RABBITMQ_TLS_URL RABBITMQ_TLS_PORT RABBITMQ_TLS_CA
	fi
}

rabbitmq_halt() {
	[ -n "${RABBITMQ_PID:-}" ] || return 0
	# The Erlang VM listening on our port: RABBITMQ_PID is the shell that
	# started rabbitmq-server, which runs the VM as a child. Without the
	# cookie (its HOME removed) rabbitmqctl cannot stop it: kill both.
	_r_vm=$(ss -Hltnp "sport = :$RABBITMQ_PORT" 2>/dev/null |
	    sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1)
	if ! rabbitmq_ctl shutdown >/dev/null 2>&1; then
		kill "$RABBITMQ_PID" 2>/dev/null
		[ -n "$_r_vm" ] && kill "$_r_vm" 2>/dev/null
	fi
	wait "$RABBITMQ_PID" 2>/dev/null
	RABBITMQ_PID=
}

rabbitmq_stop() {
	rabbitmq_halt
	# epmd detaches from the process tree; stop the one on our port.
	epmd_pid=$(ss -Hltnp "sport = :${RABBITMQ_EPMD_PORT:-0}" 2>/dev/null |
	    sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1)
	[ -n "$epmd_pid" ] && kill "$epmd_pid" 2>/dev/null
	[ -n "${RABBITMQ_DIR:-}" ] && [ -z "${RABBITMQ_KEEP:-}" ] &&
		rm -rf "$RABBITMQ_DIR"
	return 0
}

rabbitmq_restart() {
	rabbitmq_halt
	rabbitmq_launch
}
