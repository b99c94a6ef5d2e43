/* rpcutil.h: the built-in agent that tells what a node knows of itself. */
#ifndef METACTL_PLUGIN_RPCUTIL_H
#define METACTL_PLUGIN_RPCUTIL_H

#include "plugins/plugin.h"

extern const struct plugin plugin_rpcutil;

#endif
