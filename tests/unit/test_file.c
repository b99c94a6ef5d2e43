/* test_file.c: the whole-file reader and its flags (lib/file.c). */
#include "buildconf.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "testutil.h"

static char tmpdir[64];

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_file.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* path of name in the test directory; a static buffer per slot. */
static const char *
tmp(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

/* Writes len bytes of data to name with mode; returns its path. */
static const char *
put(const char *name, const char *data, size_t len, mode_t mode)
{
	const char *path = tmp(name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

START_TEST(test_read_whole)
{
	const char *p = put("a", "one\ntwo\n", 8, 0644);
	struct error err;
	char *buf = NULL;
	size_t len = 0;

	ck_assert_int_eq(file_read(p, FILE_REGULAR | FILE_TRUSTED | FILE_TEXT,
			     1024, &buf, &len, &err),
	    0);
	ck_assert_uint_eq(len, 8);
	ck_assert_str_eq(buf, "one\ntwo\n");
	free(buf);
	/* Empty files are files. */
	p = put("empty", "", 0, 0600);
	ck_assert_int_eq(file_read(p, FILE_PRIVATE, 16, &buf, &len, &err), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(buf, "");
	free(buf);
	/* A file whose size stat does not tell (0) is read to its end. */
	ck_assert_int_eq(
	    file_read("/proc/self/status", 0, 1 << 20, &buf, &len, &err), 0);
	ck_assert_ptr_nonnull(strstr(buf, "Pid:"));
	ck_assert_uint_eq(strlen(buf), len);
	free(buf);
}
END_TEST

/* max bytes or more are refused; one less is read. */
START_TEST(test_size_cap)
{
	char data[100];
	struct error err;
	char *buf = NULL;
	size_t len;

	memset(data, 'x', sizeof(data));
	put("big", data, sizeof(data), 0644);
	ck_assert_int_eq(file_read(tmp("big"), 0, 101, &buf, &len, &err), 0);
	ck_assert_uint_eq(len, 100);
	free(buf);
	buf = NULL;
	ck_assert_int_eq(
	    file_read(tmp("big"), 0, 100, &buf, &len, &err), -EFBIG);
	ck_assert_ptr_null(buf);
	ck_assert_str_eq(err.source, tmp("big"));
	ck_assert_ptr_nonnull(strstr(err.text, "larger than 99 bytes"));
	/* Without a size from stat, the cap holds while reading. */
	ck_assert_int_eq(
	    file_read("/proc/self/status", 0, 64, &buf, &len, &err), -EFBIG);
	ck_assert_ptr_null(buf);
}
END_TEST

START_TEST(test_not_found_and_not_regular)
{
	struct error err;
	char *buf = NULL;
	size_t len;

	ck_assert_int_eq(
	    file_read(tmp("absent"), 0, 64, &buf, &len, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.text, "cannot open"));
	ck_assert_int_eq(
	    file_read(tmpdir, FILE_REGULAR, 64, &buf, &len, &err), -EINVAL);
	ck_assert_str_eq(err.text, "not a regular file");
	/* A FIFO with no writer must not block the reader. */
	ck_assert_int_eq(mkfifo(tmp("fifo"), 0644), 0);
	ck_assert_int_eq(
	    file_read(tmp("fifo"), FILE_REGULAR, 64, &buf, &len, &err),
	    -EINVAL);
	ck_assert_ptr_null(buf);
}
END_TEST

/* FILE_PRIVATE: any bit for group or others. */
START_TEST(test_private)
{
	static const mode_t refused[] = {0640, 0604, 0610, 0601, 0620, 0644};
	struct error err;
	char *buf = NULL;
	size_t len;

	put("k", "secret\n", 7, 0600);
	ck_assert_int_eq(
	    file_read(tmp("k"), FILE_PRIVATE, 64, &buf, &len, &err), 0);
	free(buf);
	buf = NULL;
	ck_assert_int_eq(chmod(tmp("k"), 0400), 0);
	ck_assert_int_eq(
	    file_read(tmp("k"), FILE_PRIVATE, 64, &buf, &len, &err), 0);
	free(buf);
	buf = NULL;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char mode[8];

		ck_assert_int_eq(chmod(tmp("k"), refused[i]), 0);
		ck_assert_int_eq(
		    file_read(tmp("k"), FILE_PRIVATE, 64, &buf, &len, &err),
		    MCE_KEYPERM);
		ck_assert_ptr_null(buf);
		snprintf(mode, sizeof(mode), "%04o", (unsigned)refused[i]);
		ck_assert_ptr_nonnull(strstr(err.text, mode));
	}
}
END_TEST

/* FILE_TRUSTED: writable by group or others, or another user's file. */
START_TEST(test_trusted)
{
	static const mode_t refused[] = {0664, 0646, 0666, 0620, 0602, 0777};
	static const mode_t accepted[] = {0644, 0640, 0600, 0444, 0755};
	struct error err;
	struct stat st;
	char *buf = NULL;
	size_t len;

	put("c", "[node]\n", 7, 0644);
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		ck_assert_int_eq(chmod(tmp("c"), accepted[i]), 0);
		ck_assert_int_eq(
		    file_read(tmp("c"), FILE_TRUSTED, 64, &buf, &len, &err), 0);
		free(buf);
		buf = NULL;
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char want[64];

		ck_assert_int_eq(chmod(tmp("c"), refused[i]), 0);
		ck_assert_int_eq(
		    file_read(tmp("c"), FILE_TRUSTED, 64, &buf, &len, &err),
		    MCE_FILEPERM);
		ck_assert_ptr_null(buf);
		ck_assert_str_eq(err.source, tmp("c"));
		snprintf(want, sizeof(want),
		    "mode %04o is writable by group or others",
		    (unsigned)refused[i]);
		ck_assert_str_eq(err.text, want);
	}
	/* Another user's file, checked on its status (root can make one). */
	ck_assert_int_eq(chmod(tmp("c"), 0644), 0);
	ck_assert_int_eq(stat(tmp("c"), &st), 0);
	ck_assert_int_eq(file_check_trusted(&st, &err), 0);
	st.st_uid = geteuid() + 1;
	if (st.st_uid == 0)
		st.st_uid = 2;
	ck_assert_int_eq(file_check_trusted(&st, &err), MCE_FILEPERM);
	ck_assert_ptr_nonnull(strstr(err.text, "owned by uid "));
	ck_assert_ptr_nonnull(strstr(err.text, "mode 0644"));
	/* root's files are trusted whoever reads them. */
	st.st_uid = 0;
	ck_assert_int_eq(file_check_trusted(&st, &err), 0);
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(tmp("c"), 65534, 0), 0);
		ck_assert_int_eq(
		    file_read(tmp("c"), FILE_TRUSTED, 64, &buf, &len, &err),
		    MCE_FILEPERM);
		ck_assert_ptr_nonnull(strstr(err.text, "owned by uid 65534"));
	}
}
END_TEST

/* FILE_TEXT: a NUL byte, at its line and column. */
START_TEST(test_text)
{
	struct error err;
	char *buf = NULL;
	size_t len;

	put("t", "ab\ncd\0ef\n", 9, 0644);
	ck_assert_int_eq(file_read(tmp("t"), 0, 64, &buf, &len, &err), 0);
	ck_assert_uint_eq(len, 9);
	free(buf);
	buf = NULL;
	ck_assert_int_eq(
	    file_read(tmp("t"), FILE_TEXT, 64, &buf, &len, &err), MCE_CONFIG);
	ck_assert_ptr_null(buf);
	ck_assert_int_eq(err.line, 2);
	ck_assert_int_eq(err.column, 3);
	ck_assert_str_eq(err.text, "NUL byte in file");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("file");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_read_whole);
	tcase_add_test(tc, test_size_cap);
	tcase_add_test(tc, test_not_found_and_not_regular);
	tcase_add_test(tc, test_private);
	tcase_add_test(tc, test_trusted);
	tcase_add_test(tc, test_text);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
