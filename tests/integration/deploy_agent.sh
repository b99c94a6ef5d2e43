#!/bin/sh
# The deploy agent through a real metactld on a real runit tree: a git
# repository made here with tags v1..v4 deployed one after the other (v3's
# build fails, v4's daemon dies at start and is rolled back), status,
# rollback, the lock, dry_run, and hostile tags, names and repositories.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/deploy/lib.sh"
dp_init
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }

t0=$(date +%s%N)
out=$(dep deploy app=demo tag=v1 site="$SITE")
diag "first deploy (clone, build, start): $((($(date +%s%N) - t0) / 1000000)) ms"
check "deploy v1 answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "deploy v1 reports no previous release" [ "$(echo "$out" | field data.previous)" = "" ]
check "current names v1" [ "$(dp_current demo)" = v1 ]
check "the build ran in the release" [ -f "$APPS/demo/releases/v1/BUILT" ]
p1=$(dp_pid demo)
check "v1's daemon runs under runit" dp_runs "$p1" v1
check "the site layer is stored with the release" \
    [ "$(cat "$APPS/demo/state/sites/v1.conf")" = "$SITE" ]
check "the journal is gone" [ ! -e "$APPS/demo/state/journal" ]
cfg=$(svc config app=demo)
check "config reports the stored site layer as the site layer" \
    [ "$(echo "$cfg" | field data.config.layers.1.layer) $(echo "$cfg" | field data.config.layers.1.file)" = "site $APPS/demo/state/sites/v1.conf" ]
check "... with the repository it set" \
    [ "$(echo "$cfg" | field data.config.sections.build.repository.layer)" = site ]
check "the steps are reported" \
    [ "$(echo "$out" | field data.steps.1.step)/$(echo "$out" | field data.steps.2.step)" = fetch/build ]

# A hook planted in the cache must not run (core.hooksPath=/dev/null).
MARK=$FLEET_DIR/hook-ran
printf '#!/bin/sh\ntouch %s\n' "$MARK" >"$APPS/demo/state/repo.git/hooks/post-checkout"
chmod 0755 "$APPS/demo/state/repo.git/hooks/post-checkout"

t0=$(date +%s%N)
out=$(dep deploy app=demo tag=v2 site="$SITE")
diag "second deploy (fetch, build, switch, restart): $((($(date +%s%N) - t0) / 1000000)) ms"
check "deploy v2 answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "deploy v2 reports v1 as previous" [ "$(echo "$out" | field data.previous)/$(echo "$out" | field data.current)" = v1/v2 ]
check "current names v2" [ "$(dp_current demo)" = v2 ]
p2=$(dp_pid demo)
check "v2's daemon runs, a new process" dp_runs "$p2" v2
check "v1's daemon is gone" sh -c "! kill -0 $p1 2>/dev/null"
check "no hook of the cache ran" [ ! -e "$MARK" ]

out=$(dep deploy app=demo tag=v3 site="$SITE")
check "a failing build fails the deploy" [ "$(echo "$out" | field statuscode)" = 1 ]
case $(echo "$out" | field statusmsg) in
*build*"compile error in Main.c"*v2\ unchanged*) ok "the failure says build, the build's words and v2 unchanged" ;;
*) not_ok "the failure says build: $(echo "$out" | field statusmsg)" ;;
esac
check "a failing build leaves current on v2" [ "$(dp_current demo)" = v2 ]
check "... and v2's daemon running, untouched" [ "$(dp_pid demo)" = "$p2" ]
check "... and no release v3" [ ! -e "$APPS/demo/releases/v3" ]
check "... and no half-built release" sh -c "! ls -a '$APPS/demo/releases' | grep -q new"

out=$(dep deploy app=demo tag=v4 site="$SITE")
check "a daemon dying at start fails the deploy" [ "$(echo "$out" | field statuscode)" = 1 ]
check "... which says it rolled back" [ "$(echo "$out" | field data.rolled_back)" = true ]
case $(echo "$out" | field statusmsg) in
*restart*"exited with status 3"*"rolled back to v2"*) ok "the failure names the step, the exit status and the rollback" ;;
*) not_ok "the failure names the daemon's words and the rollback: $(echo "$out" | field statusmsg)" ;;
esac
check "current is v2 again" [ "$(dp_current demo)" = v2 ]
p4=$(dp_pid demo)
check "v2's daemon runs again" dp_runs "$p4" v2

