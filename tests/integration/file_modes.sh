#!/bin/sh
# metactld -n refuses configuration, policy, DDL, facts, external-agent and
# trust files that someone other than root or the agent's own user could
# have written, naming the file and its mode; key files stay 0600.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fleet.sh"

fleet_local_init
"$MCSEND" issue "$FLEET_DIR" n1 node >/dev/null || exit 99
fleet_write_conf n1
printf 'role: web\n' >"$(fleet_facts n1)"
: >"$FLEET_DIR/n1.classes"
chmod 0644 "$(fleet_facts n1)" "$FLEET_DIR/n1.classes"
conf=$(fleet_conf n1)

# refused NAME FILE WORDS...: metactld -n exits 77 (EX_NOPERM) and its
# message names FILE and says each of WORDS.
refused() {
	_name=$1 _file=$2
	shift 2
	out=$("$METACTLD" -n -c "$conf" 2>&1)
	rc=$?
	if [ "$rc" -eq 77 ]; then
		ok "$_name: -n exits 77"
	else
		not_ok "$_name: -n exits $rc, want 77: $out"
	fi
	for _w in "$_file" "$@"; do
		case $out in
		*"$_w"*) ok "$_name: the message says '$_w'" ;;
		*) not_ok "$_name: no '$_w' in: $out" ;;
		esac
	done
}
accepted() {
	out=$("$METACTLD" -n -c "$conf" 2>&1)
	check "$1" [ "$out" = "configuration OK" ]
}

accepted "-n accepts files of mode 0644 owned by the agent's user"

policy="$FLEET_DIR/policy/rpcutil.policy"
chmod 0664 "$policy"
refused "a group-writable policy" "$policy" "mode 0664" \
    "writable by group or others"
chmod 0646 "$policy"
refused "a policy writable by others" "$policy" "mode 0646"
chmod 0644 "$policy"

chmod 0620 "$(fleet_facts n1)"
refused "a group-writable facts file" "$(fleet_facts n1)" "mode 0620"
chmod 0644 "$(fleet_facts n1)"
chmod 0666 "$FLEET_DIR/n1.classes"
refused "a classes file writable by all" "$FLEET_DIR/n1.classes" "mode 0666"
chmod 0644 "$FLEET_DIR/n1.classes"

mkdir "$FLEET_DIR/ddl" && cp "$top_srcdir"/schemas/ddl/*.json "$FLEET_DIR/ddl/" &&
	chmod 0644 "$FLEET_DIR"/ddl/*.json || exit 99
sed -i "s|^ddl_dir = .*|ddl_dir = $FLEET_DIR/ddl|" "$conf"
accepted "-n accepts a DDL directory of mode 0644 files"
chmod 0664 "$FLEET_DIR/ddl/rpcutil.json"
refused "a group-writable DDL" "$FLEET_DIR/ddl/rpcutil.json" "mode 0664"
chmod 0644 "$FLEET_DIR/ddl/rpcutil.json"

chmod 0664 "$conf"
refused "a group-writable configuration" "$conf" "mode 0664"
chmod 0644 "$conf"

# Whoever can replace the CA's public key or the node's certificate
# speaks for the fleet.
chmod 0664 "$FLEET_DIR/ca.pub"
refused "a group-writable CA public key" "$FLEET_DIR/ca.pub" "mode 0664"
chmod 0644 "$FLEET_DIR/ca.pub"
chmod 0646 "$FLEET_DIR/n1.crt"
refused "a certificate writable by others" "$FLEET_DIR/n1.crt" "mode 0646"
chmod 0644 "$FLEET_DIR/n1.crt"

chmod 0640 "$FLEET_DIR/n1.key"
refused "a key readable by its group" "$FLEET_DIR/n1.key" \
    "accessible by group or others"
chmod 0600 "$FLEET_DIR/n1.key"
accepted "-n accepts the files once their modes are back"

# Files of another user: only root can make them.
if [ "$(id -u)" -ne 0 ]; then
	diag "not root: files of another user cannot be made"
	done_testing
	exit
fi
other=65534
chown "$other" "$conf"
refused "a configuration owned by another user" "$conf" \
    "owned by uid $other" "mode 0644"
chown 0 "$conf"
chown "$other" "$policy"
refused "a policy owned by another user" "$policy" "owned by uid $other"
chown 0 "$policy"
cp "$top_srcdir/plugins/external/example" "$FLEET_DIR/agents/example" &&
	cp "$top_srcdir/plugins/external/example.json" "$FLEET_DIR/agents/" &&
	chmod 0755 "$FLEET_DIR/agents/example" &&
	chmod 0644 "$FLEET_DIR/agents/example.json" || exit 99
accepted "-n accepts an external agent owned by root"
chown "$other" "$FLEET_DIR/agents/example"
refused "an external agent owned by another user" \
    "external agent example: owned by uid $other" "mode 0755"
chown 0 "$FLEET_DIR/agents/example"
chown "$other" "$FLEET_DIR/agents/example.json"
refused "an external agent's DDL owned by another user" \
    "$FLEET_DIR/agents/example.json" "owned by uid $other"
chown 0 "$FLEET_DIR/agents/example.json"
accepted "-n accepts them again once root owns them"
done_testing
