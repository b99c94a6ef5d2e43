/* test_plan_files.c: the file steps of a plan (plugins/service/plan_files.c). */
#include "buildconf.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugins/service/plan.h"
#include "plugins/service/plan_files.h"
#include "testutil.h"

static char top[64];

static void
setup(void)
{
	snprintf(top, sizeof(top), "/tmp/test_plan_files.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
}

static void
teardown(void)
{
	struct plan_step s = {.kind = PLAN_REMOVE, .path = top};
	char err[256];

	ck_assert_int_eq(plan_file_step(&s, err, sizeof(err)), 0);
}

/* top/rel into buf. */
static const char *
at(char *buf, const char *rel)
{
	snprintf(buf, PATH_MAX, "%s/%s", top, rel);
	return buf;
}

/* Performs the only step of p, clears p; the step's result. */
static int
run1(struct plan *p, char *err, size_t size)
{
	int r;

	ck_assert_uint_eq(p->n, 1);
	r = plan_file_step(&p->steps[0], err, size);
	plan_clear(p);
	return r;
}

static int
do_write(const char *path, const char *text, mode_t mode)
{
	struct plan p = {0};
	char err[256];

	ck_assert_int_eq(plan_write(&p, path, text, strlen(text), mode), 0);
	return run1(&p, err, sizeof(err));
}

static ino_t
inode(const char *path)
{
	struct stat st;

	ck_assert_int_eq(lstat(path, &st), 0);
	return st.st_ino;
}

/* How many entries (. and .. left out) the directory holds. */
static int
entries(const char *dir)
{
	struct dirent *e;
	DIR *d;
	int n = 0;

	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

START_TEST(test_mkdir)
{
	char path[PATH_MAX], err[256];
	struct plan p = {0};
	struct stat st;

	at(path, "a/b/c");
	ck_assert_int_eq(plan_mkdir(&p, path, 0750), 0);
	ck_assert_int_eq(run1(&p, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0750);
	/* Again: the directory is there, its mode is set anew. */
	ck_assert_int_eq(chmod(path, 0700), 0);
	ck_assert_int_eq(plan_mkdir(&p, path, 0755), 0);
	ck_assert_int_eq(run1(&p, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0755);
}
END_TEST

/* A file where a directory should be: the error names that path. */
START_TEST(test_mkdir_over_file)
{
	char path[PATH_MAX], file[PATH_MAX], err[256];
	struct plan p = {0};

	ck_assert_int_eq(do_write(at(file, "f"), "x", 0644), 0);
	ck_assert_int_eq(plan_mkdir(&p, at(path, "f/sub"), 0755), 0);
	ck_assert_int_eq(run1(&p, err, sizeof(err)), -ENOTDIR);
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
}
END_TEST

START_TEST(test_write_and_skip)
{
	char path[PATH_MAX];
	struct stat st;
	ino_t ino;
	char *got;

	at(path, "run");
	ck_assert_int_eq(do_write(path, "#!/bin/sh\n", 0755), 0);
	ck_assert_ptr_nonnull(got = testutil_read_file(path, NULL));
	ck_assert_str_eq(got, "#!/bin/sh\n");
	free(got);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0755);
	/* Same content and mode: the file is left alone (same inode). */
	ino = inode(path);
	ck_assert_int_eq(do_write(path, "#!/bin/sh\n", 0755), 0);
	ck_assert_uint_eq(inode(path), ino);
	/* Another mode: replaced by rename. */
	ck_assert_int_eq(do_write(path, "#!/bin/sh\n", 0700), 0);
	ck_assert_uint_ne(inode(path), ino);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	/* Another content, even of the same length: replaced. */
	ino = inode(path);
	ck_assert_int_eq(do_write(path, "#!/bin/zz\n", 0700), 0);
	ck_assert_uint_ne(inode(path), ino);
	ck_assert_ptr_nonnull(got = testutil_read_file(path, NULL));
	ck_assert_str_eq(got, "#!/bin/zz\n");
	free(got);
	/* Empty content, and no temporary file left beside. */
	ck_assert_int_eq(do_write(path, "", 0600), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_int_eq(entries(top), 1);
}
END_TEST

START_TEST(test_write_error_names_path)
{
	char path[PATH_MAX], err[256];
	struct plan p = {0};

	at(path, "missing/dir/file");
	ck_assert_int_eq(plan_write(&p, path, "x", 1, 0644), 0);
	ck_assert_int_eq(run1(&p, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	ck_assert_msg(strstr(err, strerror(ENOENT)) != NULL, "%s", err);
	ck_assert_int_eq(entries(top), 0);
}
END_TEST

START_TEST(test_symlink_replaces)
{
	char path[PATH_MAX], buf[PATH_MAX], err[256];
	struct plan p = {0};
	ssize_t n;

	at(path, "current");
	ck_assert_int_eq(plan_symlink(&p, "releases/v1", path), 0);
	ck_assert_int_eq(run1(&p, err, sizeof(err)), 0);
	ck_assert_int_eq(n = readlink(path, buf, sizeof(buf) - 1), 11);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "releases/v1");
	/* Over an existing link, then over a regular file. */
	ck_assert_int_eq(plan_symlink(&p, "releases/v2", path), 0);
	ck_assert_int_eq(run1(&p, err, sizeof(err)), 0);
	ck_assert_int_eq(n = readlink(path, buf, sizeof(buf) - 1), 11);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "releases/v2");
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(do_write(path, "x", 0644), 0);
	ck_assert_int_eq(plan_symlink(&p, "/x", path), 0);
	ck_assert_int_eq(run1(&p, err, sizeof(err)), 0);
	ck_assert_int_eq(n = readlink(path, buf, sizeof(buf) - 1), 2);
	ck_assert_int_eq(entries(top), 1);
	/* Into a missing directory: the error names the path. */
	at(path, "none/link");
	ck_assert_int_eq(plan_symlink(&p, "/x", path), 0);
	ck_assert_int_eq(run1(&p, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
}
END_TEST

/*
 * A tree with a link to a directory outside it and a link to a file
 * outside it: the tree goes, what the links point to stays.
 */
START_TEST(test_remove_tree_keeps_outside)
{
	char tree[PATH_MAX], out[PATH_MAX], p1[PATH_MAX], err[256];
	struct plan p = {0};
	struct stat st;

	ck_assert_int_eq(mkdir(at(out, "outside"), 0755), 0);
	ck_assert_int_eq(do_write(at(p1, "outside/keep"), "k", 0644), 0);
	ck_assert_int_eq(mkdir(at(tree, "svc"), 0755), 0);
	ck_assert_int_eq(mkdir(at(p1, "svc/log"), 0755), 0);
	ck_assert_int_eq(mkdir(at(p1, "svc/log/main"), 0755), 0);
	ck_assert_int_eq(
	    do_write(at(p1, "svc/log/main/current"), "l", 0644), 0);
	ck_assert_int_eq(do_write(at(p1, "svc/run"), "r", 0755), 0);
	ck_assert_int_eq(symlink(out, at(p1, "svc/dirlink")), 0);
	ck_assert_int_eq(
	    symlink(at(err, "outside/keep"), at(p1, "svc/flink")), 0);
	ck_assert_int_eq(symlink(out, at(p1, "svc/log/deep")), 0);
	ck_assert_int_eq(mkfifo(at(p1, "svc/fifo"), 0600), 0);

	ck_assert_int_eq(plan_remove(&p, tree), 0);
	ck_assert_int_eq(run1(&p, err, sizeof(err)), 0);
	ck_assert_int_eq(lstat(tree, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(stat(at(p1, "outside/keep"), &st), 0);
	ck_assert_int_eq(entries(out), 1);
	/* Absent is fine. */
	ck_assert_int_eq(plan_remove(&p, tree), 0);
	ck_assert_int_eq(run1(&p, err, sizeof(err)), 0);
}
END_TEST

/* A link given as the path is removed itself, not what it names. */
START_TEST(test_remove_link_and_file)
{
	char out[PATH_MAX], link[PATH_MAX], file[PATH_MAX], err[256];
	struct plan p = {0};
	struct stat st;

	ck_assert_int_eq(mkdir(at(out, "dir"), 0755), 0);
	ck_assert_int_eq(do_write(at(file, "dir/f"), "f", 0644), 0);
	ck_assert_int_eq(symlink(out, at(link, "link")), 0);
	ck_assert_int_eq(plan_remove(&p, link), 0);
	ck_assert_int_eq(run1(&p, err, sizeof(err)), 0);
	ck_assert_int_eq(lstat(link, &st), -1);
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_int_eq(plan_remove(&p, file), 0);
	ck_assert_int_eq(run1(&p, err, sizeof(err)), 0);
	ck_assert_int_eq(lstat(file, &st), -1);
	ck_assert_int_eq(entries(out), 0);
}
END_TEST

START_TEST(test_remove_error_names_path)
{
	char file[PATH_MAX], path[PATH_MAX], err[256];
	struct plan p = {0};

	ck_assert_int_eq(do_write(at(file, "f"), "x", 0644), 0);
	ck_assert_int_eq(plan_remove(&p, at(path, "f/x")), 0);
	ck_assert_int_eq(run1(&p, err, sizeof(err)), -ENOTDIR);
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
}
END_TEST

START_TEST(test_run_step_refused)
{
	static const char *const argv[] = {"/bin/true", NULL};
	struct plan p = {0};
	char err[256];

	ck_assert_int_eq(plan_run(&p, argv, 0, 0, "nothing"), 0);
	p.steps[0].path = strdup("/x");
	ck_assert_int_eq(run1(&p, err, sizeof(err)), -EINVAL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("plan_files");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_mkdir);
	tcase_add_test(tc, test_mkdir_over_file);
	tcase_add_test(tc, test_write_and_skip);
	tcase_add_test(tc, test_write_error_names_path);
	tcase_add_test(tc, test_symlink_replaces);
	tcase_add_test(tc, test_remove_tree_keeps_outside);
	tcase_add_test(tc, test_remove_link_and_file);
	tcase_add_test(tc, test_remove_error_names_path);
	tcase_add_test(tc, test_run_step_refused);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
