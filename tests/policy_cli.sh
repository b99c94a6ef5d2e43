#!/bin/sh
# The "metactl policy" subcommands: exit statuses, output, --json, lint.
. "$top_srcdir/tests/lib/tap.sh"
cli="$top_builddir/tests/unit/policy_cli"
[ -x "$cli" ] || skip_all "policy_cli not built"
dir=$(mktemp -d "${TMPDIR:-/tmp}/policy_cli.XXXXXX") || exit 99
trap 'rm -rf "$dir"' EXIT
T=$(printf '\t')

cat >"$dir/service.policy" <<POLICY
# classic example, and app-scoped restarts
policy default deny
allow${T}uid=500${T}*${T}*${T}*
allow${T}uid=502${T}status${T}*${T}*
allow${T}uid=600${T}*${T}customer=acme${T}acme::devserver
allow${T}shop${T}restart(app=/^shop-/)${T}*
POLICY
printf 'shop cert=alice cert=bob\n' >"$dir/groups"

# run EXPECTED-STATUS ARGS...: output in $out, status checked
run() {
	want=$1
	shift
	out=$("$cli" "$@" 2>"$dir/err")
	got=$?
	if [ "$got" -ne "$want" ]; then
		diag "policy $*: status $got, expected $want"
		diag "stdout: $out"
		diag "stderr: $(cat "$dir/err")"
		return 1
	fi
	return 0
}
has() { case $1 in *"$2"*) return 0 ;; esac; diag "'$1' lacks '$2'"; return 1; }

check "allowed rule exits 0" run 0 check --policy-dir "$dir" \
	--agent service --action restart --caller uid=500
check "prints the deciding file:line" has "$out" "allow $dir/service.policy:3"

check "denied exits 1" run 1 check --policy-dir "$dir" \
	--agent service --action restart --caller uid=502
check "names the default" has "$out" "deny $dir/service.policy: policy default"

check "substring of a caller is not that caller" run 1 check \
	--policy-dir "$dir" --agent service --action stop --caller uid=50

check "facts and classes" run 0 check --policy-dir "$dir" \
	--agent service --action stop --caller uid=600 \
	--fact customer=acme --class base --class acme::devserver
check "facts and classes line" has "$out" "service.policy:5"
check "missing class denies" run 1 check --policy-dir "$dir" \
	--agent service --action stop --caller uid=600 --fact customer=acme

check "argument constraint allows" run 0 check --policy-dir "$dir" \
	--agent service --action restart --caller cert=bob --arg app=shop-web
check "argument constraint denies" run 1 check --policy-dir "$dir" \
	--agent service --action restart --caller cert=bob --arg app=myshop

check "unconfigured agent denies" run 1 check --policy-dir "$dir" \
	--agent deploy --action run --caller uid=500
check "unconfigured origin" has "$out" "deny allow_unconfigured"
check "--allow-unconfigured" run 0 check --policy-dir "$dir" \
	--agent deploy --action run --caller uid=500 --allow-unconfigured

check "--json allowed" run 0 check --json --policy-dir "$dir" \
	--agent service --action status --caller uid=502
check "--json fields" has "$out" \
	"{\"decision\":\"allow\",\"allowed\":true,\"file\":\"$dir/service.policy\",\"line\":4,"
check "--json is JSON" sh -c 'printf "%s" "$1" | "$2" -c "import json,sys; d=json.load(sys.stdin); assert d[\"origin\"].endswith(\"service.policy:4\")"' \
	sh "$out" "${PYTHON3:-python3}"
check "--json denied" run 1 check --json --policy-dir "$dir" \
	--agent deploy --action run --caller uid=1
check "--json default has no file" has "$out" '"file":null,"line":0,"origin":"allow_unconfigured"'

check "missing option is a usage error" run 2 check --policy-dir "$dir" \
	--agent service --action restart
check "usage names the options" has "$(cat "$dir/err")" "--caller are required"
check "bad --arg is a usage error" run 2 check --policy-dir "$dir" \
	--agent service --action restart --caller uid=1 --arg app
check "unknown option is a usage error" run 2 check --bogus
check "unknown subcommand" run 2 frobnicate
check "no subcommand" run 2
check "missing directory exits 2" run 2 check --policy-dir "$dir/nope" \
	--agent service --action restart --caller uid=1
check "check --help" run 0 check --help
check "check --help text" has "$out" "--policy-dir DIR"
check "lint --help" run 0 lint --help
check "policy --help" run 0 --help

# a broken policy: check refuses to decide, lint says where
printf 'policy default deny\nallow uid=500 * * *\n' >"$dir/broken.policy"
check "broken policy exits 2" run 2 check --policy-dir "$dir" \
	--agent service --action restart --caller uid=500
check "broken policy error" has "$(cat "$dir/err")" "$dir/broken.policy:2:6:"
check "lint broken exits 1" run 1 lint "$dir/service.policy" "$dir/broken.policy"
check "lint reports file:line:col" has "$(cat "$dir/err")" \
	"$dir/broken.policy:2:6: expected a tab after 'allow'"
