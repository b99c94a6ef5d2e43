/* filter.c: see filter.h. */
#include "buildconf.h"

#include "filter.h"
