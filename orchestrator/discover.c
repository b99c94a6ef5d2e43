/*
 * discover.c: discovery against the node registry, the refresh that keeps
 * the registry's inventories, the confirmation of silent nodes, and the
 * discovery replies that arrive while a request is collected. See fleet.h.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "orchestrator/cli.h"
#include "orchestrator/fleet.h"

#define ANSWERED ((1u << RES_OK) | (1u << RES_FAILED))

/* A refresh inventory reply: recorded in the registry. */
static void
on_inventory(struct fleet *f, const struct link_event *ev)
{
	const struct reply *rep = ev->reply;

	if (ev->kind != LINK_REPLY || strcmp(rep->digest, f->inv_digest) != 0 ||
	    json_object_get(f->inv_seen, rep->sender) != NULL)
		return;
	/* A refusal (a caller not allowed inventory) is the node's answer
	 * too: nothing more comes, so no wait holds for it; the registry
	 * stays due for a refresh. */
	if (rep->statuscode != 0) {
		f->inv_refused++;
		json_object_del(f->inv_pending, rep->sender);
		json_object_set_new(f->inv_seen, rep->sender, json_true());
		return;
	}
	if (registry_inventory(
		&f->reg, rep->sender, rep->data, ev->received_ms) == 1 &&
	    f->inv_new != NULL)
		json_object_set_new(f->inv_new, rep->sender, json_true());
	json_object_del(f->inv_pending, rep->sender);
	json_object_set_new(f->inv_seen, rep->sender, json_true());
	f->reg_dirty = 1;
}

/* A discovery reply after the request was sent: the node never got it. */
static void
on_late_discovery(struct fleet *f, const struct link_event *ev)
{
	const struct reply *rep = ev->reply;
	struct result *r;
	int added;

	if (ev->kind == LINK_INVALID) {
		collect_invalid(&f->col, ev->sender, ev->why);
		return;
	}
	if (strcmp(rep->digest,
		json_string_value(
		    json_object_get(f->disc_ids, rep->request_id))) != 0) {
		collect_invalid(&f->col, rep->sender,
		    "the reply's digest does not match the request sent");
		return;
	}
	if (results_find(&f->rs, rep->sender, ~0u) != NULL)
		return;
	added =
	    registry_seen(&f->reg, rep->sender, f->collective, ev->received_ms);
	f->reg_dirty = 1;
	r = results_add(&f->rs, rep->sender, RES_UNADDRESSED, -1, NULL, NULL,
	    -1, WHY_AFTER_SEND);
	if (r != NULL) {
		r->is_new = added == 1;
		r->last_seen_ms = ev->received_ms;
		if (f->col.on_result != NULL)
			f->col.on_result(f->col.arg, r);
	}
}

int
fleet_on_other(void *arg, const struct link_event *ev)
{
	struct fleet *f = arg;
	const char *rid =
	    ev->kind == LINK_REPLY ? ev->reply->request_id : ev->request_id;

	if (f->inv_id[0] != '\0' && strcmp(rid, f->inv_id) == 0) {
		on_inventory(f, ev);
		return 1;
	}
	if (f->disc_done && json_object_get(f->disc_ids, rid) != NULL) {
		on_late_discovery(f, ev);
		return 1;
	}
	if (f->on_stray != NULL)
		return f->on_stray(f->stray_arg, ev);
	return 0;
}

static int
inventory_pending(void *arg)
{
	struct fleet *f = arg;

	return json_object_size(f->inv_pending) > 0;
}

void
fleet_save_registry(struct fleet *f)
{
	int r;

	if (!f->reg_dirty || f->reg.doc == NULL)
		return;
	if ((r = registry_save(&f->reg, f->conf.cache)) < 0)
		cli_errx("node registry %s: %s", f->conf.cache, error_str(r));
	f->reg_dirty = 0;
}

/* The expected set: --nodes, or the registry's nodes the filter selects
 * and the plain -I names the registry does not know. 0 or an exit
 * status. */