out=$(dep deploy app=demo tag=v9 site="$SITE")
case $(echo "$out" | field statusmsg) in
*"couldn't find remote ref refs/tags/v9"*) ok "a tag that does not exist is refused with git's words" ;;
*) not_ok "a tag that does not exist is refused with git's words: $(echo "$out" | field statusmsg)" ;;
esac

out=$(dep status app=demo)
check "status answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "status gives current and previous" [ "$(echo "$out" | field data.current)/$(echo "$out" | field data.previous)" = v2/v1 ]
check "status says who deployed v1" [ "$(echo "$out" | field data.releases.0.deployed_by)" = uid=0 ]
check "status gives the last result" [ "$(echo "$out" | field data.last.status)" = failed ]

out=$(dep rollback app=demo)
check "rollback answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "rollback goes to the previous release" [ "$(dp_current demo)" = v1 ]
check "v1's daemon runs after the rollback" dp_runs "$(dp_pid demo)" v1
out=$(dep rollback app=demo to=v2)
check "rollback --to v2 answers OK" [ "$(dp_current demo)/$(echo "$out" | field statuscode)" = v2/0 ]

# dry_run: the argv and file writes, nothing done.
before=$(find "$APPS" -path '*/repo.git' -prune -o -printf '%p %s %l\n' | sort)
out=$(fleet_send_local n1 -t 60000 -n 1 -D deploy deploy app=demo tag=v1 site="$SITE")
check "a dry run answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "a dry run lists the switch and the restart" \
    sh -c "echo '$(echo "$out" | field data.plan)' | grep -q '\"symlink\": \"$APPS/demo/current\"'"
check "a dry run changes no file" \
    [ "$(find "$APPS" -path '*/repo.git' -prune -o -printf '%p %s %l\n' | sort)" = "$before" ]

# One deploy at a time: v5's build waits on a FIFO the test opens.
FIFO=$FLEET_DIR/gate
mkfifo "$FIFO" && chmod 0666 "$FIFO"
printf 'read x < %s; echo ok > BUILT\n' "$FIFO" >"$SRC/build.sh"
# v5 has a second daemon.
printf '\n[daemon.extra]\nplatform = exec\ncommand = /bin/sleep 100006\n' >>"$SRC/.metactl"
dp_tag "$SRC" v5 'exec sleep 100005'
dep deploy app=demo tag=v5 site="$SITE" >"$FLEET_DIR/v5.out" &
v5=$!
fleet_wait_log n1 'step fetch: ok: v5' 30
out=$(dep deploy app=demo tag=v1 site="$SITE")
case $(echo "$out" | field statusmsg) in
"busy: deploy of demo v5 by uid=0 since "*) ok "a second deploy is refused at once: busy" ;;
*) not_ok "a second deploy is refused at once: $(echo "$out" | field statusmsg)" ;;
esac
check "status names the deploy under way" \
    sh -c "$MCSEND send -s '$FLEET_DIR/n1.sock' -a '$FLEET_DIR/ca.pub' -t 10000 -n 1 deploy status app=demo | grep -q 'deploy of demo v5'"
echo go >"$FIFO"
wait "$v5"
check "the first deploy then completes" [ "$(field statuscode <"$FLEET_DIR/v5.out")/$(dp_current demo)" = 0/v5 ]
check "keep = 3: the release left by the failed v4 is pruned" \
    [ "$(ls "$APPS/demo/releases" | tr '\n' ' ')" = "v1 v2 v5 " ]
check "v5's second daemon runs" sh -c "sv status '$SCAN/metactl-demo-extra' | grep -q '^run:'"

