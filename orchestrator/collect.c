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
#define WRONG_DIGEST "the reply's digest does not match the request sent"

/* One wait: the requests (id -> digest) and the expected set, as hashes. */
struct wait {
	const json_t *ids; /* NULL: only late replies (batch sleep) */
	int64_t sent_ms;
	int64_t deadline_ms;
	json_t *expected; /* identity -> true; NULL: unknown set */
	size_t nexp;
	size_t answered;
	int draining; /* every expected node answered: no more waiting */
};

static void
emit(struct collector *c, const struct result *r)
{
	if (r != NULL && c->on_result != NULL)
		c->on_result(c->arg, r);
}

static void
on_late(struct collector *c, const struct link_event *ev)
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

struct result *
collect_invalid(struct collector *c, const char *sender, const char *why)
{
	const char *who = sender[0] != '\0' ? sender : "(unknown)";
	struct result *r;

	if (c->invalid_ids == NULL && (c->invalid_ids = json_object()) == NULL)
		return NULL;
	if (json_object_get(c->invalid_ids, who) != NULL)
		return NULL; /* the first reason is the one shown */
	if (json_object_size(c->invalid_ids) >= RESULTS_INVALID_MAX) {
		c->rs->invalid_more++;
		return NULL;
	}
	json_object_set_new(c->invalid_ids, who, json_true());
	if (c->wait_invalid != NULL)
		json_object_set_new(c->wait_invalid, who, json_true());
	r = results_add(c->rs, who, RES_INVALID, -1, NULL, NULL, -1, why);
	emit(c, r);
	return r;
}

static void
on_answer(struct collector *c, struct wait *w, const char *digest,
    const struct link_event *ev)
{
	struct reply *rep = ev->reply;
	struct result *r;
	int known;

	if (strcmp(rep->digest, digest) != 0) {
		collect_invalid(c, rep->sender, WRONG_DIGEST);
		return;
	}
	if (results_find(c->rs, rep->sender, ANSWERED) != NULL)
		return; /* a duplicate */
	r = results_add(c->rs, rep->sender,
	    rep->statuscode == 0 ? RES_OK : RES_FAILED, rep->statuscode,
	    rep->statusmsg, json_incref(rep->data),
	    ev->received_ms - w->sent_ms, NULL);
	known = w->expected != NULL &&
	    json_object_get(w->expected, rep->sender) != NULL;
	if (r != NULL && w->expected != NULL && !known)
		r->is_new = 1;
	if (known)
		w->answered++;
	if (c->quiet != NULL)
		quiet_reply(c->quiet, ev->received_ms);
	emit(c, r);
}

static void
on_event(struct collector *c, struct wait *w, const struct link_event *ev)
{
	const char *rid =
	    ev->kind == LINK_REPLY ? ev->reply->request_id : ev->request_id;
	const json_t *own = json_object_get(w->ids, rid),
		     *old = json_object_get(c->old, rid);
	int mine = own != NULL;

	if (!mine && old == NULL && rid[0] != '\0' && c->on_other != NULL &&
	    c->on_other(c->other_arg, ev))
		return;
	if (ev->kind == LINK_INVALID) {
		if (rid[0] == '\0' || mine || old != NULL)
			collect_invalid(c, ev->sender, ev->why);
	} else if (mine)
		on_answer(c, w, json_string_value(own), ev);
	else if (old != NULL) {
		if (strcmp(ev->reply->digest, json_string_value(old)) != 0)
			collect_invalid(c, ev->reply->sender, WRONG_DIGEST);
		else
			on_late(c, ev);
	}
	/* Anything else answers a request we no longer wait for. */
}

/* How long to wait for the next event, or -1 when the wait is over. */
static int64_t
next_wait(struct collector *c, struct wait *w)
{
	int64_t now = message_now_ms(), end = w->deadline_ms, wait;
	int pending;

	if (cli_interrupted) {
		c->ended = COLLECT_INTERRUPTED;
		return -1;
	}
	pending = c->other_pending != NULL && c->other_pending(c->other_arg);
	if (w->ids != NULL && !c->whole && w->nexp > 0 &&
	    w->answered >= w->nexp && !pending) {
		c->ended = COLLECT_ALL;
		w->draining = 1;
		return 0;
	}
	if (w->ids != NULL && !c->whole && w->nexp == 0 && c->quiet != NULL &&
	    !pending && quiet_deadline(c->quiet) < end) {
		end = quiet_deadline(c->quiet);
		if (now >= end) {
			c->ended = COLLECT_QUIET;
			return -1;
		}
	}
	/* Past the deadline, only what already arrived is read. */
	if (now >= end) {
		c->ended = COLLECT_DEADLINE;
		if (w->ids != NULL)
			return -1;
		return 0;
	}
	wait = end - now;
	if (c->progress != NULL && w->ids != NULL) {
		progress_update(c->progress, w->answered, w->nexp,
		    now - w->sent_ms, w->deadline_ms - w->sent_ms);
		if (wait > 100)
			wait = 100; /* redraw the elapsed time */
	}
	/* librabbitmq resumes its poll after a signal: wake up to look at
	 * the flag. */
	if (cli_interrupt_armed && wait > 200)
		wait = 200;
	return wait;
}

