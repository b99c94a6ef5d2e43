/*
 * service_cases.h: fixed daemons (struct svc_unit) and node settings for
 * the tests of the service renderers: plain ones and tricky ones (blanks,
 * quotes, '%', '$', backslashes, non-ASCII, control characters, notify,
 * no reload).
 */
#ifndef METACTL_SERVICE_CASES_H
#define METACTL_SERVICE_CASES_H

#include <stddef.h>

#include "plugins/service/backend.h"

struct service_case {
	const char *name; /* golden file base name */
	struct svc_unit unit;
};

extern const struct svc_node service_node;
extern const struct service_case service_cases[];
extern const size_t service_ncases;

#endif
