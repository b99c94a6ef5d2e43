#!/bin/sh
# The sandbox agent through a real metactld running inside a namespace
# that stands in for the host, beside one for a LAN with listeners: two
# apps with their own addresses, one behind an outbound firewall that
# accepts one destination; apply twice, dry_run, status, teardown leaving
# nothing behind. The machine's own interfaces, routes, sysctls and
# firewall are never touched.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fleet.sh"
. "$top_srcdir/tests/integration/sandbox_lib.sh"
# field, and svc (the service agent over n1's socket)
. "$top_srcdir/tests/integration/service_agent_lib.sh"

# Skipped only where the machine forbids network namespaces (the TAP
# plan "1..0 # SKIP why": under automake's TAP driver an exit status of
# 77 is an ERROR, not a skip). A missing tool is a hard error:
# scripts/bootstrap installs them all.
[ "$(id -u)" -eq 0 ] || skip_all "network namespaces need root"
for p in ip nft nsenter getent python3; do
	command -v "$p" >/dev/null || { echo "Bail out! $p not installed (scripts/bootstrap)"; exit 99; }
done
[ -n "${PYTHON3:-}" ] || { echo "Bail out! configure found no python3"; exit 99; }
H=mcsbxh$$ L=mcsbxl$$ A=sbxa$$ B=sbxb$$
e=$(ip netns add "$H" 2>&1) ||
	skip_all "this machine forbids network namespaces: ip netns add: $e"
