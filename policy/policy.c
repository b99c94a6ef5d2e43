/* policy.c: see policy.h. */
#include "buildconf.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"
#include "policy.h"
#include "rules.h"
#include "source.h"

#define POLICY_SUFFIX ".policy"

struct policy_file {
	char *agent; /* file name without ".policy" */
	char *path; /* dir/agent.policy */
	struct rules *rules;
};

struct policy_set {
	char *default_name; /* NULL when the default file is disabled */
	int allow_unconfigured;
	struct policy_file *files;
	size_t n;
};

void
policy_set_free(struct policy_set *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->files[i].agent);
		free(s->files[i].path);
		rules_free(s->files[i].rules);
	}
	free(s->files);
	free(s->default_name);
	free(s);
}

static char *
path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* Parses the file at path with groups g; with report, only checks it
 * (lint) and *ret stays NULL. */
static int
load_rules(const char *path, const struct groups *g,
    const struct policy_report *report, struct rules **ret, struct error *err)
{
	char *text;
	size_t len;
	int rc;

	*ret = NULL;
	if ((rc = source_read(path, &text, &len, err)) != 0)
		return rc;
	if (report != NULL)
		rc = rules_lint(path, text, len, g, report, err);
	else
		rc = rules_parse(path, text, len, g, ret, err);
	free(text);
	return rc;
}

/* The groups file of dir; *ret stays NULL when there is none. */
static int
load_groups(const char *dir, struct groups **ret, struct error *err)
{
	char *path = path_join(dir, "groups");
	int rc;

	*ret = NULL;
	if (path == NULL) {
		error_set(err, 0, 0, "out of memory");
		return -ENOMEM;
	}
	rc = groups_load(path, NULL, ret, err);
	free(path);
	return rc == -ENOENT ? 0 : rc;
}

static int
file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct policy_file *)a)->agent,
	    ((const struct policy_file *)b)->agent);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every "*.policy" name of dir, sorted so errors come in a stable order. */
static int
list_dir(const char *dir, char ***ret, size_t *ret_n, struct error *err)
{
	size_t sl = strlen(POLICY_SUFFIX), n = 0;
	char **names = NULL, **v;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		rc = -errno;
		error_set(err, 0, 0, "cannot open policy directory: %s",
		    error_str(rc));
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len <= sl ||
		    strcmp(de->d_name + len - sl, POLICY_SUFFIX) != 0)
			continue;
		if ((v = realloc(names, (n + 1) * sizeof(*v))) == NULL ||
		    (v[n] = strdup(de->d_name)) == NULL) {
			names = v != NULL ? v : names;
			rc = -ENOMEM;
			error_set(err, 0, 0, "out of memory");
			break;
		}
		names = v;
		n++;
	}
	closedir(d);
	if (rc != 0) {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return rc;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	*ret = names;
	*ret_n = n;
	return 0;
}

int
policy_set_load(
    const struct policy_options *o, struct policy_set **ret, struct error *err)
{
	struct policy_set *s = NULL;
	struct groups *g = NULL;
	char **names = NULL;
	size_t n = 0;
	int rc;

	*ret = NULL;
	error_init(err, o != NULL && o->dir != NULL ? o->dir : "policy");
	if (o == NULL || o->dir == NULL) {
		error_set(err, 0, 0, "no policy directory");
		return -EINVAL;
	}
	if (o->enable_default &&
	    (o->default_name == NULL || o->default_name[0] == '\0' ||
		strchr(o->default_name, '/') != NULL)) {
		error_set(err, 0, 0, "bad default policy name");
		return MCE_CONFIG;
	}
	if ((rc = load_groups(o->dir, &g, err)) != 0 ||
	    (rc = list_dir(o->dir, &names, &n, err)) != 0)
		goto out;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (n > 0 && (s->files = calloc(n, sizeof(*s->files))) == NULL) ||
	    (o->enable_default &&
		(s->default_name = strdup(o->default_name)) == NULL)) {
		rc = -ENOMEM;
		error_set(err, 0, 0, "out of memory");
		goto out;
	}
	s->allow_unconfigured = o->allow_unconfigured;
	for (size_t i = 0; i < n; i++) {
		struct policy_file *f = &s->files[s->n++];
		size_t alen = strlen(names[i]) - strlen(POLICY_SUFFIX);

		f->agent = strndup(names[i], alen);
		f->path = path_join(o->dir, names[i]);
		if (f->agent == NULL || f->path == NULL) {
			rc = -ENOMEM;
			error_set(err, 0, 0, "out of memory");
			goto out;
		}
		if ((rc = load_rules(f->path, g, NULL, &f->rules, err)) != 0)
			goto out;
	}
	if (s->n > 0)
		qsort(s->files, s->n, sizeof(*s->files), file_cmp);
	*ret = s;
	s = NULL;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	groups_free(g);
	policy_set_free(s);
	return rc;
}

static const struct policy_file *
find_file(const struct policy_set *s, const char *agent)
{
	struct policy_file key = {.agent = (char *)agent};

	if (s->n == 0)
		return NULL;
	return bsearch(&key, s->files, s->n, sizeof(*s->files), file_cmp);
}

int
policy_check(const struct policy_set *s, const struct policy_request *r,
    struct policy_decision *ret)
{
	const struct policy_file *f;

	memset(ret, 0, sizeof(*ret));
	if (s == NULL || r == NULL || r->agent == NULL || r->action == NULL) {
		snprintf(ret->origin, sizeof(ret->origin), "invalid request");
		return MCE_INVALID;
	}
	f = find_file(s, r->agent);
	if (f == NULL && s->default_name != NULL)
		f = find_file(s, s->default_name);
	if (f == NULL) {
		ret->allowed = s->allow_unconfigured != 0;
		snprintf(
		    ret->origin, sizeof(ret->origin), "allow_unconfigured");
		return 0;
	}
	ret->allowed = rules_check(f->rules, r, &ret->line);
	snprintf(ret->file, sizeof(ret->file), "%s", f->path);
	/* The origin is told to remote callers: no directories. */
	if (ret->line > 0)
		snprintf(ret->origin, sizeof(ret->origin), "%s%s:%d", f->agent,
		    POLICY_SUFFIX, ret->line);
	else
		snprintf(ret->origin, sizeof(ret->origin),
		    "%s%s: policy default", f->agent, POLICY_SUFFIX);
	return 0;
}

int
policy_lint_file(
    const char *path, const struct policy_report *report, struct error *err)
{
	struct groups *g = NULL;
	const char *base;
	char *dir;
	int rc;

	error_init(err, path);
	if (path == NULL) {
		error_set(err, 0, 0, "no file");
		return -EINVAL;
	}
	base = strrchr(path, '/');
	if (strcmp(base != NULL ? base + 1 : path, "groups") == 0) {
		rc = groups_load(path, report, &g, err);
		groups_free(g);
		if (rc == -ENOENT)
			error_set(err, 0, 0, "%s", error_str(rc));
		return rc;
	}
	dir = base != NULL
	    ? strndup(path, (size_t)(base - path) + (base == path))
	    : strdup(".");
	if (dir == NULL) {
		error_set(err, 0, 0, "out of memory");
		return -ENOMEM;
	}
	rc = load_groups(dir, &g, err);
	free(dir);
	if (rc == 0) {
		struct rules *r = NULL;

		rc = load_rules(path, g, report, &r, err);
		rules_free(r);
	}
	groups_free(g);
	return rc;
}
