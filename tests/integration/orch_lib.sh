# orch_lib.sh: a small fleet of metactld nodes on a private broker, for the
# metactl integration tests. Source after tests/lib/tap.sh.
#
#   orch_setup              temp dir $T, broker, CA, caller key and client.conf
#   orch_client URL         the same without temp dir and broker: CA, caller
#                           key, and client.conf for the broker at URL
#   orch_node ID ROLE DC NUM CLASSES [CERTNAME] [CADIR]
#                           start a node (facts role/dc/num, classes), wait
#                           until it is ready (notification fd, no sleeping);
#                           with CADIR, a node of that CA's fleet; its log
#                           level is $ORCH_LOG_LEVEL (default info)
#   orch_fake ID SENDER [CADIR]
#                           a node that answers as SENDER with ID's key
#                           (tests/integration/orch_fakenode), once ready;
#                           with CADIR, its certificate is from that CA
#   orch_local_node ID      a node without broker, local socket $T/ID.sock
#   orch_teardown           stop the nodes and the broker (or run
#                           $ORCH_BROKER_STOP instead of rabbitmq_stop)
#   is DESC GOT WANT        a test that GOT equals WANT
#   orch_agent AGENT        the external agent $T/agents/AGENT (and its
#                           DDL AGENT.json, written by the caller) for
#                           alice: its policy, and a DDL directory for
#                           metactl ($T/ddl, in $T/client2.conf, now
#                           METACTL_CONFIG)
#   orch_nodes N            nodes n1..nN (role web, dc1, num i), then a
#                           full discovery that must find them all
#   orch_discover_all N     a full discovery (--refresh --no-cache) into
#                           the node registry; prints the nodes, and the
#                           refresh's notes on stderr; fails unless it
#                           found N nodes (a node is ready only once its
#                           queue is bound: the first broadcast reaches it)
#   orch_valid FILE PYTHON  a test body: FILE, a --json document,
#                           validates against the output schema, then the
#                           PYTHON statements (d is the document) hold
# M is metactl; $T/client.conf is exported as METACTL_CONFIG.

. "$top_srcdir/tests/lib/rabbitmq.sh"

M="$top_builddir/orchestrator/metactl"
D="$top_builddir/agent/metactld"
ORCH_PIDS=

orch_teardown() {
	for p in $ORCH_PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	${ORCH_BROKER_STOP:-rabbitmq_stop}
	[ -n "${T:-}" ] && rm -rf "$T"
}

orch_setup() {
	[ -x "$D" ] || skip_all "metactld not built"
	T=$(mktemp -d "${TMPDIR:-/tmp}/orch.XXXXXX") || exit 99
	trap orch_teardown EXIT
	rabbitmq_start "$T/rabbitmq" >"$T/rabbitmq.out" 2>&1 ||
		skip_all "cannot start RabbitMQ"
	orch_client "$RABBITMQ_URL"
}

orch_client() {
	mkdir -p "$T/agents" "$T/policy"
	# Every test needs ping; get_facts stays denied to see failures.
	printf 'policy default deny\nallow\t*\tping inventory get_fact\t*\n' \
	    >"$T/policy/rpcutil.policy"
	"$M" ca init --name testca "$T/ca" >/dev/null &&
	"$M" ca init --name rogue "$T/rogueca" >/dev/null &&
	"$M" keygen "$T/alice" >/dev/null &&
	"$M" ca sign --ca "$T/ca" --role caller --name alice -o "$T/alice.crt" \
	    "$T/alice.pub" >/dev/null || exit 99
	cat >"$T/client.conf" <<-EOF
	broker = $1
	collective = metactl
	key = $T/alice.key
	certificate = $T/alice.crt
	ca = $T/ca/ca.pub
	timeout = 5s
	discovery_timeout = 1s
	ddl_dir = $top_srcdir/schemas/ddl
	cache = $T/cache/nodes.json
	EOF
	METACTL_CONFIG="$T/client.conf"
	export METACTL_CONFIG
	unset METACTL_BROKER NO_COLOR
}