cleanup() {
	for p in ${LISTENERS:-}; do
		kill "$p" 2>/dev/null
	done
	[ -n "${TREE:-}" ] && kill -HUP "$TREE" && wait "$TREE"
	for d in "${SUP:-/nonexistent}"/*/ "${SUP:-/nonexistent}"/*/log/; do
		[ -d "$d" ] && "$SVWAIT" --timeout 20000 gone "$d"
	done
	[ -n "${DNS:-}" ] && [ -f "$DNS/named.pid" ] && kill "$(cat "$DNS/named.pid")"
	fleet_stop
	for n in "$H" "$L" "metactl-$A" "metactl-$B" "metactl-${C:-none}"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns delete "$n" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 1' INT TERM
sbx_lan "$H" "$L" 10.99.0

fleet_init || { echo "Bail out! cannot create the fleet"; exit 99; }
sbx_listen_py

# A DNS server on the LAN: BIND9 with the zone sbx.test and its reverse
# zone, updated with a TSIG key (absent: the DNS checks are skipped).
DNS=
if command -v named >/dev/null && command -v tsig-keygen >/dev/null &&
	command -v nsupdate >/dev/null && command -v dig >/dev/null; then
	DNS=$FLEET_DIR/dns
	mkdir -p "$DNS"
	tsig-keygen -a hmac-sha256 sbxkey >"$DNS/key.conf"
	cat >"$DNS/named.conf" <<EOT
include "$DNS/key.conf";
options { directory "$DNS"; listen-on port 53 { 10.99.0.2; };
	listen-on-v6 { none; }; pid-file "$DNS/named.pid";
	recursion no; dnssec-validation no; };
zone "sbx.test" { type primary; file "$DNS/fwd.zone";
	allow-update { key sbxkey; }; };
zone "0.99.10.in-addr.arpa" { type primary; file "$DNS/rev.zone";
	allow-update { key sbxkey; }; };
EOT
	for z in fwd rev; do
		printf '$TTL 300\n@ SOA ns.sbx.test. h.sbx.test. 1 60 60 600 60\n@ NS ns.sbx.test.\n' >"$DNS/$z.zone"
	done
	echo 'ns A 10.99.0.2' >>"$DNS/fwd.zone"
	ip netns exec "$L" named -g -c "$DNS/named.conf" >"$DNS/log" 2>&1 &
	i=0
	until grep -q "running" "$DNS/log"; do
		[ "$i" -ge 200 ] && { echo "Bail out! named did not start"; cat "$DNS/log" >&2; exit 99; }
		sleep 0.05
		i=$((i + 1))
	done
else
	diag "BIND9 (named, tsig-keygen, nsupdate, dig) not installed: no DNS checks"
fi
# ask NAME TYPE: the answer of the LAN's DNS server, or its status.
ask() {
	r=$(ip netns exec "$H" dig +norec +time=2 +tries=1 @10.99.0.2 "$1" "$2" +short)
	[ -n "$r" ] && echo "$r" && return
	ip netns exec "$H" dig +norec +time=2 +tries=1 @10.99.0.2 "$1" "$2" |
		sed -n 's/.*status: \([A-Z]*\).*/\1/p'
}

APPS=$FLEET_DIR/apps NODES=$FLEET_DIR/nodes
mkdir -p "$APPS/$A/releases/v1" "$APPS/$B/releases/v1" "$NODES"
cat >"$APPS/$A/releases/v1/.metactl" <<EOT
[env]
DB_HOST = 10.99.0.2
DB_PORT = 5432

[sandbox.net]
ip = 10.99.0.10

[firewall.out]
policy = reject

[firewall.out.accept]
database = %(DB_HOST):%(DB_PORT)
local = localhost:6001
EOT
printf '[sandbox.net]\nip = 10.99.0.11\n' >"$APPS/$B/releases/v1/.metactl"
# C, not deployed, names a host that does not resolve (RFC 6761).
C=sbxc$$
printf '[sandbox.net]\nip = 10.99.0.12\n[firewall.out.accept]\nbad = nosuch.invalid:80\n' \
    >"$NODES/$C.conf"
[ -n "$DNS" ] && for a in "$A" "$B"; do
	printf '[sandbox.dns]\nserver = 10.99.0.2\nzone = sbx.test\nkey = %s\n' \
	    "$DNS/key.conf" >"$NODES/$a.conf"
done
ln -s releases/v1 "$APPS/$A/current"
ln -s releases/v1 "$APPS/$B/current"
printf 'policy default deny\nallow\tuid=0\t*\t*\t*\n' \
    >"$FLEET_DIR/policy/sandbox.policy"
FLEET_EXTRA_CONF="[apps]
dir = $APPS
node_dir = $NODES"
# A runit tree for the service agent: A's daemon must run inside A's
# namespace (absent: that check is skipped).
RUNIT=
if command -v runsvdir >/dev/null && command -v chpst >/dev/null &&
	command -v svlogd >/dev/null && command -v ss >/dev/null && [ -x /usr/bin/python3 ] &&
	[ -x "$SVWAIT" ]; then
	RUNIT=1
	chmod 0755 "$FLEET_DIR"
	SCAN=$FLEET_DIR/scan SUP=$FLEET_DIR/services
	mkdir -p "$SCAN" "$SUP" "$FLEET_DIR/cron"
	runsvdir -P "$SCAN" </dev/null >/dev/null 2>&1 &
	TREE=$!
	cp "$FLEET_DIR/listen.py" "$APPS/$A/releases/v1/listen.py" 2>/dev/null
	cat >>"$APPS/$A/releases/v1/.metactl" <<EOT

[daemon.web]
platform = exec
command = /usr/bin/python3 $APPS/$A/releases/v1/listen.py 10.99.0.10 7100
EOT
	chmod -R go+rX "$APPS"
	printf 'policy default deny\nallow\tuid=0\t*\t*\t*\n' \
	    >"$FLEET_DIR/policy/service.policy"
	FLEET_EXTRA_CONF="$FLEET_EXTRA_CONF
service_manager = runit
service_dir = $SCAN
supervise_dir = $SUP
cron_dir = $FLEET_DIR/cron
svwait = $SVWAIT
start_timeout = 20s
start_grace = 300ms"
else
	diag "runit, ss or metactl-svwait missing: no daemon in the namespace"
fi
sbx_agent_in "$H"
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }

sbx() { fleet_send_local n1 -t 30000 -n 1 sandbox "$@"; }
# answers_ok DESCRIPTION: the last reply ($out) is OK, else its message.
answers_ok() {
	check "$1" [ "$(echo "$out" | field statuscode)" = 0 ]
	[ "$(echo "$out" | field statuscode)" = 0 ] || diag "$(echo "$out" | field statusmsg)"
}
# has TEXT: the last reply holds TEXT.
has() { printf '%s' "$out" | grep -qF -- "$1"; }
snapshot() {
	{
		ip netns list | grep -E "metactl-($A|$B)" || true
		ip -n "$H" -o link show
		ip -n "$H" route show
		ip netns exec "$H" nft list ruleset
		ip netns exec "$H" sysctl -a 2>/dev/null | grep -E '^net.ipv4.(conf|ip_forward)'
	} | sed 's/[0-9]*: //' | sort
}
before=$(snapshot)

