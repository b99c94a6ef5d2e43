/* transport.c: see transport.h. */
#include "buildconf.h"

#include "transport.h"
