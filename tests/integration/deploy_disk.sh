#!/bin/sh
# The deploy agent on a full disk (the app's directory is a small tmpfs
# made here) and on a read-only apps directory (a read-only bind mount):
# a clear error, and the previous release still running.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/deploy/lib.sh"
dp_init
# v5: 4 MB that do not compress.
head -c 4194304 /dev/urandom >"$SRC/blob"
dp_tag "$SRC" v5 'exec sleep 100005'
chmod -R go+rX "$SRC"
mkdir -p "$APPS/full" "$APPS/ro"
mount -t tmpfs -o size=2m tmpfs "$APPS/full" ||
	skip_all "cannot mount a tmpfs"
umounts="$APPS/full"
# The supervision tree and its daemons (whose working directories are on
# the mounts) stop first, then the mounts go, then the fleet directory.
cleanup_mounts() {
	FLEET_KEEP=1 sa_cleanup
	for m in $umounts; do umount "$m"; done
	rm -rf "$FLEET_DIR"
}
trap cleanup_mounts EXIT
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }

out=$(dep deploy app=full tag=v1 site="$SITE")
check "v1 deploys on the small filesystem" [ "$(echo "$out" | field statuscode)" = 0 ]
p1=$(dp_pid full)
out=$(dep deploy app=full tag=v5 site="$SITE")
check "a full disk fails the deploy" [ "$(echo "$out" | field statuscode)" = 1 ]
case $(echo "$out" | field statusmsg) in
*"No space left on device"*"v1 unchanged"*) ok "it says the disk is full and v1 is unchanged" ;;
*) not_ok "it says the disk is full: $(echo "$out" | field statusmsg)" ;;
esac
check "v1 is still current" [ "$(dp_current full)" = v1 ]
check "v1's daemon still runs, untouched" [ "$(dp_pid full)" = "$p1" ]
check "the journal is clean" [ ! -e "$APPS/full/state/journal" ]

out=$(dep deploy app=ro tag=v1 site="$SITE")
check "v1 deploys before the directory goes read-only" [ "$(echo "$out" | field statuscode)" = 0 ]
p1=$(dp_pid ro)
mount --bind "$APPS/ro" "$APPS/ro" && mount -o remount,bind,ro "$APPS/ro" ||
	{ echo "Bail out! cannot remount read-only"; exit 99; }
umounts="$APPS/ro $umounts"
out=$(dep deploy app=ro tag=v2 site="$SITE")
check "a read-only apps directory fails the deploy" [ "$(echo "$out" | field statuscode)" != 0 ]
case $(echo "$out" | field statusmsg) in
*"Read-only file system"*) ok "it says the file system is read-only" ;;
*) not_ok "it says the file system is read-only: $(echo "$out" | field statusmsg)" ;;
esac
check "v1 is still current there" [ "$(dp_current ro)" = v1 ]
check "v1's daemon still runs there" [ "$(dp_pid ro)" = "$p1" ]
done_testing
