/*
 * testutil.h: what the Check suites share: reading case files, listing
 * the data-driven cases of tests/data/<module>/, comparing JSON and
 * running a suite. Failures to read what a test needs fail the test.
 */
#ifndef METACTL_TESTUTIL_H
#define METACTL_TESTUTIL_H

#include <check.h>
#include <jansson.h>
#include <stddef.h>

/*
 * $top_srcdir/tests/data/<module> ("." when top_srcdir is unset), in a
 * static buffer valid until the next call.
 */
const char *testutil_data_dir(const char *module);

/*
 * The names of the subdirectories of dir, sorted, hidden ones left out:
 * a new array of new strings in *ret, freed by testutil_cases_free().
 * Returns how many; 0 (and *ret NULL) when dir cannot be read. Meant
 * for main(), before the suite runs; aborts when out of memory.
 */
size_t testutil_cases(const char *dir, char ***ret);
void testutil_cases_free(char **cases, size_t n);

/*
 * The whole file at path with a NUL after it, to free(); its length in
 * *ret_len unless that is NULL. NULL when the file cannot be opened.
 */
char *testutil_read_file(const char *path, size_t *ret_len);

/* Writes text to a new or emptied file at path. */
void testutil_write_file(const char *path, const char *text);

/* Cuts the line ends ("\n", "\r") off the end of s. */
void testutil_chomp(char *s);

/*
 * The first line of the file at path, without its line end, into buf;
 * buf is "" for an empty file. 0, or -1 (buf "") when there is no file.
 */
int testutil_first_line(const char *path, char *buf, size_t size);

/*
 * 1 once no process pid exists (polled for up to 2 s: a killed child of
 * an exited shell is reaped by init, not by us), 0 if it is still there.
 */
int testutil_gone(int pid);

/*
 * Fails the test unless got and want dump to the same text with the
 * json_dumps() flags given; name starts the message.
 */
void testutil_json_eq(
    const char *name, const json_t *got, const json_t *want, size_t flags);

/* Runs s (CK_ENV), frees it; the exit status for main: 0 when all passed. */
int testutil_run(Suite *s);
/*
 * testutil_run() for a suite over the data cases of dir, then frees the
 * cases; fails too when there are fewer than min of them, so that a lost
 * data directory cannot pass as an empty one.
 */
int testutil_run_cases(
    Suite *s, const char *dir, char **cases, size_t ncases, size_t min);

#endif