static int
expected_set(struct fleet *f, struct strv *ret)
{
	struct strv named = STRV_INIT;
	size_t i;
	int r = 0;

	if (f->o.nodes != NULL)
		return fleet_read_nodes(f, ret);
	if (link_is_local(f->link) || f->o.no_cache)
		return 0;
	if (registry_expected(&f->reg, f->collective, f->o.filter, ret) < 0 ||
	    registry_named_nodes(f->o.filter, &named) < 0)
		r = -ENOMEM;
	for (i = 0; i < named.n && r == 0; i++)
		if (registry_node(&f->reg, named.v[i]) == NULL &&
		    strv_push(ret, named.v[i]) < 0)
			r = -ENOMEM;
	strv_clear(&named);
	strv_sort_uniq(ret);
	if (r < 0) {
		cli_errx("out of memory");
		return MC_EXIT_USAGE;
	}
	return 0;
}

/* An unfiltered rpcutil.inventory request; NULL (err set) when out of
 * memory. */
static struct request *
inventory_request(struct fleet *f, struct error *err)
{
	struct request *req = fleet_request(f, "rpcutil", "inventory", NULL);

	if (req == NULL) {
		error_set(err, 0, 0, "out of memory");
		return NULL;
	}
	json_decref(req->filter);
	req->filter = json_object();
	return req;
}

/* The refresh: an unfiltered inventory broadcast beside the ping; the
 * registry's nodes of the collective are awaited. */
static int
start_refresh(struct fleet *f, struct error *err)
{
	struct strv known = STRV_INIT;
	struct request *req;
	json_t *all;
	size_t i;
	int r;

	json_decref(f->inv_pending);
	json_decref(f->inv_new);
	json_decref(f->inv_seen);
	f->inv_pending = json_object();
	f->inv_new = json_object();
	f->inv_seen = json_object();
	f->inv_refused = 0;
	if ((all = json_object()) == NULL ||
	    registry_expected(&f->reg, f->collective, all, &known) < 0) {
		json_decref(all);
		return -1;
	}
	json_decref(all);
	for (i = 0; i < known.n; i++)
		json_object_set_new(f->inv_pending, known.v[i], json_true());
	strv_clear(&known);
	if ((req = inventory_request(f, err)) == NULL)
		return -1;
	memcpy(f->inv_id, req->id, sizeof(f->inv_id));
	if ((r = fleet_send(f, req, NULL, 0, f->inv_digest, err)) < 0)
		f->inv_id[0] = '\0';
	request_free(req);
	return r;
}

static int
refresh_due(const struct fleet *f)
{
	if (link_is_local(f->link) || f->o.nodes != NULL ||
	    f->conf.cache[0] == '\0')
		return 0;
	return f->o.refresh ||
	    message_now_ms() - registry_refreshed(&f->reg, f->collective) >
	    f->conf.cache_ttl_ms;
}

/* Discovery results (on_result): streams with --jsonl, and awaits the
 * inventory of every node that answers during a refresh. */
struct disc_ctx {
	struct fleet *f;
	int jsonl;
};

static void
on_disc_result(void *arg, const struct result *r)
{
	struct disc_ctx *d = arg;
	struct fleet *f = d->f;

	if (d->jsonl)
		fleet_print_jsonl(f, r);
	if (f->inv_pending != NULL &&
	    (r->kind == RES_OK || r->kind == RES_FAILED) &&
	    json_object_get(f->inv_seen, r->identity) == NULL)
		json_object_set_new(f->inv_pending, r->identity, json_true());
}

/*
 * Expected nodes silent at the end of a discovery from the registry get
 * one direct inventory: a node that answers is alive; it counts as
 * answered when it still matches the filter and leaves the expected set
 * otherwise (its facts changed). 0 or a negative code.
 */
