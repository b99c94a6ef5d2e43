/* external.c: see external.h and docs/EXTERNAL-AGENTS.md. */
#include "buildconf.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddl.h"
#include "error.h"
#include "message.h"
#include "plugins/external.h"
#include "plugins/plugin.h"

struct external_agent {
	char *path;
	const struct ddl *ddl;
	struct plugin_action *actions; /* one per DDL action */
	size_t nactions;
};

/* What one run keeps until its spawn callback: the spawn may read both. */
struct run_state {
	const struct external_agent *agent;
	char *request;
	const char *argv[3];
};

int
external_agent_new(
    const char *path, const struct ddl *ddl, struct external_agent **ret)
{
	struct external_agent *e;
	size_t i;

	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	e->path = strdup(path);
	e->actions = calloc(ddl->nactions + 1, sizeof(*e->actions));
	if (e->path == NULL || e->actions == NULL) {
		external_agent_free(e);
		return -ENOMEM;
	}
	e->ddl = ddl;
	e->nactions = ddl->nactions;
	for (i = 0; i < ddl->nactions; i++) {
		e->actions[i].name = ddl->actions[i].name;
		e->actions[i].run = external_run;
	}
	*ret = e;
	return 0;
}

void
external_agent_free(struct external_agent *e)
{
	if (e == NULL)
		return;
	free(e->path);
	free(e->actions);
	free(e);
}

const struct plugin_action *
external_agent_action(const struct external_agent *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->nactions; i++)
		if (strcmp(e->actions[i].name, name) == 0)
			return &e->actions[i];
	return NULL;
}

/* Completes with STATUS_UNKNOWN_ERROR and "external agent A: ACTION: ...". */
static void __attribute__((format(printf, 3, 4))) fail(struct action_ctx *ctx,
    const struct external_agent *e, const char *fmt, ...)
{
	char why[384], msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "external agent %s: %s: %s", e->ddl->agent,
	    action_name(ctx), why);
	action_done(ctx, STATUS_UNKNOWN_ERROR, msg, NULL);
}

/*
 * Turns the output document into status, message and data; on failure
 * returns -1 with why filled.
 */
static int
decode_reply(const struct spawn_result *r, int *ret_status,
    const char **ret_msg, json_t **ret_data, json_t **ret_doc, char *why,
    size_t size)
{
	struct error err;
	json_t *doc, *code, *msg, *data;
	char where[sizeof(err.text) + 64];

	if (r->out_len == 0) {
		snprintf(why, size, "printed nothing on stdout");
		return -1;
	}
	/* The same limits as any message: depth, UTF-8, no NUL byte. */
	error_init(&err, "stdout");
	doc = message_parse_json(r->out, r->out_len, &err);
	if (doc == NULL) {
		snprintf(
		    why, size, "%s", error_format(&err, where, sizeof(where)));
		return -1;
	}
	code = json_object_get(doc, "statuscode");
	msg = json_object_get(doc, "statusmsg");
	data = json_object_get(doc, "data");
	if (!json_is_object(doc))
		snprintf(why, size, "output is not a JSON object");
	else if (!json_is_integer(code) || json_integer_value(code) < 0 ||
	    json_integer_value(code) > STATUS_UNKNOWN_ERROR)
		snprintf(why, size, "output has no statuscode from 0 to 5");
	else if (msg != NULL && !json_is_string(msg))
		snprintf(why, size, "output statusmsg is not a string");
	else if (data != NULL && !json_is_object(data))
		snprintf(why, size, "output data is not an object");
	else {
		*ret_status = (int)json_integer_value(code);
		*ret_msg = json_string_value(msg);
		*ret_data = data != NULL ? json_incref(data) : json_object();
		*ret_doc = doc;
		return 0;
	}
	json_decref(doc);
	return -1;
}

static void
run_done(struct action_ctx *ctx, const struct spawn_result *r, void *arg)
{
	struct run_state *run = arg;
	const struct external_agent *e = run->agent;
	const char *msg;
	json_t *data, *doc;
	char why[256], line[160];
	int status;

	free(run->request);
	free(run);
	if (action_dry_run(ctx) && r->out_len == 0) {
		action_done(ctx, STATUS_OK, "dry run: not started", NULL);
		return;
	}
	if (r->timed_out && e->ddl->timeout > 0) {
		fail(ctx, e, "timed out after %d s and was killed",
		    e->ddl->timeout);
		return;
	}
	if (r->timed_out) {
		fail(ctx, e, "timed out and was killed");
		return;
	}
	spawn_result_errline(r, line, sizeof(line));
	if (r->term_signal != 0) {
		fail(ctx, e, "killed by signal %d%s%s", r->term_signal,
		    line[0] != '\0' ? ": " : "", line);
		return;
	}
	if (r->exit_status != 0) {
		fail(ctx, e, "exited with status %d%s%s", r->exit_status,
		    line[0] != '\0' ? ": " : "", line);
		return;
	}
	if (r->out_truncated || r->out_len > EXTERNAL_OUTPUT_MAX) {
		fail(ctx, e, "output exceeds %d bytes", EXTERNAL_OUTPUT_MAX);
		return;
	}
	if (decode_reply(r, &status, &msg, &data, &doc, why, sizeof(why)) < 0) {
		fail(ctx, e, "%s", why);
		return;
	}
	if (msg == NULL)
		msg = status == STATUS_OK ? "OK" : "failed";
	/* msg lives in doc: done copies it before doc goes. */
	action_done(ctx, status, msg, data);
	json_decref(doc);
}

void
external_run(struct action_ctx *ctx, const json_t *input)
{
	const struct external_agent *e = action_plugin_data(ctx);
	const struct node_info *node = action_node(ctx);
	struct spawn_options o = {0};
	struct run_state *run;
	json_t *req;
	int rc;

	if (e == NULL) {
		action_done(ctx, STATUS_UNKNOWN_ERROR,
		    "external agent: no agent attached to the action", NULL);
		return;
	}
	run = calloc(1, sizeof(*run));
	req = json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:s?,s:b,s:O?}", "protocol",
	    EXTERNAL_PROTOCOL, "agent", e->ddl->agent, "action",
	    action_name(ctx), "request_id", action_request_id(ctx), "caller",
	    action_caller(ctx), "identity",
	    node != NULL ? node->identity : NULL, "dry_run",
	    action_dry_run(ctx) != 0, "data", input);
	if (req != NULL && !json_is_object(json_object_get(req, "data")))
		json_object_set_new(req, "data", json_object());
	if (run == NULL || req == NULL ||
	    (run->request = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS)) ==
		NULL) {
		json_decref(req);
		free(run);
		fail(ctx, e, "cannot build the request: %s", strerror(ENOMEM));
		return;
	}
	json_decref(req);
	run->agent = e;
	run->argv[0] = e->path;
	run->argv[1] = action_name(ctx);
	run->argv[2] = NULL;
	o.argv = run->argv;
	o.input = run->request;
	o.input_len = strlen(run->request);
	if (e->ddl->timeout > 0)
		o.timeout_ms = e->ddl->timeout < INT_MAX / 1000
		    ? e->ddl->timeout * 1000
		    : INT_MAX;
	rc = action_spawn(ctx, &o, run_done, run);
	if (rc < 0) {
		free(run->request);
		free(run);
		fail(ctx, e, "cannot start %s: %s", e->path, error_str(rc));
	}
}
