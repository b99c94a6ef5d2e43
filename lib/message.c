/* message.c: see message.h. */
#include "buildconf.h"

#include "message.h"
