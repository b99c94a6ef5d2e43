#!/bin/sh
# The deploy agent with a Subversion repository (svn+file://): tags v1 and
# v2 exported from REPO/tags/TAG, built and started under runit; a tag
# that does not exist is refused with svn's words, current untouched.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/deploy/lib.sh"
for p in svn svnadmin; do
	command -v "$p" >/dev/null || skip_all "$p not installed"
done
dp_init
SVN=$FLEET_DIR/svnrepo
svnadmin create "$SVN" || { echo "Bail out! svnadmin create"; exit 99; }
for t in v1 v2; do
	mkdir -p "$FLEET_DIR/export/$t" &&
		git -C "$SRC" archive "$t" | tar -x -C "$FLEET_DIR/export/$t" &&
		svn import -q -m "$t" "$FLEET_DIR/export/$t" "file://$SVN/tags/$t" ||
		{ echo "Bail out! svn import $t"; exit 99; }
done
chmod -R go+rX "$SVN"
SSITE=$(dp_site "svn+file://$SVN")
fleet_start n1 || { echo "Bail out! the agent did not start"; exit 99; }

out=$(dep deploy app=sv tag=v1 site="$SSITE")
check "deploy v1 from svn answers OK" [ "$(echo "$out" | field statuscode)" = 0 ]
[ "$(echo "$out" | field statuscode)" = 0 ] || diag "$(echo "$out" | field statusmsg)"
check "v1's daemon runs" dp_runs "$(dp_pid sv)" v1
check "the build ran in the exported release" [ -f "$APPS/sv/releases/v1/BUILT" ]
out=$(dep deploy app=sv tag=v2 site="$SSITE")
check "deploy v2 from svn answers OK" [ "$(echo "$out" | field statuscode)/$(dp_current sv)" = 0/v2 ]
check "v2's daemon runs" dp_runs "$(dp_pid sv)" v2
out=$(dep deploy app=sv tag=v9 site="$SSITE")
case $(echo "$out" | field statusmsg) in
*"failed at fetch"*svn*v9*"v2 unchanged") ok "a tag svn does not have is refused with svn's words" ;;
*) not_ok "a tag svn does not have is refused with svn's words: $(echo "$out" | field statusmsg)" ;;
esac
check "current is still v2" [ "$(dp_current sv)" = v2 ]
done_testing