static int
confirm_silent(struct fleet *f, struct results *target, struct error *err)
{
	json_t *ids = json_object();
	struct request *req = NULL;
	struct strv silent = STRV_INIT;
	struct collector col = {0};
	struct results got = {0};
	int64_t sent,
	    wait = f->discovery_ms < FLEET_CONFIRM_MS ? f->discovery_ms
						      : FLEET_CONFIRM_MS;
	size_t i;
	int r = ids != NULL ? 0 : -1;

	for (i = 0; r == 0 && i < target->n; i++)
		if (target->v[i].kind == RES_MISSING &&
		    registry_node(&f->reg, target->v[i].identity) != NULL &&
		    strv_push(&silent, target->v[i].identity) < 0)
			r = -1;
	if (r < 0 || silent.n == 0)
		goto out;
	col.link = f->link;
	col.rs = &got;
	col.on_other = fleet_on_other;
	col.other_arg = f;
	sent = message_now_ms();
	if ((req = inventory_request(f, err)) == NULL)
		r = -1;
	else if ((r = fleet_send_each(f, req, silent.v, silent.n, ids, err)) ==
	    0)
		r = collect_wait_all(
		    &col, ids, sent, &silent, message_now_ms() + wait, err);
	for (i = 0; r == 0 && i < got.n; i++) {
		struct result *g = &got.v[i], *m;

		if (g->kind != RES_OK)
			continue;
		registry_inventory(&f->reg, g->identity, g->data, sent);
		f->reg_dirty = 1;
		m = results_find(target, g->identity, 1u << RES_MISSING);
		if (m == NULL)
			continue;
		if (!registry_selects(&f->reg, g->identity, f->o.filter)) {
			results_remove(target, m);
			if (target->addressed > 0)
				target->addressed--;
			continue;
		}
		m->kind = RES_OK;
		m->statuscode = 0;
		m->rtt_ms = g->rtt_ms;
	}
out:
	collector_clear(&col);
	results_clear(&got);
	strv_clear(&silent);
	request_free(req);
	json_decref(ids);
	return r;
}

void
fleet_account(struct fleet *f, struct results *target)
{
	int64_t now = message_now_ms();
	size_t i;

	for (i = 0; i < target->n; i++) {
		struct result *r = &target->v[i];
		const json_t *node = registry_node(&f->reg, r->identity);

		if (r->kind == RES_OK || r->kind == RES_FAILED) {
			int added = registry_seen(
			    &f->reg, r->identity, f->collective, now);

			if (f->o.no_cache && f->o.nodes == NULL)
				r->is_new = added == 1;
			r->last_seen_ms = now;
			f->reg_dirty = 1;
			continue;
		}
		if (r->kind != RES_MISSING)
			continue;
		if (node == NULL) {
			free(r->why);
			r->why = strdup(WHY_NEVER_SEEN);
			continue;
		}
		r->last_seen_ms =
		    json_integer_value(json_object_get(node, "seen"));
		f->reg_dirty = 1;
		if (registry_missed(&f->reg, r->identity, now,
			f->conf.forget_misses, f->conf.forget_after_ms) == 1)
			fprintf(stderr,
			    "metactl: %s left the node registry: silent for "
			    "%ld discoveries in a row\n",
			    r->identity, f->conf.forget_misses);
	}
}

/* After a refresh: the registry is whole again when every node answered;
 * --refresh says what changed. */
static void
finish_refresh(struct fleet *f, struct results *target)
{
	const char *id;
	json_t *v;

	if (f->inv_id[0] == '\0')
		return;
	/* A refresh that heard no node proves nothing: the fleet may be
	 * empty, or too slow for the window. */
	if (json_object_size(f->inv_pending) == 0 && f->inv_refused == 0 &&
	    json_object_size(f->inv_seen) > 0)
		registry_set_refreshed(&f->reg, f->collective, f->start_ms);
	f->reg_dirty = 1;
	if (!f->o.refresh)
		return;
	json_object_foreach(f->inv_new, id, v)
	    fprintf(stderr, "metactl: refresh: new node %s\n", id);
	json_object_foreach(f->inv_pending, id, v)
	{
		fprintf(stderr, "metactl: refresh: %s did not answer\n", id);
		if (results_find(target, id, 1u << RES_MISSING) == NULL &&
		    registry_missed(&f->reg, id, message_now_ms(),
			f->conf.forget_misses, f->conf.forget_after_ms) == 1)
			fprintf(
			    stderr, "metactl: %s left the node registry\n", id);
	}
}

static const char *
end_rule(const struct fleet *f, enum collect_end e)
{
	if (f->o.nodes != NULL)
		return "nodes from --nodes";
	switch (e) {
	case COLLECT_ALL:
		return "every expected node answered";
	case COLLECT_QUIET:
		return "quiet interval";
	case COLLECT_LOCAL:
		return "the local agent";
	case COLLECT_INTERRUPTED:
		return "interrupted";
	default:
		return "window";
	}
}

