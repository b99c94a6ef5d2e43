/* appconf.c: see appconf.h. Checking each section: appconf_check.c. */
#include "buildconf.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "appconf.h"
#include "appconf_check.h"
#include "names.h"
#include "strv.h"

static const char *const layer_names[APPCONF_NLAYERS] = {"app", "site", "node"};
static const char *const platform_names[] = {"jvm", "jetty", "exec"};

const char *
appconf_layer_name(enum appconf_layer l)
{
	return (unsigned)l < APPCONF_NLAYERS ? layer_names[l] : "unknown";
}

const char *
appconf_platform_name(enum appconf_platform p)
{
	return (unsigned)p <= APP_PLATFORM_EXEC ? platform_names[p] : "unknown";
}

/* Writes "fmt..." into buf; -ENAMETOOLONG when it does not fit. */
static int
path_fmt(char *buf, size_t size, const char *a, const char *b, const char *c)
{
	int n = snprintf(buf, size, "%s/%s%s", a, b, c);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int
appconf_node_paths(const char *apps_dir, const char *node_dir, const char *app,
    struct appconf_src src[APPCONF_NLAYERS], char bufs[APPCONF_NLAYERS][4096],
    char *release, size_t release_size)
{
	char dir[4096], link[4096], target[4096];
	const char *tag;
	ssize_t n;
	int r;

	if (!name_ok(NAME_APP, app))
		return -EINVAL;
	memset(src, 0, APPCONF_NLAYERS * sizeof(*src));
	if ((r = path_fmt(dir, sizeof(dir), apps_dir, app, "")) < 0 ||
	    (r = path_fmt(link, sizeof(link), dir, "current", "")) < 0 ||
	    (r = path_fmt(bufs[APPCONF_APP], 4096, link, ".metactl", "")) < 0 ||
	    (r = path_fmt(bufs[APPCONF_NODE], 4096, node_dir, app, ".conf")) <
		0)
		return r;
	if ((n = readlink(link, target, sizeof(target))) < 0)
		return -errno;
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	target[n] = '\0';
	while (n > 1 && target[n - 1] == '/')
		target[--n] = '\0';
	/* releases/TAG, or a path ending so. */
	if ((tag = strrchr(target, '/')) == NULL || tag - target < 8 ||
	    strncmp(tag - 8, "releases", 8) != 0 ||
	    (tag - target > 8 && tag[-9] != '/') || !name_ok(NAME_TAG, ++tag))
		return -EINVAL;
	if ((r = path_fmt(bufs[APPCONF_SITE], 4096, dir, "state/sites/", tag)) <
		0 ||
	    strlen(bufs[APPCONF_SITE]) + 5 >= 4096)
		return -ENAMETOOLONG;
	strcat(bufs[APPCONF_SITE], ".conf");
	if (release != NULL &&
	    (r = target[0] == '/'
		    ? (snprintf(release, release_size, "%s", target) <
				  (int)release_size
			      ? 0
			      : -ENAMETOOLONG)
		    : path_fmt(release, release_size, dir, target, "")) < 0)
		return r;
	for (int l = 0; l < APPCONF_NLAYERS; l++) {
		src[l].path = bufs[l];
		src[l].optional = l != APPCONF_APP;
	}
	return 0;
}

/* Reads one layer on top of a->c; *ret_absent when an optional file is
 * missing. */
static int
load_layer(struct appconf *a, const struct appconf_src *s, int *ret_absent,
    struct error *err)
{
	int r;

	*ret_absent = 0;
	if (s->text != NULL)
		return config_load_string(a->c, s->path, s->text, s->len, err);
	r = config_load_file(a->c, s->path, err);
	if (r == -ENOENT && s->optional) {
		*ret_absent = 1;
		return 0;
	}
	return r;
}

void
appconf_free(struct appconf *a)
{
	if (a == NULL)
		return;
	free(a->app);
	config_free(a->c);
	for (int l = 0; l < APPCONF_NLAYERS; l++)
		free(a->paths[l]);
	free(a->daemons);
	free(a->crons);
	strv_clear(&a->owned);
	strv_free(a->env);
	free(a);
}

int
appconf_load(const char *app, const struct appconf_src src[APPCONF_NLAYERS],
    struct appconf **ret, struct error *err)
{
	struct appconf *a;
	char why[256];
	int r = 0, absent;

	*ret = NULL;
	error_init(err, app);
	if (name_check(NAME_APP, app, why, sizeof(why)) < 0) {
		error_set(err, 0, 0, "%s", why);
		return -EINVAL;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->app = strdup(app)) == NULL || (a->c = config_new()) == NULL) {
		appconf_free(a);
		error_set(err, 0, 0, "out of memory");
		return -ENOMEM;
	}
	for (int l = 0; l < APPCONF_NLAYERS && r == 0; l++) {
		if (src[l].path == NULL)
			continue;
		if ((r = load_layer(a, &src[l], &absent, err)) == 0 &&
		    !absent && (a->paths[l] = strdup(src[l].path)) == NULL)
			r = -ENOMEM;
	}
	if (r == 0)
		r = config_interpolate(a->c, "env", err);
	if (r == 0)
		r = appconf_check(a, err);
	if (r == -ENOMEM)
		error_set(err, 0, 0, "out of memory");
	if (r < 0) {
		appconf_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

const char *
appconf_app(const struct appconf *a)
{
	return a->app;
}

const struct config *
appconf_config(const struct appconf *a)
{
	return a->c;
}

/* The layer whose file is file: the latest of equal names. */
static enum appconf_layer
layer_of(const struct appconf *a, const char *file)
{
	for (int l = APPCONF_NLAYERS - 1; l > 0; l--)
		if (a->paths[l] != NULL && strcmp(a->paths[l], file) == 0)
			return (enum appconf_layer)l;
	return APPCONF_APP;
}

int
appconf_origin(const struct appconf *a, const char *section, const char *key,
    enum appconf_layer *ret_layer, const char **ret_file, int *ret_line)
{
	struct config_where w;

	if (key == NULL || config_where(a->c, section, key, &w) < 0)
		return -1;
	if (ret_layer != NULL)
		*ret_layer = layer_of(a, w.file);
	if (ret_file != NULL)
		*ret_file = w.file;
	if (ret_line != NULL)
		*ret_line = w.line;
	return 0;
}

size_t
appconf_ndaemons(const struct appconf *a)
{
	return a->ndaemons;
}

const struct app_daemon *
appconf_daemon(const struct appconf *a, size_t i)
{
	return i < a->ndaemons ? &a->daemons[i] : NULL;
}

const struct app_daemon *
appconf_daemon_find(const struct appconf *a, const char *name)
{
	for (size_t i = 0; name != NULL && i < a->ndaemons; i++)
		if (strcmp(a->daemons[i].name, name) == 0)
			return &a->daemons[i];
	return NULL;
}

size_t
appconf_ncrons(const struct appconf *a)
{
	return a->ncrons;
}

const struct app_cron *
appconf_cron(const struct appconf *a, size_t i)
{
	return i < a->ncrons ? &a->crons[i] : NULL;
}

const char *const *
appconf_env(const struct appconf *a)
{
	return (const char *const *)a->env;
}

/* Appends one argument of s from *p to *ret; quotes as appconf.h says. */
static int
split_word(const char **p, struct strv *sv, struct error *err)
{
	const char *s = *p;
	char *w = malloc(strlen(s) + 1);
	size_t n = 0;
	int r;

	if (w == NULL)
		return -ENOMEM;
	while (*s != '\0' && *s != ' ' && *s != '\t') {
		if (*s != '"') {
			w[n++] = *s++;
			continue;
		}
		for (s++; *s != '\0' && *s != '"'; s++) {
			if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
				s++;
			w[n++] = *s;
		}
		if (*s == '\0') {
			free(w);
			error_set(err, 0, 0,
			    "unterminated quote in the word %.64s", *p);
			return MCE_CONFIG;
		}
		s++;
	}
	w[n] = '\0';
	r = strv_push(sv, w);
	free(w);
	*p = s;
	return r;
}

char **
appconf_split(const char *s, struct error *err)
{
	struct strv sv = STRV_INIT;
	char **v;

	error_init(err, "command");
	while (s != NULL && *s != '\0') {
		s += strspn(s, " \t");
		if (*s == '\0')
			break;
		if (split_word(&s, &sv, err) < 0) {
			strv_clear(&sv);
			return NULL;
		}
	}
	if ((v = strv_steal(&sv)) == NULL) {
		strv_clear(&sv);
		error_set(err, 0, 0, "out of memory");
	}
	return v;
}
