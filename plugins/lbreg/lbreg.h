/* lbreg.h: the lbreg agent (lbreg.c). */
#ifndef METACTL_LBREG_LBREG_H
#define METACTL_LBREG_LBREG_H

#include "plugins/plugin.h"

extern const struct plugin plugin_lbreg;

#endif
