/* backends.c: the service managers by name. See backend.h. */
#include "buildconf.h"

#include <string.h>

#include "plugins/service/backend.h"

static const struct svc_backend *const backends[] = {
    &svc_backend_systemd,
    &svc_backend_runit,
    &svc_backend_s6,
    &svc_backend_smf,
    &svc_backend_upstart,
    NULL,
};

const struct svc_backend *
svc_backend_find(const char *name)
{
	const struct svc_backend *const *b;

	for (b = backends; name != NULL && *b != NULL; b++)
		if (strcmp((*b)->name, name) == 0)
			return *b;
	return NULL;
}
