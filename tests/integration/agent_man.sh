#!/bin/sh
# The agent's manual pages: mandoc -Tlint finds nothing at warning level,
# and every sysexits(3) code metactld can exit with is listed in metactld(8).
# The keys of metactld.conf(5) are held against the table in agent/conf.c by
# tests/unit/test_agent_conf.
. "$top_srcdir/tests/lib/tap.sh"
[ -n "${MANDOC:-}" ] && [ -x "$MANDOC" ] || skip_all "mandoc not found"
# The pages as built, with this build's directories (man/local.mk).
cd "$top_builddir" || exit 99
for page in man/metactld.8 man/metactld.conf.5; do
	out=$("$MANDOC" -Tlint -Wwarning "$page" 2>&1)
	if [ -z "$out" ]; then ok "$page is lint clean"; else not_ok "$page: $out"; fi
done
for code in $(grep -o 'EX_[A-Z]*' "$top_srcdir/agent/main.c" | sort -u); do
	check "metactld(8) lists $code" grep -q "Dv $code" man/metactld.8
done
done_testing
