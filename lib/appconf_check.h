/*
 * appconf_check.h: inside the app configuration (appconf.h). The struct
 * that appconf.c, appconf_check.c and appconf_show.c share, and the check
 * of a merged, interpolated configuration against metactl-app(5).
 */
#ifndef METACTL_APPCONF_CHECK_H
#define METACTL_APPCONF_CHECK_H

#include "appconf.h"
#include "strv.h"

struct appconf {
	char *app;
	struct config *c;
	char *paths[APPCONF_NLAYERS]; /* NULL: the layer is absent */
	struct app_daemon *daemons;
	size_t ndaemons;
	struct app_cron *crons;
	size_t ncrons;
	struct strv owned; /* strings the daemons and crons point into */
	char **env; /* "NAME=value" */
};

/*
 * Checks every section and key of a->c and fills daemons, crons and env.
 * 0, MCE_CONFIG with err at the file:line:column at fault, or -ENOMEM.
 */
int appconf_check(struct appconf *a, struct error *err);

#endif
