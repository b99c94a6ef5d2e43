/*
 * rollout.c: the batches of a rollout and the decision after each (see
 * rollout.h); the reverting of a rollout's nodes.
 */
#include "buildconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "message.h"
#include "orchestrator/cli.h"
#include "orchestrator/rollout.h"

static int
is_deploy(const struct rollout *r)
{
	return strcmp(json_string_value(json_object_get(r->st, "kind")),
		   "deploy") == 0;
}

static const char *
st_str(const struct rollout *r, const char *key)
{
	return json_string_value(json_object_get(r->st, key));
}

static json_int_t
st_int(const struct rollout *r, const char *key)
{
	return json_integer_value(json_object_get(r->st, key));
}

static json_t *
node_entry(struct rollout *r, const char *id)
{
	json_t *nodes = json_object_get(r->st, "nodes");
	json_t *n = json_object_get(nodes, id);

	if (n == NULL) {
		n = json_object();
		json_object_set_new(nodes, id, n);
	}
	return n;
}

static void
node_set(struct rollout *r, const char *id, const char *state)
{
	json_t *n = node_entry(r, id);

	json_object_set_new(n, "state", json_string(state));
	json_object_set_new(n, "batch", json_integer((json_int_t)r->k + 1));
	json_object_set_new(
	    n, "at", json_integer((json_int_t)message_now_ms()));
}

/* --jsonl: one event line. */
static void
emit(const struct rollout *r, json_t *ev)
{
	if (r->f->o.format == OUT_JSONL && ev != NULL) {
		json_dumpf(ev, stdout, JSON_COMPACT | JSON_SORT_KEYS);
		putchar('\n');
		fflush(stdout);
	}
	json_decref(ev);
}

static void
draw_progress(struct rollout *r)
{
	size_t nb = json_array_size(json_object_get(r->st, "batches"));
	size_t total = 0, done, i;
	int64_t el = message_now_ms() - r->t0;
	char buf[160], eta[32] = "?";

	if (r->f->col.progress == NULL && !r->f->progress.drawn &&
	    !progress_wanted(
		stderr, r->f->o.progress && r->f->o.format == OUT_HUMAN))
		return;
	for (i = 0; i < nb; i++)
		total += json_array_size(
		    json_array_get(json_object_get(r->st, "batches"), i));
	done = rollout_count(r->st, "ok") + rollout_count(r->st, "failed") +
	    rollout_count(r->st, "silent");
	if (done > r->done_before && done < total)
		snprintf(eta, sizeof(eta), "%.0fs",
		    (double)el * (double)(total - done) /
			(double)(done - r->done_before) / 1000.0);
	snprintf(buf, sizeof(buf),
	    "batch %zu of %zu: %zu/%zu done, %zu failed, %zu silent, "
	    "%.0fs elapsed, ETA %s",
	    r->k + 1, nb, done, total, rollout_count(r->st, "failed"),
	    rollout_count(r->st, "silent"), (double)el / 1000.0, eta);
	progress_text(&r->f->progress, buf);
}

/* Whether a deploy's reply says the node runs the new release. */
static int
deploy_healthy(const struct rollout *r, const json_t *data)
{
	const char *tag = json_string_value(
	    json_object_get(json_object_get(r->st, "data"), "tag"));
	const char *cur = json_string_value(json_object_get(data, "current"));

	return tag != NULL && cur != NULL && strcmp(tag, cur) == 0 &&
	    !json_is_true(json_object_get(data, "rolled_back"));
}

static const char *
result_state(const struct rollout *r, const struct result *x)
{
	if (r->reverting)
		return x->kind == RES_OK ? "reverted" : "revert_failed";
	switch (x->kind) {
	case RES_OK:
		/* A dry run deploys nothing: its plan is the result. */
		if (is_deploy(r) &&
		    !json_is_true(json_object_get(r->st, "dry_run")) &&
		    strcmp(st_str(r, "action"), "deploy") == 0 &&
		    !deploy_healthy(r, x->data))
			return "failed";
		return "ok";
	case RES_MISSING:
	case RES_LATE:
		return "silent";
	default:
		return "failed";
	}
}

