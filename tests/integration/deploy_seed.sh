#!/bin/sh
# The seed example (etc/examples/seed: a Jetty webapp, a jvm jobmanager, a
# crontab) deployed from git tags on a runit tree: its [build] compiles
# the jobmanager and packs the war in the release, its [health] URL is
# checked through Jetty; v1 then v2 are served, and a v3 without its war
# fails the health check and rolls back to v2 by itself.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/deploy/lib.sh"
[ -f /usr/share/jetty9/start.jar ] || skip_all "jetty9 not installed"
command -v curl >/dev/null || skip_all "curl not installed"
dp_init

SEED=$top_srcdir/etc/examples/seed
R=$FLEET_DIR/seed.git
mkdir -p "$R" && (cd "$R" && dp_git init -q) ||
	{ echo "Bail out! cannot make the repository"; exit 99; }
cp "$SEED/app.metactl" "$R/.metactl"
cp "$top_srcdir/tests/service/Tick.java" "$R/"
cat >"$R/build.sh" <<'EOS'
set -e
mkdir -p classes
javac -d classes Tick.java
jar cfe jobmanager.jar Tick -C classes Tick.class
jar cf webapp.war index.html
EOS
seed_tag() { # TAG PAGE
	printf '<h1>seed %s</h1>\n' "$2" >"$R/index.html" &&
		(cd "$R" && dp_git add -A && dp_git commit -qm "$1" && dp_git tag "$1")
}
seed_tag v1 v1 && seed_tag v2 v2 &&
	sed -i 's/^jar cf webapp.war index.html$/: no war/' "$R/build.sh" &&
	seed_tag v3 v3 || { echo "Bail out! cannot tag"; exit 99; }
chmod -R go+rX "$R"
# The prod site layer, built here: the test's repository and build.
sed -e "s|^repository = .*|repository = $R|" \
    -e 's|^command = .*|command = /bin/sh build.sh|' \
    "$SEED/site.conf" >"$FLEET_DIR/site.conf"
WEB_PORT=$(rabbitmq_free_port)
JOB_PORT=$(rabbitmq_free_port)
# The node layer: the seed's, with this test's ports; Jetty needs more
# than the seed's 5 s to serve on a busy test machine.
# No sandbox is applied here: the daemons run in the test's network.
sed -e "s/^JOB_MANAGER_PORT = .*/JOB_MANAGER_PORT = $JOB_PORT\nWEB_PORT = $WEB_PORT/" \
    -e 's/^\[sandbox.net\]$/&\nenabled = no/' \
    "$SEED/node.conf" >"$NODES/seed.conf"
printf '\n[health]\ntimeout = 60s\n' >>"$NODES/seed.conf"
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }
url=http://127.0.0.1:$WEB_PORT/
serves() { curl -sf --retry 60 --retry-connrefused --retry-delay 1 \
    --retry-max-time 60 "$url" | grep -q "<h1>seed $1</h1>"; }
jobmanager() { sv status "$SCAN/metactl-seed-jobmanager" |
	sed -n 's/^run: [^(]*(pid \([0-9]*\)).*/\1/p'; }

t0=$(date +%s%N)
out=$(dep deploy app=seed tag=v1 site="$(cat "$FLEET_DIR/site.conf")")
diag "deploy of the seed v1 (fetch, javac, jar, Jetty, health): $((($(date +%s%N) - t0) / 1000000)) ms"
check "deploy v1 of the seed answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
[ "$(echo "$out" | field statuscode)" = 0 ] || diag "$(echo "$out" | field statusmsg)"
check "its health check ran" [ "$(echo "$out" | field data.steps.5.step)" = health ]
check "Jetty serves v1's war" serves v1
check "the jobmanager runs v1's jar on the node's port" \
    argv_has "$(jobmanager)" "-jar $APPS/seed/releases/v1/jobmanager.jar $JOB_PORT"
check "the crontab is written" grep -q "^15 3 \* \* \* nobody find" "$CRON/metactl-seed"
out=$(dep deploy app=seed tag=v2 site="$(cat "$FLEET_DIR/site.conf")")
check "deploy v2 of the seed answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "Jetty serves v2's war" serves v2
check "the jobmanager runs v2's jar" \
    argv_has "$(jobmanager)" "-jar $APPS/seed/releases/v2/jobmanager.jar"
out=$(dep deploy app=seed tag=v3 site="$(cat "$FLEET_DIR/site.conf")")
check "v3 without a war fails" [ "$(echo "$out" | field statuscode)" = 1 ]
case $(echo "$out" | field statusmsg) in
*"failed at health"*"rolled back to v2"*) ok "... at its health check, and rolls back to v2 by itself" ;;
*) not_ok "... at its health check, and rolls back: $(echo "$out" | field statusmsg)" ;;
esac
check "current is v2" [ "$(dp_current seed)" = v2 ]
check "Jetty serves v2's war again" serves v2
check "the jobmanager runs v2's jar again" \
    argv_has "$(jobmanager)" "-jar $APPS/seed/releases/v2/jobmanager.jar"
out=$(dep remove app=seed)
check "remove of the seed removes its crontab" [ ! -e "$CRON/metactl-seed" ]
done_testing
