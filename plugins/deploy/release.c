/* release.c: loading a release and putting it in place. See release.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "names.h"
#include "plugins/deploy/release.h"
#include "plugins/service/cron.h"

static int
build_units(const struct svc_node *n, const char *app, struct release *rel,
    struct error *err)
{
	size_t nd = appconf_ndaemons(rel->conf);
	int r;

	if ((rel->units = calloc(nd + 1, sizeof(*rel->units))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < nd; i++) {
		r = unit_build(n, app, rel->dir, appconf_daemon(rel->conf, i),
		    appconf_env(rel->conf), &rel->units[i], err);
		if (r < 0)
			return r;
		unit_sandbox(&rel->units[i], rel->conf);
		rel->nunits = i + 1;
	}
	return 0;
}

int
release_load(const struct svc_node *n, const char *node_dir, const char *app,
    const char *tag, const char *dir, const char *site, size_t len,
    struct release *rel, struct error *err)
{
	return release_load_from(
	    n, node_dir, app, tag, dir, NULL, site, len, rel, err);
}

int
release_load_from(const struct svc_node *n, const char *node_dir,
    const char *app, const char *tag, const char *dir,
    const struct appconf_src *app_layer, const char *site, size_t len,
    struct release *rel, struct error *err)
{
	struct appconf_src src[APPCONF_NLAYERS];
	char app_path[4200], site_path[4200], node_path[4200];
	int r;

	memset(rel, 0, sizeof(*rel));
	memset(src, 0, sizeof(src));
	snprintf(rel->tag, sizeof(rel->tag), "%s", tag);
	snprintf(rel->dir, sizeof(rel->dir), "%s", dir);
	snprintf(app_path, sizeof(app_path), "%s/.metactl", dir);
	snprintf(site_path, sizeof(site_path), "%s/%s/state/sites/%s.conf",
	    n->apps_dir, app, tag);
	snprintf(node_path, sizeof(node_path), "%s/%s.conf", node_dir, app);
	src[APPCONF_APP].path = app_path;
	if (app_layer != NULL)
		src[APPCONF_APP] = *app_layer;
	src[APPCONF_SITE].path = site_path;
	src[APPCONF_SITE].text = site;
	src[APPCONF_SITE].len = len;
	src[APPCONF_SITE].optional = 1;
	src[APPCONF_NODE].path = node_path;
	src[APPCONF_NODE].optional = 1;
	if ((r = appconf_load(app, src, &rel->conf, err)) < 0 ||
	    (r = build_units(n, app, rel, err)) < 0)
		release_clear(rel);
	return r;
}

void
release_clear(struct release *rel)
{
	for (size_t i = 0; i < rel->nunits; i++)
		unit_clear(&rel->units[i]);
	free(rel->units);
	appconf_free(rel->conf);
	memset(rel, 0, sizeof(*rel));
}

int
release_start_plan(const struct svc_node *n, const struct svc_backend *be,
    const char *app, const struct release *rel, struct plan *p,
    struct error *err)
{
	size_t nc = appconf_ncrons(rel->conf);
	int r;

	r = cron_install(
	    n, app, nc > 0 ? appconf_cron(rel->conf, 0) : NULL, nc, p, err);
	for (size_t i = 0; i < rel->nunits && r == 0; i++)
		if ((r = unit_setup(&rel->units[i], p)) == 0 &&
		    (r = be->install(n, &rel->units[i].u, p)) == 0)
			r = be->restart(n, &rel->units[i].u, p);
	return r;
}

int
release_remove_plan(const struct svc_node *n, const struct svc_backend *be,
    const char *app, const struct release *rel, struct plan *p,
    struct error *err)
{
	int r = cron_remove(n, app, p, err);

	for (size_t i = 0; i < rel->nunits && r == 0; i++)
		r = be->uninstall(n, &rel->units[i].u, p);
	return r;
}

int
release_drop_plan(const struct svc_node *n, const struct svc_backend *be,
    const struct release *old, const struct release *now, struct plan *p)
{
	int r = 0;

	for (size_t i = 0; i < old->nunits && r == 0; i++) {
		const char *d = old->units[i].u.daemon;
		size_t k = 0;

		while (
		    k < now->nunits && strcmp(now->units[k].u.daemon, d) != 0)
			k++;
		if (k == now->nunits)
			r = be->uninstall(n, &old->units[i].u, p);
	}
	return r;
}

int
release_current(const char *appdir, char *tag, size_t size)
{
	char link[4200], target[4096];
	const char *t;
	ssize_t k;

	tag[0] = '\0';
	snprintf(link, sizeof(link), "%s/current", appdir);
	if ((k = readlink(link, target, sizeof(target) - 1)) < 0)
		return errno == ENOENT ? 0 : -errno;
	target[k] = '\0';
	t = strrchr(target, '/');
	t = t != NULL ? t + 1 : target;
	if (!name_ok(NAME_TAG, t))
		return -EINVAL;
	snprintf(tag, size, "%s", t);
	return 0;
}