/* struct collector's on_result: a node of the batch has its result. */
static void
on_result(void *arg, const struct result *x)
{
	struct rollout *r = arg;
	const char *state;
	json_t *n;

	if (!strv_contains(&r->batch, x->identity) ||
	    x->kind == RES_UNADDRESSED)
		return;
	/* An interrupted wait leaves the silent nodes in flight: a resume
	 * re-checks them. */
	if (x->kind == RES_MISSING && cli_interrupted)
		return;
	state = result_state(r, x);
	node_set(r, x->identity, state);
	n = node_entry(r, x->identity);
	json_object_set_new(n, "statuscode", json_integer(x->statuscode));
	json_object_set_new(n, "statusmsg",
	    json_string(x->statusmsg != NULL
		    ? x->statusmsg
		    : (x->why != NULL ? x->why : "no reply")));
	if (is_deploy(r) && x->data != NULL) {
		static const char *const keys[] = {
		    "previous", "current", "rolled_back", NULL};

		for (size_t i = 0; keys[i] != NULL; i++) {
			json_t *v = json_object_get(x->data, keys[i]);

			if (v != NULL)
				json_object_set(n, keys[i], v);
		}
	}
	rollout_save(r);
	emit(r,
	    json_pack("{s:s,s:s,s:s,s:I,s:O}", "type", "node", "identity",
		x->identity, "state", state, "batch", (json_int_t)r->k + 1,
		"result", n));
	draw_progress(r);
}

/* The nodes of batch k that still need a request. */
static int
pending(struct rollout *r, size_t k, struct strv *ret)
{
	json_t *b = json_array_get(json_object_get(r->st, "batches"), k);
	json_t *id;
	size_t i;

	json_array_foreach(b, i, id)
	{
		const char *s =
		    rollout_node_state(r->st, json_string_value(id));

		if ((s == NULL || strcmp(s, "in_flight") == 0) &&
		    strv_push(ret, json_string_value(id)) < 0)
			return -1;
	}
	return 0;
}

/* Sends req to r->batch, its nodes in flight first; 0 or an exit status. */
static int
send_batch(struct rollout *r, struct request *req)
{
	struct fleet *f = r->f;
	size_t i;

	for (i = 0; i < r->batch.n; i++)
		node_set(
		    r, r->batch.v[i], r->reverting ? "reverting" : "in_flight");
	if (rollout_save(r) < 0)
		return MC_EXIT_USAGE;
	message_new_id(req->id);
	req->time_ms = message_now_ms();
	return fleet_call(f, req, r->batch.v, r->batch.n, &r->batch);
}

/* How long a resumed deploy waits between two deploy.status queries
 * while a node is still busy with the deploy the killed run sent. */
#define RECHECK_PAUSE_MS 1000

/* Asks deploy.status of ask; sorts each node into ok (marked so), busy or
 * again. 0 or an exit status. */
static int
ask_status(
    struct rollout *r, struct strv *ask, struct strv *busy, struct strv *again)
{
	struct fleet *f = r->f;
	struct request *req = fleet_request(f, "deploy", "status",
	    json_pack("{s:O}", "app",
		json_object_get(json_object_get(r->st, "data"), "app")));
	size_t i;
	int ret;

	if (req == NULL)
		return MC_EXIT_USAGE;
	results_clear(&f->rs);
	f->col.on_result = NULL;
	ret = fleet_call(f, req, ask->v, ask->n, ask);
	f->col.on_result = on_result;
	request_free(req);
	for (i = 0; ret == 0 && i < ask->n; i++) {
		struct result *x =
		    results_find(&f->rs, ask->v[i], 1u << RES_OK);
		json_t *n;

		if (x != NULL &&
		    !json_is_null(json_object_get(x->data, "busy")))
			strv_push(busy, ask->v[i]);
		else if (x == NULL || !deploy_healthy(r, x->data))
			strv_push(again, ask->v[i]);
		else {
			node_set(r, ask->v[i], "ok");
			n = node_entry(r, ask->v[i]);
			json_object_set(
			    n, "current", json_object_get(x->data, "current"));
			json_object_set(n, "previous",
			    json_object_get(x->data, "previous"));
			json_object_set_new(
			    n, "statusmsg", json_string("already on the tag"));
		}
	}
	results_clear(&f->rs);
	return ret;
}

/*
 * A deploy resumed: a node left in flight may still be deploying (the
 * agent goes on without the caller) or be done. Its deploy.status says:
 * busy, asked again after a pause (until the timeout); on the tag, done
 * and not deployed again; otherwise it is sent the deploy with the rest
 * of the batch. nodes keeps the nodes to send to.
 */
