#!/bin/sh
# A deploy of an app with [lb] (in its site layer) through a real
# metactld, a runit tree and a real HAProxy on loopback: the first deploy
# registers the app's server once the release is up and healthy, the next
# one drains it with the restart and makes it ready after the health
# check, and a deploy that fails rolls back and leaves the
# server drained, saying so. A dry run of a tag not fetched yet shows the
# runtime-API lines without changing the app's tree.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/deploy/lib.sh"
. "$top_srcdir/tests/lbreg/lib.sh"
dp_init
lb_init
lb_haproxy
lb_httpd n1
SITE="$SITE
[lb]
socket = $LB_SOCK
backend = app
server = n1
port = $HTTPD_PORT"
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }

out=$(dep deploy app=demo tag=v1 site="$SITE")
check "the first deploy answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "it registered the server in HAProxy" [ "$(lb_state n1)" = "no check" ]

# A dry run of a tag not fetched yet: git fetches it into the repository
# cache (and nothing else) to read its .metactl, so the plan shows the
# runtime-API lines around the restart; the app's tree is left as it was.
tree() { find "$APPS/demo" -path "$APPS/demo/state/repo.git" -prune -o \
    -printf '%p %y %s %T@ %m\n' | sort; }
before=$(tree)
out=$(dep -D deploy app=demo tag=v2 site="$SITE")
check "a dry run of a deploy answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
plan=$(echo "$out" | field data.plan)
check "its plan drains the server first" \
    sh -c 'echo "$1" | grep -qF "set server app/n1 state drain"' - "$plan"
check "its plan makes the server ready after the restart" \
    sh -c 'echo "$1" | grep -qF "set server app/n1 state ready"' - "$plan"
check "its plan says the fetch writes only the repository cache" \
    sh -c 'echo "$1" | grep -q "writes only the repository cache"' - "$plan"
check "the dry run left the app's tree as it was" [ "$(tree)" = "$before" ]
check "the dry run left the server in the pool" [ "$(lb_state n1)" = "no check" ]
check "the dry run fetched nothing into releases" [ ! -e "$APPS/demo/releases/v2" ]

out=$(dep deploy app=demo tag=v2 site="$SITE")
check "a deploy answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "the server is back in the pool" [ "$(lb_state n1)" = "no check" ]
check "the deploy drained it with the restart and made it ready after" \
    sh -c 'echo "$1" | grep -qF "restart:ok health:ok lb:ok"' - "$(echo "$out" | "$PYTHON3" -c '
import json, sys
d = json.loads(sys.stdin.read().strip().splitlines()[-1])["data"]
print(" ".join(s["step"] + ":" + s["result"] for s in d["steps"]))')"

out=$(dep deploy app=demo tag=v4 site="$SITE")
check "a deploy whose daemon dies fails" [ "$(echo "$out" | field statuscode)" != 0 ]
check "it says the server stays drained" \
    sh -c 'echo "$1" | grep -q "stays drained"' - "$(echo "$out" | field statusmsg)"
check "HAProxy has the server drained" [ "$(lb_state n1)" = DRAIN ]
done_testing
