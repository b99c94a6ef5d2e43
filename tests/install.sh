#!/bin/sh
# make install (etc/local.mk) puts in place everything an installation
# needs, naming this build's directories: the systemd unit, the sample
# configurations, the initial policy directory and the examples. A second
# install keeps an edited configuration file, and make uninstall removes
# every file but that one.
. "$top_srcdir/tests/lib/tap.sh"
[ -n "${sysconfdir:-}" ] && [ -n "${localstatedir:-}" ] ||
	skip_all "the configured directories are not in the environment"
T=$(mktemp -d) || exit 99
trap 'rm -rf "$T"' EXIT
D=$T/root
MAKE=${MAKE:-make}
install_to() {
	$MAKE -C "$top_builddir" install DESTDIR="$D" >"$T/install.log" 2>&1 ||
		{ sed 's/^/# /' "$T/install.log"; return 1; }
}
check "make install DESTDIR=..." install_to
conf=$D$sysconfdir/metactl

unit=$(find "$D" -name metactld.service)
check "the systemd unit is installed" test -f "$unit"
exe=$(sed -n 's/^ExecStart=\([^ ]*\) -c \(.*\)$/\1/p' "$unit")
check "the unit starts the installed metactld ($exe)" \
    test -n "$exe" -a -f "$D$exe" -a -x "$D$exe"
check "the unit names $sysconfdir/metactl/metactld.conf" grep -q \
    "^ExecStart=.* -c $sysconfdir/metactl/metactld.conf$" "$unit"
check "the unit waits for $sysconfdir/metactl/ssl/node.key" grep -q \
    "^ConditionPathExists=$sysconfdir/metactl/ssl/node.key$" "$unit"

for f in metactld.conf client.conf facts.yaml classes.txt \
    policy/default.policy policy/groups; do
	check "$sysconfdir/metactl/$f is installed, mode 0644" \
	    test "$(stat -c %a "$conf/$f" 2>/dev/null)" = 644
done
check "metactld.conf names $sysconfdir/metactl/policy" \
    grep -q "^dir = $sysconfdir/metactl/policy$" "$conf/metactld.conf"
check "metactld.conf names $localstatedir/log/metactl/audit.log" \
    grep -q "^audit = $localstatedir/log/metactl/audit.log$" "$conf/metactld.conf"
hard=$(sed -e "s|$sysconfdir/metactl/||g" -e "s|$localstatedir/log/metactl/||g" \
    -e "s|$runstatedir/metactl/||g" -e "s|$pkgdatadir||g" \
    "$conf/metactld.conf" "$conf/client.conf" |
    grep -n -E '(^|[^A-Za-z0-9_.~-])/(etc|var|run|usr/share)/metactl' || :)
check "the configurations name no other metactl path${hard:+: $hard}" \
    test -z "$hard"
check "the installed default policy denies" \
    grep -q '^policy default deny$' "$conf/policy/default.policy"
check "the installed groups make only root an operator" sh -c \
    'test "$(grep -v "^#" "$1" | grep .)" = "operators uid=0"' _ \
    "$conf/policy/groups"
check "the sample policies are installed as examples" test "$(find "$D" \
    -path '*/examples/policy/*.policy' | wc -l)" -ge 3
sched=$(find "$D" -path '*/examples/schedule/*' -type f | sort)
check "the schedule examples are installed (cron.d, systemd)" \
    test "$(echo "$sched" | grep -c .)" -eq 4
prog=$(sed -n 's|.* \(/[^ ]*/metactl\) schedule .*|\1|p' $sched | sort -u)
check "the schedule examples run the installed metactl ($prog)" \
    test -n "$prog" -a "$(echo "$prog" | wc -l)" -eq 1 -a -x "$D$prog"

echo '# edited' >>"$conf/metactld.conf"
check "make install again" install_to
check "a second install keeps the edited configuration" \
    grep -q '^# edited$' "$conf/metactld.conf"
uninstall() {
	$MAKE -C "$top_builddir" uninstall DESTDIR="$D" >"$T/uninstall.log" 2>&1 ||
		{ sed 's/^/# /' "$T/uninstall.log"; return 1; }
}
check "make uninstall" uninstall
left=$(find "$D" -type f | sed "s|^$D||")
check "make uninstall leaves only the edited configuration${left:+: $left}" \
    test "$left" = "$sysconfdir/metactl/metactld.conf"
done_testing
