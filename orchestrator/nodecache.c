/* nodecache.c: see nodecache.h. */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "message.h"
#include "orchestrator/nodecache.h"

void
nodecache_load(struct nodecache *nc, const char *path)
{
	json_t *doc = NULL;

	if (path != NULL && path[0] != '\0')
		doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(doc) ||
	    json_integer_value(json_object_get(doc, "version")) != 1 ||
	    !json_is_object(json_object_get(doc, "nodes")) ||
	    !json_is_object(json_object_get(doc, "discoveries"))) {
		json_decref(doc);
		doc = json_pack(
		    "{s:i, s:{}, s:{}}", "version", 1, "nodes", "discoveries");
	}
	nc->doc = doc;
}

static int
mkdir_parents(const char *path)
{
	char buf[PATH_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

int
nodecache_save(const struct nodecache *nc, const char *path)
{
	char tmp[PATH_MAX];
	int fd, r;

	if (nc->doc == NULL || path == NULL || path[0] == '\0')
		return 0;
	if ((r = mkdir_parents(path)) < 0)
		return r;
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if ((fd = mkstemp(tmp)) < 0)
		return -errno;
	if (json_dumpfd(nc->doc, fd, JSON_COMPACT) < 0 || fsync(fd) < 0) {
		r = errno != 0 ? -errno : -EIO;
		close(fd);
		unlink(tmp);
		return r;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		return r;
	}
	return 0;
}

void
nodecache_clear(struct nodecache *nc)
{
	json_decref(nc->doc);
	nc->doc = NULL;
}

char *
nodecache_key(const char *collective, const json_t *filter)
{
	char *f = json_dumps(filter, JSON_COMPACT | JSON_SORT_KEYS), *key;

	if (f == NULL)
		return NULL;
	if (asprintf(&key, "%s %s", collective, f) < 0)
		key = NULL;
	free(f);
	return key;
}

int
nodecache_expected(const struct nodecache *nc, const char *key, int64_t now_ms,
    int64_t ttl_ms, struct strv *ret)
{
	json_t *e = json_object_get(
		   json_object_get(nc->doc, "discoveries"), key),
	       *v;
	size_t i;

	if (!json_is_object(e))
		return 0;
	if (now_ms - json_integer_value(json_object_get(e, "time")) > ttl_ms)
		return 0;
	json_array_foreach(
	    json_object_get(e, "nodes"), i, v) if (json_is_string(v) &&
	    strv_push(ret, json_string_value(v)) < 0) return -ENOMEM;
	strv_sort_uniq(ret);
	return 1;
}

/* Keeps the newest NODECACHE_MAX_ENTRIES discoveries. */
static void
prune(json_t *disc)
{
	while (json_object_size(disc) > NODECACHE_MAX_ENTRIES) {
		const char *k, *oldest = NULL;
		json_int_t t, min = 0;
		json_t *v;

		json_object_foreach(disc, k, v)
		{
			t = json_integer_value(json_object_get(v, "time"));
			if (oldest == NULL || t < min) {
				oldest = k;
				min = t;
			}
		}
		json_object_del(disc, oldest);
	}
}

int
nodecache_record(struct nodecache *nc, const char *key,
    const struct strv *nodes, int full, int64_t now_ms)
{
	json_t *disc = json_object_get(nc->doc, "discoveries");
	json_t *seen = json_object_get(nc->doc, "nodes");
	json_t *e = json_object_get(disc, key), *arr;
	size_t i;

	if (disc == NULL || seen == NULL)
		return -EINVAL;
	for (i = 0; i < nodes->n; i++)
		json_object_set_new(seen, nodes->v[i], json_integer(now_ms));
	if (full || !json_is_object(e)) {
		if ((arr = json_array()) == NULL)
			return -ENOMEM;
		for (i = 0; i < nodes->n; i++)
			json_array_append_new(arr, json_string(nodes->v[i]));
		json_object_set_new(disc, key,
		    json_pack("{s:I, s:o}", "time", (json_int_t)now_ms, "nodes",
			arr));
		prune(disc);
		return 0;
	}
	arr = json_object_get(e, "nodes");
	for (i = 0; i < nodes->n; i++) {
		json_t *v;
		size_t j;
		int found = 0;

		json_array_foreach(arr, j, v) if (json_is_string(v) &&
		    strcmp(json_string_value(v), nodes->v[i]) == 0) found = 1;
		if (!found)
			json_array_append_new(arr, json_string(nodes->v[i]));
	}
	return 0;
}
