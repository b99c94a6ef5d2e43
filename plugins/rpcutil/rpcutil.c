/*
 * rpcutil.c: ping, inventory, facts and daemon statistics, all answered
 * from struct node_info without spawning anything.
 */
#include "buildconf.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ddl.h"
#include "filter.h"
#include "message.h"
#include "plugins/plugin.h"
#include "plugins/rpcutil/rpcutil.h"

static json_int_t
uptime_s(const struct node_info *n)
{
	int64_t now = message_now_ms();

	if (n->start_ms <= 0 || n->start_ms > now)
		return 0;
	return (now - n->start_ms) / 1000;
}

/* A new array of the strings, or an empty one when list is NULL. */
static json_t *
string_array(const char *const *list, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; list != NULL && i < n; i++)
		if (list[i] != NULL)
			json_array_append_new(a, json_string(list[i]));
	return a;
}

/* A NULL string becomes JSON null. */
static json_t *
string_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* Leaf facts: nested objects count by their leaves ("os.release.major"). */
static json_int_t
count_facts(const json_t *facts)
{
	const char *key;
	const json_t *v;
	json_int_t n = 0;

	if (!json_is_object(facts))
		return 0;
	json_object_foreach((json_t *)facts, key, v) n +=
	    json_is_object(v) ? count_facts(v) : 1;
	return n;
}

/* A copy of the fact's value, or null when the node has no such fact. */
static json_t *
fact_value(const struct node_info *n, const char *name)
{
	const json_t *v = NULL;

	if (n->facts != NULL)
		v = filter_fact_lookup(n->facts, name);
	return v != NULL ? json_deep_copy(v) : json_null();
}

/* Resident set size in bytes from /proc/self/statm, or -1. */
static long long
rss_bytes(void)
{
	unsigned long size, resident;
	long page = sysconf(_SC_PAGESIZE);
	FILE *f = fopen("/proc/self/statm", "re");
	int n;

	if (f == NULL)
		return -1;
	n = fscanf(f, "%lu %lu", &size, &resident);
	fclose(f);
	if (n != 2 || page <= 0)
		return -1;
	return (long long)resident * page;
}

static void
do_ping(struct action_ctx *ctx, const json_t *input)
{
	action_done(ctx, STATUS_OK, "OK",
	    json_pack("{sI}", "pong", (json_int_t)message_now_ms()));
}

static void
do_inventory(struct action_ctx *ctx, const json_t *input)
{
	const struct node_info *n = action_node(ctx);
	json_t *d;

	/* The facts themselves too: metactl matches any filter against
	 * them locally (its node registry). */
	d = json_pack("{s:o,s:o,s:o,s:I,s:o,s:o,s:o,s:I}", "identity",
	    string_or_null(n->identity), "version", string_or_null(n->version),
	    "agents", string_array(n->agents, n->nagents), "fact_count",
	    count_facts(n->facts), "facts",
	    json_is_object(n->facts) ? json_deep_copy(n->facts) : json_object(),
	    "classes", string_array(n->classes, n->nclasses), "collectives",
	    string_array(n->collectives, n->ncollectives), "uptime",
	    uptime_s(n));
	action_done(ctx, STATUS_OK, "OK", d);
}

static void
do_get_fact(struct action_ctx *ctx, const json_t *input)
{
	const char *name = json_string_value(json_object_get(input, "fact"));

	if (name == NULL) {
		action_done(
		    ctx, STATUS_MISSING_DATA, "fact: a name is needed", NULL);
		return;
	}
	action_done(ctx, STATUS_OK, "OK",
	    json_pack("{s:s,s:o}", "fact", name, "value",
		fact_value(action_node(ctx), name)));
}

