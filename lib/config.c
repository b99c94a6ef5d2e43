/* config.c: see config.h. */
#include "buildconf.h"

#include "config.h"