static int
wait_init(struct wait *w, const struct strv *expected)
{
	size_t i;

	if (expected == NULL)
		return 0;
	if ((w->expected = json_object()) == NULL)
		return -ENOMEM;
	for (i = 0; i < expected->n; i++)
		if (json_object_set_new(
			w->expected, expected->v[i], json_true()) != 0)
			return -ENOMEM;
	w->nexp = json_object_size(w->expected);
	return 0;
}

/* Expected nodes without an answer (nor an invalid reply to this
 * request): missing. */
static void
name_missing(struct collector *c, const struct strv *expected)
{
	size_t i;

	for (i = 0; expected != NULL && i < expected->n; i++)
		if (results_find(c->rs, expected->v[i], ANSWERED) == NULL &&
		    json_object_get(c->wait_invalid, expected->v[i]) == NULL)
			emit(c,
			    results_add(c->rs, expected->v[i], RES_MISSING, -1,
				NULL, NULL, -1, NULL));
}

int
collect_wait(struct collector *c, const char *id, const char *digest,
    int64_t sent_ms, const struct strv *expected, int64_t deadline_ms,
    struct error *err)
{
	json_t *ids = NULL;
	int r;

	if (id != NULL && (ids = json_pack("{s:s}", id, digest)) == NULL)
		return -ENOMEM;
	r = collect_wait_all(c, ids, sent_ms, expected, deadline_ms, err);
	json_decref(ids);
	return r;
}

/* The local agent's reply to one of ids (or an invalid one): the end. */
static int
local_end(const json_t *ids, const struct link_event *ev)
{
	return ids != NULL &&
	    (ev->kind == LINK_INVALID ||
		json_object_get(ids, ev->reply->request_id) != NULL);
}

int
collect_wait_all(struct collector *c, const json_t *ids, int64_t sent_ms,
    const struct strv *expected, int64_t deadline_ms, struct error *err)
{
	struct wait w = {ids, sent_ms, deadline_ms, NULL, 0, 0, 0};
	int local = link_is_local(c->link), r = 0;
	struct link_event ev;
	const char *id;
	json_t *digest;
	int64_t wait;

	json_decref(c->wait_invalid);
	c->wait_invalid = ids != NULL ? json_object() : NULL;
	if ((r = wait_init(&w, expected)) < 0 ||
	    (ids != NULL && c->wait_invalid == NULL) ||
	    (c->old == NULL && (c->old = json_object()) == NULL)) {
		json_decref(w.expected);
		return r < 0 ? r : -ENOMEM;
	}
	while ((wait = next_wait(c, &w)) >= 0) {
		r = link_next(c->link, (int)wait, &ev, err);
		if (r < 0)
			break;
		if (r == 0) {
			if (wait == 0)
				break;
			continue;
		}
		on_event(c, &w, &ev);
		if (local && local_end(ids, &ev)) {
			link_event_clear(&ev);
			c->ended = COLLECT_LOCAL;
			break;
		}
		link_event_clear(&ev);
	}
	json_decref(w.expected);
	if (c->progress != NULL)
		progress_done(c->progress);
	if (ids == NULL)
		return r < 0 ? r : 0;
	name_missing(c, expected);
	json_object_foreach((json_t *)ids, id, digest)
	{
		if (json_object_set(c->old, id, digest) != 0 && r >= 0)
			r = -ENOMEM;
	}
	return r < 0 ? r : 0;
}

void
collector_clear(struct collector *c)
{
	json_decref(c->old);
	json_decref(c->invalid_ids);
	json_decref(c->wait_invalid);
	c->old = NULL;
	c->invalid_ids = NULL;
	c->wait_invalid = NULL;
}