/* "a, b.c,d": names split at commas, blanks around them dropped. */
static void
do_get_facts(struct action_ctx *ctx, const json_t *input)
{
	const struct node_info *n = action_node(ctx);
	const char *list = json_string_value(json_object_get(input, "facts"));
	const char *p, *end;
	json_t *values;
	char name[256];
	size_t len;

	if (list == NULL) {
		action_done(ctx, STATUS_MISSING_DATA,
		    "facts: a comma-separated list of names is needed", NULL);
		return;
	}
	values = json_object();
	for (p = list; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		len = (size_t)(end - p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0)
			continue;
		if (len >= sizeof(name)) {
			json_decref(values);
			action_done(ctx, STATUS_INVALID_DATA,
			    "facts: a fact name is too long", NULL);
			return;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		json_object_set_new(values, name, fact_value(n, name));
	}
	if (json_object_size(values) == 0) {
		json_decref(values);
		action_done(ctx, STATUS_INVALID_DATA,
		    "facts: the list names no fact", NULL);
		return;
	}
	action_done(ctx, STATUS_OK, "OK", json_pack("{s:o}", "values", values));
}

static void
do_agent_inventory(struct action_ctx *ctx, const json_t *input)
{
	const struct node_info *n = action_node(ctx);
	const struct ddl *d;
	json_t *agents = json_array();
	size_t i;

	for (i = 0; n->agents != NULL && i < n->nagents; i++) {
		d = n->agent_ddls != NULL ? n->agent_ddls[i] : NULL;
		json_array_append_new(agents,
		    json_pack("{s:s,s:o,s:o}", "name", n->agents[i], "version",
			string_or_null(d != NULL ? d->version : NULL),
			"description",
			string_or_null(d != NULL ? d->description : NULL)));
	}
	action_done(ctx, STATUS_OK, "OK", json_pack("{s:o}", "agents", agents));
}

static void
do_daemon_stats(struct action_ctx *ctx, const json_t *input)
{
	const struct node_info *n = action_node(ctx);
	long long rss = rss_bytes();
	json_t *out, *more;
	int r;

	/* The daemon's counters, one output each (the DDL lists them), so
	 * that a table shows and aggregates every one. */
	out =
	    json_is_object(n->stats) ? json_deep_copy(n->stats) : json_object();
	more = json_pack("{s:I,s:o,s:I,s:o,s:I}", "uptime", uptime_s(n), "rss",
	    rss >= 0 ? json_integer(rss) : json_null(), "pid",
	    (json_int_t)getpid(), "version", string_or_null(n->version),
	    "start_time", (json_int_t)(n->start_ms / 1000));
	r = out != NULL && more != NULL ? json_object_update(out, more) : -1;
	json_decref(more);
	if (r < 0) {
		json_decref(out);
		action_done(ctx, STATUS_UNKNOWN_ERROR, "out of memory", NULL);
		return;
	}
	action_done(ctx, STATUS_OK, "OK", out);
}

/* 1 when entry (of node_info.running) is the agent and action asked for
 * (NULL: any). */
static int
running_matches(const json_t *entry, const char *agent, const char *action)
{
	const char *a = json_string_value(json_object_get(entry, "agent"));
	const char *x = json_string_value(json_object_get(entry, "action"));

	return (agent == NULL || (a != NULL && strcmp(a, agent) == 0)) &&
	    (action == NULL || (x != NULL && strcmp(x, action) == 0));
}

/* What runs besides this request, and when each action last ran: the
 * answer a scheduler needs before it starts one more. */
static void
do_running(struct action_ctx *ctx, const json_t *input)
{
	const struct node_info *n = action_node(ctx);
	const char *agent = json_string_value(json_object_get(input, "agent"));
	const char *action =
	    json_string_value(json_object_get(input, "action"));
	const json_t *e, *last = NULL;
	json_t *list = json_array();
	char key[256];
	size_t i;

	json_array_foreach(n->running, i, e)
	{
		if (running_matches(e, agent, action))
			json_array_append_new(list, json_deep_copy(e));
	}
	if (agent != NULL && action != NULL) {
		snprintf(key, sizeof(key), "%s.%s", agent, action);
		last = json_object_get(n->last_runs, key);
	}
	action_done(ctx, STATUS_OK, "OK",
	    json_pack("{s:I,s:o,s:o,s:o}", "count",
		(json_int_t)json_array_size(list), "running", list, "last_run",
		last != NULL ? json_deep_copy(last) : json_null(), "last_runs",
		n->last_runs != NULL ? json_deep_copy(n->last_runs)
				     : json_object()));
}

static const struct plugin_action rpcutil_actions[] = {
    {"agent_inventory", do_agent_inventory},
    {"daemon_stats", do_daemon_stats},
    {"get_fact", do_get_fact},
    {"get_facts", do_get_facts},
    {"inventory", do_inventory},
    {"ping", do_ping},
    {"running", do_running},
    {NULL, NULL},
};

const struct plugin plugin_rpcutil = {
    .name = "rpcutil",
    .version = PACKAGE_VERSION,
    .actions = rpcutil_actions,
};
