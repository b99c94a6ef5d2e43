/* collect.c: see collect.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "orchestrator/cli.h"
#include "orchestrator/collect.h"
#include "orchestrator/progress.h"

#define ANSWERED ((1u << RES_OK) | (1u << RES_FAILED))

static void
emit(struct collector *c, const struct result *r)
{
	if (r != NULL && c->on_result != NULL)
		c->on_result(c->arg, r);
}

static void
on_late(struct collector *c, struct link_event *ev)
{
	struct reply *rep = ev->reply;
	struct result *r;

	r = results_find(c->rs, rep->sender, 1u << RES_MISSING);
	if (r == NULL) {
		if (results_find(c->rs, rep->sender,
			(1u << RES_LATE) | ANSWERED) != NULL)
			return; /* a duplicate */
		r = results_add(c->rs, rep->sender, RES_LATE, rep->statuscode,
		    rep->statusmsg, json_incref(rep->data), -1, NULL);
	} else {
		r->kind = RES_LATE;
		r->statuscode = rep->statuscode;
		free(r->statusmsg);
		r->statusmsg = strdup(rep->statusmsg);
		json_decref(r->data);
		r->data = json_incref(rep->data);
	}
	emit(c, r);
}

/* The index of id among the earlier requests, or -1. */
static long
old_index(const struct collector *c, const char *id)
{
	for (size_t i = 0; i < c->old_ids.n && i < c->old_digests.n; i++)
		if (strcmp(c->old_ids.v[i], id) == 0)
			return (long)i;
	return -1;
}

static void
invalid(struct collector *c, const char *sender, const char *why)
{
	emit(c,
	    results_add(c->rs, sender[0] != '\0' ? sender : "(unknown)",
		RES_INVALID, -1, NULL, NULL, -1, why));
}

#define WRONG_DIGEST "the reply's digest does not match the request sent"

int
collect_wait(struct collector *c, const char *id, const char *digest,
    int64_t sent_ms, const struct strv *expected, int64_t deadline_ms,
    struct error *err)
{
	size_t answered = 0, nexp = expected != NULL ? expected->n : 0, i;
	int local = link_is_local(c->link), r = 0, done = 0;
	struct link_event ev;
	long k;

	while (!done) {
		int64_t now = message_now_ms(), wait;

		if (id != NULL && nexp > 0 && answered >= nexp)
			break;
		if (cli_interrupted)
			break;
		/* Past the deadline, only what already arrived is read. */
		if (now >= deadline_ms && id != NULL)
			break;
		wait = now >= deadline_ms ? 0 : deadline_ms - now;
		if (c->progress != NULL && id != NULL) {
			progress_update(c->progress, answered, nexp,
			    now - sent_ms, deadline_ms - sent_ms);
			if (wait > 100)
				wait = 100; /* redraw the elapsed time */
		}
		/* librabbitmq resumes its poll after a signal: wake up to
		 * look at the flag. */
		if (cli_interrupt_armed && wait > 200)
			wait = 200;
		r = link_next(c->link, (int)wait, &ev, err);
		if (r < 0)
			break;
		if (r == 0) {
			if (wait == 0)
				break;
			continue;
		}
		if (ev.kind == LINK_INVALID) {
			if (ev.request_id[0] == '\0' ||
			    (id != NULL && strcmp(ev.request_id, id) == 0) ||
			    old_index(c, ev.request_id) >= 0)
				invalid(c, ev.sender, ev.why);
			if (local && id != NULL)
				done = 1;
		} else if (id != NULL &&
		    strcmp(ev.reply->request_id, id) == 0) {
			struct reply *rep = ev.reply;

			if (local)
				done = 1;
			if (strcmp(rep->digest, digest) != 0)
				invalid(c, rep->sender, WRONG_DIGEST);
			else if (results_find(c->rs, rep->sender, ANSWERED) ==
			    NULL) {
				emit(c,
				    results_add(c->rs, rep->sender,
					rep->statuscode == 0 ? RES_OK
							     : RES_FAILED,
					rep->statuscode, rep->statusmsg,
					json_incref(rep->data),
					ev.received_ms - sent_ms, NULL));
				if (expected != NULL &&
				    strv_contains(expected, rep->sender))
					answered++;
			}
		} else if ((k = old_index(c, ev.reply->request_id)) >= 0) {
			if (strcmp(ev.reply->digest, c->old_digests.v[k]) != 0)
				invalid(c, ev.reply->sender, WRONG_DIGEST);
			else
				on_late(c, &ev);
		}
		/* Anything else answers a request we no longer wait for. */
		link_event_clear(&ev);
	}
	if (c->progress != NULL)
		progress_done(c->progress);
	if (id == NULL)
		return r < 0 ? r : 0;
	for (i = 0; i < nexp; i++)
		if (results_find(c->rs, expected->v[i], ANSWERED) == NULL)
			emit(c,
			    results_add(c->rs, expected->v[i], RES_MISSING, -1,
				NULL, NULL, -1, NULL));
	if ((strv_push(&c->old_ids, id) < 0 ||
		strv_push(&c->old_digests, digest) < 0) &&
	    r >= 0)
		r = -ENOMEM;
	return r < 0 ? r : 0;
}

void
collector_clear(struct collector *c)
{
	strv_clear(&c->old_ids);
	strv_clear(&c->old_digests);
}
