/* ddl.c: see ddl.h. */
#include "buildconf.h"

#include "ddl.h"
