#!/bin/sh
# The sandbox agent's outbound firewall on a node without nft ([apps] nft
# names a program that is missing): the same counted accept and reject
# rules with iptables-nft, in a chain of the app's own that FORWARD and
# INPUT jump to; dry_run shows the iptables argv, apply twice is a no-op,
# a hand edit is repaired, teardown removes exactly that chain. Runs in
# namespaces of its own, as sandbox_agent.sh does.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fleet.sh"
. "$top_srcdir/tests/integration/sandbox_lib.sh"
. "$top_srcdir/tests/integration/service_agent_lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "network namespaces need root"
for p in ip iptables-nft nsenter python3; do
	command -v "$p" >/dev/null || { echo "Bail out! $p not installed (scripts/bootstrap)"; exit 99; }
done
H=mcsbih$$ L=mcsbil$$ A=sbxi$$
e=$(ip netns add "$H" 2>&1) ||
	skip_all "this machine forbids network namespaces: ip netns add: $e"
cleanup() {
	for p in ${LISTENERS:-}; do
		kill "$p" 2>/dev/null
	done
	fleet_stop
	for n in "$H" "$L" "metactl-$A"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns delete "$n" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 1' INT TERM
sbx_lan "$H" "$L" 10.96.0

fleet_init || { echo "Bail out! cannot create the fleet"; exit 99; }
sbx_listen_py
APPS=$FLEET_DIR/apps NODES=$FLEET_DIR/nodes
mkdir -p "$APPS" "$NODES"
cat >"$NODES/$A.conf" <<EOT
[sandbox.net]
ip = 10.96.0.10

[firewall.out]
policy = reject

[firewall.out.accept]
database = 10.96.0.2:5432
EOT
printf 'policy default deny\nallow\tuid=0\t*\t*\t*\n' \
    >"$FLEET_DIR/policy/sandbox.policy"
FLEET_EXTRA_CONF="[apps]
dir = $APPS
node_dir = $NODES
nft = $FLEET_DIR/no-nft"
sbx_agent_in "$H"
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }

sbx() { fleet_send_local n1 -t 30000 -n 1 sandbox "$@"; }
has() { printf '%s' "$out" | grep -qF -- "$1"; }
msg() { echo "$out" | field statusmsg; }
IPT="ip netns exec $H iptables-nft -w"
C=metactl-mc$A
# A rule of someone else's, which teardown must leave.
$IPT -A FORWARD -i up0 -p tcp --dport 9 -j ACCEPT
before=$($IPT -S)

out=$(sbx -D apply app=$A)
check "a dry run shows the iptables argv of the chain" \
    has "[\"iptables-nft\",\"-w\",\"-N\",\"$C\"]"
check "a dry run shows the accept rule" has \
    "[\"iptables-nft\",\"-w\",\"-A\",\"$C\",\"-d\",\"10.96.0.2\",\"-p\",\"tcp\",\"--dport\",\"5432\",\"-m\",\"comment\",\"--comment\",\"database\",\"-j\",\"ACCEPT\"]"
check "a dry run shows the jump from FORWARD" has \
    "[\"iptables-nft\",\"-w\",\"-I\",\"FORWARD\",\"-i\",\"mc$A\",\"-j\",\"$C\"]"
check "a dry run runs no nft" [ "$(printf '%s' "$out" | grep -c '"nft"')" = 0 ]
check "a dry run changes nothing" [ "$($IPT -S)" = "$before" ]

out=$(sbx apply app=$A)
check "apply answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
[ "$(echo "$out" | field statuscode)" = 0 ] || diag "$(msg)"
check "apply made the app's chain" $IPT -S "$C"
check "apply made no nft table of its own" \
    [ "$(ip netns exec "$H" nft list tables | grep -c metactl_)" = 0 ]
out=$(sbx apply app=$A)
check "apply twice changes nothing" [ "$(msg)/$(echo "$out" | field data.plan)" = "nothing to change/[]" ]

listen "$L" 10.96.0.2 5432 && listen "$L" 10.96.0.2 6000 ||
	{ echo "Bail out! no listener on the LAN"; exit 99; }
check "A reaches its accepted destination" [ "$(reach "metactl-$A" 10.96.0.2 5432)" = hello ]
r=$(reach "metactl-$A" 10.96.0.2 6000)
check "A is refused elsewhere ($r)" [ "$r" = ConnectionRefusedError ]
check "iptables counted A's rejected packet" sh -c \
    "$IPT -L $C -v -n -x | grep -E '^ +[1-9][0-9]* +[0-9]+ +REJECT .*policy'"
out=$(sbx status app=$A)
check "status shows the counters" has "REJECT"

# A hand edit: the accept rule deleted, another added.
$IPT -D "$C" -d 10.96.0.2 -p tcp --dport 5432 -m comment --comment database -j ACCEPT
$IPT -I "$C" -d 10.96.0.2 -p tcp --dport 6000 -j ACCEPT
out=$(sbx status app=$A)
check "status reports the drift" sh -c "echo '$(msg)' | grep -q '^drift: iptables chain $C differs from the configuration'"
out=$(sbx apply app=$A)
check "apply repairs the chain and says so" sh -c "echo '$(msg)' | grep -q '^repaired: iptables chain $C differs'"
check "A reaches its accepted destination again" [ "$(reach "metactl-$A" 10.96.0.2 5432)" = hello ]
check "A is refused again where the hand-made rule let it" \
    [ "$(reach "metactl-$A" 10.96.0.2 6000)" = ConnectionRefusedError ]
out=$(sbx apply app=$A)
check "then apply changes nothing" [ "$(msg)" = "nothing to change" ]

out=$(sbx teardown app=$A)
check "teardown answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
after=$($IPT -S)
check "teardown removes exactly the app's chain and jumps" [ "$after" = "$before" ]
[ "$after" = "$before" ] || diag "$(printf '%s\n' "$after")"
done_testing
