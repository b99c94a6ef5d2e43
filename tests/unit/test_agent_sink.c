/* test_agent_sink.c: see test_agent_sink.h. */
#include "buildconf.h"

#include <check.h>
#include <string.h>

#include "test_agent_sink.h"

static void
ts_send(struct reply_sink *b, const char *buf, size_t len)
{
	struct test_sink *s = (struct test_sink *)b;
	struct envelope *env = NULL;
	struct error err;

	s->sent++;
	reply_free(s->reply);
	s->reply = NULL;
	ck_assert_int_eq(envelope_decode(buf, len, 1 << 20, &env, &err), 0);
	ck_assert_int_eq(
	    reply_decode(env->body, env->body_len, &s->reply, &err), 0);
	envelope_free(env);
}

static void
ts_hold(struct reply_sink *b)
{
	((struct test_sink *)b)->refs++;
}

static void
ts_release(struct reply_sink *b)
{
	((struct test_sink *)b)->refs--;
}

void
test_sink_init(struct test_sink *s)
{
	memset(s, 0, sizeof(*s));
	s->base.send = ts_send;
	s->base.hold = ts_hold;
	s->base.release = ts_release;
	/* What dispatch_message() sets for the replies to a request. */
	memset(s->base.digest, '0', MESSAGE_DIGEST_LEN);
	s->refs = 1;
}

void
test_sink_clear(struct test_sink *s)
{
	reply_free(s->reply);
	s->reply = NULL;
}
