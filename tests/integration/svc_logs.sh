#!/bin/sh
# metactl APP logs and metactl logs APP against a real runit-backed app on
# a local agent (no broker): metactl asks the agent over its socket, says
# on stderr what it runs and runs exactly that argv. less is a stub first
# on PATH that records its arguments. Also: metactl service over the
# socket, as rpc service would.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fleet.sh"
. "$top_srcdir/tests/lib/apps.sh"
M="$top_builddir/orchestrator/metactl"

apps_require
fleet_local_init
node=$FLEET_DIR/n1.node
trap 'apps_runit_stop "$node"; fleet_stop' EXIT INT TERM
apps_runit_start "$node" || exit 99
user=$(id -un)
apps_release "$node" shop v1 <<EOF
[daemon.web]
platform = exec
user = $user
command = /bin/sh -c "echo web up; exec sleep 100000"
[daemon.worker]
platform = exec
user = $user
command = /bin/sh -c "echo worker up; exec sleep 100000"
EOF
printf 'policy default deny\nallow\tuid=%s\t*\t*\n' "$(id -u)" \
    >"$FLEET_DIR/policy/service.policy"
chmod 0644 "$FLEET_DIR/policy/service.policy"
FLEET_EXTRA_CONF=$(apps_conf "$node") fleet_start n1 ||
	{ echo "Bail out! the agent did not start"; exit 99; }
printf 'socket = %s\nddl_dir = %s\n' "$FLEET_DIR/n1.sock" \
    "$top_srcdir/schemas/ddl" >"$FLEET_DIR/client.conf"
export METACTL_CONFIG="$FLEET_DIR/client.conf"
unset METACTL_BROKER

"$M" service start shop >"$FLEET_DIR/out" 2>&1 </dev/null
check "metactl service start goes over the socket" test $? -eq 0
sed 's/^/# /' "$FLEET_DIR/out"
"$M" service status shop >"$FLEET_DIR/out" 2>&1
check "metactl service status answers" test $? -eq 0
check "naming each daemon's unit" grep -q metactl-shop-worker "$FLEET_DIR/out"
check "up" grep -q "up" "$FLEET_DIR/out"
sed 's/^/# /' "$FLEET_DIR/out"
# A broker in the environment does not matter: logs are this machine's.
export METACTL_BROKER="amqp://nobody@127.0.0.1:1/"

# The stub pager: its argv, one word a line, then a line "--".
mkdir -p "$FLEET_DIR/bin"
cat >"$FLEET_DIR/bin/less" <<EOF
#!/bin/sh
for a; do printf '%s\n' "\$a"; done >>"$FLEET_DIR/less.argv"
echo -- >>"$FLEET_DIR/less.argv"
[ ! -e "$FLEET_DIR/less.fail" ]
EOF
chmod 0755 "$FLEET_DIR/bin/less"
P="$FLEET_DIR/bin:$PATH"

PATH=$P "$M" shop logs web >"$FLEET_DIR/out" 2>"$FLEET_DIR/err" </dev/null
check "metactl shop logs web runs" test $? -eq 0
check "it says what it runs" grep -q \
    "^metactl: reading logs with: less .*metactl-shop-web/log/main/current" \
    "$FLEET_DIR/err"
check "less got the web daemon's log, and only it" test "$(cat "$FLEET_DIR/less.argv")" = \
    "$(sed -n 's/^metactl: reading logs with: less //p' "$FLEET_DIR/err" | tr ' ' '\n')
--"
log=$(grep -m1 / "$FLEET_DIR/less.argv")
check "which is the daemon's log file ($log)" grep -q "web up" "$log"

rm -f "$FLEET_DIR/less.argv"
PATH=$P "$M" logs shop >"$FLEET_DIR/out" 2>"$FLEET_DIR/err" </dev/null
check "metactl logs shop runs" test $? -eq 0
check "one command per daemon" test "$(grep -c '^--$' "$FLEET_DIR/less.argv")" -eq 2
check "each announced" test "$(grep -c '^metactl: reading logs with: less' "$FLEET_DIR/err")" -eq 2
check "in the daemons' order" sh -c 'grep / "$1" | tr "\n" " " |
    grep -q "metactl-shop-web/.*metactl-shop-worker/"' _ "$FLEET_DIR/less.argv"

rm -f "$FLEET_DIR/less.argv"
: >"$FLEET_DIR/less.fail"
PATH=$P "$M" logs shop >"$FLEET_DIR/out" 2>"$FLEET_DIR/err" </dev/null
check "a failing command is the exit status" test $? -eq 1
check "and ends the run" test "$(grep -c '^--$' "$FLEET_DIR/less.argv")" -eq 1
rm -f "$FLEET_DIR/less.fail"

PATH=$P "$M" logs shop nosuch >"$FLEET_DIR/out" 2>"$FLEET_DIR/err" </dev/null
check "an unknown daemon fails" test $? -eq 1
check "with the agent's words" grep -q "^metactl: logs: .*nosuch" "$FLEET_DIR/err"
PATH=$P "$M" logs 'bad/app' >"$FLEET_DIR/out" 2>"$FLEET_DIR/err" </dev/null
check "a bad app name is a usage error" test $? -eq 2
done_testing
