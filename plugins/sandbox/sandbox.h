/* sandbox.h: the sandbox agent (an app's network namespace, address,
 * outbound firewall and DNS names); see sandbox.c. */
#ifndef METACTL_SANDBOX_SANDBOX_H
#define METACTL_SANDBOX_SANDBOX_H

#include "plugins/plugin.h"

extern const struct plugin plugin_sandbox;

#endif