check "lint reports good files" has "$out" "$dir/service.policy: OK"
printf 'allow\tuid=1\t*\tx=1 and (y=2\n' >"$dir/broken.policy"
check "lint broken compound" run 1 lint "$dir/broken.policy"
check "lint compound column" has "$(cat "$dir/err")" "broken.policy:1:27: missing ')'"
printf 'allow\tadmins\t*\t*\n' >"$dir/broken.policy"
check "lint unknown group" run 1 lint "$dir/broken.policy"
check "lint unknown group column" has "$(cat "$dir/err")" "broken.policy:1:7: unknown group 'admins'"
# every error of a file, each with its line and column
printf 'policy default deny\nallow\tadmins\t*\t*\nallow uid=1 * * *\nallow\tuid=1\t*\tcpus>>3\nallow\tuid=1\tstatus\tcpus=<3\tweb\nallow\tuid=2\t*\t*\n' >"$dir/broken.policy"
check "lint several errors exits 1" run 1 lint "$dir/broken.policy"
check "lint reports the first error" has "$(cat "$dir/err")" "broken.policy:2:7: unknown group 'admins'"
check "lint reports the second error" has "$(cat "$dir/err")" "broken.policy:3:6: expected a tab"
check "lint reports an operator typo" has "$(cat "$dir/err")" "broken.policy:4:19: unknown operator '>>'"
check "lint reports a reversed operator" has "$(cat "$dir/err")" "broken.policy:5:24: unknown operator '=<'"
check "lint reports four errors" test "$(wc -l <"$dir/err")" -eq 4
rm -f "$dir/broken.policy"
check "lint clean exits 0" run 0 lint "$dir/service.policy" "$dir/groups"
check "lint no files is a usage error" run 2 lint
check "lint missing file exits 1" run 1 lint "$dir/absent.policy"
# The sample policy directory behaves as metactl-policy(5) says.
etc="$top_srcdir/etc/policy"
check "samples lint clean" run 0 lint "$etc"/*.policy "$etc/groups"
check "sample: shop restarts its app" run 0 check --policy-dir "$etc" \
	--agent service --action restart --caller cert=bob --arg app=shop-web
check "sample: shop rule line" has "$out" "service.policy:11"
check "sample: alice restarts shop apps on web nodes" run 0 check \
	--policy-dir "$etc" --agent service --action restart \
	--caller cert=alice --arg app=shop-web --fact role=web
check "sample: alice rule line" has "$out" "service.policy:9"
check "sample: alice may not restart billing" run 1 check --policy-dir "$etc" \
	--agent service --action restart --caller cert=alice --arg app=billing \
	--fact role=web
check "sample: nor shop apps off the web nodes" run 1 check \
	--policy-dir "$etc" --agent service --action restart \
	--caller cert=alice --arg app=shop-web --fact role=db
check "sample: the NOC sees any app's status" run 0 check \
	--policy-dir "$etc" --agent service --action status \
	--caller cert=nina --arg app=billing
check "sample: the NOC may not restart" run 1 check --policy-dir "$etc" \
	--agent service --action restart --caller cert=nina --arg app=billing
check "sample: only root stops" run 0 check --policy-dir "$etc" \
	--agent service --action stop --caller uid=0 --arg app=shop-web
check "sample: the shop team may not stop its app" run 1 check \
	--policy-dir "$etc" --agent service --action stop --caller cert=bob \
	--arg app=shop-web
check "sample: the deny rule decides" has "$out" "service.policy:8"
check "sample: shop may not restart billing" run 1 check --policy-dir "$etc" \
	--agent service --action restart --caller cert=bob --arg app=billing
check "sample: dave restarts billing outside prod" run 0 check \
	--policy-dir "$etc" --agent service --action restart \
	--caller cert=dave --arg app=billing --fact env=dev
check "sample: but not in prod" run 1 check --policy-dir "$etc" \
	--agent service --action restart --caller cert=dave --arg app=billing \
	--fact env=prod
check "sample: rpcutil ping for anyone" run 0 check --policy-dir "$etc" \
	--agent rpcutil --action ping --caller cert=nobody
check "sample: default.policy for operators" run 0 check --policy-dir "$etc" \
	--agent deploy --action run --caller uid=0
check "sample: default.policy line" has "$out" "default.policy:3"
check "sample: default.policy denies others" run 1 check --policy-dir "$etc" \
	--agent deploy --action run --caller cert=bob

# Every policy example in the manual parses.
man="$top_builddir/man/metactl-policy.5" # as built (man/local.mk)
awk -v dir="$dir" '
	/^\.Bd -literal/ { inblock = 1; text = ""; first = ""; next }
	/^\.Ed/ {
		if (first ~ /^(policy|allow|deny)/)
			printf "%s", text > (dir "/man" ++n ".policy")
		inblock = 0
		next
	}
	inblock { if (first == "") first = $0; text = text $0 "\n" }
' "$man"
cp "$etc/groups" "$dir/groups"
for f in "$dir"/man*.policy; do
	check "manual example $(basename "$f") lints" run 0 lint "$f"
done
[ -f "$dir/man1.policy" ] || not_ok "no policy example found in the manual"
if [ -n "${MANDOC:-}" ] && [ -x "$MANDOC" ]; then
	check "manual passes mandoc -Tlint" "$MANDOC" -Tlint -Wwarning "$man"
fi
done_testing
