/* usage.h: the text of `metactl help COMMAND`. */
#ifndef METACTL_ORCH_USAGE_H
#define METACTL_ORCH_USAGE_H

#include <stdio.h>

/* Prints the synopsis and options of a command and returns 1; 0 for a
 * command that describes itself (its --help). */
int usage_print(FILE *f, const char *command);

/* A usage error of the running command, in the one shape all have:
 * "metactl: CMD: message (metactl help CMD)" on stderr. */
void usage_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
