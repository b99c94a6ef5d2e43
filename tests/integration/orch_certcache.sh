#!/bin/sh
# metactl remembers the node certificates it verified, in
# certificates.json beside its node cache, so that a later run verifies
# only each reply's signature. The file holds digests keyed with the
# caller's key: entries anyone else writes match nothing, a damaged file
# is replaced, and a forged certificate never passes.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/integration/orch_lib.sh"

[ -n "${PYTHON3:-}" ] || skip_all "python3 not found"
orch_setup
orch_nodes 2 >/dev/null || exit 99
C=$T/cache/certificates.json

"$M" ping >"$T/ping1.out"
is "ping: both nodes answer" "$?" 0
is "the file is the user's alone" "$(stat -c %a "$C")" 600
check "it holds the two node certificates" "$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == 1 and len(d["verified"]) == 2, d
assert all(len(k) == 64 for k in d["verified"]), d
' "$C"
ino=$(stat -c %i "$C")
"$M" ping >"$T/ping2.out"
is "the next ping: both nodes answer" "$?" 0
# A run that verified a certificate anew saves the file again.
is "every certificate was known: the file is not rewritten" \
    "$(stat -c %i "$C")" "$ino"

printf 'garbage' >"$C"
"$M" ping >"$T/ping3.out"
is "a damaged file: both nodes answer" "$?" 0
check "and it is written anew" "$PYTHON3" -c '
import json, sys
assert len(json.load(open(sys.argv[1]))["verified"]) == 2
' "$C"

# A node of another CA answers as "forged".
orch_fake forged forged "$T/rogueca" || exit 99
printf 'n1\nforged\n' >"$T/targets"

# poison KEY: the cache with an entry for the forged certificate under our
# CA, its digest keyed with KEY ("none": unkeyed, "caller": what metactl
# derives from alice.key, "other": from forged.key).
poison() {
	"$PYTHON3" -c '
import base64, hashlib, json, sys
T, how = sys.argv[1], sys.argv[2]
ca = base64.b64decode(open(T + "/ca/ca.pub").read())
crt = json.load(open(T + "/forged.crt"))
data = ca + base64.b64decode(crt["signature"]) + crt["certificate"].encode()
def derived(name):
    seed = base64.b64decode(open(T + "/" + name + ".key").read())[:32]
    return hashlib.blake2b(b"metactl certificate cache v1", digest_size=32,
                           key=seed).digest()
key = {"none": b"", "caller": derived("alice"), "other": derived("forged")}[how]
d = json.load(open(T + "/cache/certificates.json"))
d["verified"][hashlib.blake2b(data, digest_size=32, key=key).hexdigest()] = \
    2**40
json.dump(d, open(T + "/cache/certificates.json", "w"))
' "$T" "$1"
}

# forged_result: what metactl makes of the forged node's reply.
forged_result() {
	"$M" rpc rpcutil ping --nodes "$T/targets" -t 2 --json >"$T/f.json"
	"$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
ok = [r["identity"] for r in d["replies"]]
bad = {i["identity"]: i["reason"] for i in d["invalid"]}
print("accepted" if "forged" in ok else
      "untrusted" if "trusted CA" in bad.get("forged", "") else repr(d),
      "n1" if "n1" in ok else "without n1")
' "$T/f.json"
}

is "a node of another CA is refused" "$(forged_result)" "untrusted n1"
poison none
is "an unkeyed entry for its certificate changes nothing" \
    "$(forged_result)" "untrusted n1"
poison other
is "an entry keyed with another key changes nothing" \
    "$(forged_result)" "untrusted n1"
# The same entry keyed with the caller's own key would be honoured: only
# the key protects the file, and the entries above were the right bytes.
poison caller
is "(control) keyed with the caller's key, the entry is honoured" \
    "$(forged_result)" "accepted n1"

done_testing
