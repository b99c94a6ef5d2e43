#!/bin/sh
# A deploy of a sandboxed app starts its daemon inside the app's network
# namespace: the node layer gives the app its address, the sandbox agent
# applies it before the first deploy (no release yet), the deploy agent
# starts the daemon under runit, and ss inside the namespace shows it on
# the app's address. metactld runs in a namespace standing in for the
# host; the machine's own network is never touched.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/deploy/lib.sh"

# Skipped only where the machine forbids network namespaces (see
# sandbox_agent.sh); a missing tool is a hard error.
[ "$(id -u)" -eq 0 ] || skip_all "network namespaces need root"
for p in ip nsenter ss /usr/bin/python3; do
	command -v "$p" >/dev/null || { echo "Bail out! $p not installed (scripts/bootstrap)"; exit 99; }
done
H=mcsbdh$$ APP=sbd$$
e=$(ip netns add "$H" 2>&1) ||
	skip_all "this machine forbids network namespaces: ip netns add: $e"
dp_init
sd_cleanup() {
	sa_cleanup
	ip netns delete "metactl-$APP" 2>/dev/null
	ip netns delete "$H" 2>/dev/null
}
trap sd_cleanup EXIT
ip -n "$H" link set lo up
# An address of the host's own, for its connections to the app.
ip -n "$H" address add 10.98.1.1/32 dev lo

# The app's repository: one daemon listening on the app's address.
REPO=$FLEET_DIR/sbrepo
mkdir -p "$REPO" && (cd "$REPO" && dp_git init -q)
cat >"$REPO/listen.py" <<'EOT'
import socket, sys
s = socket.socket()
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(8)
while True:
    c, _ = s.accept(); c.sendall(b"hello\n"); c.close()
EOT
printf '[daemon.web]\nplatform = exec\ncommand = daemon.sh\n' >"$REPO/.metactl"
dp_tag "$REPO" v1 'exec /usr/bin/python3 listen.py 10.98.0.10 7300' ||
	{ echo "Bail out! cannot make the repository"; exit 99; }
chmod -R go+rX "$REPO"
# The node gives the app its address.
printf '[sandbox.net]\nip = 10.98.0.10\n' >"$NODES/$APP.conf"
printf 'policy default deny\nallow\tuid=0\t*\t*\t*\n' \
    >"$FLEET_DIR/policy/sandbox.policy"
printf "#!/bin/sh\nexec nsenter --net=/run/netns/%s %s \"\$@\"\n" "$H" "$METACTLD" \
    >"$FLEET_DIR/metactld-in-ns"
chmod +x "$FLEET_DIR/metactld-in-ns"
METACTLD=$FLEET_DIR/metactld-in-ns
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }

# answers_ok DESCRIPTION: the last reply ($out) is OK, else its message.
answers_ok() {
	check "$1" [ "$(echo "$out" | field statuscode)" = 0 ]
	[ "$(echo "$out" | field statuscode)" = 0 ] || diag "$(echo "$out" | field statusmsg)"
}
out=$(fleet_send_local n1 -t 30000 -n 1 sandbox apply app=$APP)
answers_ok "apply before the first deploy answers OK"
out=$(dep deploy app=$APP tag=v1 site="$(dp_site "$REPO")")
answers_ok "the deploy answers OK"
check "ss inside the namespace shows the daemon on the app's address" sh -c \
    "ip netns exec metactl-$APP ss -ltnp | grep -q '10.98.0.10:7300 .*python3'"
check "the daemon is not in the host's namespace" sh -c \
    "! ip netns exec $H ss -ltn | grep -q ':7300 '"
r=$(ip netns exec "$H" /usr/bin/python3 -c '
import socket
c = socket.create_connection(("10.98.0.10", 7300), timeout=2)
print(c.recv(16).decode().strip())')
check "the host reaches the daemon on the app's address" [ "$r" = hello ]
out=$(svc stop app=$APP)
check "the daemon stops" [ "$(echo "$out" | field statuscode)" = 0 ]
out=$(fleet_send_local n1 -t 30000 -n 1 sandbox teardown app=$APP)
check "teardown answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "teardown removes the namespace" sh -c "! ip netns list | grep -q 'metactl-$APP\\b'"
done_testing
