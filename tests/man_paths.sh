#!/bin/sh
# The manual pages as built (man/local.mk) name the directories this build
# was configured with: a default ./configure puts client.conf in
# /usr/local/etc/metactl, so metactl(1) must say so and no page may name a
# hard-coded /etc, /usr/share, /var or /run path of metactl's.
. "$top_srcdir/tests/lib/tap.sh"
[ -n "${sysconfdir:-}" ] && [ -n "${pkgdatadir:-}" ] ||
	skip_all "the configured directories are not in the environment"
cd "$top_builddir/man" || exit 99
pages="metactl.1 metactl.conf.5 metactl-policy.5 metactl-app.5 metactld.8
    metactld.conf.5"

check "metactl(1) names $sysconfdir/metactl/client.conf" \
    grep -q "Pa $sysconfdir/metactl/client.conf" metactl.1
check "metactl(1) names $pkgdatadir/ddl" grep -q "Pa $pkgdatadir/ddl" metactl.1
check "metactl-app(5) names $sysconfdir/metactl/nodes" \
    grep -q "Pa $sysconfdir/metactl/nodes" metactl-app.5
check "metactl-app(5) names $pkgdatadir/examples/seed" \
    grep -q "Pa $pkgdatadir/examples/seed/" metactl-app.5
check "metactld(8) names $runstatedir/metactl/metactld.sock" \
    grep -q "$runstatedir/metactl/metactld.sock" metactld.8
check "metactld(8) names $localstatedir/log/metactl/audit.log" \
    grep -q "$localstatedir/log/metactl/audit.log" metactld.8
for p in $pages; do
	left=$(grep -n '@[a-z]*dir@' "$p")
	check "$p: every @dir@ is substituted${left:+: $left}" test -z "$left"
	# What is left once the configured directories are taken out: a
	# path of metactl's there is hard-coded. Debian's CA bundle is the
	# system's, named as an example; the service managers' directories,
	# cron's, Java, Jetty, nft, iproute2's /run/netns and HAProxy's admin
	# socket are the platform's, named as defaults.
	hard=$(sed -e "s|$sysconfdir/||g" -e "s|$pkgdatadir||g" \
	    -e "s|$localstatedir/||g" -e "s|$runstatedir/||g" \
	    -e "s|$pkglibexecdir/||g" \
	    -e 's|/etc/ssl/certs/ca-certificates.crt||g' \
	    -e 's#/etc/systemd/system\|/etc/service\|/run/service##g' \
	    -e 's#/var/svc/manifest/site\|/etc/init\|/etc/cron\.d##g' \
	    -e 's#/usr/bin/java\|/usr/share/jetty9\|/usr/sbin/nft##g' \
	    -e 's#/run/haproxy/admin\.sock\|/run/netns##g' "$p" |
	    grep -n -E '(^|[^A-Za-z0-9_.~-])/(etc|var|run|usr)/' || :)
	check "$p: no hard-coded system path${hard:+: $hard}" test -z "$hard"
done
done_testing
