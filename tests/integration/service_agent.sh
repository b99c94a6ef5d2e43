#!/bin/sh
# The service agent through a real metactld, on a runit supervision tree
# the test starts: an app laid down by hand with two daemons (exec, and a
# jvm running a Java program compiled here), restarted over the local
# socket and over a private broker; status, a daemon that dies at start,
# dry_run touching nothing, a node layer moving a port, app errors.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rabbitmq.sh"
. "$top_srcdir/tests/lib/fleet.sh"

backend=runit
. "$top_srcdir/tests/integration/service_agent_lib.sh"
sa_init

# The app: releases/v1 with .metactl, current -> releases/v1.
sa_app shop '[env]
PORT = 9001

[daemon.worker]
platform = exec
command = /bin/sleep 100000

[daemon.jobs]
platform = jvm
jvm.heap.max = 64m
jvm.jar = tick.jar %(PORT)'
REL=$APPS/shop/releases/v1
sa_tick "$REL"
# An app whose daemon dies as it starts.
sa_app crash '[daemon.boom]
platform = exec
command = /bin/sh -c "echo cannot bind >&2; exit 3"'
# An app whose configuration is wrong on line 3.
sa_app broken '[daemon.x]
platform = exec
command = /bin/true %(NOPE)'

if [ -x "$RABBITMQ_BIN/rabbitmq-server" ] && rabbitmq_start; then
	BROKER=1
else
	BROKER= RABBITMQ_URL=
	diag "no broker: the broker case is skipped"
fi
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }

out=$(svc start app=shop)
check "start answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "start reports both daemons up" [ "$(echo "$out" | field data.daemons.0.state) $(echo "$out" | field data.daemons.1.state)" = "up up" ]
w1=$(echo "$out" | pid_of worker) j1=$(echo "$out" | pid_of jobs)
check "the worker runs as its pid says" alive "$w1"
check "the jvm runs as its pid says" alive "$j1"
check "the jvm runs as nobody" [ "$(stat -c %U /proc/"$j1")" = nobody ]
check "the jvm has the app's port in its argv" \
    argv_has "$j1" "-Xmx64m -jar $REL/tick.jar 9001"
check "the scan directory links the service directory" \
    [ "$(readlink "$SCAN/metactl-shop-jobs")" = "$SUP/metactl-shop-jobs" ]

t0=$(date +%s%N)
out=$(svc restart app=shop)
diag "restart of two daemons: $((($(date +%s%N) - t0) / 1000000)) ms"
check "restart answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
w2=$(echo "$out" | pid_of worker) j2=$(echo "$out" | pid_of jobs)
check "restart gives the worker a new pid" new_alive "$w2" "$w1"
check "restart gives the jvm a new pid" new_alive "$j2" "$j1"
check "the old processes are gone" sh -c "! kill -0 $w1 2>/dev/null && ! kill -0 $j1 2>/dev/null"
check "restart answers once the manager says up" \
    sv status "$SCAN/metactl-shop-jobs" | grep -q "^run: .*(pid $j2)"

out=$(svc status app=shop)
check "status answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "status names the manager" [ "$(echo "$out" | field data.manager)" = runit ]
check "status gives the pids the manager has" [ "$(echo "$out" | pid_of jobs)" = "$j2" ]
up=$(echo "$out" | field data.daemons.1.uptime)
check "status gives an uptime in seconds" [ "${up:-x}" -ge 0 ]
out=$(svc status app=shop daemon=jobs)
check "status of one daemon reports only that one" \
    [ "$(echo "$out" | field data.daemons.0.daemon)/$(echo "$out" | field data.daemons.1)" = "jobs/" ]

# dry_run: the plan, nothing touched.
# Every file but the daemons' own logs, which grow meanwhile.
tree() { find "$SUP" "$SCAN" "$APPS" "$NODES" "$CRON" -path '*/log/main' -prune \
    -o -printf '%p %s %m %T@ %l\n' | sort; }
before=$(tree)
out=$(svc -D restart app=shop)
check "a dry run answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "a dry run returns the plan with the manager's commands" \
    sh -c "echo '$(echo "$out" | field data.plan)' | grep -q '\"sv\|svwait'"
check "a dry run lists the jvm's argv" \
    sh -c "echo '$(echo "$out" | field data.plan)' | grep -q 'tick.jar'"
check "a dry run changes no file" [ "$(tree)" = "$before" ]
out=$(svc status app=shop)
check "a dry run leaves the daemons alone" \
    [ "$(echo "$out" | pid_of worker) $(echo "$out" | pid_of jobs)" = "$w2 $j2" ]

# A node layer moves the port: the restart runs the new argv.
printf '[env]\nPORT = 9002\n' >"$NODES/shop.conf"
out=$(svc restart app=shop daemon=jobs)
check "restart of one daemon answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
j3=$(echo "$out" | pid_of jobs)
check "the node layer's port is in the jvm's new argv" \
    argv_has "$j3" "tick.jar 9002"
check "restart of one daemon leaves the other running" kill -0 "$w2"
out=$(svc config app=shop)
check "config says the node layer set PORT" \
    [ "$(echo "$out" | field data.config.sections.env.PORT.layer)" = node ]

