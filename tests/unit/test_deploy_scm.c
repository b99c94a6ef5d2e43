/* test_deploy_scm.c: the deploy agent's git argv and URL checks
 * (plugins/deploy/scm.c) and its state files (plugins/deploy/state.c). */
#include "buildconf.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strv.h"
#include "testutil.h"
#include "plugins/deploy/scm.h"
#include "plugins/deploy/state.h"
#include "plugins/service/plan_files.h"

START_TEST(test_url_accepted)
{
	static const char *const ok[] = {"/srv/git/app.git",
	    "file:///srv/git/app.git", "https://git.example.net/app.git",
	    "ssh://git@git.example.net/app.git", "git@git.example.net:app.git",
	    "svn://svn.example.net/app", "svn+ssh://svn.example.net/app",
	    "svn+https://svn.example.net/app", "svn+file:///srv/svn/app", NULL};
	char why[256];

	for (size_t i = 0; ok[i] != NULL; i++)
		ck_assert_msg(scm_url_ok(ok[i], why, sizeof(why)) == 0,
		    "%s: %s", ok[i], why);
}
END_TEST

START_TEST(test_url_refused)
{
	static const char *const bad[] = {"", "--upload-pack=touch /tmp/x",
	    "-u", "ext::sh -c touch% /tmp/x", "fd::17", "transport::https://x",
	    "http://git.example.net/app.git", "git://git.example.net/app.git",
	    "relative/path", "https://x/a b", "https://x/\n", NULL};
	char why[256];

	for (size_t i = 0; bad[i] != NULL; i++) {
		why[0] = '\0';
		ck_assert_msg(scm_url_ok(bad[i], why, sizeof(why)) == -EINVAL,
		    "accepted: %s", bad[i]);
		ck_assert_ptr_nonnull(strstr(why, "repository"));
	}
	scm_url_ok("ext::sh", why, sizeof(why));
	ck_assert_ptr_nonnull(strstr(why, "remote helper"));
	ck_assert_int_eq(scm_url_ok(NULL, why, sizeof(why)), -EINVAL);
}
END_TEST

/* The index of word in v, or -1. */
static int
word_at(char **v, const char *word)
{
	for (int i = 0; v[i] != NULL; i++)
		if (strcmp(v[i], word) == 0)
			return i;
	return -1;
}

START_TEST(test_fetch_argv)
{
	char **v = scm_fetch_argv("/a/state/repo.git", "-x", "v1.2");
	int dd;

	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v[0], "git");
	ck_assert_int_ge(word_at(v, "protocol.allow=never"), 0);
	ck_assert_int_ge(word_at(v, "core.hooksPath=/dev/null"), 0);
	ck_assert_int_ge(word_at(v, "--git-dir=/a/state/repo.git"), 0);
	dd = word_at(v, "--");
	ck_assert_int_gt(dd, 0);
	/* Whatever the URL looks like, it comes after "--". */
	ck_assert_int_eq(word_at(v, "-x"), dd + 1);
	ck_assert_str_eq(v[dd + 2], "+refs/tags/v1.2:refs/tags/v1.2");
	ck_assert_ptr_null(v[dd + 3]);
	strv_free(v);

	v = scm_checkout_argv("/a/state/repo.git", "/a/releases/.v1.new", "v1");
	ck_assert_int_ge(word_at(v, "--work-tree=/a/releases/.v1.new"), 0);
	ck_assert_int_ge(word_at(v, "refs/tags/v1"), 0);
	strv_free(v);
	v = scm_env_index("/a/state/index.new");
	ck_assert_int_ge(word_at(v, "GIT_INDEX_FILE=/a/state/index.new"), 0);
	ck_assert_int_ge(word_at(v, "GIT_TERMINAL_PROMPT=0"), 0);
	strv_free(v);
}
END_TEST

START_TEST(test_svn_argv)
{
	char **v = scm_svn_export_argv(
	    "svn+https://svn.example.net/app", "v1", "/a/releases/.v1.new");

	ck_assert(scm_is_svn("svn+https://svn.example.net/app"));
	ck_assert(!scm_is_svn("https://svn.example.net/app"));
	ck_assert_str_eq(v[0], "svn");
	ck_assert_int_ge(word_at(v, "--non-interactive"), 0);
	ck_assert_int_eq(word_at(v, "https://svn.example.net/app/tags/v1@"),
	    word_at(v, "--") + 1);
	ck_assert_str_eq(v[word_at(v, "--") + 2], "/a/releases/.v1.new");
	strv_free(v);
	v = scm_svn_export_argv("svn://h/app", "v2", "/d");
	ck_assert_int_ge(word_at(v, "svn://h/app/tags/v2@"), 0);
	strv_free(v);
}
END_TEST

START_TEST(test_journal)
{
	char dir[] = "/tmp/test_deploy.XXXXXX", err[256];
	struct journal j = {.action = "deploy",
			   .tag = "v2",
			   .previous = "v1",
			   .caller = "cert=alice",
			   .since = 1800000000,
			   .step = "build"},
		       k;
	struct plan_step rm = {.kind = PLAN_REMOVE, .path = dir};
	json_t *rec;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(journal_read(dir, &k), -ENOENT);
	ck_assert_int_eq(journal_write(dir, &j, err, sizeof(err)), 0);
	ck_assert_int_eq(journal_read(dir, &k), 0);
	ck_assert_str_eq(k.tag, "v2");
	ck_assert_str_eq(k.previous, "v1");
	ck_assert_str_eq(k.caller, "cert=alice");
	ck_assert_int_eq(k.since, 1800000000);
	ck_assert_int_eq(journal_switched(&k), 0);
	snprintf(j.step, sizeof(j.step), "restart");
	j.previous[0] = '\0';
	ck_assert_int_eq(journal_write(dir, &j, err, sizeof(err)), 0);
	ck_assert_int_eq(journal_read(dir, &k), 0);
	ck_assert_int_eq(journal_switched(&k), 1);
	ck_assert_str_eq(k.previous, "");
	ck_assert_int_eq(journal_clear(dir, err, sizeof(err)), 0);
	ck_assert_int_eq(journal_read(dir, &k), -ENOENT);

	rec = records_load(dir);
	ck_assert(json_is_object(rec) && json_object_size(rec) == 0);
	json_object_set_new(rec, "current", json_string("v2"));
	ck_assert_int_eq(records_save(dir, rec, err, sizeof(err)), 0);
	json_decref(rec);
	rec = records_load(dir);
	ck_assert_str_eq(
	    json_string_value(json_object_get(rec, "current")), "v2");
	json_decref(rec);
	ck_assert_int_eq(plan_file_step(&rm, err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_time_iso)
{
	char buf[32];

	time_iso(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("deploy_scm");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_url_accepted);
	tcase_add_test(tc, test_url_refused);
	tcase_add_test(tc, test_fetch_argv);
	tcase_add_test(tc, test_svn_argv);
	tcase_add_test(tc, test_journal);
	tcase_add_test(tc, test_time_iso);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
