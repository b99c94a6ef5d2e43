#!/bin/sh
# Bash completion of the lbreg agent (etc/bash_completion.d/metactl): its
# name and actions from its DDL, its app= input, and the apps of the apps
# directory (METACTL_APPS_DIR here) as that input's value, whether bash
# splits the word at '=' or not.
. "$top_srcdir/tests/lib/tap.sh"
command -v bash >/dev/null || skip_all "bash not found"
T=$(mktemp -d "${TMPDIR:-/tmp}/lbreg_completion.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
printf 'ddl_dir = %s\n' "$top_srcdir/schemas/ddl" >"$T/c.conf"
# Apps with a release, and one without (not offered).
for a in shop-web shop-api billing; do
	mkdir -p "$T/apps/$a/releases/v1" && ln -s releases/v1 "$T/apps/$a/current"
done
mkdir -p "$T/apps/shop-new/releases"

complete_words() {
	METACTL_CONFIG="$T/c.conf" METACTL_APPS_DIR="$T/apps" \
	PATH="$top_builddir/orchestrator:$PATH" \
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
	    _metactl; printf "%s\n" "${COMPREPLY[@]}"' _ \
	    "$top_srcdir/etc/bash_completion.d/metactl" "$@" | tr '\n' ' '
}

w=$(complete_words metactl rpc lb)
check "completes the agent ($w)" test "$w" = "lbreg "
w=$(complete_words metactl rpc lbreg "")
check "completes its actions ($w)" test "$w" = "register drain deregister status "
w=$(complete_words metactl rpc -F role=web lbreg drain "")
check "completes its input ($w)" test "$w" = "app= "
w=$(complete_words metactl rpc lbreg drain app=shop)
check "completes app= with the apps that have a release ($w)" \
    test "$w" = "app=shop-api app=shop-web "
w=$(complete_words metactl rpc lbreg status app = "")
check "and after bash split the word at '=' ($w)" \
    test "$w" = "billing shop-api shop-web "
w=$(complete_words metactl config show sh)
check "config show still completes the apps ($w)" test "$w" = "shop-api shop-web "
done_testing
