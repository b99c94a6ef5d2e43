#!/bin/sh
# The shipped lbreg.policy (etc/policy) lints clean and permits and
# refuses as its comments say, rule line by rule line (metactl policy
# check through the policy_cli test program).
. "$top_srcdir/tests/lib/tap.sh"
cli="$top_builddir/tests/unit/policy_cli"
[ -x "$cli" ] || skip_all "policy_cli not built"
etc="$top_srcdir/etc/policy"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lbreg_policy.XXXXXX") || exit 99
trap 'rm -rf "$dir"' EXIT

# may WANT ACTION CALLER APP [FACT]: check's exit status is WANT; the
# deciding rule in $out.
may() {
	want=$1 action=$2 caller=$3 app=$4
	shift 4
	out=$("$cli" check --policy-dir "$etc" --agent lbreg --action "$action" \
	    --caller "$caller" --arg "app=$app" ${1:+--fact "$1"} 2>"$dir/err")
	got=$?
	[ "$got" -eq "$want" ] && return 0
	diag "lbreg $action by $caller on $app${1:+ ($1)}: $got, want $want"
	diag "$out $(cat "$dir/err")"
	return 1
}
rule() { echo "$out" | grep -qF "lbreg.policy:$1"; }

check "lbreg.policy lints clean" "$cli" lint "$etc/lbreg.policy" "$etc/groups"
check "root deregisters" may 0 deregister uid=0 billing
check "by its rule" rule 8
check "root drains any app" may 0 drain cert=root billing
check "the shop team may not deregister its app" \
    may 1 deregister cert=bob shop-web
check "the deny rule decides" rule 9
check "alice drains a shop app on a web server" \
    may 0 drain cert=alice shop-web role=web
check "by her rule" rule 10
check "alice registers it again" may 0 register cert=alice shop-web role=web
check "alice may not drain it off the web servers" \
    may 1 drain cert=alice shop-web role=db
check "alice may not drain billing" may 1 drain cert=alice billing role=web
check "alice may not deregister" may 1 deregister cert=alice shop-web role=web
check "the NOC sees any app's status" may 0 status cert=nina billing
check "by its rule" rule 11
check "the NOC may not drain" may 1 drain cert=nina billing
check "the shop team drains its app" may 0 drain cert=bob shop-web
check "by its rule" rule 12
check "the shop team may not drain billing" may 1 drain cert=bob billing
check "nobody else may do anything" may 1 status cert=mallory shop-web
done_testing
