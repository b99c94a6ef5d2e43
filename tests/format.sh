#!/bin/sh
# Checks that every C source follows .clang-format.
. "$top_srcdir/tests/lib/tap.sh"
[ -n "${CLANG_FORMAT:-}" ] && [ -x "$CLANG_FORMAT" ] || skip_all "clang-format not found"
cd "$top_srcdir" || exit 99
for f in $(find lib policy agent plugins orchestrator tests bench -name '*.[ch]' | sort); do
	if "$CLANG_FORMAT" --dry-run -Werror "$f" >/dev/null 2>&1; then
		ok "$f"
	else
		not_ok "$f is not formatted: clang-format -i $f"
	fi
done
done_testing
