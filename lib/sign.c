/* sign.c: see sign.h. */
#include "buildconf.h"

#include "sign.h"
