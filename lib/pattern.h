/*
 * pattern.h: compiling an untrusted POSIX extended regular expression
 * without letting regcomp(3) or regexec(3) blow up.
 */
#ifndef METACTL_PATTERN_H
#define METACTL_PATTERN_H

#include <regex.h>

#include "error.h"

#define PATTERN_MAX 256 /* bytes of one regular expression */
#define PATTERN_DEPTH_MAX 32 /* nesting of parentheses */
#define PATTERN_NODES_MAX 1024 /* elements once repetitions are expanded */

/*
 * Compiles src with regcomp(3), REG_EXTENDED added to cflags. Before that
 * it refuses what glibc handles badly: more than PATTERN_MAX bytes,
 * groups nested deeper than PATTERN_DEPTH_MAX, back-references (regexec
 * turns exponential), repetitions that expand to more than
 * PATTERN_NODES_MAX elements (regcomp copies what "+" and "{m,n}"
 * repeat, so ((a+)+)+ or a{9}{9}{9} multiply) and repeating a part that
 * can match the empty string, as (a*)+ (time that grows much faster than
 * the pattern; POSIX leaves "a**" undefined anyway).
 *
 * Returns 0 with re to be released by regfree(), or MCE_INVALID with re
 * untouched and err (may be NULL) filled: err->column is the 1-based byte
 * of src at fault and err->text a whole message, or, when regcomp itself
 * refused src, err->column is 0 and err->text holds regerror's words for
 * the caller to put in its own.
 */
int pattern_compile(
    regex_t *re, const char *src, int cflags, struct error *err);

#endif
