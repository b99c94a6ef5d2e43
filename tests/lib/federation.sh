# federation.sh: two private RabbitMQ brokers on loopback, sites "a" and
# "b", joined by the rabbitmq_federation plugin the way docs/FEDERATION.md
# describes. Source it after tests/lib/rabbitmq.sh, then:
#
#   federation_available     true when the broker ships rabbitmq_federation
#   federation_start DIR     start both brokers with the plugin enabled
#                            (data under DIR/a and DIR/b); exports
#                            FED_A_URL and FED_B_URL (vhost and user
#                            "metactl", as RABBITMQ_URL)
#   federation_link          on each site: the metactl exchanges and the
#                            reply anchor (import_definitions), the other
#                            site as upstream, the federation policy; then
#                            waits until the three links of each site run
#   federation_ctl SITE ARGS...
#                            rabbitmqctl against site a or b
#   federation_stop          stop both brokers and their epmd, nothing else
#
# rabbitmq.sh keeps one broker's state in RABBITMQ_* variables; each site's
# copy lives in FED_<SITE>_* and is swapped in around every call.

FED_VARS="DIR PORT DIST_PORT EPMD_PORT PID URL"

federation_available() {
	ls -d "$RABBITMQ_BIN"/../lib/rabbitmq_server-*/plugins/rabbitmq_federation-* \
	    >/dev/null 2>&1
}

# federation_use SITE: its broker becomes rabbitmq.sh's current one.
federation_use() {
	for _fd_v in $FED_VARS; do
		eval "RABBITMQ_$_fd_v=\${FED_$1_$_fd_v:-}"
	done
}

# federation_keep SITE: remember the current broker as SITE's.
federation_keep() {
	for _fd_v in $FED_VARS; do
		eval "FED_$1_$_fd_v=\${RABBITMQ_$_fd_v:-}"
	done
}

federation_ctl() {
	_fd_s=$1
	shift
	federation_use "$_fd_s"
	rabbitmq_ctl "$@"
}

# Both brokers start at once, each in a subshell that writes its
# rabbitmq.sh variables to DIR/SITE.env, or stops what it started.
federation_start() {
	_fd_pids=
	for _fd_s in a b; do
		(
			RABBITMQ_PID=
			RABBITMQ_PLUGINS=rabbitmq_federation \
			    rabbitmq_start "$1/$_fd_s" || {
				rabbitmq_stop
				exit 1
			}
			for _fd_v in $FED_VARS; do
				eval "echo FED_${_fd_s}_$_fd_v=\\'\$RABBITMQ_$_fd_v\\'"
			done >"$1/$_fd_s.env"
		) &
		_fd_pids="$_fd_pids $!"
	done
	_fd_rc=0
	for _fd_p in $_fd_pids; do
		wait "$_fd_p" || _fd_rc=1
	done
	for _fd_s in a b; do
		[ -f "$1/$_fd_s.env" ] && . "$1/$_fd_s.env"
	done
	FED_A_URL=${FED_a_URL:-} FED_B_URL=${FED_b_URL:-}
	export FED_A_URL FED_B_URL
	return $_fd_rc
}

# The objects every site holds before its links start: the three
# exchanges (as metactld and metactl declare them) and the binding "#"
# from metactl.reply to metactl.reply.anchor, an exchange nothing is bound
# to. Through it each site asks its upstreams for every reply at once,
# instead of for each client's queue as that client binds it.
federation_definitions() {
	cat <<-'EOF'
	{"exchanges": [
	  {"name": "metactl.broadcast", "vhost": "metactl", "type": "topic",
	   "durable": true, "auto_delete": false, "internal": false,
	   "arguments": {}},
	  {"name": "metactl.direct", "vhost": "metactl", "type": "direct",
	   "durable": true, "auto_delete": false, "internal": false,
	   "arguments": {}},
	  {"name": "metactl.reply", "vhost": "metactl", "type": "topic",
	   "durable": true, "auto_delete": false, "internal": false,
	   "arguments": {}},
	  {"name": "metactl.reply.anchor", "vhost": "metactl",
	   "type": "fanout", "durable": true, "auto_delete": false,
	   "internal": true, "arguments": {}}],
	 "bindings": [
	  {"source": "metactl.reply", "vhost": "metactl",
	   "destination": "metactl.reply.anchor", "destination_type": "exchange",
	   "routing_key": "#", "arguments": {}}]}
	EOF
}

# federation_running SITE: how many of SITE's links say "running".
federation_running() {
	federation_ctl "$1" federation_status --formatter json 2>/dev/null |
	    grep -o '"status":"running"' | wc -l
}

# federation_wait SITE N: polls until SITE has N links running (30 s).
federation_wait() {
	_fd_i=0
	while [ "$_fd_i" -lt 150 ]; do
		[ "$(federation_running "$1")" = "$2" ] && return 0
		sleep 0.2
		_fd_i=$((_fd_i + 1))
	done
	echo "federation: site $1 has $(federation_running "$1") of $2 links running" >&2
	federation_ctl "$1" federation_status >&2
	return 1
}

# federation_site SITE UPSTREAM URL: SITE's objects, upstream and policy.
federation_site() {
	federation_ctl "$1" import_definitions "$_fd_defs" &&
	federation_ctl "$1" set_parameter -p metactl \
	    federation-upstream "site-$2" "{\"uri\":\"$3\",\"max-hops\":1}" &&
	federation_ctl "$1" set_policy -p metactl \
	    --apply-to exchanges metactl-federation \
	    '^metactl\.(broadcast|direct|reply)$' \
	    '{"federation-upstream-set":"all"}'
}

# Both sites are set up at once (rabbitmqctl takes seconds a call).
federation_link() {
	federation_use a
	_fd_defs=$RABBITMQ_DIR/../definitions.json
	federation_definitions >"$_fd_defs" || return 1
	federation_site a b "$FED_b_URL" >/dev/null &
	_fd_pa=$!
	federation_site b a "$FED_a_URL" >/dev/null &
	_fd_pb=$!
	wait "$_fd_pa"
	_fd_ra=$?
	wait "$_fd_pb" && [ "$_fd_ra" -eq 0 ] || return 1
	federation_wait a 3 && federation_wait b 3
}

federation_stop() {
	for _fd_s in b a; do
		federation_use "$_fd_s"
		[ -n "$RABBITMQ_DIR" ] && rabbitmq_stop
		federation_keep "$_fd_s"
	done
	return 0
}
