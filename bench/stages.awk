# stages.awk: the cost of each stage of one request inside metactld, from
# callgrind_annotate --inclusive=yes --tree=calling output of an agent that
# handled n requests. Prints a Markdown table: stage, the functions it
# counts, instructions per request, share of the whole.
#
#   callgrind_annotate --inclusive=yes --tree=calling --threshold=100 \
#       --auto=no OUT | awk -v n=REQUESTS -f bench/stages.awk
#
# Functions are keyed "file.c:function" (or "???:function" for libraries
# without debug information). A static function that the compiler inlined
# has no entry of its own: its callees show up under its caller, which is
# how guess_id() is found inside dispatch_message().

function num(s) {
	gsub(/,/, "", s)
	return s + 0
}

function key(s, f, i) {
	sub(/ \[.*$/, "", s)
	sub(/ \([0-9,]+x\)$/, "", s)
	# Keep the last path component: ../../agent/dispatch.c:fn -> dispatch.c:fn
	i = split(s, f, "/")
	return f[i]
}

function calls(s) {
	if (match(s, /\(([0-9,]+)x\)/))
		return num(substr(s, RSTART + 1, RLENGTH - 3))
	return 0
}

# The function whose name (after "file:") is fn, ignoring the entries that
# callgrind files under a header (code inlined from jansson.h and the like);
# "" when absent.
function find(fn, k) {
	for (k in names)
		if (k ~ (":" fn "$") && k !~ /\.h:/)
			return k
	return ""
}

function I(fn, k) {
	k = find(fn)
	return k == "" ? 0 : incl[k]
}

# Inclusive cost of callee fn when called from caller; also sets ecalls.
function E(caller, fn, kc, kf) {
	kc = find(caller)
	kf = find(fn)
	ecalls = (kc SUBSEP kf) in ecount ? ecount[kc, kf] : 0
	return (kc SUBSEP kf) in edge ? edge[kc, kf] : 0
}

# 1234567 -> 1,234,567
function group(x, s) {
	s = sprintf("%d", x)
	while (s ~ /[0-9][0-9][0-9][0-9]/)
		sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
	return s
}

function row(stage, what, ir, pct) {
	pct = total > 0 ? 100 * ir / total : 0
	printf "| %s | %s | %s | %.1f%% |\n", stage, what, group(ir / n), pct
	sum += ir
}

/^ *[0-9,]+ +\([ 0-9.%]+\) +\* +/ {
	line = $0
	ir = num($1)
	sub(/^ *[0-9,]+ +\([ 0-9.%]+\) +\* +/, "", line)
	cur = key(line)
	incl[cur] = ir
	names[cur] = 1
	next
}

/^ *[0-9,]+ +\([ 0-9.%]+\) +> +/ {
	line = $0
	ir = num($1)
	sub(/^ *[0-9,]+ +\([ 0-9.%]+\) +> +/, "", line)
	k = key(line)
	names[k] = 1
	edge[cur, k] += ir
	ecount[cur, k] += calls(line)
	next
}

END {
	if (n <= 0 || find("dispatch_message") == "") {
		print "stages.awk: no dispatch_message in the profile" >"/dev/stderr"
		exit 1
	}
	# One thread drains the broker (broker.c:drain), or an I/O thread
	# receives and publishes (amqpio.c:serve) while the loop dispatches
	# (broker.c:on_async).
	io = find("drain") != "" ? "drain" : "serve"
	total = find("drain") != "" ? I("drain") : I("on_async") + I("serve")
	sum = 0
	print "| stage | functions (inclusive) | instructions per request | share |"
	print "|---|---|---:|---:|"
	row("receive", "transport_amqp_next (AMQP frames)",
	    E(io, "transport_amqp_next"))
	dec = E("dispatch_message", "envelope_decode")
	dcalls = ecalls
	if (I("guess_id") > 0) {
		guess = I("guess_id")
	} else if (dcalls >= 2 * n) {
		# guess_id() is inlined: one of the two envelope_decode() calls
		# and the message_parse_json() call are its own.
		guess = dec / 2 + E("dispatch_message", "message_parse_json")
		dec = dec / 2
	} else {
		guess = 0
	}
	row("decode", "envelope_decode + request_decode",
	    dec + E("dispatch_message", "request_decode"))
	if (guess > 0)
		row("decode again", "guess_id: envelope and body parsed a second time to find the id", guess)
	v = E("dispatch_message", "sign_envelope_verify")
	if (v == 0)
		v = E("trust_verify", "sign_envelope_verify")
	cv = E("sign_envelope_verify", "cert_verify")
	row("verify: certificate", "cert_verify (CA signature over the caller's certificate)", cv)
	row("verify: signature", "sign_envelope_verify less cert_verify (ed25519 over the body)", v - cv)
	row("replay", "replay_check", E("dispatch_message", "replay_check"))
	row("filter", "filter_match", E("dispatch_message", "filter_match"))
	ddl = E("dispatch_message", "registry_lookup")
	ddl += E("dispatch_message", "registry_ddl")
	ddl += E("dispatch_message", "ddl_find_action")
	ddl += E("dispatch_message", "ddl_validate")
	ddl += E("dispatch_message", "json_deep_copy")
	row("DDL", "registry_lookup, ddl_find_action, ddl_validate, json_deep_copy", ddl)
	pk = find("policy_check")
	row("policy", pk (pk ~ /stub/ ? " (the built-in stub, not the evaluator)" : ""),
	    E("dispatch_message", "policy_check"))
	act = E("dispatch_message", "action_submit")
	done = E("action_submit", "action_done")
	if (done == 0)
		done = I("action_done")
	row("action", "action_submit less action_done (rpcutil ping)", act - done)
	rep = I("dispatch_reply")
	pub = E("dispatch_reply", "sink_send")
	sig = E("dispatch_reply", "sign_envelope")
	if (sig == 0)
		sig = E("dispatch_reply", "trust_sign")
	own = E("sign_envelope", "cert_check")
	# Publishing proper happens on the I/O thread, when there is one.
	pub += E("serve", "publish_queued")
	row("encode", "reply_encode, envelope_encode (dispatch_reply less signing and sink_send)", rep - E("dispatch_reply", "sink_send") - sig)
	row("sign", sprintf("trust_sign or sign_envelope (of which %s re-checking the node's own certificate)", group(own / n)), sig)
	row("publish", "sink_send, and the I/O thread's publish_queued", pub)
	al = E("action_done", "agentd_audit") + E("action_done", "log_info")
	al += E("dispatch_message", "log_info")
	row("audit + log", "agentd_audit, log_info", al)
	other = total - sum
	row("rest", "delivery, frees, error_init, snprintf ...", other)
	printf "| **total** | %s | **%s** | 100%% |\n", io == "drain" ? "broker.c:drain" : "broker.c:on_async + amqpio.c:serve", group(total / n)
}
