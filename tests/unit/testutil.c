/* testutil.c: see testutil.h. */
#include "buildconf.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "file.h"
#include "testutil.h"

const char *
testutil_data_dir(const char *module)
{
	static char dir[4096];
	const char *top = getenv("top_srcdir");

	snprintf(dir, sizeof(dir), "%s/tests/data/%s", top != NULL ? top : ".",
	    module);
	return dir;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t
testutil_cases(const char *dir, char ***ret)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat st;
	char path[8192];
	char **cases = NULL;
	size_t n = 0;

	*ret = NULL;
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.' || stat(path, &st) != 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		/* called from main, outside any test: no ck_assert here */
		if ((cases = realloc(cases, (n + 1) * sizeof(*cases))) ==
			NULL ||
		    (cases[n] = strdup(de->d_name)) == NULL)
			abort();
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(cases, n, sizeof(*cases), name_cmp);
	*ret = cases;
	return n;
}

void
testutil_cases_free(char **cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(cases[i]);
	free(cases);
}

char *
testutil_read_file(const char *path, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	int r = file_read(path, 0, SIZE_MAX, &buf, &len, NULL);

	if (r == -ENOENT || r == -ENOTDIR || r == -EACCES)
		return NULL; /* what fopen() could not open */
	ck_assert_msg(r == 0, "%s: %s", path, error_str(r));
	if (ret_len != NULL)
		*ret_len = len;
	return buf;
}

void
testutil_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

void
testutil_chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

int
testutil_gone(int pid)
{
	for (int i = 0; i < 400; i++) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return 1;
		usleep(5000);
	}
	return 0;
}

int
testutil_first_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f == NULL)
		return -1;
	if (fgets(buf, (int)size, f) == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	fclose(f);
	return 0;
}

void
testutil_json_eq(
    const char *name, const json_t *got, const json_t *want, size_t flags)
{
	char *a = json_dumps(got, flags);
	char *b = json_dumps(want, flags);

	ck_assert_msg(a != NULL && b != NULL && strcmp(a, b) == 0,
	    "%s:\n got  %s\n want %s", name, a != NULL ? a : "(null)",
	    b != NULL ? b : "(null)");
	free(a);
	free(b);
}

int
testutil_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

int
testutil_run_cases(
    Suite *s, const char *dir, char **cases, size_t ncases, size_t min)
{
	int failed = testutil_run(s);

	testutil_cases_free(cases, ncases);
	if (ncases < min) {
		printf("# only %zu data cases in %s\n", ncases, dir);
		return 1;
	}
	return failed;
}
