/* rollprint.c: the report of a rollout (rollout_print() of rollout.h). */
#include "buildconf.h"

#include <stdio.h>
#include <string.h>

#include "orchestrator/cli.h"
#include "orchestrator/rollout.h"

static const char *const states[] = {"ok", "failed", "silent", "in_flight",
    "reverting", "reverted", "revert_failed", NULL};

/* {"ok":N, ..., "untouched":N, "total":N}; new reference. */
static json_t *
summary(const json_t *st)
{
	json_t *s = json_object(), *b;
	size_t i, total = 0;

	json_array_foreach(json_object_get(st, "batches"), i, b) total +=
	    json_array_size(b);
	for (i = 0; states[i] != NULL; i++)
		json_object_set_new(s, states[i],
		    json_integer((json_int_t)rollout_count(st, states[i])));
	json_object_set_new(s, "untouched",
	    json_integer((json_int_t)(total - rollout_count(st, NULL))));
	json_object_set_new(s, "total", json_integer((json_int_t)total));
	return s;
}

/* What a node's entry says, in a few words. */
static void
detail(char *buf, size_t size, const json_t *n, int deploy)
{
	const char *msg = json_string_value(json_object_get(n, "statusmsg"));
	const char *cur = json_string_value(json_object_get(n, "current"));
	const char *prev = json_string_value(json_object_get(n, "previous"));

	if (n == NULL) {
		snprintf(buf, size, "never touched");
		return;
	}
	if (deploy && cur != NULL)
		snprintf(buf, size, "%s; on %s (was %s)%s", msg ? msg : "", cur,
		    prev ? prev : "none",
		    json_is_true(json_object_get(n, "rolled_back"))
			? ", rolled back by the agent"
			: "");
	else
		snprintf(buf, size, "%s", msg ? msg : "");
}

static void
print_human(const struct rollout *r)
{
	const json_t *st = r->st, *nodes = json_object_get(st, "nodes");
	int deploy = strcmp(json_string_value(json_object_get(st, "kind")),
			 "deploy") == 0;
	json_t *b, *id, *sum = summary(st);
	const char *reason = json_string_value(json_object_get(st, "reason"));
	char *data = json_dumps(
	    json_object_get(st, "data"), JSON_COMPACT | JSON_SORT_KEYS);
	char det[512];
	size_t i, j;

	printf("rollout of %s.%s %s: %s%s%s\n",
	    json_string_value(json_object_get(st, "agent")),
	    json_string_value(json_object_get(st, "action")),
	    data != NULL ? data : "{}",
	    json_string_value(json_object_get(st, "status")),
	    reason != NULL && reason[0] != '\0' ? ": " : "",
	    reason != NULL ? reason : "");
	free(data);
	printf("%-24s %-13s %-5s %s\n", "NODE", "STATE", "BATCH", "RESULT");
	json_array_foreach(json_object_get(st, "batches"), i, b)
	{
		json_array_foreach(b, j, id)
		{
			const json_t *n =
			    json_object_get(nodes, json_string_value(id));
			const char *s =
			    json_string_value(json_object_get(n, "state"));

			detail(det, sizeof(det), n, deploy);
			printf("%-24s %-13s %-5zu %s\n", json_string_value(id),
			    s != NULL ? s : "untouched", i + 1, det);
		}
	}
	printf("\n%lld ok, %lld failed, %lld silent, %lld in flight, "
	       "%lld reverted, %lld untouched, of %lld nodes; state file %s\n",
	    (long long)json_integer_value(json_object_get(sum, "ok")),
	    (long long)json_integer_value(json_object_get(sum, "failed")),
	    (long long)json_integer_value(json_object_get(sum, "silent")),
	    (long long)json_integer_value(json_object_get(sum, "in_flight")),
	    (long long)json_integer_value(json_object_get(sum, "reverted")),
	    (long long)json_integer_value(json_object_get(sum, "untouched")),
	    (long long)json_integer_value(json_object_get(sum, "total")),
	    r->path);
	json_decref(sum);
}

void
rollout_print(const struct rollout *r)
{
	json_t *doc;

	fflush(stderr);
	switch (r->f->o.format) {
	case OUT_JSON:
		doc = json_deep_copy(r->st);
		json_object_set_new(doc, "summary", summary(r->st));
		json_object_set_new(doc, "state_file", json_string(r->path));
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(doc);
		break;
	case OUT_JSONL:
		doc = json_pack("{s:s,s:O,s:O,s:o,s:s}", "type", "end",
		    "status", json_object_get(r->st, "status"), "reason",
		    json_object_get(r->st, "reason"), "summary", summary(r->st),
		    "state_file", r->path);
		json_dumpf(doc, stdout, JSON_COMPACT | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(doc);
		break;
	default:
		print_human(r);
		break;
	}
	fflush(stdout);
}
