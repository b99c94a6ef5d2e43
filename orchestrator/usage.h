/* usage.h: the text of `metactl help COMMAND`. */
#ifndef METACTL_ORCH_USAGE_H
#define METACTL_ORCH_USAGE_H

#include <stdio.h>

/* Prints the synopsis and options of a command and returns 1; 0 for a
 * command that describes itself (its --help). */
int usage_print(FILE *f, const char *command);

#endif
