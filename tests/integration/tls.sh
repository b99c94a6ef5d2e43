#!/bin/sh
# amqps:// against a real broker with a TLS listener next to its plain one:
# metactld and metactl verify the broker against their CA file and the
# URL's host, refuse it clearly when it does not verify, and the plain
# listener keeps serving the same fleet.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rabbitmq.sh"
. "$top_srcdir/tests/lib/fleet.sh"

M="$top_builddir/orchestrator/metactl"
command -v openssl >/dev/null || skip_all "no openssl command"
[ -x "$METACTLD" ] && [ -x "$M" ] || skip_all "metactld or metactl not built"
T=$(mktemp -d "${TMPDIR:-/tmp}/metactl-tls.XXXXXX") || exit 99
SERVER_PID=
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
	fleet_stop
	rabbitmq_stop
	rm -rf "$T"
}
trap cleanup EXIT
RABBITMQ_TLS=1 rabbitmq_start "$T/rabbitmq" >"$T/rabbitmq.out" 2>&1 || {
	sed 's/^/# /' "$T/rabbitmq.out"
	echo "Bail out! no TLS broker"
	exit 1
}
rabbitmq_make_ca "$T" wrong || { echo "Bail out! no second CA"; exit 1; }
fleet_init "$T/fleet" >/dev/null || { echo "Bail out! fleet_init"; exit 1; }

client_conf() { # FILE BROKER [BROKER_CAFILE]
	{
		echo "broker = $2"
		[ -n "${3:-}" ] && echo "broker_cafile = $3"
		echo "key = $FLEET_DIR/alice.key"
		echo "certificate = $FLEET_DIR/alice.crt"
		echo "ca = $FLEET_DIR/ca.pub"
		echo "timeout = 5s"
		echo "discovery_timeout = 1s"
		echo "ddl_dir = $top_srcdir/schemas/ddl"
		echo "cache ="
	} >"$1"
}
unset METACTL_CONFIG METACTL_BROKER NO_COLOR

# Built with a librabbitmq without TLS (configure warned): amqps:// is
# refused by name, which is all such a build does with TLS.
if ! grep -q '^#define HAVE_AMQP_SSL_SOCKET_NEW 1' "$top_builddir/buildconf.h"
then
	client_conf "$T/notls.conf" "$RABBITMQ_TLS_URL" "$RABBITMQ_TLS_CA"
	"$M" ping -c "$T/notls.conf" >"$T/ping.out" 2>"$T/ping.err"
	rc=$?
	check "a build without TLS refuses amqps:// (exit $rc)" test "$rc" -eq 2
	check "saying why" grep -q "amqps:// is not available: this build's librabbitmq has no TLS" "$T/ping.err"
	done_testing
	exit
fi

# The transport itself: right CA, wrong CA, no CA, a wrong host.
RABBITMQ_WRONG_CA="$T/wrong.pem" "$top_builddir/tests/integration/amqp_link" \
    tls >"$T/link.tap"
rc=$?
while read -r line; do
	case $line in
	"ok "*) ok "link: ${line#ok [0-9]* - }" ;;
	"not ok "*) not_ok "link: ${line#not ok [0-9]* - }" ;;
	"1.."*) ;;
	*) echo "$line" ;;
	esac
done <"$T/link.tap"
check "the link checks ran to the end (exit $rc)" test "$rc" -eq 0

tls_url=$RABBITMQ_TLS_URL
# As logs show it: the password hidden (a pattern, the stars escaped).
tls_shown=$(echo "$tls_url" | sed 's/:metactl@/:\\*\\*\\*@/')

# One agent on each listener.
FLEET_BROKER_URLS=$tls_url FLEET_EXTRA_CONF="[broker]
cafile = $RABBITMQ_TLS_CA" fleet_start secure:web
check "an agent with the right CA connects over amqps" \
    grep -q "broker $tls_shown: connected as secure" "$(fleet_log secure)"
fleet_start plain:web
check "an agent connects over plain amqp alongside" \
    grep -q "broker amqp://.*: connected as plain" "$(fleet_log plain)"

# The wrong CA: refused, said once with the URL, retried quietly.
FLEET_READY='attempt 3 failed' FLEET_BROKER_URLS=$tls_url \
    FLEET_EXTRA_CONF="[broker]
