#!/bin/sh
# The runit backend for real: a private runsvdir, an app with an exec and
# a jvm daemon started, restarted, reloaded, stopped and uninstalled
# through svcrun (the backend's plans, performed), a daemon that dies at
# start.
. "$top_srcdir/tests/lib/tap.sh"
backend=runit
. "$top_srcdir/tests/service/lib.sh"

[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
# svc_kept_down DIR: runsv wants the daemon down (the finish said so).
svc_kept_down() { "$SVWAIT" --timeout 20000 runit-down "$1"; }
svc_init
svc_common_tests

# runit's own view agrees with the parsed status.
pid=$(svc_pid tick)
check "sv status names the pid status reports" \
    sh -c "sv status '$SVC_T/sup/metactl-shop-tick' | grep -q '(pid $pid)'"

svc_uninstall_all web tick bad
done_testing