static int
recheck_deploys(struct rollout *r, struct strv *nodes)
{
	struct strv ask = STRV_INIT, busy = STRV_INIT, send = STRV_INIT;
	int64_t end = message_now_ms() + r->f->timeout_ms, now;
	struct error err;
	size_t i;
	int ret = 0;

	for (i = 0; i < nodes->n; i++) {
		const char *s = rollout_node_state(r->st, nodes->v[i]);

		strv_push(s != NULL ? &ask : &send, nodes->v[i]);
	}
	while (ret == 0 && ask.n > 0 && !cli_interrupted) {
		if ((ret = ask_status(r, &ask, &busy, &send)) != 0)
			break;
		strv_clear(&ask);
		now = message_now_ms();
		if (busy.n == 0 || now >= end) {
			for (i = 0; i < busy.n; i++)
				strv_push(&send, busy.v[i]);
			break;
		}
		if (collect_wait(&r->f->col, NULL, NULL, now, NULL,
			now + RECHECK_PAUSE_MS, &err) < 0)
			ret = fleet_link_failed(&err);
		ask = busy;
		busy = (struct strv)STRV_INIT;
	}
	strv_clear(&ask);
	strv_clear(&busy);
	strv_clear(nodes);
	*nodes = send;
	return ret != 0 ? ret : (rollout_save(r) < 0 ? MC_EXIT_USAGE : 0);
}

/* --pause: 1 to go on, 0 to stop (the answer, or no terminal). */
static int
ask(struct rollout *r, size_t nb)
{
	char line[32];
	FILE *tty = fopen("/dev/tty", "r+e");
	int go;

	if (tty == NULL)
		return 0;
	progress_done(&r->f->progress);
	fprintf(tty, "run batch %zu of %zu (%zu node%s)? [y/N] ", r->k + 1, nb,
	    r->batch.n, r->batch.n == 1 ? "" : "s");
	fflush(tty);
	go = fgets(line, sizeof(line), tty) != NULL &&
	    (line[0] == 'y' || line[0] == 'Y');
	fclose(tty);
	return go;
}

/* After batch k: a reason to stop, or NULL to go on. */
static const char *
decide(struct rollout *r, char *buf, size_t size)
{
	json_t *b = json_array_get(json_object_get(r->st, "batches"), r->k);
	size_t bad =
	    rollout_count(r->st, "failed") + rollout_count(r->st, "silent");
	size_t i, good = 0;
	json_t *id;

	json_array_foreach(b, i, id)
	{
		const char *s =
		    rollout_node_state(r->st, json_string_value(id));

		good += s != NULL && strcmp(s, "ok") == 0;
	}
	if (r->k == 0 && st_int(r, "canary") > 0 && good < json_array_size(b)) {
		snprintf(buf, size, "the canary batch did not all succeed");
		return buf;
	}
	if (bad > (size_t)st_int(r, "max_failures")) {
		snprintf(buf, size,
		    "%zu node%s failed or stayed silent (--max-failures %lld)",
		    bad, bad == 1 ? "" : "s",
		    (long long)st_int(r, "max_failures"));
		return buf;
	}
	return NULL;
}

static void
set_status(struct rollout *r, const char *status, const char *reason)
{
	json_object_set_new(r->st, "status", json_string(status));
	json_object_set_new(r->st, "reason", json_string(reason));
	rollout_save(r);
}

/* Waits --batch-sleep, reading late replies; 0 or an exit status. */
static int
batch_sleep(struct rollout *r)
{
	struct error err;
	int64_t now = message_now_ms();

	if (st_int(r, "batch_sleep_ms") <= 0)
		return 0;
	if (collect_wait(&r->f->col, NULL, NULL, now, NULL,
		now + st_int(r, "batch_sleep_ms"), &err) < 0)
		return fleet_link_failed(&err);
	return 0;
}

/* One batch: pause, re-check, send, decide. 1 to stop, 0 to go on, or
 * an exit status (negated). */
static int
one_batch(struct rollout *r, struct request *req, size_t nb, int *sent)
{
	char why[160];
	const char *stop;
	int ret;

	strv_clear(&r->batch);
	if (pending(r, r->k, &r->batch) < 0)
		return -MC_EXIT_USAGE;
	if (r->batch.n > 0) {
		if (*sent && (ret = batch_sleep(r)) != 0)
			return -ret;
		if (r->pause && !cli_interrupted && !ask(r, nb)) {
			set_status(r, "interrupted", "not confirmed");
			return 1;
		}
		if (is_deploy(r) && (ret = recheck_deploys(r, &r->batch)) != 0)
			return -ret;
		if (r->batch.n > 0 && !cli_interrupted &&
		    (ret = send_batch(r, req)) != 0)
			return -ret;
		*sent = 1;
	}
	if (cli_interrupted) {
		set_status(r, "interrupted", "interrupted");
		return 1;
	}
	stop = decide(r, why, sizeof(why));
	emit(r,
	    json_pack("{s:s,s:I,s:I,s:s,s:s?}", "type", "batch", "batch",
		(json_int_t)r->k + 1, "of", (json_int_t)nb, "decision",
		stop != NULL        ? "stop"
		    : r->k + 1 < nb ? "next"
				    : "done",
		"reason", stop));
	if (stop != NULL) {
		set_status(r, "stopped", stop);
		return 1;
	}
	return 0;
}

