#!/bin/sh
# metactl-svwait against hand-made supervisor files: runsv's 20-byte
# supervise/status (TAI64N start, pid little-endian, paused, want,
# got-term, state) and the finish script's last-exit.
. "$top_srcdir/tests/lib/tap.sh"
SVWAIT="$top_builddir/tools/metactl-svwait"
T=$(mktemp -d /tmp/metactl-svwait.XXXXXX)
trap 'rm -rf "$T"' EXIT
D="$T/svc"
mkdir -p "$D/supervise"

# status PID WANT STATE: runsv's status file, renamed into place as
# runsv does.
status() {
	p=$1
	b0=$((p & 255)) b1=$((p >> 8 & 255)) b2=$((p >> 16 & 255)) b3=$((p >> 24 & 255))
	printf '\100\000\000\000\000\000\000\000\000\000\000\000' >"$D/supervise/status.new"
	printf "\\$(printf %o $b0)\\$(printf %o $b1)\\$(printf %o $b2)\\$(printf %o $b3)" \
	    >>"$D/supervise/status.new"
	printf "\\000$2\\000\\$(printf %o "$3")" >>"$D/supervise/status.new"
	mv "$D/supervise/status.new" "$D/supervise/status"
}
last_exit() { echo "$1" >"$D/last-exit.new" && mv "$D/last-exit.new" "$D/last-exit"; }
# run ARGS...: metactl-svwait ARGS with its stderr in $err, status in $rc.
run() { err=$(timeout 20 "$SVWAIT" "$@" 2>&1); rc=$?; }

check "--help describes the modes" sh -c "'$SVWAIT' --help | grep -q runit-up"
run --bogus 1 runit-up "$D"
check "a bad option exits 3" [ "$rc" = 3 ]

status 0 d 0
run --timeout 200 runit-up "$D"
check "timeout exits 2" [ "$rc" = 2 ]
case $err in *"state down, want down, pid 0"*) ok "timeout says what it saw" ;;
*) not_ok "timeout says what it saw: $err" ;; esac

# A pid above 65535 checks the byte order.
status 70000 u 1
run --grace 0 runit-up "$D"
check "up (pid 70000) exits 0" [ "$rc" = 0 ]
run --timeout 200 --new-pid-after 70000 --grace 0 runit-up "$D"
check "--new-pid-after: the old pid does not count" [ "$rc" = 2 ]

# The daemon comes up once the wait has begun, then dies in the grace.
status 0 u 0
"$SVWAIT" --grace 20000 runit-up "$D" 2>"$T/err" &
w=$!
status 4242 u 1
last_exit "3 0"
wait $w
check "dying within the grace exits 1" [ $? = 1 ]
check "... saying its status" grep -q "exited with status 3" "$T/err"

rm -f "$D/last-exit"
status 4243 u 1
"$SVWAIT" --grace 20000 runit-up "$D" 2>"$T/err" &
w=$!
last_exit "-1 9"
wait $w
check "killed within the grace exits 1" [ $? = 1 ]
check "... naming the signal" grep -q "killed by signal 9" "$T/err"

# With --new-pid-after, the old daemon's last-exit is not the new one's.
run --grace 0 --new-pid-after 4242 runit-up "$D"
check "an earlier last-exit does not fail a restart" [ "$rc" = 0 ]

status 4243 d 1
"$SVWAIT" runit-down "$D" &
w=$!
status 0 d 0
wait $w
check "runit-down returns once down" [ $? = 0 ]

rm -f "$D/last-exit"
run --grace 100 grace "$D"
check "grace: no exit within it exits 0" [ "$rc" = 0 ]
last_exit "0 0"
run --grace 100 grace "$D"
check "grace: an exit exits 1" [ "$rc" = 1 ]

# gone: a lock someone holds, then nobody.
: >"$D/supervise/lock"
run --timeout 100 gone "$D"
check "gone: a free lock means no supervisor" [ "$rc" = 0 ]
if command -v flock >/dev/null; then
	mkfifo "$T/held" "$T/release"
	flock "$D/supervise/lock" sh -c "echo >'$T/held'; cat '$T/release'" &
	holder=$!
	read -r _ <"$T/held"
	run --timeout 300 gone "$D"
	check "gone: a held lock times out (2)" [ "$rc" = 2 ]
	"$SVWAIT" gone "$D" &
	w=$!
	echo >"$T/release"
	wait $w
	check "gone: returns once the holder exits" [ $? = 0 ]
	wait $holder
fi
done_testing
