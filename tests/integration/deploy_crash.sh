#!/bin/sh
# The deploy agent killed (SIGKILL) at each step of a deploy v1 -> v2, then
# started again: its recovery at start leaves current naming one whole
# release whose daemon runs, and a clean journal. The test hook
# (METACTL_TEST_HOOKS=1 and APPS/APP/state/test-die-at naming a step,
# plugins/deploy/req.c) kills the agent right after it journals the step.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/deploy/lib.sh"
dp_init
METACTL_TEST_HOOKS=1
export METACTL_TEST_HOOKS
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }
out=$(dep deploy app=demo tag=v1 site="$SITE")
check "deploy v1 answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]

starts=1
# dead PID: gone, or a zombie its parent has not reaped yet.
dead() { ! kill -0 "$1" 2>/dev/null || grep -q '^[0-9]* (.*) Z' "/proc/$1/stat"; }
# gone PID: the agent has finished dying. A killed process closes its
# socket before it becomes a zombie, so the client returns while the agent
# may still be exiting; it is not this shell's child, so there is no exit
# event to wait on: look again for up to 10 s, as fleet_stop_one does.
gone() {
	_g=0
	until dead "$1"; do
		[ "$_g" -ge 200 ] && return 1
		sleep 0.05
		_g=$((_g + 1))
	done
}
# died_at PID STEP: the agent is dead and its journal stops at STEP.
died_at() { gone "$1" && grep -qx "step $2" "$APPS/demo/state/journal"; }
# Steps before the switch first: after "switch" releases/v2 exists and a
# deploy of v2 goes straight to the switch.
for step in fetch build switch restart health done; do
	before=$(dp_pid demo)
	echo "$step" >"$APPS/demo/state/test-die-at"
	pid=$(fleet_pid n1)
	dep deploy app=demo tag=v2 site="$SITE" >/dev/null 2>&1
	check "killed at $step: the agent died there" died_at "$pid" "$step"
	rm -f "$APPS/demo/state/test-die-at"
	starts=$((starts + 1))
	# The log keeps the earlier runs' lines: wait for this run's.
	fleet_start n1 && fleet_wait_count n1 'started as' "$starts" 30 ||
		{ echo "Bail out! the agent did not start again"; exit 99; }
	# status waits for the app's lock, which recovery holds.
	out=$(dep status app=demo)
	want=v1
	[ "$step" = done ] && want=v2
	check "killed at $step: status answers after the recovery" [ "$(echo "$out" | field statuscode)" = 0 ]
	check "killed at $step: current is $want" [ "$(dp_current demo)" = "$want" ]
	check "killed at $step: $want is a whole release" [ -f "$APPS/demo/current/BUILT" ]
	check "killed at $step: $want's daemon runs" dp_runs "$(dp_pid demo)" "$want"
	check "killed at $step: the journal is clean" [ ! -e "$APPS/demo/state/journal" ]
	check "killed at $step: no half-fetched release is left" \
	    sh -c "! ls -a '$APPS/demo/releases' | grep -q new"
	case $step in
	fetch | build)
		check "killed at $step: the daemon was not touched" [ "$(dp_pid demo)" = "$before" ] ;;
	esac
done
# v4's daemon dies at start: killed while rolling back to v2, the agent
# rolls back again when it starts.
echo rollback >"$APPS/demo/state/test-die-at"
pid=$(fleet_pid n1)
dep deploy app=demo tag=v4 site="$SITE" >/dev/null 2>&1
check "killed at rollback: the agent died there" died_at "$pid" rollback
rm -f "$APPS/demo/state/test-die-at"
starts=$((starts + 1))
fleet_start n1 && fleet_wait_count n1 'started as' "$starts" 30 ||
	{ echo "Bail out! the agent did not start again"; exit 99; }
out=$(dep status app=demo)
check "killed at rollback: current is v2 after the recovery" [ "$(dp_current demo)" = v2 ]
check "killed at rollback: v2's daemon runs" dp_runs "$(dp_pid demo)" v2
check "killed at rollback: the journal is clean" [ ! -e "$APPS/demo/state/journal" ]
check "the recovery said what it did" [ "$(fleet_count_log n1 'recovery of demo: done')" -ge 7 ]

out=$(dep deploy app=demo tag=v1 site="$SITE")
check "after all that, a deploy works" [ "$(echo "$out" | field statuscode)/$(dp_current demo)" = 0/v1 ]
done_testing
