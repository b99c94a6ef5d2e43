#!/bin/sh
# The shipped service.policy (etc/policy), end to end: real metactld nodes
# on a private broker, each with a runit tree running two apps. alice
# restarts shop-web on the web node (its pid changes) but not billing, nor
# shop-web on the db node; bob may not stop shop-web and is told which rule
# said so; the NOC may see status but not restart; a dry run lists the
# argv and touches nothing; on a node's socket, uid=N rules decide.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rabbitmq.sh"
. "$top_srcdir/tests/lib/fleet.sh"
. "$top_srcdir/tests/lib/apps.sh"
M="$top_builddir/orchestrator/metactl"

apps_require
fleet_init || { echo "Bail out! cannot create the fleet"; exit 99; }
stop_all() {
	for n in web1 db1; do apps_runit_stop "$FLEET_DIR/$n.node"; done
	rabbitmq_stop >/dev/null 2>&1 # first: fleet_stop removes its cookie
	fleet_stop
}
trap stop_all EXIT INT TERM
rabbitmq_start "$FLEET_DIR/rabbitmq" >"$FLEET_DIR/rabbitmq.out" 2>&1 ||
	skip_all "cannot start RabbitMQ"

# The shipped policy, with this user as root when the tests do not run as
# root (uid=0 is the rule under test either way).
uid=$(id -u)
sed "s/uid=0 /uid=$uid /" "$top_srcdir/etc/policy/service.policy" \
    >"$FLEET_DIR/policy/service.policy"
cp "$top_srcdir/etc/policy/groups" "$FLEET_DIR/policy/groups"
chmod 0644 "$FLEET_DIR/policy/service.policy" "$FLEET_DIR/policy/groups"
for c in bob nina; do
	"$MCSEND" issue "$FLEET_DIR" "$c" caller || exit 99
done
user=$(id -un)
for spec in web1:web db1:db; do
	n=${spec%%:*}
	d=$FLEET_DIR/$n.node
	apps_runit_start "$d" || exit 99
	for app in shop-web billing; do
		apps_release "$d" "$app" v1 <<-EOF
		[daemon.main]
		platform = exec
		user = $user
		command = /bin/sleep 100000
		EOF
	done
	FLEET_EXTRA_CONF=$(apps_conf "$d") fleet_start "$spec" ||
		{ echo "Bail out! $n did not start"; exit 99; }
done

# One client configuration per caller.
for c in alice bob nina; do
	cat >"$FLEET_DIR/$c.client" <<-EOF
	broker = $RABBITMQ_URL
	key = $FLEET_DIR/$c.key
	certificate = $FLEET_DIR/$c.crt
	ca = $FLEET_DIR/ca.pub
	ddl_dir = $top_srcdir/schemas/ddl
	cache = $FLEET_DIR/$c.nodes.json
	timeout = 40s
	discovery_timeout = 2s
	EOF
done
as() { # CALLER ARGS...: metactl as CALLER, output in $out, status in $rc
	_c=$1
	shift
	out=$(METACTL_CONFIG="$FLEET_DIR/$_c.client" "$M" "$@" --np 2>&1)
	rc=$?
}
has() { printf '%s\n' "$1" | grep -q -- "$2"; }
unit=metactl-shop-web-main
w=$FLEET_DIR/web1.node

# root starts both apps everywhere (locally, over each node's socket).
for n in web1 db1; do
	for app in shop-web billing; do
		printf 'socket = %s\nddl_dir = %s\n' "$FLEET_DIR/$n.sock" \
		    "$top_srcdir/schemas/ddl" >"$FLEET_DIR/$n.local"
		METACTL_CONFIG="$FLEET_DIR/$n.local" "$M" service start "$app" \
		    >"$FLEET_DIR/start.out" 2>&1 ||
			{ cat "$FLEET_DIR/start.out"; echo "Bail out! start $app on $n"; exit 99; }
	done
done
pid0=$(apps_pid "$w" $unit)
check "shop-web runs on web1 ($pid0)" test -n "$pid0"

as alice service restart shop-web -F role=web
check "alice restarts shop-web on the web node" test "$rc" -eq 0
pid1=$(apps_pid "$w" $unit)
check "with a new process ($pid0 -> $pid1)" test -n "$pid1" -a "$pid1" != "$pid0"

as alice service restart billing -F role=web
check "alice may not restart billing" test "$rc" -eq 1
check "she is told: not authorised" has "$out" "not authorised"
check "by the policy's default" has "$out" "service.policy: policy default"
as alice service restart shop-web -I db1
check "nor shop-web off the web nodes" test "$rc" -eq 1
check "not authorised there" has "$out" "not authorised"

as bob service stop shop-web -F role=web
check "bob may not stop shop-web" test "$rc" -eq 1
check "not authorised" has "$out" "not authorised"
check "naming the rule (service.policy:8)" has "$out" "service.policy:8"
check "shop-web still runs" test "$(apps_pid "$w" $unit)" = "$pid1"

as nina service status shop-web
check "the NOC sees status everywhere" test "$rc" -eq 0
check "both nodes answer" sh -c 'printf "%s\n" "$1" | grep -q web1 &&
    printf "%s\n" "$1" | grep -q db1' _ "$out"
as nina service restart billing
check "the NOC may not restart" test "$rc" -eq 1
check "not authorised" has "$out" "not authorised"

before=$(ls -lR --time-style=+%s.%N "$w/sv" "$w/service" | md5sum)
as alice service restart shop-web -F role=web --dry-run --json
check "a dry run succeeds" test "$rc" -eq 0
check "and lists the argv it would run" "$PYTHON3" -c '
import json, sys
d = json.loads(sys.argv[1])
plan = [s for r in d["replies"] for s in r["data"]["plan"]]
assert len(d["replies"]) == 1, d["replies"]
assert ["sv", "down"] in [s.get("run", [])[:2] for s in plan], plan
assert ["sv", "up"] in [s.get("run", [])[:2] for s in plan], plan
' "$out"
check "touching nothing" test "$(apps_pid "$w" $unit)" = "$pid1"
check "not a file" test "$(ls -lR --time-style=+%s.%N "$w/sv" "$w/service" | md5sum)" = "$before"

# On a node's socket the caller is uid=N: root (this user) may stop.
out=$(METACTL_CONFIG="$FLEET_DIR/web1.local" "$M" service stop shop-web 2>&1)
check "uid=$uid stops shop-web over the socket" test $? -eq 0
check "and it is down" test -z "$(apps_pid "$w" $unit)"
grep -q "\"caller\":\"uid=$uid\",\"agent\":\"service\",\"action\":\"stop\"" \
    "$FLEET_DIR/web1.audit"
check "the audit names the local caller" test $? -eq 0
done_testing