cafile = $T/wrong.pem" fleet_start rogue
check "an agent with the wrong CA names the URL and the CA file" \
    grep -q "broker: cannot connect: $tls_shown: TLS: the broker's certificate does not verify against CA file $T/wrong.pem; retrying" \
    "$(fleet_log rogue)"
check "it keeps retrying" kill -0 "$(fleet_pid rogue)"
check "and says so once, not at every attempt" \
    test "$(fleet_count_log rogue 'cannot connect')" -eq 1
check "and never connects" \
    test "$(fleet_count_log rogue 'connected as')" -eq 0

client_conf "$T/tls.conf" "$tls_url" "$RABBITMQ_TLS_CA"
"$M" ping -c "$T/tls.conf" >"$T/ping.out" 2>"$T/ping.err"
rc=$?
check "metactl pings over amqps (exit $rc)" test "$rc" -eq 0
check "the amqps agent answers" grep -q '^secure ' "$T/ping.out"
check "the plain agent answers through the same broker" \
    grep -q '^plain ' "$T/ping.out"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/ping.out" "$T/ping.err"

client_conf "$T/plain.conf" "$RABBITMQ_URL"
"$M" ping -c "$T/plain.conf" >"$T/ping.out" 2>"$T/ping.err"
rc=$?
check "metactl still pings over plain amqp (exit $rc)" test "$rc" -eq 0
check "and reaches the amqps agent" grep -q '^secure ' "$T/ping.out"

client_conf "$T/wrong.conf" "$tls_url" "$T/wrong.pem"
"$M" ping -c "$T/wrong.conf" >"$T/ping.out" 2>"$T/ping.err"
rc=$?
check "metactl with the wrong CA exits 2 (exit $rc)" test "$rc" -eq 2
check "naming the URL and the CA file" grep -q \
    "$tls_shown: TLS: the broker's certificate does not verify against CA file $T/wrong.pem" \
    "$T/ping.err"
check "and prints no result" test ! -s "$T/ping.out"

client_conf "$T/noca.conf" "$tls_url"
"$M" ping -c "$T/noca.conf" >"$T/ping.out" 2>"$T/ping.err"
rc=$?
check "metactl with amqps and no broker_cafile exits 2 (exit $rc)" \
    test "$rc" -eq 2
check "naming the missing key" grep -q 'broker_cafile' "$T/ping.err"

# A TLS server whose certificate, from the right CA, names another host.
tls=$RABBITMQ_DIR/tls
printf 'subjectAltName = DNS:elsewhere.invalid\n' >"$T/other.ext"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj /CN=elsewhere.invalid -keyout "$T/other.key" -out "$T/other.csr" \
    >/dev/null 2>&1 &&
openssl x509 -req -in "$T/other.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
    -set_serial 2 -days 1 -extfile "$T/other.ext" -out "$T/other.pem" \
    >/dev/null 2>&1 || { echo "Bail out! other certificate"; exit 1; }
port=$(rabbitmq_free_port)
openssl s_server -quiet -naccept 1 -accept "127.0.0.1:$port" \
    -cert "$T/other.pem" -key "$T/other.key" </dev/null \
    >"$T/s_server.out" 2>&1 &
SERVER_PID=$!
i=0
until ss -Hltn "sport = :$port" | grep -q .; do
	i=$((i + 1))
	[ "$i" -lt 200 ] && kill -0 "$SERVER_PID" 2>/dev/null || break
	sleep 0.05
done
client_conf "$T/host.conf" "amqps://metactl:metactl@localhost:$port/metactl" \
    "$RABBITMQ_TLS_CA"
"$M" ping -c "$T/host.conf" >"$T/ping.out" 2>"$T/ping.err"
rc=$?
check "metactl refuses a certificate for another host (exit $rc)" \
    test "$rc" -eq 2
check "naming the URL and the host" grep -q \
    "amqps://metactl:\*\*\*@localhost:$port/metactl: TLS: the broker's certificate does not name host localhost" \
    "$T/ping.err"
[ "$rc" -eq 2 ] || sed 's/^/# /' "$T/ping.err"

done_testing
