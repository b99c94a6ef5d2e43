/* backends.c: the service managers by name. See backend.h. */
#include "buildconf.h"

#include <string.h>

#include "plugins/plugin.h"
#include "plugins/service/backend.h"

static const struct svc_backend *const backends[] = {
    &svc_backend_systemd,
    &svc_backend_runit,
    &svc_backend_s6,
    &svc_backend_smf,
    &svc_backend_upstart,
    NULL,
};

void
svc_node_settings(const struct node_apps *a, struct svc_node *n)
{
	n->manager = a->manager;
	n->service_dir = a->service_dir;
	n->supervise_dir = a->supervise_dir;
	n->apps_dir = a->dir;
	n->cron_dir = a->cron_dir;
	n->java = a->java;
	n->jetty_home = a->jetty_home;
	n->svwait = a->svwait;
	n->start_timeout_ms = a->start_timeout_ms;
	n->start_grace_ms = a->start_grace_ms;
}

const struct svc_backend *
svc_backend_find(const char *name)
{
	const struct svc_backend *const *b;

	for (b = backends; name != NULL && *b != NULL; b++)
		if (strcmp((*b)->name, name) == 0)
			return *b;
	return NULL;
}
