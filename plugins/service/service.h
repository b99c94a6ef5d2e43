/* service.h: the service agent (schemas/ddl/service.json). */
#ifndef METACTL_SERVICE_SERVICE_H
#define METACTL_SERVICE_SERVICE_H

#include "plugins/plugin.h"

extern const struct plugin plugin_service;

#endif
