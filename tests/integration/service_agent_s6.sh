#!/bin/sh
# The service agent through metactld on an s6 supervision tree the test
# starts: an app with an exec and a jvm daemon is started, restarted (both
# pids change, the answer comes once s6 says up), reported by status and
# stopped; a daemon that dies at start fails the start with its exit.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rabbitmq.sh"
. "$top_srcdir/tests/lib/fleet.sh"

backend=s6
. "$top_srcdir/tests/integration/service_agent_lib.sh"
sa_init
RABBITMQ_URL=

sa_app shop '[daemon.worker]
platform = exec
command = /bin/sleep 100000

[daemon.jobs]
platform = jvm
jvm.jar = tick.jar 9001'
sa_tick "$APPS/shop/releases/v1"
sa_app crash '[daemon.boom]
platform = exec
command = /bin/sh -c "exit 3"'
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }

out=$(svc start app=shop)
check "start answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
[ "$(echo "$out" | field statuscode)" = 0 ] || diag "$(echo "$out" | field statusmsg)"
check "status names s6" [ "$(echo "$out" | field data.manager)" = s6 ]
w1=$(echo "$out" | pid_of worker) j1=$(echo "$out" | pid_of jobs)
check "both daemons run" sh -c "kill -0 $w1 && kill -0 $j1"
t0=$(date +%s%N)
out=$(svc restart app=shop)
diag "restart of two daemons under s6: $((($(date +%s%N) - t0) / 1000000)) ms"
check "restart answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
w2=$(echo "$out" | pid_of worker) j2=$(echo "$out" | pid_of jobs)
check "restart gives the worker a new pid" new_alive "$w2" "$w1"
check "restart gives the jvm a new pid" new_alive "$j2" "$j1"
check "s6 says up with the pid restart answered" \
    sh -c "s6-svstat '$SUP/metactl-shop-jobs' | grep -q '^up (pid $j2)'"
out=$(svc status app=shop)
check "status reports both up" [ "$(echo "$out" | field data.daemons.0.state) $(echo "$out" | field data.daemons.1.state)" = "up up" ]
check "status gives an uptime" [ "$(echo "$out" | field data.daemons.1.uptime)" -ge 0 ]
out=$(svc start app=crash)
check "a daemon that dies at start fails the start" [ "$(echo "$out" | field statuscode)" = 1 ]
case $(echo "$out" | field statusmsg) in
*boom*3*) ok "the failure gives the exit status" ;;
*) not_ok "the failure gives the exit status: $(echo "$out" | field statusmsg)" ;;
esac
svc stop app=crash >/dev/null
out=$(svc stop app=shop)
check "stop answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "stop ended both daemons" sh -c "! kill -0 $w2 2>/dev/null && ! kill -0 $j2 2>/dev/null"
done_testing
