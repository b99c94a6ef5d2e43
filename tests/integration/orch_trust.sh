#!/bin/sh
# Protocol 2 on a real broker: a request runs only where it was sent (its
# signed audience), nothing is signed in answer to what did not verify, a
# reply counts only for the exact request it answers (its digest), invalid
# filters are refused, and --dry-run shows each node's commands.
#
# "No reply" is awaited, not timed: mcsend -f N sends a signed ping after the
# message under test and stops once N nodes answered the ping; each node
# answers in the order it receives, so anything it said about the message
# under test has arrived by then.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/integration/orch_lib.sh"

[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
MCSEND="$top_builddir/tests/integration/mcsend"
orch_setup

# An external agent that leaves a mark when it really runs.
cat >"$T/agents/touchy" <<EOF
#!/bin/sh
cat >/dev/null
touch "$T/ran"
printf '{"statuscode":0,"statusmsg":"OK","data":{"done":true}}\n'
EOF
chmod 0755 "$T/agents/touchy"
cat >"$T/agents/touchy.json" <<'EOF'
{"agent": "touchy", "version": "1.0", "description": "Leaves a mark",
 "timeout": 10,
 "actions": {"mark": {"description": "Touches a file", "display": "always",
   "input": {}, "output": {"done": {"type": "boolean",
     "description": "Whether it ran", "display_as": "Done"}}}}}
EOF
printf 'policy default deny\nallow\tcert=alice\t*\t*\n' >"$T/policy/touchy.policy"
# metactl reads the DDLs from its own directory.
mkdir -p "$T/ddl"
cp "$top_srcdir/schemas/ddl/"*.json "$T/agents/touchy.json" "$T/ddl/"
sed "s|^ddl_dir = .*|ddl_dir = $T/ddl|" "$T/client.conf" >"$T/client2.conf"
METACTL_CONFIG="$T/client2.conf"

# trust_node ID ROLE DC: a node with an audit trail and debug logging.
trust_node() {
	"$M" keygen "$T/$1" >/dev/null &&
	"$M" ca sign --ca "$T/ca" --role node --name "$1" -o "$T/$1.crt" \
	    "$T/$1.pub" >/dev/null || return 1
	printf '{"role":"%s","dc":"%s"}\n' "$2" "$3" >"$T/$1.facts"
	printf '%s\n' "$2" >"$T/$1.classes"
	cat >"$T/$1.conf" <<-EOF
	[node]
	identity = $1
	collectives = metactl
	facts = $T/$1.facts
	classes = $T/$1.classes
	[broker]
	urls = $RABBITMQ_URL
	[security]
	key = $T/$1.key
	certificate = $T/$1.crt
	ca = $T/ca/ca.pub
	[local]
	enable = false
	[log]
	audit = $T/$1.audit
	EOF
	orch_start "$1"
}
trust_node n1 web dc1 || exit 99
trust_node n2 web dc2 || exit 99
trust_node n3 db dc1 || exit 99

send() {
	"$MCSEND" send -u "$RABBITMQ_URL" -k "$T/alice.key" -c "$T/alice.crt" \
	    -a "$T/ca/ca.pub" -C metactl "$@"
}
# replies < lines: "SENDER:STATUS" of every reply to the message under test
# (not to -f's ping), sorted, space-separated.
replies() { "$PYTHON3" -c '
import json, sys
r = [json.loads(l) for l in sys.stdin if l.strip()]
print(" ".join(sorted("%s:%s" % (x.get("sender"), x.get("statuscode"))
                      for x in r if not x.get("follow"))))'; }
# followers < lines: how many nodes answered -f's ping.
followers() { grep -c '"follow":true' || true; }
id_of() { "$PYTHON3" -c '
import json, sys
print(json.loads(json.load(open(sys.argv[1]))["body"])["id"])' "$1"; }
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: got '$2', want '$3'"; fi
}

# 1. A request sent directly to n1, copied to the broadcast exchange by
# someone with broker credentials only: n2 and n3 do not run it.
out=$(send -I n1 -n 1 -t 5000 -w "$T/direct" rpcutil ping)
is "a direct request to n1 is answered by n1" "$(echo "$out" | replies)" "n1:0"
id=$(id_of "$T/direct")
out=$(send -r "$T/direct" -f 3 -t 10000 rpcutil ping)
is "every node received the copy (the ping behind it was answered)" \
    "$(echo "$out" | followers)" 3
is "the broadcast copy: only n1 answers, refusing a replay" \
    "$(echo "$out" | replies)" "n1:5"
for n in n2 n3; do
	check "$n did not run the copy" sh -c \
	    "! grep -q '\"id\":\"$id\".*\"decision\":\"allowed\"' '$T/$n.audit'"
	# On the broadcast exchange a request for other nodes is ordinary
	# (large audiences go that way): dropped, not audited as refused.
	check "$n dropped the copy without a refusal" sh -c \
	    "! grep -q '\"id\":\"$id\"' '$T/$n.audit'"
done

# 2. Nothing signed for the unverified. The same request with its
# signature zeroed, sent with a reply queue of the sender's choosing.
zero=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==
sed "s|\"signature\":\"[A-Za-z0-9+/]*==\"}\$|\"signature\":\"$zero\"}|" \
    "$T/direct" >"$T/zeroed"
check "the zeroed copy differs" sh -c "! cmp -s '$T/direct' '$T/zeroed'"
out=$(send -r "$T/zeroed" -I n1 -f 3 -t 10000 rpcutil ping)
is "a zeroed signature, sent directly: every node got its ping" \
    "$(echo "$out" | followers)" 3
is "and the queue named receives nothing" "$(echo "$out" | replies)" ""
out=$(send -r "$T/zeroed" -f 3 -t 10000 rpcutil ping)
is "a zeroed signature, broadcast: the queue receives nothing" \
    "$(echo "$out" | replies)" ""
printf 'garbage' >"$T/garbage"
out=$(send -r "$T/garbage" -f 3 -t 10000 rpcutil ping)
is "7 bytes of garbage broadcast: every node got the ping behind them" \
    "$(echo "$out" | followers)" 3
is "and the queue named receives nothing" "$(echo "$out" | replies)" ""
check "the refusal is logged" \
    grep -q 'refused without a reply: malformed message' "$T/n2.log"
check "and audited" grep -q '"caller":"unverified".*malformed message' \
    "$T/n2.audit"
# A flood of them writes a bounded number of records.
before=$(grep -c 'refused without a reply' "$T/n3.log")
i=0
while [ $i -lt 30 ]; do
	printf 'garbage' >"$T/g.$i"
	i=$((i + 1))
done
for f in "$T"/g.*; do
	"$MCSEND" send -u "$RABBITMQ_URL" -r "$f" -n 0 -t 1 rpcutil ping
done
send -n 0 -f 3 -t 10000 rpcutil ping >/dev/null
after=$(grep -c 'refused without a reply' "$T/n3.log")
check "30 more unanswered refusals add at most 10 log lines ($before -> $after)" \
    test $((after - before)) -le 10

# 3. Invalid filters are refused with status 4, audited.
out=$(send -I n1 -G '{"identity":"n1"}' -n 1 -t 5000 rpcutil ping)
is "a filter whose identity is not an array is refused with status 4" \
    "$(echo "$out" | replies)" "n1:4"
check "and audited" grep -q '"decision":"rejected".*invalid filter' "$T/n1.audit"

# 4. A reply carrying the digest of other bytes (a reply to a copy) is
# invalid, never OK.
"$M" keygen "$T/liar" >/dev/null &&
"$M" ca sign --ca "$T/ca" --role node --name liar -o "$T/liar.crt" \
    "$T/liar.pub" >/dev/null || exit 99
mkfifo "$T/liar.ready"
"$top_builddir/tests/integration/orch_fakenode" "$RABBITMQ_URL" \
    "$T/liar.key" "$T/liar.crt" liar liar metactl wrong-digest \
    >"$T/liar.ready" 2>"$T/liar.log" &
liar_pid=$!
ORCH_PIDS="$ORCH_PIDS $!"
read -r _ <"$T/liar.ready" || exit 99
printf 'liar\nn1\n' >"$T/liar.nodes"
"$M" rpc rpcutil ping --nodes "$T/liar.nodes" -t 3 --json >"$T/liar.json"
is "a reply with the wrong digest makes the run fail: exit 1" $? 1
check "it is invalid, never OK, and shown once (not also silent)" \
    "$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [r["identity"] for r in d["replies"]] == ["n1"], d
bad = {i["identity"]: i["reason"] for i in d["invalid"]}
assert "digest does not match" in bad["liar"], bad
assert d["missing"] == [], d
' "$T/liar.json"
# It answers every discovery with a wrong digest too: the runs below
# would show it (invalid, exit 1).
kill "$liar_pid"
wait "$liar_pid" 2>/dev/null

# 5. --dry-run: the nodes check everything and show the commands they
# would run; nothing runs.
rm -f "$T/ran"
"$M" rpc touchy mark -F role=web --dry-run >"$T/dry.out"
is "rpc --dry-run exits 0" $? 0
check "nothing ran" test ! -e "$T/ran"
is "both web nodes show the argv they would run" \
    "$(grep -c "^ *would run: $T/agents/touchy mark\$" "$T/dry.out")" 2
for n in n1 n2; do
	check "$n logged a dry run" grep -q 'touchy.mark dry-run' "$T/$n.log"
done
check "only the nodes of the filter answered" \
    sh -c "! grep -q '^n3 ' '$T/dry.out'"
"$M" rpc touchy mark -I n1 --json --dry-run >"$T/dry.json"
check "--dry-run --json carries the commands" "$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["request"]["dry_run"] is True, d["request"]
(r,) = d["replies"]
assert r["data"]["commands"] == [[sys.argv[2], "mark"]], r
' "$T/dry.json" "$T/agents/touchy"
check "still nothing ran" test ! -e "$T/ran"
"$M" rpc touchy mark -I n1 >"$T/real.out"
is "without --dry-run it runs" $? 0
check "and leaves its mark" test -e "$T/ran"
"$M" rpc touchy mark -I n1 --preview >"$T/preview.out"
is "--preview exits 0" $? 0
check "--preview prints the request" grep -q '"agent": "touchy"' "$T/preview.out"
# preview_audience FILE WANT: the audience of the request FILE shows.
preview_audience() {
	"$PYTHON3" -c '
import json, sys
text = open(sys.argv[1]).read()
req = json.JSONDecoder().raw_decode(text[text.index("{"):])[0]
a = req["audience"]
print(a["type"] + ":" + ",".join(a.get("identities", [])))' "$1"
}
check "--preview of -I shows the audience sent" \
    [ "$(preview_audience "$T/preview.out")" = "direct:n1" ]
printf 'n2\nn1\n' >"$T/pnodes"
"$M" rpc rpcutil ping --nodes "$T/pnodes" --preview >"$T/preview2.out"
check "--preview of --nodes names every node in the audience" \
    [ "$(preview_audience "$T/preview2.out")" = "direct:n1,n2" ]
"$M" rpc rpcutil ping --nodes "$T/pnodes" --batch 1 --preview >"$T/preview3.out"
check "--preview of --batch 1 shows the first batch's audience" \
    [ "$(preview_audience "$T/preview3.out")" = "direct:n1" ]

# 6. Batches: each batch's request names exactly its nodes, so every node
# still answers (a node outside a request's audience would stay silent).
"$M" rpc rpcutil ping --batch 1 -F role=web --json >"$T/batch.json"
is "rpc --batch 1 exits 0" $? 0
check "every node of every batch answered" "$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert sorted(r["identity"] for r in d["replies"]) == ["n1", "n2"], d
' "$T/batch.json"
printf 'n3\nn1\n' >"$T/nodes"
"$M" rpc rpcutil ping --nodes "$T/nodes" --json >"$T/nodes.json"
is "rpc --nodes exits 0" $? 0
check "every listed node answered" "$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert sorted(r["identity"] for r in d["replies"]) == ["n1", "n3"], d
' "$T/nodes.json"

# What was sent: a node that writes down every request it receives.
"$M" keygen "$T/spy" >/dev/null &&
"$M" ca sign --ca "$T/ca" --role node --name spy -o "$T/spy.crt" \
    "$T/spy.pub" >/dev/null || exit 99
mkfifo "$T/spy.ready"
"$top_builddir/tests/integration/orch_fakenode" "$RABBITMQ_URL" \
    "$T/spy.key" "$T/spy.crt" spy spy metactl spy \
    >"$T/spy.ready" 2>"$T/spy.log" &
ORCH_PIDS="$ORCH_PIDS $!"
read -r _ <"$T/spy.ready" || exit 99
# audiences AGENT ACTION: the audience of each request for AGENT.ACTION
# the spy received, one per line.
audiences() { "$PYTHON3" -c '
import json, sys
for l in open(sys.argv[1]):
    b = json.loads(l)
    if (b["agent"], b["action"]) == (sys.argv[2], sys.argv[3]):
        a = b["audience"]
        print(a["type"] + ":" + ",".join(a.get("identities", [])))
' "$T/spy.log" "$1" "$2"; }
printf 'n1\nspy\nn2\n' >"$T/spy.nodes"
"$M" rpc rpcutil inventory --nodes "$T/spy.nodes" --batch 1 >/dev/null
is "each batch of --batch 1 names its one node" \
    "$(audiences rpcutil inventory)" "direct:spy"
"$M" rpc rpcutil get_fact fact=role -I spy -I n2 >/dev/null
is "plain -I: the request names exactly those nodes" \
    "$(audiences rpcutil get_fact)" "direct:n2,spy"
# The registry knows spy (from -I) without its facts, so it cannot
# expect it under a filter: --no-cache waits the whole window, so that
# spy's answer is heard however loaded the machine.
"$M" rpc rpcutil ping -F role=web --no-cache >/dev/null
is "a filter: the discovery is broadcast, the request names who answered" \
    "$(audiences rpcutil ping | sort -u | tr '\n' ' ')" \
    "broadcast: direct:n1,n2,spy "
# Past 32 nodes a request goes out as one request per 32 nodes, each
# published to its own nodes only: no node reads a list of the whole
# fleet, and a reply to any of them answers the command.
i=0
while [ $i -lt 39 ]; do printf 'a%02d\n' $i; i=$((i + 1)); done >"$T/many.nodes"
echo spy >>"$T/many.nodes"
"$M" rpc rpcutil daemon_stats --nodes "$T/many.nodes" --timeout 2 \
    --json >"$T/many.json"
is "over 32 nodes: spy's request names only the nodes of its part" \
    "$(audiences rpcutil daemon_stats)" "direct:a32,a33,a34,a35,a36,a37,a38,spy"
is "and its reply to that second request is an answer" \
    "$("$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(r["identity"] for r in d["replies"]), len(d["missing"]))' \
        "$T/many.json")" "spy 39"
done_testing
