#!/bin/sh
# The deploy lock's deadline: a deploy whose build hangs holds the app
# until its request's time + ttl; before that a second deploy is refused
# as busy, after it the second one aborts the stuck one and runs.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/deploy/lib.sh"
dp_init
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }

out=$(dep deploy app=demo tag=v1 site="$SITE")
check "deploy v1 answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]

# v5's build waits on a FIFO nobody opens for writing: it hangs.
FIFO=$FLEET_DIR/gate
mkfifo "$FIFO" && chmod 0666 "$FIFO"
printf 'read x < %s; echo ok > BUILT\n' "$FIFO" >"$SRC/build.sh"
dp_tag "$SRC" v5 'exec sleep 100005'
fleet_send_local n1 -t 60000 -n 1 -T 4 deploy deploy app=demo tag=v5 \
    site="$SITE" >"$FLEET_DIR/v5.out" &
v5=$!
fleet_wait_log n1 'step fetch: ok: v5' 30
out=$(dep deploy app=demo tag=v2 site="$SITE")
case $(echo "$out" | field statusmsg) in
"busy: deploy of demo v5 by uid=0 since "*) ok "before v5's deadline a second deploy is busy" ;;
*) not_ok "before v5's deadline a second deploy is busy: $(echo "$out" | field statusmsg)" ;;
esac

# v5's ttl is 4 s from its request: wait for the clock to pass it.
sleep 4
out=$(dep deploy app=demo tag=v2 site="$SITE")
check "after v5's deadline a second deploy runs and answers OK" \
    [ "$(echo "$out" | field statuscode)" = 0 ]
check "... and current names v2" [ "$(dp_current demo)" = v2 ]
check "v2's daemon runs" dp_runs "$(dp_pid demo)" v2
wait "$v5"
check "the stuck deploy is answered: aborted" [ "$(field statuscode <"$FLEET_DIR/v5.out")" = 1 ]
case $(field statusmsg <"$FLEET_DIR/v5.out") in
"deploy of demo v5 by uid=0 since "*"aborted, its deadline (time + ttl) passed; request "*" by uid=0 takes over") ok "... saying its deadline passed and who took over" ;;
*) not_ok "... saying its deadline passed: $(field statusmsg <"$FLEET_DIR/v5.out")" ;;
esac
check "the log says it too" fleet_wait_log n1 'deploy of demo v5 .* aborted, its deadline' 5
# With its build killed, nothing reads the FIFO: a writer blocks.
timeout 1 sh -c "echo go >'$FIFO'"
check "the hung build is killed" [ $? = 124 ]
check "no journal is left" [ ! -e "$APPS/demo/state/journal" ]
done_testing
