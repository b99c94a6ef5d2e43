#!/bin/sh
# metactl refuses to send with its own certificate expired, not yet valid,
# or for another key, and says which; nothing reaches the broker.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/integration/orch_lib.sh"
MCSEND="$top_builddir/tests/integration/mcsend"

orch_setup
printf 'allow\t*\tdaemon_stats\t*\n' >>"$T/policy/rpcutil.policy"
orch_node web1 web dc1 3 web || exit 99

# client CONF KEY CERT: a copy of client.conf with another key and cert.
client() {
	sed -e "s|^key = .*|key = $2|" -e "s|^certificate = .*|certificate = $3|" \
	    "$T/client.conf" >"$T/$1.conf"
}

# An expired caller certificate, from the fleet CA.
"$MCSEND" issue "$T/ca" old caller -3600 || exit 99
client expired "$T/ca/old.key" "$T/ca/old.crt"
# A certificate valid only from tomorrow: the CA signs it here.
if "$PYTHON3" - "$T/ca/ca.key" "$T/alice.pub" "$T/future.crt" <<'PY'
import base64, json, sys, time
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
seed = base64.b64decode(open(sys.argv[1]).read().strip())[:32]
ca = Ed25519PrivateKey.from_private_bytes(seed)
now = int(time.time())
text = json.dumps({"name": "alice", "role": "caller", "issuer": "testca",
    "pubkey": open(sys.argv[2]).read().strip(),
    "not_before": now + 86400, "not_after": now + 2 * 86400},
    separators=(",", ":"), sort_keys=True)
sig = base64.b64encode(ca.sign(text.encode())).decode()
open(sys.argv[3], "w").write(json.dumps({"certificate": text,
    "signature": sig}) + "\n")
PY
then
	client future "$T/alice.key" "$T/future.crt"
else
	future_skip="python3 cannot sign (no cryptography module)"
fi
# alice's certificate with the key of another certificate (web1's node key
# would also do; a caller key shows it is not about the role).
"$M" keygen "$T/bob" >/dev/null || exit 99
client mismatch "$T/bob.key" "$T/alice.crt"

# refused NAME WORDS: metactl with NAME.conf exits 2 and says WORDS.
refused() {
	METACTL_CONFIG="$T/$1.conf" "$M" rpc rpcutil ping -I web1 \
	    >"$T/$1.out" 2>"$T/$1.err"
	rc=$?
	if [ "$rc" -eq 2 ]; then
		ok "$1: metactl exits 2"
	else
		not_ok "$1: metactl exits $rc, want 2"
	fi
	if grep -q -- "$2" "$T/$1.err"; then
		ok "$1: the error says '$2'"
	else
		not_ok "$1: no '$2' in: $(cat "$T/$1.err")"
	fi
}
refused expired "certificate \"old\" expired"
if [ -z "${future_skip:-}" ]; then
	refused future "certificate \"alice\" not valid before"
else
	ok "future: # SKIP $future_skip"
fi
refused mismatch "bob.key: key does not match certificate .*alice.crt (the certificate is for public key $(cat "$T/alice.pub"), the key's is $(cat "$T/bob.pub"))"
check "the mismatch names the certificate" grep -q alice.crt "$T/mismatch.err"
check "a mismatched key is not called a malformed certificate" \
    sh -c '! grep -q "malformed certificate" "$1"' _ "$T/mismatch.err"

# metactld says the same of its own key and certificate, and does not start.
sed -e "s|^key = .*|key = $T/bob.key|" "$T/web1.conf" >"$T/web1-bob.conf"
"$D" -n -c "$T/web1-bob.conf" >/dev/null 2>"$T/d-mismatch.err"
check "metactld -n refuses a key that does not match its certificate (78)" \
    test $? -eq 78
check "and says which key, which certificate and both public keys" grep -q \
    "bob.key: key does not match certificate .*web1.crt (the certificate is for public key $(cat "$T/web1.pub"), the key's is $(cat "$T/bob.pub"))" \
    "$T/d-mismatch.err"
check "metactld does not call it a malformed certificate" \
    sh -c '! grep -q "malformed certificate" "$1"' _ "$T/d-mismatch.err"

# Nothing was published: web1 counts every request it receives. A good
# run receives k of them (discovery, then the request); two good runs in
# a row must show k, then 2k: the refused runs sent nothing. Without a
# node registry, so that no run adds the registry's refresh to its k.
sed -i 's|^cache = .*|cache =|' "$T/client.conf"
"$M" rpc rpcutil daemon_stats -I web1 --json >"$T/stats1.json"
check "a good certificate still works" test $? -eq 0
"$M" rpc rpcutil daemon_stats -I web1 --json >"$T/stats2.json"
check "web1 received no request from the refused runs" "$PYTHON3" -c '
import json, sys
n = [json.load(open(f))["replies"][0]["data"]["received"]
     for f in sys.argv[1:]]
assert n[0] > 0 and n[1] == 2 * n[0], n
' "$T/stats1.json" "$T/stats2.json"
done_testing
