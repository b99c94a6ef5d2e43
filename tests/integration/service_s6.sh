#!/bin/sh
# The s6 backend for real: a private s6-svscan, an app with an exec and a
# jvm daemon started, restarted, reloaded, stopped and uninstalled through
# svcrun, a daemon that dies at start, and readiness through the
# notification-fd.
. "$top_srcdir/tests/lib/tap.sh"
backend=s6
. "$top_srcdir/tests/service/lib.sh"

[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
# svc_kept_down DIR: down with its finish done, and not wanted up.
svc_kept_down() {
	s6-svwait -D -t 20000 "$1" &&
	    [ "$(s6-svstat -o wantedup "$1")" = false ]
}
svc_init
svc_common_tests

# Readiness: the daemon writes its marker, then its line on fd 3; start
# returns only after that (the grace alone would return long before).
marker="$SVC_T/out/ready"
check "install a notify daemon" \
    svc rdy install --notify -- "$SVC_T/ready.sh" "$marker"
check "it has a notification-fd" \
    [ "$(cat "$SVC_T/sup/metactl-shop-rdy/notification-fd")" = 3 ]
check "start a notify daemon" svc rdy start --notify --grace 100 \
    -- "$SVC_T/ready.sh" "$marker"
check "start returned after the daemon said it was ready" [ -s "$marker" ]
check "status: ready" [ "$(svc rdy status --notify | json ready)" = 1 ]

svc_uninstall_all web tick bad rdy
done_testing
