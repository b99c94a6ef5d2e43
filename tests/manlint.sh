#!/bin/sh
# Runs mandoc -Tlint over every man page as built (man/local.mk); any
# warning fails.
. "$top_srcdir/tests/lib/tap.sh"
[ -n "${MANDOC:-}" ] && [ -x "$MANDOC" ] || skip_all "mandoc not found"
cd "$top_builddir" || exit 99
pages=$(ls man/*.[1-8] 2>/dev/null | sort)
[ -n "$pages" ] || skip_all "no man pages"
for p in $pages; do
	if out=$("$MANDOC" -Tlint -W warning "$p" 2>&1) && [ -z "$out" ]; then
		ok "$p"
	else
		not_ok "$p"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
done
done_testing