# orch_start ID: completes $T/ID.conf with what every node shares,
# starts metactld with it and waits for its readiness line on the
# notification fd.
orch_start() {
	cat >>"$T/$1.conf" <<-EOF
	[policy]
	dir = $T/policy
	[plugins]
	ddl_dir = $top_srcdir/schemas/ddl
	external_dir = $T/agents
	[daemon]
	notification_fd = 3
	EOF
	rm -f "$T/$1.ready"
	mkfifo "$T/$1.ready"
	"$D" -f -c "$T/$1.conf" 3>"$T/$1.ready" >"$T/$1.log" 2>&1 &
	ORCH_PIDS="$ORCH_PIDS $!"
	if ! read -r _ <"$T/$1.ready"; then
		echo "# $1 did not start:" && sed 's/^/# /' "$T/$1.log"
		return 1
	fi
}

orch_node() {
	id=$1 cn=${6:-$1} ca=${7:-$T/ca}
	"$M" keygen "$T/$id" >/dev/null &&
	"$M" ca sign --ca "$ca" --role node --name "$cn" -o "$T/$id.crt" \
	    "$T/$id.pub" >/dev/null || return 1
	printf '{"role":"%s","dc":"%s","num":%s,"os":{"family":"debian"}}\n' \
	    "$2" "$3" "$4" >"$T/$id.facts"
	printf '%s\n' $5 >"$T/$id.classes"
	cat >"$T/$id.conf" <<-EOF
	[node]
	identity = $id
	collectives = metactl
	facts = $T/$id.facts
	classes = $T/$id.classes
	[broker]
	urls = $RABBITMQ_URL
	[security]
	key = $T/$id.key
	certificate = $T/$id.crt
	ca = $ca/ca.pub
	[local]
	enable = false
	[log]
	level = ${ORCH_LOG_LEVEL:-info}
	audit = $T/$id.audit
	EOF
	orch_start "$id"
}

orch_fake() {
	F="$top_builddir/tests/integration/orch_fakenode"
	"$M" keygen "$T/$1" >/dev/null &&
	"$M" ca sign --ca "${3:-$T/ca}" --role node --name "$1" \
	    -o "$T/$1.crt" "$T/$1.pub" >/dev/null || return 1
	mkfifo "$T/$1.ready"
	"$F" "$RABBITMQ_URL" "$T/$1.key" "$T/$1.crt" "$1" "$2" metactl \
	    >"$T/$1.ready" 2>"$T/$1.log" &
	ORCH_PIDS="$ORCH_PIDS $!"
	read -r _ <"$T/$1.ready" || { sed 's/^/# /' "$T/$1.log"; return 1; }
}

orch_local_node() {
	cat >"$T/$1.conf" <<-EOF
	[node]
	identity = $1
	facts = $T/web1.facts
	[local]
	socket = $T/$1.sock
	[log]
	audit = $T/$1.audit
	EOF
	orch_start "$1"
}

# now_ms: wall clock in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: got '$2', want '$3'"; fi
}

orch_valid() {
	"$PYTHON3" -c '
import json, sys, jsonschema
d = json.load(open(sys.argv[2]))
jsonschema.validate(d, json.load(open(sys.argv[1])))
exec(sys.argv[3])
' "$top_srcdir/schemas/metactl-output.schema.json" "$@"
}

orch_agent() {
	chmod 0755 "$T/agents/$1" && chmod 0644 "$T/agents/$1.json" || return 1
	printf 'policy default deny\nallow\tcert=alice\t*\t*\n' \
	    >"$T/policy/$1.policy"
	mkdir -p "$T/ddl"
	cp "$top_srcdir/schemas/ddl/"*.json "$T/agents/$1.json" "$T/ddl/"
	sed "s|^ddl_dir = .*|ddl_dir = $T/ddl|" "$T/client.conf" \
	    >"$T/client2.conf"
	METACTL_CONFIG="$T/client2.conf"
}

orch_nodes() {
	_o_i=0
	while [ "$_o_i" -lt "$1" ]; do
		_o_i=$((_o_i + 1))
		orch_node "n$_o_i" web dc1 "$_o_i" web || return 1
	done
	orch_discover_all "$1" >/dev/null
}

orch_discover_all() {
	"$M" find --refresh --no-cache >"$T/discover_all.out" || :
	cat "$T/discover_all.out"
	[ "$(wc -l <"$T/discover_all.out")" -ge "$1" ]
}
