# Helpers of the sandbox agent's tests (sandbox_agent.sh,
# sandbox_iptables.sh); after tests/lib/fleet.sh.

# sbx_lan H L NET: the namespace L (made here) is a LAN that the
# host's stand-in H (made by the caller) reaches on its up0, NET.1/24;
# L's end, lan0, is NET.2.
sbx_lan() {
	ip netns add "$2"
	ip link add up0 netns "$1" type veth peer name lan0 netns "$2"
	ip -n "$1" address add "$3.1/24" dev up0
	ip -n "$2" address add "$3.2/24" dev lan0
	for _n in "$1" "$2"; do
		ip -n "$_n" link set lo up
	done
	ip -n "$1" link set up0 up
	ip -n "$2" link set lan0 up
}

# sbx_listen_py (after fleet_init): $FLEET_DIR/listen.py ADDR PORT, a TCP listener that
# prints "listening" once bound and answers "hello" to each connection.
sbx_listen_py() {
	cat >"$FLEET_DIR/listen.py" <<'EOT'
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(8)
print("listening", flush=True)
while True:
    c, _ = s.accept(); c.sendall(b"hello\n"); c.close()
EOT
}

# listen NS ADDR PORT: that listener in NS, once it listens (its pid in
# LISTENERS).
listen() {
	ip netns exec "$1" python3 "$FLEET_DIR/listen.py" "$2" "$3" \
	    >"$FLEET_DIR/listen.$1.$3" 2>&1 &
	LISTENERS="${LISTENERS:-} $!"
	_i=0
	until grep -q listening "$FLEET_DIR/listen.$1.$3" 2>/dev/null; do
		[ "$_i" -ge 100 ] && return 1
		sleep 0.05
		_i=$((_i + 1))
	done
}

# reach NS ADDR PORT: prints "hello" when a connection is answered, else
# the error (refused, timed out).
reach() {
	ip netns exec "$1" python3 -c '
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
    print(c.recv(16).decode().strip())
except Exception as e:
    print(type(e).__name__)
' "$2" "$3"
}

# sbx_agent_in NS: metactld (METACTLD) runs inside the network namespace
# NS that stands in for the host, in the machine's mount namespace (as on
# a host: ip netns add must be seen by everyone).
sbx_agent_in() {
	printf "#!/bin/sh\nexec nsenter --net=/run/netns/%s %s \"\$@\"\n" "$1" \
	    "$METACTLD" >"$FLEET_DIR/metactld-in-ns"
	chmod +x "$FLEET_DIR/metactld-in-ns"
	METACTLD=$FLEET_DIR/metactld-in-ns
}