# Hostile values: refused, nothing run.
n_git=$(fleet_count_log n1 'running git')
out=$(dep deploy app=demo tag=../v1 site="$SITE")
check "a tag with .. is status 4" [ "$(echo "$out" | field statuscode)" = 4 ]
out=$(dep deploy app=-demo tag=v1 site="$SITE")
check "an app starting with - is status 4" [ "$(echo "$out" | field statuscode)" = 4 ]
out=$(dep deploy app=demo tag=v6 site="$(dp_site "--upload-pack=touch $MARK")")
check "a repository starting with - is status 4" [ "$(echo "$out" | field statuscode)" = 4 ]
out=$(dep deploy app=demo tag=v6 site="$(dp_site "ext::sh -c touch%% $MARK")")
check "an ext:: repository is status 4" [ "$(echo "$out" | field statuscode)" = 4 ]
case $(echo "$out" | field statusmsg) in
*"remote helper"*) ok "... saying why" ;;
*) not_ok "... saying why: $(echo "$out" | field statusmsg)" ;;
esac
out=$(dep deploy app=demo tag=v6 site="$SITE
[daemon.web-x]
command = /bin/true")
check "a daemon name with '-' in the site layer is status 4" [ "$(echo "$out" | field statuscode)" = 4 ]
case $(echo "$out" | field statusmsg) in
*"[daemon.web-x]"*) ok "... naming the section" ;;
*) not_ok "... naming the section: $(echo "$out" | field statusmsg)" ;;
esac
check "no hostile value ran git" [ "$(fleet_count_log n1 'running git')" = "$n_git" ]
check "no hostile value left the marker" [ ! -e "$MARK" ]

# The CLI over the local socket: metactl deploy APP TAG --site FILE.
M=$top_builddir/orchestrator/metactl
printf 'socket = %s\nddl_dir = %s\n' "$FLEET_DIR/n1.sock" \
    "$top_srcdir/schemas/ddl" >"$FLEET_DIR/local.client"
printf '%s\n' "$SITE" >"$FLEET_DIR/site.conf"
mc() { METACTL_CONFIG="$FLEET_DIR/local.client" "$M" "$@" --np; }
out=$(mc deploy demo v2 --site "$FLEET_DIR/site.conf" --json)
check "metactl deploy exits 0" [ $? = 0 ]
check "metactl deploy --json gives the node's current" \
    sh -c "echo '$out' | grep -q '\"current\": \"v2\"'"
check "metactl deploy switched current" [ "$(dp_current demo)" = v2 ]
check "v5's daemon that v2 does not have is stopped and removed" \
    [ ! -e "$SCAN/metactl-demo-extra" ]
mc deploy demo v3 --site "$FLEET_DIR/site.conf" >"$FLEET_DIR/cli.out" 2>&1
check "metactl deploy of a broken build exits 1" [ $? = 1 ]
check "... and its table says why" grep -q "compile error in Main.c" "$FLEET_DIR/cli.out"
mc deploy status demo >"$FLEET_DIR/cli.out" 2>&1
check "metactl deploy status exits 0 and names current" \
    sh -c "[ $? = 0 ] && grep -q v2 '$FLEET_DIR/cli.out'"
mc deploy rollback demo --to v5 >/dev/null 2>&1
check "metactl deploy rollback --to v5 exits 0" [ "$?/$(dp_current demo)" = 0/v5 ]
check "the rollback to v5 brings its second daemon back" \
    sh -c "sv status '$SCAN/metactl-demo-extra' | grep -q '^run:'"
# On a terminal (script(1) gives a pty) each node's steps are printed as
# its reply arrives, before the table.
script -qec "METACTL_CONFIG='$FLEET_DIR/local.client' '$M' deploy demo v2 --site '$FLEET_DIR/site.conf'" \
    /dev/null | tr -d '\r' >"$FLEET_DIR/tty.out"
steps=$(grep -n 'n1: check ok [0-9]*ms, switch ok' "$FLEET_DIR/tty.out" | cut -d: -f1)
table=$(grep -n 'Current: v2' "$FLEET_DIR/tty.out" | cut -d: -f1)
check "on a terminal the node's steps come before the table" \
    [ -n "$steps" ] && [ -n "$table" ] && [ "$steps" -lt "$table" ]
mc deploy demo >/dev/null 2>&1
check "metactl deploy without a TAG is a usage error" [ $? = 2 ]

out=$(dep remove app=demo)
check "remove answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "remove stops the daemon and removes its service" [ ! -e "$SCAN/metactl-demo-web" ]
check "remove keeps the releases" [ -d "$APPS/demo/releases/v2" ]
check "remove drops current" [ ! -e "$APPS/demo/current" ]
done_testing
