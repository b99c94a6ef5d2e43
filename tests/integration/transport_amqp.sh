#!/bin/sh
# The AMQP link against a real broker started for this test.
. "$top_srcdir/tests/lib/rabbitmq.sh"
trap rabbitmq_stop EXIT
rabbitmq_start >/dev/null || { echo "Bail out! no broker"; exit 1; }
"$top_builddir/tests/integration/amqp_link"
