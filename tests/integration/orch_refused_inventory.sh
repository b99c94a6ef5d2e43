#!/bin/sh
# A caller whose policy allows rpcutil ping but not inventory: the nodes
# refuse the registry's refresh, and a discovery still ends as soon as
# every node of the registry answered the ping, not at its window: the
# refusal is the node's answer to the refresh.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/integration/orch_lib.sh"

orch_setup
printf 'policy default deny\nallow\tcert=alice\tping\t*\n' \
    >"$T/policy/rpcutil.policy"
orch_node n1 web dc1 1 web >/dev/null || exit 99
orch_node n2 db dc1 2 db >/dev/null || exit 99
# A window no test could mistake for an early end.
sed -i 's/^discovery_timeout = .*/discovery_timeout = 10s/' "$T/client.conf"

"$M" ping -v >"$T/p1.out" 2>"$T/p1.err"
is "the first ping: both nodes answer" "$?" 0
for i in 2 3; do
	"$M" ping -v >"$T/p$i.out" 2>"$T/p$i.err"
	is "ping $i: both nodes answer" "$?" 0
	check "ping $i: discovery ends when both answered" \
	    grep -q "every expected node answered" "$T/p$i.err"
done
check "the nodes did refuse the refresh" \
    grep -q '"action":"inventory",.*"decision":"denied"' "$T/n1.audit"
sed 's/^/# /' "$T/p3.err"

done_testing
