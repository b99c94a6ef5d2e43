#!/bin/sh
# Two sites joined by RabbitMQ federation as docs/FEDERATION.md sets them
# up: metactl connected only to site a's broker reaches the agents
# connected only to site b's (broadcast, filtered and direct requests, every
# reply verified), and a site cut off is named as not answering.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/integration/orch_lib.sh"
. "$top_srcdir/tests/lib/federation.sh"
MCSEND="$top_builddir/tests/integration/mcsend"

[ -x "$D" ] || skip_all "metactld not built"
federation_available || skip_all "the rabbitmq_federation plugin is missing"

T=$(mktemp -d "${TMPDIR:-/tmp}/federation.XXXXXX") || exit 99
ORCH_BROKER_STOP=federation_stop
trap orch_teardown EXIT
federation_start "$T/rabbitmq" >"$T/rabbitmq.out" 2>&1 || {
	echo "Bail out! cannot start two brokers"
	sed 's/^/# /' "$T/rabbitmq.out"
	exit 99
}
federation_link 2>"$T/link.err"
is "both sites' federation links run" $? 0
sed 's/^/# /' "$T/link.err"

# The broker users of docs/FEDERATION.md: agents may not read replies.
fed_user() { # SITE USER CONFIGURE WRITE READ
	federation_ctl "$1" add_user "$2" "$2" >/dev/null &&
	federation_ctl "$1" set_permissions -p metactl "$2" "$3" "$4" "$5" \
	    >/dev/null
}
fed_user b agent '^metactl\.(node\..*|broadcast|direct|reply)$' \
    '^(metactl\.(node\..*|reply)|amq\.default)$' \
    '^metactl\.(node\..*|broadcast|direct)$' &
fed_b=$!
fed_user a operator '^metactl\.(reply(\..*)?|broadcast|direct)$' \
    '^metactl\.(reply\..*|broadcast|direct)$' \
    '^metactl\.reply(\..*)?$' || exit 99
wait "$fed_b" || exit 99
AGENT_B_URL=$(echo "$FED_B_URL" | sed 's|metactl:metactl@|agent:agent@|')
OPERATOR_A_URL=$(echo "$FED_A_URL" | sed 's|metactl:metactl@|operator:operator@|')

orch_client "$OPERATOR_A_URL"
# Replies through the reply exchange: what crosses from site b. A client
# without it (as the broker's own user: the operator may declare reply
# queues named metactl.reply.* only) has a queue the broker names.
sed -e 's|^cache = .*|cache = '"$T"'/cache/single.json|' \
    -e 's|^broker = .*|broker = '"$FED_A_URL"'|' "$T/client.conf" \
    >"$T/single.conf"
echo "reply_exchange = yes" >>"$T/client.conf"

# One agent at site a, two at site b, each connected to its own site only.
RABBITMQ_URL=$FED_A_URL orch_node a1 web a 1 web || exit 99
RABBITMQ_URL=$AGENT_B_URL orch_node b1 web b 2 web || exit 99
RABBITMQ_URL=$AGENT_B_URL orch_node b2 db b 3 db || exit 99

# Discovery from site a finds site b's agents: the node list is complete.
orch_discover_all 3 >/dev/null 2>"$T/discover.err"
is "discovery from site a finds all three nodes" \
    "$(tr '\n' ' ' <"$T/discover_all.out")" "a1 b1 b2 "

# Without reply_exchange (the default) a client hears its own site only.
METACTL_CONFIG="$T/single.conf" "$M" ping --json >"$T/single.json"
check "without reply_exchange: only site a's node answers ping" \
    orch_valid "$T/single.json" '
assert [r["identity"] for r in d["replies"]] == ["a1"], d'

"$M" ping --json >"$T/ping.json"
is "ping from site a exits 0" $? 0
check "ping: a reply from each node of both sites, none invalid" \
    orch_valid "$T/ping.json" '
assert sorted(r["identity"] for r in d["replies"]) == ["a1", "b1", "b2"], d
assert d["invalid"] == [] and d["missing"] == [], d'
diag "ping round trips: $("$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%s=%sms" % (r["identity"], r["rtt_ms"]) for r in d["replies"]))
' "$T/ping.json")"

"$M" rpc rpcutil ping -F dc=b --json >"$T/rpc.json"
is "a filtered rpc from site a exits 0" $? 0
check "the filtered rpc: site b's two nodes answer, verified" \
    orch_valid "$T/rpc.json" '
assert sorted(r["identity"] for r in d["replies"]) == ["b1", "b2"], d
assert all(r["statuscode"] == 0 for r in d["replies"]), d
assert d["stats"]["ok"] == 2 and d["stats"]["invalid"] == 0, d
assert d["invalid"] == [] and d["missing"] == [], d'

# A request on metactl.direct (one node's identity as routing key) crosses
# too: b1's binding was carried to site a.
"$MCSEND" send -u "$FED_A_URL" -k "$T/alice.key" -c "$T/alice.crt" \
    -a "$T/ca/ca.pub" -I b1 -n 1 -t 5000 rpcutil ping >"$T/direct.out"
check "a direct request from site a reaches b1, its reply verified" \
    grep -q '"sender":"b1".*"statuscode":0.*"verified":true' "$T/direct.out"
check "the direct request reached b1 alone" \
    test "$(wc -l <"$T/direct.out")" -eq 1

# A client whose reply queue lacks the metactl.reply. prefix (one that
# predates the reply exchange) is answered on the default exchange: at
# its own site only.
"$MCSEND" send -u "$FED_A_URL" -k "$T/alice.key" -c "$T/alice.crt" \
    -a "$T/ca/ca.pub" -Q oldclient -t 2000 rpcutil ping >"$T/old.out"
check "an old-style client at site a hears site a's node" \
    grep -q '"sender":"a1".*"verified":true' "$T/old.out"
check "... and not site b's, whose replies stay at site b" \
    test "$(grep -c '"sender":"b' "$T/old.out")" -eq 0

# The agents' broker user cannot have a reply queue: it reads no replies,
# neither its site's nor those crossing from the other.
"$MCSEND" send -u "$AGENT_B_URL" -k "$T/alice.key" -c "$T/alice.crt" \
    -a "$T/ca/ca.pub" -t 1000 rpcutil ping >"$T/agentread.out" 2>&1
is "the agent user cannot make a reply queue" $? 2
check "... refused by the broker" grep -q \
    "declare reply queue: .*ACCESS_REFUSED - access to queue 'metactl\.reply\.[0-9a-f]*' in vhost 'metactl' refused for user 'agent'" \
    "$T/agentread.out"

# Site b cut off: its exchanges no longer take site a's requests. Its
# nodes stay in the expected set and are named as not answering.
federation_ctl b clear_policy -p metactl metactl-federation >/dev/null
federation_wait b 0 2>/dev/null
is "site b's links are down once its policy is gone" $? 0
"$M" rpc rpcutil ping --json >"$T/cut.json"
is "rpc with site b cut off exits 3" $? 3
check "site b's nodes are named as not answering, site a's answers" \
    orch_valid "$T/cut.json" '
assert [r["identity"] for r in d["replies"]] == ["a1"], d
assert d["not_addressed"] == [
    {"identity": "b1", "reason": "no reply to discovery"},
    {"identity": "b2", "reason": "no reply to discovery"}], d
assert d["stats"]["not_addressed"] == 2, d'

done_testing
