#!/bin/sh
# Checks the dependency direction of the source tree (STYLE.md) by reading
# the #include lines of every C file:
#   lib/           includes nothing from policy/ agent/ plugins/ orchestrator/
#   policy/        includes only lib/ (and its own headers)
#   plugins/       include only plugins/plugin.h, their own headers and lib/
#                  (plugins/deploy/ also plugins/service/: it shares its
#                  units, plans, backends and crontab; plugins/lbreg/
#                  also plugins/service/plan*: its steps are a plan; the
#                  service and deploy agents plugins/lbreg/lb.h: a restart
#                  drains the app's server first; plugins/sandbox/
#                  its plans and their execution; plugins/lbreg/ the
#                  sandbox's reading of [sandbox.*], whose name and
#                  address are a sandboxed app's server defaults)
#   agent/, orchestrator/  never include each other
# A quoted include is resolved the way the compiler does: next to the
# including file first, then in lib/ and the top directory (-I flags).
. "$top_srcdir/tests/lib/tap.sh"
cd "$top_srcdir" || exit 99

# resolve FILE NAME: prints the repository path NAME refers to, or NAME.
resolve() {
	d=${1%/*}
	for cand in "$d/$2" "lib/$2" "$2"; do
		if [ -f "$cand" ]; then
			# normalise a/./b and a/x/../b
			echo "$cand" | sed -e 's|/\./|/|g' -e ':a' \
			    -e 's|[^/][^/]*/\.\./||' -e 'ta'
			return
		fi
	done
	echo "$2"
}

# allowed FILE TARGET: 0 when FILE may include TARGET.
allowed() {
	case $2 in
	buildconf.h) return 0 ;;
	esac
	case $1 in
	lib/*)
		case $2 in
		policy/* | agent/* | plugins/* | orchestrator/*) return 1 ;;
		esac ;;
	policy/*)
		case $2 in
		lib/* | policy/*) return 0 ;;
		*/*) return 1 ;;
		esac ;;
	plugins/*)
		case $2 in
		lib/* | plugins/plugin.h) return 0 ;;
		esac
		# The deploy agent puts releases in place with the service
		# agent's units, plans, backends and crontab: one library
		# for both, not a copy.
		case $1/$2 in
		plugins/deploy/*/plugins/service/*) return 0 ;;
		esac
		# lbreg's steps are plan steps, and the service and deploy
		# agents drain and register an app around a restart with
		# them: one plan for all three.
		case $1/$2 in
		plugins/lbreg/*/plugins/service/plan*.h) return 0 ;;
		plugins/service/*/plugins/lbreg/lb.h) return 0 ;;
		plugins/deploy/*/plugins/lbreg/lb.h) return 0 ;;
		plugins/sandbox/*/plugins/service/plan.h | \
			plugins/sandbox/*/plugins/service/plan_exec.h) return 0 ;;
		plugins/lbreg/*/plugins/sandbox/sbxconf.h) return 0 ;;
		esac
		# a plugin's own headers: the same folder as the includer
		own=${1%/*}
		case $2 in
		"$own"/*) return 0 ;;
		*/*) return 1 ;;
		esac ;;
	agent/*)
		case $2 in
		orchestrator/*) return 1 ;;
		esac ;;
	orchestrator/*)
		case $2 in
		agent/*) return 1 ;;
		esac ;;
	esac
	return 0
}

files=$(find lib policy plugins agent orchestrator -name '*.[ch]' 2>/dev/null | sort)
[ -n "$files" ] || skip_all "no sources"
for f in $files; do
	bad=
	for inc in $(sed -n 's/^[ \t]*#[ \t]*include[ \t]*"\([^"]*\)".*/\1/p' "$f"); do
		target=$(resolve "$f" "$inc")
		if ! allowed "$f" "$target"; then
			bad="$bad $inc"
		fi
	done
	if [ -z "$bad" ]; then
		ok "$f"
	else
		not_ok "$f includes across the layering:$bad"
	fi
done
done_testing
