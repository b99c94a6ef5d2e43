/* progress.c: see progress.h. */
#include "buildconf.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "orchestrator/progress.h"

#define BAR_WIDTH 30

int
progress_wanted(FILE *f, int enabled)
{
	return enabled && isatty(fileno(f));
}

void
progress_format(char *buf, size_t size, size_t got, size_t expected,
    int64_t elapsed_ms, int64_t total_ms)
{
	char bar[BAR_WIDTH + 1];
	size_t fill, i;

	/* With a known node count the bar shows replies, else time. */
	if (expected > 0)
		fill = got >= expected ? BAR_WIDTH : got * BAR_WIDTH / expected;
	else if (total_ms > 0 && elapsed_ms > 0)
		fill = elapsed_ms >= total_ms
		    ? BAR_WIDTH
		    : (size_t)(elapsed_ms * BAR_WIDTH / total_ms);
	else
		fill = 0;
	for (i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '=' : ' ';
	bar[BAR_WIDTH] = '\0';
	if (expected > 0)
		snprintf(buf, size, "[%s] %zu/%zu  %.1fs", bar, got, expected,
		    (double)elapsed_ms / 1000.0);
	else
		snprintf(buf, size, "[%s] %zu  %.1fs", bar, got,
		    (double)elapsed_ms / 1000.0);
}

void
progress_update(struct progress *p, size_t got, size_t expected,
    int64_t elapsed_ms, int64_t total_ms)
{
	char buf[128];

	progress_format(buf, sizeof(buf), got, expected, elapsed_ms, total_ms);
	progress_text(p, buf);
}

void
progress_text(struct progress *p, const char *text)
{
	fprintf(p->f, "\r%s\033[K", text);
	fflush(p->f);
	p->drawn = 1;
}

void
progress_done(struct progress *p)
{
	if (p->drawn) {
		fputs("\r\033[K", p->f);
		fflush(p->f);
		p->drawn = 0;
	}
}
