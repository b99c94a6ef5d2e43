#!/bin/sh
# metactl config show: an app laid down by hand under an apps directory,
# the seed example as its layers; text provenance, --json field by field,
# --release, and the errors.
. "$top_srcdir/tests/lib/tap.sh"
M="$top_builddir/orchestrator/metactl"
seed="$top_srcdir/etc/examples/seed"
dir=$(mktemp -d "${TMPDIR:-/tmp}/config_show.XXXXXX") || exit 99
trap 'rm -rf "$dir"' EXIT

apps=$dir/apps
mkdir -p "$apps/seed/releases/v1" "$apps/seed/state/sites" "$dir/nodes"
cp "$seed/app.metactl" "$apps/seed/releases/v1/.metactl"
cp "$seed/site.conf" "$apps/seed/state/sites/v1.conf"
cp "$seed/node.conf" "$dir/nodes/seed.conf"
ln -s releases/v1 "$apps/seed/current"

# run EXPECTED-STATUS ARGS...: stdout in $out, stderr in $err
run() {
	want=$1
	shift
	out=$("$M" "$@" 2>"$dir/err")
	got=$?
	err=$(cat "$dir/err")
	if [ "$got" -ne "$want" ]; then
		diag "metactl $*: status $got, expected $want"
		diag "stdout: $out"
		diag "stderr: $err"
		return 1
	fi
	return 0
}
has() { case $1 in *"$2"*) return 0 ;; esac; diag "'$1' lacks '$2'"; return 1; }
# line TEXT: $out has exactly this line
line() { printf '%s\n' "$out" | grep -qxF "$1" || { diag "no line '$1' in:"; diag "$out"; return 1; }; }

A="--apps $apps --node-dir $dir/nodes"
rel=$apps/seed/current/.metactl
site=$apps/seed/state/sites/v1.conf
check "config show from the node's layout" run 0 config show seed $A
check "header names the app layer" line "# layer app: $rel"
check "header names the site layer of the current tag" line "# layer site: $site"
check "header names the node layer" line "# layer node: $dir/nodes/seed.conf"
check "the node moved the port" \
	line "JOB_MANAGER_PORT = 9001  # node $dir/nodes/seed.conf:5"
check "jvm.jar comes from the app, interpolated with the node's port" \
	line "jvm.jar = jobmanager.jar 9001  # app $rel:33"
check "the site's heap wins over the app's" \
	line "jvm.heap.max = 2G  # site $site:9"
check "the site's DB_URL reaches jvm.opts" \
	has "$out" "-Dseed.db=jdbc:postgresql://db.prod.example.net:5432/seed"
check "'%%' is a literal '%'" line \
	"stamp = */10 * * * mon-fri date +%s > /tmp/seed-stamp  # app $rel:44"
check "sections are headed" line "[daemon.webapp]"

check "--json" run 0 config show seed $A --json
printf '%s\n' "$out" >"$dir/show.json"
check "--json: app, layers and values with provenance" "$PYTHON3" - \
	"$dir/show.json" "$rel" "$site" "$dir/nodes/seed.conf" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rel, site, node = sys.argv[2:5]
s = d["sections"]
want = [
    (d["app"], "seed"),
    (d["layers"], [{"layer": "app", "file": rel},
                   {"layer": "site", "file": site},
                   {"layer": "node", "file": node}]),
    (s["daemon.jobmanager"]["jvm.jar"],
     {"value": "jobmanager.jar 9001", "layer": "app", "file": rel,
      "line": 33}),
    (s["env"]["JOB_MANAGER_PORT"],
     {"value": "9001", "layer": "node", "file": node, "line": 5}),
    (s["daemon.jobmanager"]["jvm.heap.max"]["layer"], "site"),
    (s["build"]["timeout"]["value"], "10m"),
    (s["daemon.webapp"]["jetty.port"]["value"], "8080"),
]
bad = [(g, w) for g, w in want if g != w]
for g, w in bad:
    print("# got %r, expected %r" % (g, w))
sys.exit(1 if bad else 0)
PY

check "--release without --site has no site layer" \
	run 0 config show seed --release "$apps/seed/releases/v1" \
	--node-dir "$dir/nodes"
check "... said in the header" line "# layer site: none"
check "... and the app's heap stands" \
	line "jvm.heap.max = 512M  # app $apps/seed/releases/v1/.metactl:31"
check "--site and --node name the layers" run 0 config show seed \
	--release "$apps/seed/releases/v1" --site "$seed/site.conf" \
	--node "$seed/node.conf"
check "... whose lines are cited" \
	line "DB_URL = jdbc:postgresql://db.prod.example.net:5432/seed  # site $seed/site.conf:6"

# Errors: "metactl: FILE:LINE:COL: ...", status 1.
printf '[env]\nJOB_MANAGER_PORT = %%(NOPE)\n' >"$dir/nodes/seed.conf"
check "unknown variable fails" run 1 config show seed $A
check "... naming file:line:column" test "$err" = \
	"metactl: $dir/nodes/seed.conf:2:20: unknown variable \"NOPE\" (no such key in [env])"
printf '[daemon.jobmanager]\njvm.jarr = x.jar\n' >"$dir/nodes/seed.conf"
check "unknown daemon key fails" run 1 config show seed $A
check "... naming file:line:column" has "$err" \
	"metactl: $dir/nodes/seed.conf:2:1: [daemon.jobmanager] unknown key \"jvm.jarr\""
rm "$dir/nodes/seed.conf"
check "no node layer is fine" run 0 config show seed $A
check "... said in the header" line "# layer node: none"
check "an app without a current release fails" run 1 config show nosuch $A
check "... saying so" has "$err" "$apps/nosuch/current: no current release"
check "a missing --node file fails" run 1 config show seed $A \
	--node "$dir/nosuch.conf"
check "... naming it" has "$err" "$dir/nosuch.conf: cannot open"
check "a bad app name fails" run 1 config show ../x $A
check "... saying why" has "$err" "'../x' is not an app name"
ln -sfn elsewhere/v1 "$apps/seed/current"
ln -s . "$apps/seed/elsewhere"
check "a current link to no releases/TAG fails" run 1 config show seed $A
check "... saying so" has "$err" "$apps/seed/current: not a link to releases/TAG"
check "no app is a usage error" run 2 config show
check "no subcommand is a usage error" run 2 config
check "--help describes the options" run 0 config --help
check "... --release" has "$out" "--release DIR"
done_testing
