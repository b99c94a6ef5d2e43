/* replay.c: see replay.h. */
#include "buildconf.h"

#include "replay.h"
