#!/bin/sh
# The seed example (etc/examples/seed) through the service agent on a
# runit tree: its webapp, a war built here, served by Debian's jetty9 on a
# loopback port the node layer sets, answers HTTP after start and is
# refused after stop; its jobmanager gets the node layer's port; start
# writes the app's crontab.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rabbitmq.sh"
. "$top_srcdir/tests/lib/fleet.sh"

backend=runit
. "$top_srcdir/tests/integration/service_agent_lib.sh"
[ -f /usr/share/jetty9/start.jar ] || skip_all "jetty9 not installed"
command -v curl >/dev/null || skip_all "curl not installed"
sa_init
RABBITMQ_URL=

SEED=$top_srcdir/etc/examples/seed
REL=$APPS/seed/releases/v1
sa_app seed "$(cat "$SEED/app.metactl")"
sa_tick "$REL"
mv "$REL/tick.jar" "$REL/jobmanager.jar"
mkdir -p "$FLEET_DIR/war"
printf '<h1>seed</h1>\n' >"$FLEET_DIR/war/index.html"
(cd "$FLEET_DIR/war" && jar cf "$REL/webapp.war" index.html) ||
	{ echo "Bail out! cannot build the war"; exit 99; }
chmod 0644 "$REL/webapp.war"
WEB_PORT=$(rabbitmq_free_port)
JOB_PORT=$(rabbitmq_free_port)
# The node layer: the seed's, with the ports this test chose.
# No sandbox is applied here: the daemons run in the test's network.
sed -e "s/^JOB_MANAGER_PORT = .*/JOB_MANAGER_PORT = $JOB_PORT\nWEB_PORT = $WEB_PORT/" \
    -e 's/^\[sandbox.net\]$/&\nenabled = no/' \
    "$SEED/node.conf" >"$NODES/seed.conf"
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }

url=http://127.0.0.1:$WEB_PORT/
t0=$(date +%s%N)
out=$(svc start app=seed)
diag "start of the seed (jetty and a jvm): $((($(date +%s%N) - t0) / 1000000)) ms"
check "start of the seed answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
[ "$(echo "$out" | field statuscode)" = 0 ] || diag "$(echo "$out" | field statusmsg)"
check "both daemons are up" [ "$(echo "$out" | field data.daemons.0.state) $(echo "$out" | field data.daemons.1.state)" = "up up" ]
j=$(echo "$out" | pid_of jobmanager) w=$(echo "$out" | pid_of webapp)
check "the jobmanager has the node layer's port" \
    argv_has "$j" "-Xms64M -Xmx512M -Dseed.db=jdbc:h2:mem:seed -Dseed.log=/srv/metactl/seed/state/log -jar $REL/jobmanager.jar $JOB_PORT"
check "jetty runs the app's own base on the node layer's port" \
    argv_has "$w" "-Djetty.base=$APPS/seed/state/jetty/webapp -jar /usr/share/jetty9/start.jar --module=http,deploy jetty.http.host=127.0.0.1 jetty.http.port=$WEB_PORT"
check "the jetty base points at the release's war" \
    grep -q "<Set name=\"war\">$REL/webapp.war</Set>" "$APPS/seed/state/jetty/webapp/webapps/webapp.xml"
# Jetty is up for runit once its JVM runs; it serves once its log says
# its connector started.
log=$SUP/metactl-seed-webapp/log/main/current
i=0
until grep -q "Started ServerConnector" "$log" 2>/dev/null || [ $i -ge 600 ]; do
	sleep 0.05
	i=$((i + 1))
done
diag "jetty's connector up $((($(date +%s%N) - t0) / 1000000)) ms after the start was sent"
check "jetty serves the war over HTTP" \
    sh -c "curl -sf '$url' | grep -q '<h1>seed</h1>'"
check "the crontab is written with both entries" \
    [ "$(grep -c '^[^#].* nobody ' "$CRON/metactl-seed")" = 2 ]
check "the crontab keeps cron's %% escaped" \
    grep -qF 'date +\%s > /tmp/seed-stamp' "$CRON/metactl-seed"

out=$(svc stop app=seed)
check "stop answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
check "jetty is gone after stop" sh -c "! kill -0 $w 2>/dev/null"
check "HTTP is refused after stop" sh -c "! curl -s -o /dev/null '$url'"
check "stop leaves the crontab" [ -f "$CRON/metactl-seed" ]
done_testing
