/*
 * source.h: reading a policy or groups file into memory, refusing what
 * cannot be a text file (too large, NUL bytes, not a regular file) and a
 * file that someone other than root or the reader could have written
 * (file.h's FILE_TRUSTED).
 */
#ifndef METACTL_POLICY_SOURCE_H
#define METACTL_POLICY_SOURCE_H

#include <stddef.h>

#include "error.h"
#include "policy.h"

#define SOURCE_MAX (1024 * 1024) /* bytes of one file */

/*
 * 0 with *ret (malloc'd, NUL-terminated) and *ret_len, or a negative code
 * (MCE_CONFIG, MCE_FILEPERM, a negated errno) with err (source set to
 * path) filled.
 */
int source_read(
    const char *path, char **ret, size_t *ret_len, struct error *err);

/*
 * Iterates over lines: *pos is where the next line starts; returns 0 at
 * the end, else 1 with [*ret_start, *ret_end) the line without its
 * newline, carriage return and trailing blanks.
 */
int source_next_line(const char *text, size_t len, size_t *pos,
    size_t *ret_start, size_t *ret_end);

/*
 * Calls fn for each line of text with its 1-based number and the error to
 * fill. Without report, stops at the first line in error (err holds it)
 * and returns its code. With report, hands each line's error to it and
 * goes on at the next line (recovery is by line: a line is one rule or
 * one group); err holds the first and its code is returned. -ENOMEM
 * always stops.
 */
int source_each_line(const char *source, const char *text, size_t len,
    int (*fn)(void *ctx, const char *text, size_t start, size_t end, int lineno,
	struct error *err),
    void *ctx, const struct policy_report *report, struct error *err);

#endif
