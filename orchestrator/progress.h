/*
 * progress.h: a one-line progress bar on stderr while replies arrive.
 * Drawn only when stderr is a terminal and not disabled (--np).
 */
#ifndef METACTL_ORCH_PROGRESS_H
#define METACTL_ORCH_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct progress {
	FILE *f;
	int drawn;
};

/* 1 when a bar should be drawn on f: enabled and f is a terminal. */
int progress_wanted(FILE *f, int enabled);
/* Formats the bar into buf (no newline); pure, for tests. */
void progress_format(char *buf, size_t size, size_t got, size_t expected,
    int64_t elapsed_ms, int64_t total_ms);
void progress_update(struct progress *p, size_t got, size_t expected,
    int64_t elapsed_ms, int64_t total_ms);
/* Draws text (one line, no newline) in place of the bar. */
void progress_text(struct progress *p, const char *text);
/* Erases the bar. */
void progress_done(struct progress *p);

#endif
