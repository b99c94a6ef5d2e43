/* registry.c: see registry.h. */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filter.h"
#include "orchestrator/registry.h"
#include "orchestrator/savefile.h"

#define STRINGS_MAX 4096 /* classes or agents of one node we match */

void
registry_load(struct registry *reg, const char *path)
{
	json_t *doc = NULL;

	if (path != NULL && path[0] != '\0')
		doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(doc) ||
	    json_integer_value(json_object_get(doc, "version")) !=
		REGISTRY_VERSION ||
	    !json_is_object(json_object_get(doc, "nodes")) ||
	    !json_is_object(json_object_get(doc, "refresh"))) {
		json_decref(doc);
		doc = json_pack("{s:i, s:{}, s:{}}", "version",
		    REGISTRY_VERSION, "nodes", "refresh");
	}
	reg->doc = doc;
}

int
registry_save(const struct registry *reg, const char *path)
{
	if (reg->doc == NULL || path == NULL || path[0] == '\0')
		return 0;
	return savefile_json(path, reg->doc, 1);
}

void
registry_clear(struct registry *reg)
{
	json_decref(reg->doc);
	reg->doc = NULL;
}

static json_t *
nodes_of(const struct registry *reg)
{
	return json_object_get(reg->doc, "nodes");
}

const json_t *
registry_node(const struct registry *reg, const char *identity)
{
	return json_object_get(nodes_of(reg), identity);
}

static int
in_collective(const json_t *node, const char *collective)
{
	const json_t *v;
	size_t i;

	json_array_foreach(
	    json_object_get(node, "collectives"), i, v) if (json_is_string(v) &&
	    strcmp(json_string_value(v), collective) == 0) return 1;
	return 0;
}

size_t
registry_count(const struct registry *reg, const char *collective)
{
	const char *id;
	json_t *node;
	size_t n = 0;

	json_object_foreach(
	    nodes_of(reg), id, node) if (in_collective(node, collective)) n++;
	return n;
}

/* The strings of array a in v (at most STRINGS_MAX); their count. */
static size_t
strings_of(const json_t *a, const char **v)
{
	const json_t *x;
	size_t i, n = 0;

	json_array_foreach(a, i, x) if (json_is_string(x) && n < STRINGS_MAX)
	    v[n++] = json_string_value(x);
	return n;
}

int
registry_named_nodes(const json_t *filter, struct strv *ret)
{
	const json_t *ids = json_object_get(filter, "identity"), *v;
	size_t i;

	if (json_object_size(filter) !=
		1 + (json_object_get(filter, "agent") != NULL) ||
	    json_array_size(ids) == 0)
		return 0;
	json_array_foreach(ids, i, v) if (!json_is_string(v) ||
	    json_string_value(v)[0] == '/') return 0;
	if (ret == NULL)
		return 1;
	json_array_foreach(ids, i,
	    v) if (strv_push(ret, json_string_value(v)) < 0) return -ENOMEM;
	strv_sort_uniq(ret);
	return 1;
}

static int
node_selected(const char *identity, const json_t *node, const json_t *filter)
{
	const json_t *inv = json_object_get(node, "inventory");
	static const char *classes[STRINGS_MAX], *agents[STRINGS_MAX];
	struct filter_subject s = {.identity = identity};
	struct strv named = STRV_INIT;
	int r;

	if (!json_is_object(inv)) {
		if (json_object_size(filter) == 0)
			return 1;
		r = registry_named_nodes(filter, &named) > 0 &&
		    strv_contains(&named, identity);
		strv_clear(&named);
		return r;
	}
	s.facts = json_object_get(inv, "facts");
	s.classes = classes;
	s.nclasses = strings_of(json_object_get(inv, "classes"), classes);
	s.agents = agents;
	s.nagents = strings_of(json_object_get(inv, "agents"), agents);
	return filter_match(filter, &s) == 1;
}

int
registry_selects(
    const struct registry *reg, const char *identity, const json_t *filter)
{
	const json_t *node = registry_node(reg, identity);

	return node != NULL && node_selected(identity, node, filter);
}

