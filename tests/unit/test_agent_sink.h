/*
 * test_agent_sink.h: a reply sink for the agent suites. It decodes every
 * reply it is sent (the last one stays in reply) and counts references, so
 * a suite can check that the agent released what it held.
 */
#ifndef TEST_AGENT_SINK_H
#define TEST_AGENT_SINK_H

#include "message.h"
#include "agent/agentd.h"

struct test_sink {
	struct reply_sink base;
	unsigned refs; /* 1 after test_sink_init() */
	int sent; /* replies received */
	struct reply *reply; /* the last one, owned */
};

void test_sink_init(struct test_sink *s);
/* Frees the last reply. */
void test_sink_clear(struct test_sink *s);

#endif
