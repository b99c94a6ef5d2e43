/*
 * release.h: one release of an app on the node, and what putting it in
 * place takes. Shared by deploy, rollback and the recovery at start.
 *
 * A release is APPS/APP/releases/TAG with the site layer that came with
 * it, APPS/APP/state/sites/TAG.conf. Putting it in place is: its crontab
 * (cron.h), each daemon's definition (re)installed for the release and
 * restarted through the service manager (backend.h), which answers once
 * each daemon is up and has stayed up for the start grace.
 */
#ifndef METACTL_DEPLOY_RELEASE_H
#define METACTL_DEPLOY_RELEASE_H

#include <stddef.h>

#include "appconf.h"
#include "error.h"
#include "plugins/service/backend.h"
#include "plugins/service/plan.h"
#include "plugins/service/unit.h"

/* A release loaded and turned into units. */
struct release {
	char tag[129];
	char dir[4096]; /* APPS/APP/releases/TAG */
	struct appconf *conf;
	struct unit *units;
	size_t nunits;
};

/*
 * Loads APP's release TAG whose directory is dir: dir/.metactl, then the
 * site layer (site text of len bytes, named by the path it is stored at;
 * NULL: the stored file, if any), then the node layer. 0, or a negative
 * code with err set and rel cleared.
 */
int release_load(const struct svc_node *n, const char *node_dir,
    const char *app, const char *tag, const char *dir, const char *site,
    size_t len, struct release *rel, struct error *err);
/* The same with the app layer from app_layer (NULL: dir/.metactl), such
 * as the text of a tag's .metactl read from the repository cache. */
int release_load_from(const struct svc_node *n, const char *node_dir,
    const char *app, const char *tag, const char *dir,
    const struct appconf_src *app_layer, const char *site, size_t len,
    struct release *rel, struct error *err);
void release_clear(struct release *rel);

/* Appends the steps that put rel in place (crontab, definitions, restart
 * of every daemon). 0, -ENOMEM or MCE_CONFIG/-EINVAL with err set. */
int release_start_plan(const struct svc_node *n, const struct svc_backend *be,
    const char *app, const struct release *rel, struct plan *p,
    struct error *err);

/* Appends the steps that stop rel's daemons and remove their definitions
 * and the app's crontab. */
int release_remove_plan(const struct svc_node *n, const struct svc_backend *be,
    const char *app, const struct release *rel, struct plan *p,
    struct error *err);

/* Appends the steps that stop and remove the daemons of old that now
 * has none of (a daemon the new release dropped). */
int release_drop_plan(const struct svc_node *n, const struct svc_backend *be,
    const struct release *old, const struct release *now, struct plan *p);

/* The tag current names ("" when there is no current link); 0 or a
 * negated errno. */
int release_current(const char *appdir, char *tag, size_t size);

#endif