# Errors.
out=$(svc start app=crash)
check "a daemon that dies at start fails the start" [ "$(echo "$out" | field statuscode)" = 1 ]
msg=$(echo "$out" | field statusmsg)
case $msg in
*boom*exit*3* | *boom*3*) ok "the failure says the daemon exited with 3" ;;
*) not_ok "the failure says the daemon exited with 3: $msg" ;;
esac
out=$(svc stop app=crash)
out=$(svc restart app=shop daemon=nope)
check "an unknown daemon is status 4" [ "$(echo "$out" | field statuscode)" = 4 ]
check "an unknown daemon's error names the app's daemons" \
    sh -c "echo '$(echo "$out" | field statusmsg)' | grep -q 'worker, jobs'"
out=$(svc status app=nosuch)
check "an app that does not exist is status 4" [ "$(echo "$out" | field statuscode)" = 4 ]
check "... and says so" [ "$(echo "$out" | field statusmsg)" = "no app nosuch in $APPS" ]
mkdir -p "$APPS/empty"
out=$(svc status app=empty)
check "an app without a current release says so" \
    [ "$(echo "$out" | field statusmsg)" = "app empty has no current release ($APPS/empty/current)" ]
out=$(svc restart app=broken)
check "a configuration error is status 4" [ "$(echo "$out" | field statuscode)" = 4 ]
case $(echo "$out" | field statusmsg) in
*"$APPS/broken/current/.metactl:3"*NOPE*) ok "it names file:line and the variable" ;;
*) not_ok "it names file:line and the variable: $(echo "$out" | field statusmsg)" ;;
esac

if [ -n "$BROKER" ]; then
	out=$(fleet_send -t 60000 -n 1 -I n1 service restart app=shop)
	check "over the broker: restart answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
	check "over the broker: the reply is signed by the node" [ "$(echo "$out" | field verified)" = true ]
	j4=$(echo "$out" | pid_of jobs)
	check "over the broker: the jvm has a new pid" new_alive "$j4" "$j3"
fi

# Two restarts of one app at once: the second waits for the first.
n0=$(fleet_count_log n1 'service\.restart: running')
svc restart app=shop >"$FLEET_DIR/r1" &
r1=$!
fleet_wait_count n1 'service\.restart: running' $((n0 + 1)) ||
	diag "the first restart did not start"
svc restart app=shop >"$FLEET_DIR/r2"
wait "$r1"
id1=$(field request <"$FLEET_DIR/r1") id2=$(field request <"$FLEET_DIR/r2")
check "both concurrent restarts answer OK" \
    [ "$(field statuscode <"$FLEET_DIR/r1") $(field statuscode <"$FLEET_DIR/r2")" = "0 0" ]
check "the second restart waited for the app's lock" \
    grep -q "request $id2 waits for lock service:shop" "$(fleet_log n1)"
order=$(grep -E "request ($id1|$id2): service\.restart: running" "$(fleet_log n1)" |
    sed -E "s/.*request ($id1|$id2):.*/\1/" | uniq | tr '\n' ' ')
check "their commands do not interleave" [ "$order" = "$id1 $id2 " ]
j4=$(pid_of jobs <"$FLEET_DIR/r2")

out=$(svc stop app=shop)
check "stop answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "stop reports the daemons down" [ "$(echo "$out" | field data.daemons.0.state) $(echo "$out" | field data.daemons.1.state)" = "down down" ]
check "stop ended the jvm" sh -c "! kill -0 $j4 2>/dev/null"
check "stop leaves the definitions" [ -d "$SUP/metactl-shop-jobs" ]

# service_manager = auto: the runsvdir scanning service_dir is found at
# start; with none, the agent runs and the service agent says why not.
base_conf=$FLEET_EXTRA_CONF
FLEET_EXTRA_CONF=$(echo "$base_conf" | sed 's/^service_manager = .*/service_manager = auto/')
fleet_start n2 || { echo "Bail out! n2 did not start"; exit 99; }
check "auto finds the runsvdir scanning service_dir" \
    grep -q "apps: service manager runit (found running)" "$(fleet_log n2)"
out=$(fleet_send_local n2 -t 60000 -n 1 service status app=shop)
check "... and the service agent uses it" [ "$(echo "$out" | field data.manager)" = runit ]
FLEET_EXTRA_CONF=$(echo "$base_conf" | sed -e 's/^service_manager = .*/service_manager = auto/' \
    -e "s|^service_dir = .*|service_dir = $FLEET_DIR/none|")
fleet_start n3 || { echo "Bail out! n3 did not start"; exit 99; }
check "auto without a manager is logged" \
    grep -q "apps: no service manager found" "$(fleet_log n3)"
out=$(fleet_send_local n3 -t 60000 -n 1 service restart app=shop)
check "without a manager, restart is refused with status 5" [ "$(echo "$out" | field statuscode)" = 5 ]
check "... saying why" sh -c "echo '$(echo "$out" | field statusmsg)' | grep -q 'no service manager'"
out=$(fleet_send_local n3 -t 60000 -n 1 service config app=shop)
check "without a manager, config still answers" [ "$(echo "$out" | field statuscode)" = 0 ]
done_testing