int
rollout_run(struct rollout *r, struct request *req)
{
	struct fleet *f = r->f;
	size_t nb = json_array_size(json_object_get(r->st, "batches"));
	int sent = 0, ret = 0;

	r->t0 = message_now_ms();
	r->done_before = rollout_count(r->st, NULL);
	f->col.on_result = on_result;
	f->col.arg = r;
	f->col.progress = NULL;
	set_status(r, "running", "");
	for (r->k = 0; r->k < nb; r->k++)
		if ((ret = one_batch(r, req, nb, &sent)) != 0)
			break;
	progress_done(&f->progress);
	if (ret < 0)
		return -ret;
	if (ret == 0)
		set_status(r, "complete", "");
	return rollout_exit_status(r->st);
}

/*
 * The nodes of batch k to revert, with the data of their request: a
 * deploy goes back to the release each node left (one request per
 * release), another action runs its inverse with the rollout's data.
 */
static int
revert_targets(struct rollout *r, size_t k, json_t *groups)
{
	json_t *b = json_array_get(json_object_get(r->st, "batches"), k);
	json_t *id, *n, *g;
	size_t i;

	json_array_foreach(b, i, id)
	{
		const char *s =
		    rollout_node_state(r->st, json_string_value(id));
		const char *key = "";

		n = json_object_get(
		    json_object_get(r->st, "nodes"), json_string_value(id));
		if (s == NULL || strcmp(s, "reverted") == 0)
			continue;
		if (is_deploy(r)) {
			const char *prev =
			    json_string_value(json_object_get(n, "previous"));

			/* Only a node known to run the new release moves. */
			if (!deploy_healthy(r, n) || prev == NULL)
				continue;
			key = prev;
		}
		if ((g = json_object_get(groups, key)) == NULL) {
			g = json_array();
			json_object_set_new(groups, key, g);
		}
		json_array_append(g, id);
	}
	return 0;
}

/* The revert request for one group (key: a deploy's release). */
static struct request *
revert_request(struct rollout *r, const char *key)
{
	json_t *data;

	if (is_deploy(r)) {
		data = json_pack("{s:O,s:s}", "app",
		    json_object_get(json_object_get(r->st, "data"), "app"),
		    "to", key);
		return fleet_request(r->f, "deploy", "rollback", data);
	}
	data = json_deep_copy(json_object_get(r->st, "data"));
	return fleet_request(
	    r->f, st_str(r, "agent"), st_str(r, "inverse"), data);
}

static int
revert_batch(struct rollout *r)
{
	json_t *groups = json_object(), *g;
	const char *key;
	size_t i;
	int ret = 0;

	revert_targets(r, r->k, groups);
	json_object_foreach(groups, key, g)
	{
		struct request *req = revert_request(r, key);
		json_t *id;

		strv_clear(&r->batch);
		json_array_foreach(g, i, id)
		    strv_push(&r->batch, json_string_value(id));
		if (req == NULL || (ret = send_batch(r, req)) != 0 ||
		    cli_interrupted) {
			request_free(req);
			break;
		}
		request_free(req);
	}
	json_decref(groups);
	return ret;
}

int
rollout_revert(struct rollout *r)
{
	struct fleet *f = r->f;
	size_t nb = json_array_size(json_object_get(r->st, "batches"));
	int ret = 0;

	if (!is_deploy(r) && st_str(r, "inverse") == NULL) {
		cli_errx(
		    "%s.%s declares no inverse action: nothing can undo it",
		    st_str(r, "agent"), st_str(r, "action"));
		return MC_EXIT_USAGE;
	}
	r->reverting = 1;
	r->t0 = message_now_ms();
	f->col.on_result = on_result;
	f->col.arg = r;
	f->col.progress = NULL;
	for (r->k = 0; r->k < nb && ret == 0 && !cli_interrupted; r->k++)
		ret = revert_batch(r);
	progress_done(&f->progress);
	if (ret != 0)
		return ret;
	set_status(r, cli_interrupted ? "interrupted" : "rolled back", "");
	return rollout_exit_status(r->st);
}
