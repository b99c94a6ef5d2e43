#!/bin/sh
# metactl's documentation: the man page is lint-clean and names every
# command, option and exit status; help works for every command; the
# bash completion offers commands, agents, actions and inputs; the
# sample client.conf is accepted; --help starts fast.
. "$top_srcdir/tests/lib/tap.sh"
M="$top_builddir/orchestrator/metactl"
MAN="$top_builddir/man/metactl.1"
T=$(mktemp -d "${TMPDIR:-/tmp}/orch_doc.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT

if [ -n "${MANDOC:-}" ] && [ -x "$MANDOC" ]; then
	# Cross-references to pages of other packages are STYLE notes only.
	check "metactl.1 is mandoc -Tlint clean" "$MANDOC" -Tlint -W warning "$MAN"
else
	ok "# SKIP mandoc not found"
fi

commands=$("$M" --help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1}')
check "metactl --help lists commands" test -n "$commands"
for c in $commands; do
	check "metactl help $c" sh -c '"$1" help "$2" >/dev/null' _ "$M" "$c"
	check "the man page describes $c" grep -q "Cm $c\( \|$\)" "$MAN"
	for o in $("$M" help "$c" 2>/dev/null | grep -o -- ' --[a-z][a-z-]*' | sort -u); do
		check "the man page documents $c $o" \
		    grep -q "Fl -${o#--}\( \|$\)" "$MAN"
	done
done
for s in 0 1 2 3 4; do
	check "the man page lists exit status $s" \
	    sh -c 'sed -n "/^\.Sh EXIT STATUS/,/^\.Sh/p" "$1" | grep -q "^\.It $2$"' _ "$MAN" "$s"
done
"$M" nosuch 2>/dev/null
check "an unknown command exits 2" test $? -eq 2

# The sample configuration is valid (errors in it would name it).
METACTL_CONFIG="$top_srcdir/etc/client.conf" "$M" doc >/dev/null 2>"$T/err"
check "etc/client.conf is accepted" sh -c '! grep -q client.conf "$1"' _ "$T/err"
printf 'colour = blue\n' >"$T/bad.conf"
"$M" doc -c "$T/bad.conf" 2>"$T/err"
check "an unknown client.conf key exits 2" test $? -eq 2
check "and names the file, line and key" grep -q 'bad.conf:1.*colour' "$T/err"

# Bash completion, with metactl from the build tree and the source DDLs.
if command -v bash >/dev/null; then
	printf 'ddl_dir = %s\n' "$top_srcdir/schemas/ddl" >"$T/c.conf"
	complete_words() {
		METACTL_CONFIG="$T/c.conf" PATH="$top_builddir/orchestrator:$PATH" \
		bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
		    _metactl; printf "%s\n" "${COMPREPLY[@]}"' _ \
		    "$top_srcdir/etc/bash_completion.d/metactl" "$@" | tr '\n' ' '
	}
	check "completion is valid bash" bash -n "$top_srcdir/etc/bash_completion.d/metactl"
	w=$(complete_words metactl r)
	check "completes commands ($w)" test "$w" = "rpc rollout "
	w=$(complete_words metactl rpc rpc)
	check "completes agents from the DDLs ($w)" test "$w" = "rpcutil "
	w=$(complete_words metactl rpc -F role=web rpcutil get_)
	check "completes actions after filters ($w)" test "$w" = "get_fact get_facts "
	w=$(complete_words metactl rpc rpcutil get_fact "")
	check "completes inputs ($w)" test "$w" = "fact= "
	w=$(complete_words metactl rpc --lim)
	check "completes options ($w)" sh -c 'echo "$1" | grep -q -- "--limit-nodes"' _ "$w"
	w=$(complete_words metactl service -F role=web re)
	check "completes service actions ($w)" test "$w" = "restart reload "
	w=$(complete_words metactl service restart "")
	check "no action after the action ($w)" test -z "${w# }"
	w=$(complete_words metactl doc rpcutil/pi)
	check "completes doc AGENT/ACTION ($w)" test "$w" = "rpcutil/ping "
else
	ok "# SKIP bash not found"
fi

# Start-up: --help touches no configuration, DDL or crypto, so it works
# with none of them there (its time is a benchmark's, bench/README.md).
check "metactl --help needs no configuration, DDL or key" env -i \
    HOME=/nonexistent METACTL_CONFIG=/nonexistent/client.conf \
    XDG_CONFIG_HOME=/nonexistent "$M" --help
done_testing