/* Sends the ping (and the refresh) and collects into target. */
static int
discover_wait(struct fleet *f, struct results *target,
    const struct strv *expected, struct error *err)
{
	struct disc_ctx ctx = {f, target == &f->rs && f->o.format == OUT_JSONL};
	struct quiet_rule rule = {
	    f->conf.discovery_quiet_ms, f->discovery_ms, 0, 0};
	struct collector col = {0};
	struct request *req;
	struct quiet q;
	int64_t sent, left;
	int r;

	if ((req = fleet_request(f, "rpcutil", "ping", NULL)) == NULL) {
		error_set(err, 0, 0, "out of memory");
		return -1;
	}
	json_decref(f->discovery);
	f->discovery = fleet_request_json(req);
	json_decref(f->disc_ids);
	if ((f->disc_ids = json_object()) == NULL) {
		error_set(err, 0, 0, "out of memory");
		request_free(req);
		return -1;
	}
	col.link = f->link;
	col.rs = target;
	col.progress = f->col.progress;
	col.on_result = on_disc_result;
	col.arg = &ctx;
	col.on_other = fleet_on_other;
	col.other_pending = inventory_pending;
	col.other_arg = f;
	col.whole = f->o.no_cache && f->o.nodes == NULL;
	sent = message_now_ms();
	if (expected->n == 0 && rule.floor_ms > 0 && !col.whole) {
		quiet_start(&q, &rule, sent);
		col.quiet = &q;
	}
	r = fleet_send_each(f, req, f->o.nodes != NULL ? expected->v : NULL,
	    expected->n, f->disc_ids, err);
	/* The window opens when the last part has left. */
	left = message_now_ms();
	if (r == 0 && refresh_due(f))
		r = start_refresh(f, err);
	if (r == 0)
		r = collect_wait_all(&col, f->disc_ids, sent, expected,
		    left +
			(f->o.nodes != NULL ? f->timeout_ms : f->discovery_ms),
		    err);
	f->discovery_end = end_rule(f, col.ended);
	target->elapsed_ms = message_now_ms() - sent;
	target->addressed = expected->n;
	/* Invalid replies are one per identity across the run. */
	json_decref(f->col.invalid_ids);
	f->col.invalid_ids = json_incref(col.invalid_ids);
	collector_clear(&col);
	request_free(req);
	return r;
}

/*
 * Most of the expected set silent: said once on stderr with the broker
 * used, because the likeliest cause is a split fleet (the nodes connected
 * to brokers that are neither clustered nor federated with this one),
 * which no reply can reveal.
 */
static void
warn_split(const struct fleet *f, const struct results *target, size_t nexp)
{
	size_t silent = results_count(target, RES_MISSING);

	if (nexp < 2 || silent * 2 <= nexp)
		return;
	cli_errx("warning: %zu of %zu expected nodes did not answer through "
		 "broker %s; if the brokers the nodes use are not one "
		 "cluster (or federated) with it, the fleet is split (see "
		 "BROKERS in metactl(1))",
	    silent, nexp, link_url(f->link));
}

int
fleet_discover(struct fleet *f, struct strv *nodes, struct results *rs)
{
	struct results *target = rs != NULL ? rs : &f->disc;
	struct strv expected = STRV_INIT;
	struct error err;
	size_t i;
	int r, warm;

	if ((r = expected_set(f, &expected)) != 0)
		return r;
	warm = !link_is_local(f->link) && !f->o.no_cache &&
	    f->o.nodes == NULL && registry_count(&f->reg, f->collective) > 0;
	if ((r = discover_wait(f, target, &expected, &err)) == 0 && warm)
		r = confirm_silent(f, target, &err);
	f->disc_done = 1;
	if (r < 0) {
		r = fleet_link_failed(&err);
		goto out;
	}
	if (!link_is_local(f->link)) {
		fleet_account(f, target);
		finish_refresh(f, target);
		fleet_save_registry(f);
		warn_split(f, target, expected.n);
	}
	for (i = 0; i < target->n; i++)
		if (target->v[i].kind == RES_OK ||
		    target->v[i].kind == RES_FAILED)
			strv_push(nodes, target->v[i].identity);
	strv_sort_uniq(nodes);
	if (f->o.verbose)
		fprintf(stderr,
		    "metactl: discovery: %zu node%s in %lld ms, %s\n", nodes->n,
		    nodes->n == 1 ? "" : "s", (long long)target->elapsed_ms,
		    f->discovery_end);
out:
	strv_clear(&expected);
	return r;
}
