/*
 * test_log.c: lib/log.c: control bytes from peers never reach a log line
 * raw, UTF-8 does unchanged, and audit records stay valid JSON lines.
 */
#include "buildconf.h"

#include <check.h>
#include <ftw.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "testutil.h"

START_TEST(escape_cases)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"plain text", "plain text"},
	    {"a\nb", "a\\x0ab"},
	    {"\r\t\x1b[31m", "\\x0d\\x09\\x1b[31m"},
	    {"del\x7f", "del\\x7f"},
	    {"\x01\x1f ", "\\x01\\x1f "},
	    {"caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac"},
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = log_escape(cases[i].in, buf, sizeof(buf));

		ck_assert_str_eq(buf, cases[i].out);
		ck_assert_uint_eq(n, strlen(cases[i].out));
	}
}
END_TEST

START_TEST(escape_truncates_whole)
{
	char buf[6];

	/* "ab" fits, "\x0a" would need 4 more bytes than the 3 left. */
	ck_assert_uint_eq(log_escape("ab\ncd", buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "ab");
}
END_TEST

/* What log_warnx() writes to standard error for msg. */
static char *
stderr_line(const char *msg)
{
	char path[] = "/tmp/test_log.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	char *text;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(saved, 0);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	log_init("t", 0, LOG_LEVEL_DEBUG);
	log_warnx("got %s", msg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	text = testutil_read_file(path, NULL);
	unlink(path);
	ck_assert_ptr_nonnull(text);
	return text;
}

START_TEST(stderr_lines_are_escaped)
{
	char *text = stderr_line("id\nmetactld: forged line\x1b[2J\xc3\xa9");

	ck_assert_str_eq(
	    text, "t: got id\\x0ametactld: forged line\\x1b[2J\xc3\xa9\n");
	free(text);
}
END_TEST

START_TEST(audit_lines_are_json)
{
	struct audit_record r = {
	    .time_ms = 1,
	    .id = "a\nb\"c\x01",
	    .caller = "uid=0",
	    .agent = "rpc\x7futil",
	    .action = "p\xc3\xa9ng",
	    .decision = "rejected",
	    .status = 5,
	    .reason = "line\r\nbreak",
	};
	char *line = audit_format(&r);
	json_t *o;
	json_error_t e;

	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_null(strchr(line, '\n'));
	for (const char *p = line; *p != '\0'; p++)
		ck_assert_msg((unsigned char)*p >= 0x20 && *p != 0x7f,
		    "raw control byte in %s", line);
	ck_assert_ptr_nonnull(o = json_loads(line, 0, &e));
	ck_assert_str_eq(json_string_value(json_object_get(o, "id")), r.id);
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "agent")), r.agent);
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "action")), r.action);
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "reason")), r.reason);
	json_decref(o);
	free(line);
}
END_TEST

static const struct audit_record rec = {
    .time_ms = 1, .id = "x", .decision = "allowed"};

/* How many lines the file at path has; -1 when there is none. */
static int
lines(const char *path)
{
	char *text = testutil_read_file(path, NULL);
	int n = 0;

	if (text == NULL)
		return -1;
	for (const char *p = text; *p != '\0'; p++)
		n += *p == '\n';
	free(text);
	return n;
}

static char dir[] = "/tmp/test_log.XXXXXX";

static void
make_dir(void)
{
	strcpy(dir, "/tmp/test_log.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void
remove_dir(void)
{
	nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* name in the test's directory, into path (256 bytes). */
static char *
at(const char *name, char *path)
{
	snprintf(path, 256, "%s/%s", dir, name);
	return path;
}

START_TEST(audit_creates_with_safe_modes)
{
	char path[256], sub[256];
	struct audit *a = NULL;
	struct stat st;

	ck_assert_int_eq(audit_open(at("log/metactl/audit.log", path), &a), 0);
	ck_assert_int_eq(stat(at("log/metactl", sub), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0750);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(audit_write(a, &rec), 0);
	ck_assert_int_eq(lines(path), 1);
	audit_close(a);
}
END_TEST

START_TEST(audit_refuses_links_and_others)
{
	char path[256], target[256];
	struct audit *a = NULL;

	ck_assert_int_eq(
	    symlink(at("target", target), at("audit.log", path)), 0);
	ck_assert_int_eq(audit_open(path, &a), -ELOOP);
	ck_assert_int_eq(access(target, F_OK), -1); /* not created */
	unlink(path);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_lt(audit_open(path, &a), 0); /* and does not hang */
}
END_TEST

/* logrotate moves the file away (and may create a new one): the next
 * record goes to a file at the path, the earlier ones stay in the old. */
START_TEST(audit_follows_rotation)
{
	char path[256], old[256];
	struct audit *a = NULL;

	ck_assert_int_eq(audit_open(at("audit.log", path), &a), 0);
	at("audit.log.1", old);
	ck_assert_int_eq(audit_write(a, &rec), 0);
	ck_assert_int_eq(rename(path, old), 0);
	ck_assert_int_eq(audit_write(a, &rec), 0);
	ck_assert_int_eq(lines(old), 1);
	ck_assert_int_eq(lines(path), 1);
	/* "create": logrotate made the new file itself. */
	ck_assert_int_eq(rename(path, old), 0);
	testutil_write_file(path, "");
	ck_assert_int_eq(audit_write(a, &rec), 0);
	ck_assert_int_eq(lines(path), 1);
	/* audit_reopen (SIGHUP) at the same path. */
	ck_assert_int_eq(rename(path, old), 0);
	ck_assert_int_eq(audit_reopen(a), 0);
	ck_assert_int_eq(lines(path), 0);
	audit_close(a);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, escape_cases);
	tcase_add_test(tc, escape_truncates_whole);
	tcase_add_test(tc, stderr_lines_are_escaped);
	tcase_add_test(tc, audit_lines_are_json);
	tcase_add_checked_fixture(tc, make_dir, remove_dir);
	tcase_add_test(tc, audit_creates_with_safe_modes);
	tcase_add_test(tc, audit_refuses_links_and_others);
	tcase_add_test(tc, audit_follows_rotation);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
