/* util.c: diagnostics shared by the commands. */
#include "buildconf.h"

#include <stdarg.h>
#include <stdio.h>

#include "orchestrator/cli.h"

const char *cli_command;

void
cli_errx(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	if (cli_command != NULL)
		fprintf(stderr, "metactl: %s: ", cli_command);
	else
		fputs("metactl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
