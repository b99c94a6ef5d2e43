/* rollstate.c: the state document of rollout.h, its file and counts. */
#include "buildconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "message.h"
#include "orchestrator/cli.h"
#include "orchestrator/rollout.h"
#include "orchestrator/savefile.h"

/* A state file is small: a line per node at most. */
#define STATE_MAX (64 * 1024 * 1024)

static json_t *
make_batches(const struct strv *nodes, size_t bs, size_t canary)
{
	json_t *all = json_array(), *b = NULL;
	size_t i, in = 0, size = canary > 0 ? canary : bs;

	for (i = 0; all != NULL && i < nodes->n; i++) {
		if (b == NULL) {
			b = json_array();
			json_array_append_new(all, b);
			in = 0;
		}
		json_array_append_new(b, json_string(nodes->v[i]));
		if (++in == size) {
			b = NULL;
			size = bs;
		}
	}
	return all;
}

json_t *
rollout_state_new(const char *kind, const char *collective, const char *agent,
    const char *action, json_t *data, const char *inverse,
    const struct strv *nodes, const struct count_spec *batch, long canary,
    const struct count_spec *max_failures, long batch_sleep_ms)
{
	size_t bs = count_spec_apply(batch, nodes->n);
	size_t mf =
	    max_failures->n > 0 ? count_spec_apply(max_failures, nodes->n) : 0;
	int64_t now = message_now_ms();

	if (bs == 0)
		bs = 1;
	return json_pack("{s:i,s:s,s:s,s:s,s:s,s:o,s:s?,s:I,s:I,s:I,s:I,"
			 "s:o,s:{},s:s,s:s,s:I,s:I}",
	    "version", ROLLOUT_VERSION, "kind", kind, "collective", collective,
	    "agent", agent, "action", action, "data",
	    data != NULL ? data : json_object(), "inverse", inverse,
	    "batch_size", (json_int_t)bs, "canary", (json_int_t)canary,
	    "max_failures", (json_int_t)mf, "batch_sleep_ms",
	    (json_int_t)batch_sleep_ms, "batches",
	    make_batches(nodes, bs, canary > 0 ? (size_t)canary : 0), "nodes",
	    "status", "running", "reason", "", "started", (json_int_t)now,
	    "updated", (json_int_t)now);
}

/* The checks a loaded state must pass before it drives requests. */
static const char *
state_problem(const json_t *st)
{
	const json_t *b, *id;
	size_t i, j;

	if (json_integer_value(json_object_get(st, "version")) !=
	    ROLLOUT_VERSION)
		return "not a rollout state of version 1";
	if (!json_is_string(json_object_get(st, "agent")) ||
	    !json_is_string(json_object_get(st, "action")) ||
	    !json_is_string(json_object_get(st, "collective")) ||
	    !json_is_string(json_object_get(st, "kind")) ||
	    !json_is_object(json_object_get(st, "data")) ||
	    !json_is_object(json_object_get(st, "nodes")) ||
	    !json_is_array(json_object_get(st, "batches")))
		return "agent, action, collective, kind, data, nodes or "
		       "batches missing";
	json_array_foreach(json_object_get(st, "batches"), i, b)
	{
		if (!json_is_array(b) || json_array_size(b) == 0)
			return "a batch is not a list of identities";
		json_array_foreach(b, j, id)
		{
			if (!json_is_string(id) ||
			    !message_identity_ok(json_string_value(id)))
				return "a batch names an invalid identity";
		}
	}
	return NULL;
}

int
rollout_state_load(const char *path, json_t **ret)
{
	json_error_t jerr;
	struct error err;
	const char *why;
	char *buf = NULL;
	size_t len;
	int r;

	error_init(&err, path);
	if ((r = file_read(path, 0, STATE_MAX, &buf, &len, &err)) < 0) {
		cli_errx("%s: %s", path,
		    err.text[0] != '\0' ? err.text : error_str(r));
		return -1;
	}
	*ret = json_loadb(buf, len, 0, &jerr);
	free(buf);
	if (*ret == NULL) {
		cli_errx(
		    "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return -1;
	}
	if ((why = state_problem(*ret)) != NULL) {
		cli_errx("%s: %s", path, why);
		json_decref(*ret);
		*ret = NULL;
		return -1;
	}
	return 0;
}

int
rollout_save(struct rollout *r)
{
	int e;

	json_object_set_new(
	    r->st, "updated", json_integer((json_int_t)message_now_ms()));
	if ((e = savefile_json(r->path, r->st, 0)) < 0) {
		cli_errx("cannot write the state file %s: %s", r->path,
		    error_str(e));
		return -1;
	}
	return 0;
}

size_t
rollout_count(const json_t *st, const char *state)
{
	const char *id;
	json_t *n;
	size_t c = 0;

	json_object_foreach(json_object_get(st, "nodes"), id, n)
	{
		const char *s = json_string_value(json_object_get(n, "state"));

		if (state == NULL || (s != NULL && strcmp(s, state) == 0))
			c++;
	}
	return c;
}

const char *
rollout_node_state(const json_t *st, const char *id)
{
	return json_string_value(json_object_get(
	    json_object_get(json_object_get(st, "nodes"), id), "state"));
}

int
rollout_exit_status(const json_t *st)
{
	const char *s = json_string_value(json_object_get(st, "status"));

	if (s != NULL && strcmp(s, "interrupted") == 0)
		return MC_EXIT_INTERRUPTED;
	if (s != NULL && strcmp(s, "rolled back") == 0)
		return rollout_count(st, "revert_failed") > 0 ? MC_EXIT_FAILED
							      : MC_EXIT_OK;
	if (rollout_count(st, "failed") > 0 ||
	    rollout_count(st, "revert_failed") > 0)
		return MC_EXIT_FAILED;
	if (rollout_count(st, "silent") > 0)
		return MC_EXIT_MISSING;
	if (s != NULL && strcmp(s, "stopped") == 0)
		return MC_EXIT_FAILED;
	return MC_EXIT_OK;
}

void
rollout_clear(struct rollout *r)
{
	json_decref(r->st);
	free(r->path);
	strv_clear(&r->batch);
	memset(r, 0, sizeof(*r));
}
