#!/bin/sh
# The systemd units metactl renders (tests/unit/service_cases.c) pass
# systemd's own checker, `systemd-analyze verify`, and its SMF manifests
# are well-formed XML (xmllint; SMF's DTD is not on Linux machines, the
# unit test compares the manifests with golden files).
#
# systemd need not run as PID 1 for this: verify loads units the way the
# manager does, in a test mode. With --root it resolves everything under a
# root directory, so the test builds one: the units in
# ROOT/etc/systemd/system, systemd's own units (multi-user.target and the
# targets it pulls in) copied into ROOT/lib/systemd/system, and every
# program the units name (their ExecStart binaries, /bin/sleep and
# /bin/kill) present and executable, since verify checks that too.
# verify exits 0 on settings it only warns about and ignores, so any line
# it prints fails the test, except its advice against User=nobody (the
# default user of a daemon is nobody by design).
. "$top_srcdir/tests/lib/tap.sh"

units=$top_builddir/tests/unit/service_units
sysunits=
for d in /lib/systemd/system /usr/lib/systemd/system; do
	[ -f "$d/multi-user.target" ] && { sysunits=$d; break; }
done
command -v systemd-analyze >/dev/null 2>&1 ||
	{ not_ok "systemd-analyze is installed (scripts/bootstrap: systemd)"; done_testing; exit 1; }
command -v xmllint >/dev/null 2>&1 ||
	{ not_ok "xmllint is installed (scripts/bootstrap: libxml2-utils)"; done_testing; exit 1; }
[ -n "$sysunits" ] || { not_ok "systemd's units are installed"; done_testing; exit 1; }

root=$(mktemp -d "${TMPDIR:-/tmp}/metactl-verify.XXXXXX") || exit 99
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/etc/systemd/system" "$root/lib/systemd" "$root/bin"
cp -R "$sysunits" "$root/lib/systemd/system"
cp /bin/sleep /bin/kill "$root/bin/"

check "the units are rendered" \
	sh -c "'$units' systemd '$root/etc/systemd/system' >'$root/programs'"
while read -r prog; do
	mkdir -p "$root${prog%/*}"
	[ -e "$root$prog" ] || printf '#!/bin/sh\n' >"$root$prog"
	chmod 0755 "$root$prog"
done <"$root/programs"

n=0
for f in "$root"/etc/systemd/system/metactl-*.service; do
	n=$((n + 1))
	name=${f##*/}
	out=$(systemd-analyze verify --root="$root" \
		"/etc/systemd/system/$name" 2>&1)
	rc=$?
	bad=$(printf '%s\n' "$out" | grep -v '^$' |
		grep -v 'Special user nobody configured, this is not safe!')
	if [ "$rc" -eq 0 ] && [ -z "$bad" ]; then
		ok "systemd-analyze verify $name"
	else
		not_ok "systemd-analyze verify $name (exit $rc)"
		printf '%s\n' "$out" | sed 's/^/# /'
		sed 's/^/#   /' "$f"
	fi
done
check "every case rendered a unit ($n)" test "$n" -ge 4

# metactld's own unit (etc/metactld.service.in) passes too, and runs in
# the host's mount namespace: no setting that gives it a namespace of its
# own, where the agent's `ip netns add` would stay unseen by the service
# manager (systemd.exec(5), PrivateMounts=).
agent=$top_builddir/etc/metactld.service
check "metactld.service is built" test -f "$agent"
cp "$agent" "$root/etc/systemd/system/metactld.service"
prog=$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$agent")
mkdir -p "$root${prog%/*}" && printf '#!/bin/sh\n' >"$root$prog" &&
	chmod 0755 "$root$prog"
# (--man=no: its Documentation= man pages are not installed in root)
out=$(systemd-analyze verify --man=no --root="$root" \
	/etc/systemd/system/metactld.service 2>&1)
rc=$?
check "systemd-analyze verify metactld.service${out:+: $out}" \
	test "$rc" -eq 0 -a -z "$out"
ns=$(grep -E '^(Protect(System|Home|KernelModules|KernelLogs|KernelTunables|ControlGroups|Proc)|Private(Tmp|Mounts|Devices)|Read(Write|Only)Paths|InaccessiblePaths|(Bind|BindReadOnly|Temporary)(Paths|FileSystem)|MountFlags|RootDirectory|RootImage)=' \
	"$agent")
check "metactld.service keeps the host's mount namespace${ns:+: $ns}" \
	test -z "$ns"

mkdir "$root/smf"
check "the manifests are rendered" \
	sh -c "'$units' smf '$root/smf' >/dev/null"
n=0
for f in "$root"/smf/metactl-*.xml; do
	n=$((n + 1))
	check "xmllint ${f##*/}" xmllint --noout "$f"
done
check "the manifests of every case SMF takes ($n)" test "$n" -ge 3
printf '<a b="x"y"/>\n' >"$root/smf/bad.xml"
check "xmllint reports a broken attribute" \
	sh -c "! xmllint --noout '$root/smf/bad.xml' 2>/dev/null"

# The check itself catches a broken unit: an unbalanced quote.
sed -i 's/^ExecStart="\/bin\/true"/ExecStart="\/bin\/true/' \
	"$root/etc/systemd/system/metactl-tools-noop.service"
out=$(systemd-analyze verify --root="$root" \
	/etc/systemd/system/metactl-tools-noop.service 2>&1)
case $out in
*"Unbalanced quoting"*) ok "verify reports a broken ExecStart" ;;
*) not_ok "verify reports a broken ExecStart: $out" ;;
esac
done_testing
