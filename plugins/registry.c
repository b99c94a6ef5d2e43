/* registry.c: see registry.h. */
#include "buildconf.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ddl.h"
#include "error.h"
#include "file.h"
#include "names.h"
#include "plugins/external.h"
#include "plugins/plugin.h"
#include "plugins/registry.h"
#include "plugins/deploy/deploy.h"
#include "plugins/lbreg/lbreg.h"
#include "plugins/rpcutil/rpcutil.h"
#include "plugins/sandbox/sandbox.h"
#include "plugins/service/service.h"

/* Every agent compiled in; each is one designated initialiser. */
static const struct plugin *const plugins[] = {
    &plugin_rpcutil,
    &plugin_service,
    &plugin_deploy,
    &plugin_lbreg,
    &plugin_sandbox,
    NULL,
};

struct entry {
	const char *name; /* the DDL's agent name */
	struct ddl *ddl; /* owned */
	const struct plugin *plugin; /* built-in, or NULL */
	struct external_agent *external; /* external, or NULL */
	int initialised;
	struct plugin_action recover; /* run NULL: no recovery hook */
};

struct registry {
	struct entry *entries; /* sorted by name once loaded */
	size_t n;
	size_t cap;
};

static const struct entry *
find(const struct registry *r, const char *agent)
{
	size_t lo = 0, hi = r->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(agent, r->entries[mid].name);
		if (c == 0)
			return &r->entries[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(
	    ((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static struct entry *
add_entry(struct registry *r)
{
	struct entry *n;
	size_t cap;

	if (r->n == r->cap) {
		cap = r->cap == 0 ? 8 : r->cap * 2;
		n = realloc(r->entries, cap * sizeof(*n));
		if (n == NULL)
			return NULL;
		r->entries = n;
		r->cap = cap;
	}
	n = &r->entries[r->n++];
	memset(n, 0, sizeof(*n));
	return n;
}

/* MCE_CONFIG, with err saying why, when name is no agent name. */
static int
agent_name_check(
    const char *what, const char *source, const char *name, struct error *err)
{
	char why[256];

	if (name_check(NAME_AGENT, name, why, sizeof(why)) == 0)
		return 0;
	error_init(err, source);
	error_set(err, 0, 0, "%s: %s", what, why);
	return MCE_CONFIG;
}

/*
 * Loads path as the DDL of agent `name` (what says "plugin rpcutil" or
 * "external agent hello"): a missing file, a malformed one or one for
 * another agent is an error naming both.
 */
static int
load_ddl(const char *what, const char *name, const char *path, struct ddl **ret,
    struct error *err)
{
	struct stat st;
	struct ddl *d;
	char text[sizeof(err->text)];
	int rc;

	if ((rc = agent_name_check(what, path, name, err)) < 0)
		return rc;
	if (stat(path, &st) < 0) {
		rc = -errno;
		error_init(err, path);
		error_set(err, 0, 0, "%s %s has no DDL: %s", what, name,
		    error_str(rc));
		return rc;
	}
	rc = ddl_load_file(path, &d, err);
	if (rc < 0) {
		if (err != NULL) {
			snprintf(text, sizeof(text), "%s", err->text);
			if (err->source[0] == '\0')
				error_init(err, path);
			error_set(err, err->line, err->column,
			    "DDL of %s %s: %s", what, name, text);
		}
		return rc;
	}
	if (d->agent == NULL || strcmp(d->agent, name) != 0) {
		error_init(err, path);
		error_set(err, 0, 0, "DDL describes agent \"%s\", not %s %s",
		    d->agent != NULL ? d->agent : "", what, name);
		ddl_free(d);
		return MCE_CONFIG;
	}
	for (size_t i = 0; i < d->nactions; i++) {
		char why[256];

		if (name_check(NAME_ACTION, d->actions[i].name, why,
			sizeof(why)) < 0) {
			error_init(err, path);
			error_set(err, 0, 0, "%s %s: %s", what, name, why);
			ddl_free(d);
			return MCE_CONFIG;
		}
	}
	*ret = d;
	return 0;
}

static int
plugin_has_action(const struct plugin *p, const char *name)
{
	const struct plugin_action *a;

	for (a = p->actions; a != NULL && a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			return 1;
	return 0;
}

/* Every DDL action has a C function and every C function a DDL action. */
static int
check_pairing(const struct plugin *p, const struct ddl *d, const char *path,
    struct error *err)
{
	const struct plugin_action *a;
	size_t i;

	for (a = p->actions; a != NULL && a->name != NULL; a++) {
		if (a->run == NULL || ddl_find_action(d, a->name) == NULL) {
			error_init(err, path);
			error_set(err, 0, 0,
			    "plugin %s implements action \"%s\" but its DDL "
			    "does not describe it",
			    p->name, a->name);
			return MCE_CONFIG;
		}
	}
	for (i = 0; i < d->nactions; i++) {
		if (!plugin_has_action(p, d->actions[i].name)) {
			error_init(err, path);
			error_set(err, 0, 0,
			    "DDL action \"%s\" has no implementation in "
			    "plugin %s",
			    d->actions[i].name, p->name);
			return MCE_CONFIG;
		}
	}
	return 0;
}

static char *
join(const char *dir, const char *name, const char *suffix)
{
	char *s;

	if (asprintf(&s, "%s/%s%s", dir, name, suffix) < 0)
		return NULL;
	return s;
}

static int
load_static(struct registry *r, const char *ddl_dir, struct error *err)
{
	const struct plugin *const *p;
	struct entry *e;
	struct ddl *d;
	char *path;
	int rc;

	for (p = plugins; *p != NULL; p++) {
		if ((path = join(ddl_dir, (*p)->name, ".json")) == NULL)
			return -ENOMEM;
		rc = load_ddl("plugin", (*p)->name, path, &d, err);
		if (rc == 0 && (rc = check_pairing(*p, d, path, err)) < 0)
			ddl_free(d);
		free(path);
		if (rc < 0)
			return rc;
		if ((e = add_entry(r)) == NULL) {
			ddl_free(d);
			return -ENOMEM;
		}
		e->name = d->agent;
		e->ddl = d;
		e->plugin = *p;
	}
	return 0;
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir but "." and "..", sorted; free with free_names. */
static int
list_dir(const char *dir, char ***ret, size_t *ret_n, struct error *err)
{
	DIR *d;
	struct dirent *de;
	char **v = NULL, **nv;
	size_t n = 0;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		rc = -errno;
		error_init(err, dir);
		error_set(
		    err, 0, 0, "external agent directory: %s", error_str(rc));
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (nv == NULL || (nv[n] = strdup(de->d_name)) == NULL) {
			v = nv != NULL ? nv : v;
			rc = -ENOMEM;
			break;
		}
		v = nv;
		n++;
	}
	closedir(d);
	if (rc < 0) {
		while (n > 0)
			free(v[--n]);
		free(v);
		return rc;
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_str);
	*ret = v;
	*ret_n = n;
	return 0;
}

static void
free_names(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

/*
 * A root daemon runs these files: each must be a regular file, executable,
 * writable by its owner only, owned by root or the agent's own user.
 */
static int
check_executable(const char *name, const char *path, struct error *err)
{
	struct error why;
	struct stat st;
	int rc;

	error_init(err, path);
	if (stat(path, &st) < 0) {
		rc = -errno;
		error_set(
		    err, 0, 0, "external agent %s: %s", name, error_str(rc));
		return rc;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & S_IXUSR) == 0) {
		error_set(err, 0, 0,
		    "external agent %s is not an executable file", name);
		return MCE_CONFIG;
	}
	if ((rc = file_check_trusted(&st, &why)) < 0) {
		error_set(err, 0, 0, "external agent %s: %s", name, why.text);
		return rc;
	}
	return 0;
}

static int
load_one_external(
    struct registry *r, const char *dir, const char *name, struct error *err)
{
	struct external_agent *x = NULL;
	struct entry *e;
	struct ddl *d = NULL;
	char *path, *ddl_path;
	int rc;

	path = join(dir, name, "");
	ddl_path = join(dir, name, ".json");
	if (path == NULL || ddl_path == NULL)
		rc = -ENOMEM;
	else if ((rc = agent_name_check(
		      "external agent file", path, name, err)) < 0)
		;
	else if ((rc = check_executable(name, path, err)) == 0 &&
	    (rc = load_ddl("external agent", name, ddl_path, &d, err)) == 0 &&
	    find(r, name) != NULL) {
		error_init(err, path);
		error_set(err, 0, 0,
		    "external agent %s has the name of a "
		    "built-in plugin",
		    name);
		rc = MCE_CONFIG;
	}
	if (rc == 0 && (rc = external_agent_new(path, d, &x)) == 0) {
		if ((e = add_entry(r)) == NULL)
			rc = -ENOMEM;
		else {
			e->name = d->agent;
			e->ddl = d;
			e->external = x;
		}
	}
	if (rc < 0) {
		external_agent_free(x);
		ddl_free(d);
	}
	free(path);
	free(ddl_path);
	return rc;
}

/* Pairs NAME and NAME.json; hidden files are ignored. */
static int
load_external(struct registry *r, const char *dir, struct error *err)
{
	char **names = NULL, *base;
	size_t n = 0, i, len;
	int rc = 0;

	if ((rc = list_dir(dir, &names, &n, err)) < 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++) {
		if (names[i][0] == '.')
			continue;
		if (!has_suffix(names[i], ".json")) {
			rc = load_one_external(r, dir, names[i], err);
			continue;
		}
		len = strlen(names[i]) - strlen(".json");
		base = strndup(names[i], len);
		if (base == NULL)
			rc = -ENOMEM;
		else if (bsearch(&base, names, n, sizeof(*names), cmp_str) ==
		    NULL) {
			error_init(err, dir);
			error_set(err, 0, 0,
			    "DDL %s has no external agent executable %s",
			    names[i], base);
			rc = MCE_CONFIG;
		}
		free(base);
	}
	free_names(names, n);
	return rc;
}

int
registry_load(const char *ddl_dir, const char *external_dir,
    struct registry **ret, struct error *err)
{
	struct registry *r;
	int rc;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -ENOMEM;
	rc = load_static(r, ddl_dir, err);
	if (rc == 0) {
		/* Built-ins sorted, so find() can spot a clash. */
		qsort(r->entries, r->n, sizeof(*r->entries), cmp_entry);
		if (external_dir != NULL)
			rc = load_external(r, external_dir, err);
	}
	if (rc < 0) {
		registry_free(r);
		return rc;
	}
	if (r->n > 0)
		qsort(r->entries, r->n, sizeof(*r->entries), cmp_entry);
	*ret = r;
	return 0;
}

void
registry_free(struct registry *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		external_agent_free(r->entries[i].external);
		ddl_free(r->entries[i].ddl);
	}
	free(r->entries);
	free(r);
}

size_t
registry_count(const struct registry *r)
{
	return r->n;
}

const char *
registry_agent(const struct registry *r, size_t i)
{
	return i < r->n ? r->entries[i].name : NULL;
}

const struct ddl *
registry_ddl(const struct registry *r, const char *agent)
{
	const struct entry *e = find(r, agent);

	return e != NULL ? e->ddl : NULL;
}

int
registry_lookup(const struct registry *r, const char *agent, const char *action,
    const struct plugin_action **ret_action, void **ret_plugin_data)
{
	const struct entry *e = find(r, agent);
	const struct plugin_action *a;

	if (e == NULL)
		return MCE_UNKAGENT;
	if (e->external != NULL) {
		if ((a = external_agent_action(e->external, action)) == NULL)
			return MCE_UNKACTION;
		*ret_action = a;
		*ret_plugin_data = e->external;
		return 0;
	}
	for (a = e->plugin->actions; a != NULL && a->name != NULL; a++) {
		if (strcmp(a->name, action) == 0) {
			*ret_action = a;
			*ret_plugin_data = NULL;
			return 0;
		}
	}
	return MCE_UNKACTION;
}

const struct plugin_action *
registry_recover(const struct registry *r, size_t i)
{
	struct entry *e;

	if (i >= r->n || r->entries[i].plugin == NULL ||
	    r->entries[i].plugin->recover == NULL)
		return NULL;
	e = &r->entries[i];
	e->recover.name = "recover";
	e->recover.run = e->plugin->recover;
	return &e->recover;
}

int
registry_init(struct registry *r)
{
	size_t i;
	int rc;

	for (i = 0; i < r->n; i++) {
		const struct plugin *p = r->entries[i].plugin;

		if (p == NULL || r->entries[i].initialised)
			continue;
		if (p->init != NULL && (rc = p->init()) < 0) {
			registry_fini(r);
			return rc;
		}
		r->entries[i].initialised = 1;
	}
	return 0;
}

void
registry_fini(struct registry *r)
{
	size_t i;

	for (i = r->n; i > 0; i--) {
		struct entry *e = &r->entries[i - 1];

		if (!e->initialised)
			continue;
		if (e->plugin->fini != NULL)
			e->plugin->fini();
		e->initialised = 0;
	}
}