int
registry_expected(const struct registry *reg, const char *collective,
    const json_t *filter, struct strv *ret)
{
	const char *id;
	json_t *node;

	json_object_foreach(nodes_of(reg), id, node)
	{
		if (!in_collective(node, collective) ||
		    !node_selected(id, node, filter))
			continue;
		if (strv_push(ret, id) < 0)
			return -ENOMEM;
	}
	strv_sort_uniq(ret);
	return 0;
}

/* The entry of identity, created when absent (*created = 1). */
static json_t *
node_get(struct registry *reg, const char *identity, int *created)
{
	json_t *nodes = nodes_of(reg), *node = json_object_get(nodes, identity);

	*created = 0;
	if (node != NULL)
		return node;
	node = json_pack("{s:I, s:i, s:[]}", "seen", (json_int_t)0, "missed", 0,
	    "collectives");
	if (node == NULL || json_object_set_new(nodes, identity, node) != 0)
		return NULL;
	*created = 1;
	return node;
}

int
registry_seen(struct registry *reg, const char *identity,
    const char *collective, int64_t now_ms)
{
	int created;
	json_t *node = node_get(reg, identity, &created);
	json_t *cols = json_object_get(node, "collectives");

	if (node == NULL)
		return -ENOMEM;
	json_object_set_new(node, "seen", json_integer(now_ms));
	json_object_set_new(node, "missed", json_integer(0));
	if (!json_is_array(cols)) {
		cols = json_array();
		json_object_set_new(node, "collectives", cols);
	}
	if (collective != NULL && !in_collective(node, collective))
		json_array_append_new(cols, json_string(collective));
	return created;
}

int
registry_inventory(struct registry *reg, const char *identity,
    const json_t *data, int64_t now_ms)
{
	json_t *node, *inv, *cols;
	int r;

	if ((r = registry_seen(reg, identity, NULL, now_ms)) < 0)
		return r;
	node = json_object_get(nodes_of(reg), identity);
	cols = json_object_get(data, "collectives");
	if (json_is_array(cols))
		json_object_set_new(node, "collectives", json_deep_copy(cols));
	inv = json_pack("{s:I, s:O, s:O, s:O}", "time", (json_int_t)now_ms,
	    "facts",
	    json_is_object(json_object_get(data, "facts"))
		? json_object_get(data, "facts")
		: json_object(),
	    "classes",
	    json_is_array(json_object_get(data, "classes"))
		? json_object_get(data, "classes")
		: json_array(),
	    "agents",
	    json_is_array(json_object_get(data, "agents"))
		? json_object_get(data, "agents")
		: json_array());
	if (inv == NULL || json_object_set_new(node, "inventory", inv) != 0)
		return -ENOMEM;
	return r;
}

int
registry_missed(struct registry *reg, const char *identity, int64_t now_ms,
    long forget_misses, int64_t forget_after_ms)
{
	json_t *node = json_object_get(nodes_of(reg), identity);
	json_int_t missed;

	if (node == NULL)
		return 0;
	missed = json_integer_value(json_object_get(node, "missed")) + 1;
	json_object_set_new(node, "missed", json_integer(missed));
	if (missed < forget_misses ||
	    now_ms - json_integer_value(json_object_get(node, "seen")) <=
		forget_after_ms)
		return 0;
	json_object_del(nodes_of(reg), identity);
	return 1;
}

int
registry_forget(struct registry *reg, const char *identity)
{
	return json_object_del(nodes_of(reg), identity) == 0 ? 0 : -ENOENT;
}

int64_t
registry_refreshed(const struct registry *reg, const char *collective)
{
	return json_integer_value(
	    json_object_get(json_object_get(reg->doc, "refresh"), collective));
}

void
registry_set_refreshed(
    struct registry *reg, const char *collective, int64_t now_ms)
{
	json_object_set_new(json_object_get(reg->doc, "refresh"), collective,
	    json_integer(now_ms));
}
