#!/bin/sh
# metactl keygen, ca init, ca sign and cert show: files, modes, refusals.
. "$top_srcdir/tests/lib/tap.sh"
M="$top_builddir/orchestrator/metactl"
T=$(mktemp -d "${TMPDIR:-/tmp}/orch_keys.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 99

check "keygen writes NAME.key and NAME.pub" "$M" keygen alice
check "the secret key is mode 0600" \
    test "$(stat -c %a alice.key)" = 600
check "keygen refuses to replace a key" sh -c '! "$1" keygen alice 2>/dev/null' _ "$M"
check "ca init creates the CA directory" "$M" ca init --name fleet ca
check "the CA directory is mode 0700" test "$(stat -c %a ca)" = 700
check "ca init refuses to replace a CA" sh -c '! "$1" ca init ca 2>/dev/null' _ "$M"
check "ca sign writes NAME.crt" \
    "$M" ca sign --ca ca --role caller --name alice --days 30 alice.pub
check "ca sign -o writes FILE" \
    "$M" ca sign --ca ca --role node --name web1 -o web1.cert alice.pub
"$M" cert show alice.crt >show.out
check "cert show names the certificate" grep -q '^name: *alice$' show.out
check "cert show gives the role and issuer" \
    sh -c 'grep -q "^role: *caller$" show.out && grep -q "^issuer: *fleet$" show.out'
"$M" cert show --json --ca ca/ca.pub web1.cert >show.json
check "cert show --json is JSON with the role" \
    "$PYTHON3" -c 'import json,sys; d=json.load(open("show.json")); sys.exit(d["role"]!="node" or d["trust"]!="signed by the given CA")'
"$M" ca init other >/dev/null
"$M" cert show --ca other/ca.pub alice.crt >/dev/null
check "cert show --ca with another CA exits 1" test $? -eq 1
"$M" ca sign --ca ca --role admin --name x alice.pub 2>err.out
check "an unknown role is a usage error" test $? -eq 2
check "the error names the option" grep -q -- '--role' err.out
"$M" ca sign --ca ca --role node --name 'a b' alice.pub 2>/dev/null
check "a name with blanks is refused" test $? -eq 2
"$M" ca sign --ca ca --role node --name x --days 0 alice.pub 2>/dev/null
check "--days 0 is refused" test $? -eq 2

# ca sign never replaces a certificate silently.
cp alice.crt alice.crt.before
"$M" ca sign --ca ca --role caller --name alice alice.pub >out 2>err.out
check "ca sign refuses to replace NAME.crt (exit 2)" test $? -eq 2
check "the refusal names the file and --force" \
    grep -q 'alice.crt already exists.*--force' err.out
check "the certificate is unchanged" cmp -s alice.crt alice.crt.before
"$M" ca sign --ca ca --role node --name web1 -o web1.cert alice.pub 2>/dev/null
check "ca sign -o refuses to replace FILE" test $? -eq 2
(umask 077 && "$M" ca sign --ca ca --role caller --name alice --days 7 \
    --force alice.pub >/dev/null)
check "--force replaces it" sh -c '! cmp -s alice.crt alice.crt.before'
check "the new certificate is mode 0644 whatever the umask" \
    test "$(stat -c %a alice.crt)" = 644
check "no temporary file is left beside it" \
    test "$(ls -A | grep -c 'tmp')" -eq 0
"$M" cert show --ca ca/ca.pub alice.crt >show2.out
check "the new certificate is the one signed" grep -q 'trust: *signed by the given CA' show2.out
# Names: the table of lib/names.h (242 characters of an identity).
long=$(printf '%0242d' 0 | tr 0 n)
check "a 242-character name is signed" \
    "$M" ca sign --ca ca --role node --name "$long" -o long.crt alice.pub
"$M" ca sign --ca ca --role node --name "${long}n" -o long2.crt alice.pub \
    2>err.out
check "a 243-character name is refused" test $? -eq 2
check "saying why" grep -q 'longer than 242 characters' err.out
echo garbage >g.crt
"$M" cert show g.crt 2>/dev/null
check "a malformed certificate is an error" test $? -eq 2
chmod 644 ca/ca.key
"$M" ca sign --ca ca --role node --name y alice.pub 2>err.out
check "a CA key readable by others is refused" test $? -eq 2
done_testing