out=$(sbx -D apply app=$A)
check "a dry run answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "a dry run lists the ip commands" has "[\"ip\",\"netns\",\"add\",\"metactl-$A\"]"
check "a dry run shows the ruleset" has 'ip daddr { 10.99.0.2 } meta l4proto { tcp, udp } th dport 5432'
check "a dry run shows the sysctls" has "net/ipv4/conf/up0/proxy_arp=1"
check "a dry run lists the lookup of a host name" has '["getent","ahostsv4","localhost"]'
check "a dry run changes nothing" [ "$(snapshot)" = "$before" ]

out=$(sbx apply app=$A)
answers_ok "apply answers OK"
check "apply made the namespace" ip netns exec "metactl-$A" true
check "apply reports the namespace and the host end it made" \
    [ "$(echo "$out" | field data.namespace) $(echo "$out" | field data.host_interface)" = "metactl-$A mc$A" ]
check "apply says it changed the node" [ "$(echo "$out" | field data.changed)" = true ]
check "apply logs what the firewall's names resolved to" [ "$(fleet_count_log n1 \
    "sandbox.apply: \\[firewall.out.accept\\] database = 10.99.0.2:5432: 10.99.0.2$")" -ge 1 ]
check "apply resolves a host name through /etc/hosts (getent)" [ "$(fleet_count_log n1 \
    "sandbox.apply: \\[firewall.out.accept\\] local = localhost:6001: 127.0.0.1$")" -ge 1 ]
check "the ruleset holds the address the name resolved to" sh -c \
    "ip netns exec $H nft list table inet metactl_$A | grep -q 'ip daddr 127.0.0.1 .* dport 6001'"
out=$(sbx apply app=$C)
check "a host name that does not resolve is an error naming it" sh -c \
    "echo '$(echo "$out" | field statusmsg)' | grep -q 'bad = nosuch.invalid:80: host name nosuch.invalid does not resolve'"
check "nothing is made for it" sh -c "! ip netns list | grep -q 'metactl-$C\\b'"
out=$(sbx apply app=$B)
answers_ok "apply of the second app answers OK"
out=$(sbx apply app=$A)
check "apply twice changes nothing and says so" \
    [ "$(echo "$out" | field statusmsg)/$(echo "$out" | field data.plan)" = "nothing to change/[]" ]

listen "metactl-$A" 10.99.0.10 7000 || { echo "Bail out! no listener in A"; exit 99; }
listen "$L" 10.99.0.2 5432 && listen "$L" 10.99.0.2 6000 ||
	{ echo "Bail out! no listener on the LAN"; exit 99; }
check "a listener of A answers on A's address from the host" \
    [ "$(reach "$H" 10.99.0.10 7000)" = hello ]
check "a listener of A answers from the LAN" \
    [ "$(reach "$L" 10.99.0.10 7000)" = hello ]
check "A reaches its accepted destination" \
    [ "$(reach "metactl-$A" 10.99.0.2 5432)" = hello ]
r=$(reach "metactl-$A" 10.99.0.2 6000)
check "A is refused elsewhere ($r)" [ "$r" = ConnectionRefusedError ]
check "B is not behind A's firewall" \
    [ "$(reach "metactl-$B" 10.99.0.2 6000)" = hello ]
check "nft counted A's rejected packet" sh -c \
    "ip netns exec $H nft list table inet metactl_$A | grep -q 'counter packets [1-9].* reject'"

if [ -n "$DNS" ]; then
	check "DNS answers A's name" [ "$(ask "$A.n1.sbx.test" A)" = 10.99.0.10 ]
	check "DNS answers B's name" [ "$(ask "$B.n1.sbx.test" A)" = 10.99.0.11 ]
	check "DNS answers A's PTR" [ "$(ask 10.0.99.10.in-addr.arpa PTR)" = "$A.n1.sbx.test." ]
	check "DNS answers B's PTR" [ "$(ask 11.0.99.10.in-addr.arpa PTR)" = "$B.n1.sbx.test." ]
fi

# Hand edits: apply compares with what is live and repairs it.
T="ip netns exec $H nft"
h=$($T -a list chain inet "metactl_$A" out | sed -n 's/.*comment "database" # handle //p')
$T delete rule inet "metactl_$A" out handle "$h"
$T insert rule inet "metactl_$A" out ip daddr 10.99.0.2 tcp dport 6000 accept
out=$(sbx status app=$A)
check "status reports a rule deleted by hand" has \
    "nft table metactl_$A differs from the configuration: missing \\\"ip daddr 10.99.0.2 meta l4proto { tcp, udp } th dport 5432 counter accept comment \\\"database\\\"\\\""
check "status reports a rule added by hand" has \
    "differs from the configuration: not in the configuration: \\\"ip daddr 10.99.0.2 tcp dport 6000 accept\\\""
check "status says there is drift" sh -c \
    "echo '$(echo "$out" | field statusmsg)' | grep -q '^drift: nft table metactl_$A differs'"
out=$(sbx apply app=$A)
check "apply repairs the table and says so" sh -c \
    "echo '$(echo "$out" | field statusmsg)' | grep -q '^repaired: nft table metactl_$A differs'"
check "apply logs what it repairs" [ "$(fleet_count_log n1 \
    "sandbox.apply: nft table metactl_$A differs from the configuration: not in the configuration")" -ge 1 ]
check "A reaches its accepted destination again" \
    [ "$(reach "metactl-$A" 10.99.0.2 5432)" = hello ]
check "A is refused again where the hand-made rule let it" \
    [ "$(reach "metactl-$A" 10.99.0.2 6000)" = ConnectionRefusedError ]
out=$(sbx apply app=$A)
check "apply after the repair changes nothing" \
    [ "$(echo "$out" | field statusmsg)/$(echo "$out" | field data.plan)" = "nothing to change/[]" ]
ip -n "metactl-$A" address del 10.99.0.10/32 dev eth0
ip -n "metactl-$A" address add 10.99.0.99/32 dev eth0
out=$(sbx apply app=$A)
check "apply repairs the namespace's address" sh -c \
    "echo '$(echo "$out" | field statusmsg)' | grep -q '^repaired: namespace metactl-$A differs from the configuration: eth0 has 10.99.0.99/32, not 10.99.0.10/32'"
check "A answers on its address again" [ "$(reach "$H" 10.99.0.10 7000)" = hello ]
out=$(sbx apply app=$A)
check "and then changes nothing" [ "$(echo "$out" | field statusmsg)" = "nothing to change" ]
if [ -n "$DNS" ]; then
	printf 'server 10.99.0.2\nzone sbx.test\nupdate delete %s.n1.sbx.test. A\nsend\n' "$A" |
		ip netns exec "$H" nsupdate -k "$DNS/key.conf"
	check "(the A record is gone by hand)" [ "$(ask "$A.n1.sbx.test" A)" = NXDOMAIN ]
	out=$(sbx status app=$A)
	check "status reports DNS records removed by hand" has \
	    "DNS records differ from the configuration"
	out=$(sbx apply app=$A)
	check "apply adds the DNS records again" [ "$(ask "$A.n1.sbx.test" A)" = 10.99.0.10 ]
	out=$(sbx apply app=$A)
	check "and then changes nothing" [ "$(echo "$out" | field statusmsg)" = "nothing to change" ]
	# [sandbox.dns] changed: the records apply added go, the new come.
	printf '[sandbox.net]\nname = web.%s.sbx.test\n' "$A" >>"$NODES/$A.conf"
	out=$(sbx apply app=$A)
	answers_ok "apply of a new DNS name answers OK"
	check "a new DNS name replaces the old A record" \
	    [ "$(ask "$A.n1.sbx.test" A)/$(ask "web.$A.sbx.test" A)" = "NXDOMAIN/10.99.0.10" ]
	check "and the PTR names the new name" \
	    [ "$(ask 10.0.99.10.in-addr.arpa PTR)" = "web.$A.sbx.test." ]
	# [sandbox.dns] removed: apply removes what it added.
	: >"$NODES/$B.conf"
	out=$(sbx apply app=$B)
	answers_ok "apply of B without [sandbox.dns] answers OK"
	check "apply without [sandbox.dns] removes B's records" \
	    [ "$(ask "$B.n1.sbx.test" A)/$(ask 11.0.99.10.in-addr.arpa PTR)" = NXDOMAIN/NXDOMAIN ]
	out=$(sbx apply app=$B)
	check "and then changes nothing" [ "$(echo "$out" | field statusmsg)" = "nothing to change" ]
fi

# The local helpers: a command in A's namespace, tcpdump on A's veth.
M=$top_builddir/orchestrator/metactl
o=$("$M" "$A" exec ip -brief address show dev eth0 2>"$FLEET_DIR/exec.err")
check "metactl APP exec runs the command in A's namespace" \
    sh -c "echo '$o' | grep -q 10.99.0.10/32"
check "metactl APP exec prints the command it runs" grep -qxF \
    "metactl: running: ip netns exec metactl-$A ip -brief address show dev eth0" \
    "$FLEET_DIR/exec.err"
if command -v tcpdump >/dev/null; then
	nsenter --net=/run/netns/"$H" "$M" "$A" tcpdump -c 1 -n -l tcp port 7000 \
	    >"$FLEET_DIR/td.out" 2>"$FLEET_DIR/td.err" &
	td=$!
	i=0
	until grep -q "listening on" "$FLEET_DIR/td.err" 2>/dev/null; do
		[ "$i" -ge 200 ] && break
		sleep 0.05
		i=$((i + 1))
	done
	reach "$H" 10.99.0.10 7000 >/dev/null
	wait "$td"
	check "metactl APP tcpdump prints the command it runs" grep -qxF \
	    "metactl: running: tcpdump -i mc$A -c 1 -n -l tcp port 7000" \
	    "$FLEET_DIR/td.err"
	check "metactl APP tcpdump sees A's traffic on A's veth" \
	    grep -q "10.99.0.10.7000" "$FLEET_DIR/td.out"
else
	diag "tcpdump not installed: metactl APP tcpdump not checked"
fi

if [ -n "$RUNIT" ]; then
	out=$(svc start app=$A)
	check "the service agent starts A's daemon" [ "$(echo "$out" | field data.daemons.0.state)" = up ]
	check "A's run script enters A's namespace" \
	    grep -q "^exec ip netns exec 'metactl-$A' 'chpst'" "$SUP/metactl-$A-web/run"
	check "ss inside A shows the daemon on A's address" sh -c \
	    "ip netns exec metactl-$A ss -ltnp | grep -q '10.99.0.10:7100 .*python3'"
	check "the daemon answers on A's address from the LAN" \
	    [ "$(reach "$L" 10.99.0.10 7100)" = hello ]
	out=$(svc stop app=$A)
	check "the service agent stops A's daemon" [ "$(echo "$out" | field statuscode)" = 0 ]
fi

out=$(sbx status app=$A)
check "status answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "status names the namespace" [ "$(echo "$out" | field data.namespace)" = "metactl-$A" ]
check "status shows the address" has 10.99.0.10/32
check "status shows the counters" has 'counter packets'
if [ -n "$DNS" ]; then
	show=$(echo "$out" | field data.show)
	check "status shows the A record" sh -c "echo '$show' | grep -qE '^web.$A.sbx.test.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+10.99.0.10\$'"
	check "status shows the PTR record" sh -c "echo '$show' | grep -qE 'IN[[:space:]]+PTR[[:space:]]+web.$A.sbx.test.\$'"
fi


# A's firewall taken out of its configuration: apply removes its table.
cat >"$APPS/$A/releases/v1/.metactl" <<EOT
[sandbox.net]
ip = 10.99.0.10
EOT
out=$(sbx apply app=$A)
check "apply without [firewall.out] removes the app's table" sh -c \
    "! ip netns exec $H nft list table inet metactl_$A >/dev/null 2>&1"
check "A now reaches what its firewall refused" \
    [ "$(reach "metactl-$A" 10.99.0.2 6000)" = hello ]

out=$(sbx teardown app=$A)
answers_ok "teardown answers OK"
out=$(sbx teardown app=$B)
answers_ok "teardown of the second app answers OK"
after=$(snapshot)
if [ -n "$DNS" ]; then
	check "teardown removes A's name" [ "$(ask "web.$A.sbx.test" A)" = NXDOMAIN ]
	check "teardown removes A's PTR" [ "$(ask 10.0.99.10.in-addr.arpa PTR)" = NXDOMAIN ]
	check "teardown removes B's PTR" [ "$(ask 11.0.99.10.in-addr.arpa PTR)" = NXDOMAIN ]
fi
check "teardown leaves nothing behind" [ "$after" = "$before" ]
[ "$after" = "$before" ] ||
	diag "$(printf '%s\n' "$before" >"$FLEET_DIR/b"; printf '%s\n' "$after" | diff "$FLEET_DIR/b" -)"
check "teardown removes the state directory" [ ! -e "$APPS/$A/state/sandbox" ]
out=$(sbx teardown app=$A)
check "teardown twice changes nothing" [ "$(echo "$out" | field data.plan)" = "[]" ]
done_testing
