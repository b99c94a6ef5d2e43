/* util.c: diagnostics shared by the commands. */
#include "buildconf.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "orchestrator/cli.h"

const char *cli_command;
volatile sig_atomic_t cli_interrupted;
int cli_interrupt_armed;

static void
on_interrupt(int sig)
{
	(void)sig;
	cli_interrupted = 1;
}

void
cli_catch_interrupt(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND; /* the second one is not caught */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	cli_interrupt_armed = 1;
}

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
