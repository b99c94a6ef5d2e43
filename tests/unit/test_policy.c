/*
 * test_policy.c: the action policy. Each directory of tests/data/policy
 * is one case (see the README there); the tests below cover the API
 * edges the data cannot reach.
 */
#include "buildconf.h"

#include <check.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <regex.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <execinfo.h>

#include "policy/policy.h"
#include "testutil.h"

#define CLASSES_MAX 64

/*
 * An allocator that fails on the Nth call, to walk every out-of-memory
 * path (jansson's test_chaos.c does the same). It replaces glibc's
 * malloc family, which glibc supports and uses for its own calls
 * (strdup, regcomp, opendir), and counts live blocks so that a failed
 * load is seen to free everything. Sanitizers bring their own malloc, so
 * there the test is skipped.
 */
#if defined(__SANITIZE_ADDRESS__)
#define CHAOS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define CHAOS 0
#endif
#endif
#ifndef CHAOS
#define CHAOS 1
#endif

#if CHAOS
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

static long chaos_countdown = -1; /* calls before the failure; -1: none */
static int chaos_failed;
static int chaos_counting;
static long chaos_live;

static int chaos_in_regex;

static int
chaos_fail(void)
{
	if (chaos_countdown < 0 || chaos_in_regex)
		return 0;
	if (chaos_countdown-- == 0) {
		chaos_failed = 1;
		if (getenv("CHAOS_DEBUG")) {
			void *bt[20];
			fprintf(stderr, "FAIL at %ld\n", chaos_countdown);
			int k = backtrace(bt, 20);
			backtrace_symbols_fd(bt, k, 2);
		}
		return 1;
	}
	return 0;
}

void *
malloc(size_t n)
{
	void *p = chaos_fail() ? NULL : __libc_malloc(n);

	if (p != NULL && chaos_counting)
		chaos_live++;
	return p;
}

void *
calloc(size_t n, size_t size)
{
	void *p = chaos_fail() ? NULL : __libc_calloc(n, size);

	if (p != NULL && chaos_counting)
		chaos_live++;
	return p;
}

void *
realloc(void *old, size_t n)
{
	void *p;

	if (chaos_fail())
		return NULL;
	p = __libc_realloc(old, n);
	if (chaos_counting && old == NULL && p != NULL)
		chaos_live++;
	return p;
}

/*
 * glibc's regcomp leaks when its own allocations fail, so failures are
 * not injected inside the regex functions; ours are tested around them.
 */
int
regcomp(regex_t *re, const char *src, int flags)
{
	static int (*real)(regex_t *, const char *, int);
	int rc;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "regcomp");
	chaos_in_regex++;
	rc = real(re, src, flags);
	chaos_in_regex--;
	return rc;
}

int
regexec(const regex_t *re, const char *s, size_t n, regmatch_t m[n], int flags)
{
	static int (*real)(
	    const regex_t *, const char *, size_t, regmatch_t[], int);
	int rc;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "regexec");
	chaos_in_regex++;
	rc = real(re, s, n, m, flags);
	chaos_in_regex--;
	return rc;
}

void
free(void *p)
{
	if (p != NULL && chaos_counting)
		chaos_live--;
	__libc_free(p);
}
#endif

static char **cases;
static size_t ncases;

/* Drops "dir/" in front of s when it is there. */
static const char *
strip_dir(const char *s, const char *dir)
{
	size_t n = strlen(dir);

	if (strncmp(s, dir, n) == 0 && s[n] == '/')
		return s + n + 1;
	return s;
}

static int
opt_int(const json_t *req, const char *key, int def)
{
	const json_t *v = json_object_get(json_object_get(req, "options"), key);

	return json_is_boolean(v) ? json_is_true(v) : def;
}

START_TEST(data_case)
{
	const char *name = cases[_i];
	char dir[8192], path[8300], buf[1024];
	const char *classes[CLASSES_MAX];
	struct policy_options o = {0};
	struct policy_request r = {0};
	struct filter_subject node = {0};
	struct policy_decision d;
	struct policy_set *set = NULL;
	struct error err;
	json_error_t jerr;
	json_t *req, *v;
	char expected[1024];
	size_t i;
	int rc;

	snprintf(dir, sizeof(dir), "%s/%s", testutil_data_dir("policy"), name);
	snprintf(path, sizeof(path), "%s/expected", dir);
	ck_assert_msg(
	    testutil_first_line(path, expected, sizeof(expected)) == 0 &&
		expected[0] != '\0',
	    "%s: no expected file", name);
	snprintf(path, sizeof(path), "%s/request", dir);
	req = json_load_file(path, 0, &jerr);
	ck_assert_msg(req != NULL, "%s: %s", path, jerr.text);

	o.dir = dir;
	o.default_name = json_string_value(
	    json_object_get(json_object_get(req, "options"), "default_name"));
	if (o.default_name == NULL)
		o.default_name = "default";
	o.enable_default = opt_int(req, "enable_default", 1);
	o.allow_unconfigured = opt_int(req, "allow_unconfigured", 0);
	r.caller = json_string_value(json_object_get(req, "caller"));
	r.agent = json_string_value(json_object_get(req, "agent"));
	r.action = json_string_value(json_object_get(req, "action"));
	r.data = json_object_get(req, "args");
	node.identity = json_string_value(json_object_get(req, "identity"));
	node.facts = json_object_get(req, "facts");
	json_array_foreach(json_object_get(req, "classes"), i, v)
	{
		ck_assert(i < CLASSES_MAX);
		classes[node.nclasses++] = json_string_value(v);
	}
	node.classes = classes;
	r.node = &node;

	rc = policy_set_load(&o, &set, &err);
	error_format(&err, buf, sizeof(buf));
	if (strncmp(expected, "error ", 6) == 0) {
		const char *want = expected + 6, *colon;
		const char *got = strip_dir(buf, dir);

		ck_assert_msg(
		    rc != 0, "%s: loaded, expected %s", name, expected);
		ck_assert_ptr_null(set);
		/* FILE:LINE:COL exactly, then optionally a substring */
		colon = strstr(want, ": ");
		if (colon == NULL)
			colon = want + strlen(want);
		ck_assert_msg(strncmp(got, want, (size_t)(colon - want)) == 0 &&
			got[colon - want] == ':',
		    "%s: error '%s', expected '%s'", name, got, want);
		if (*colon != '\0')
			ck_assert_msg(strstr(got, colon + 2) != NULL,
			    "%s: error '%s' lacks '%s'", name, got, colon + 2);
	} else {
		char got[1024];

		ck_assert_msg(rc == 0, "%s: %s", name, buf);
		ck_assert_int_eq(policy_check(set, &r, &d), 0);
		/* the origin goes to remote callers: the base name only */
		snprintf(got, sizeof(got), "%s %s",
		    d.allowed ? "allow" : "deny", d.origin);
		ck_assert_msg(strcmp(got, expected) == 0,
		    "%s: got '%s', expected '%s'", name, got, expected);
		ck_assert_msg(strchr(d.origin, '/') == NULL,
		    "%s: origin '%s' names a directory", name, d.origin);
		/* the structured fields agree with the origin, and keep the
		 * full path for the node's own log */
		if (d.file[0] != '\0') {
			ck_assert_msg(strncmp(d.file, dir, strlen(dir)) == 0,
			    "%s: file '%s' not under %s", name, d.file, dir);
			ck_assert_ptr_nonnull(
			    strstr(d.origin, strip_dir(d.file, dir)));
		}
		if (strcmp(d.origin, "allow_unconfigured") == 0)
			ck_assert_str_eq(d.file, "");
	}
	policy_set_free(set);
	json_decref(req);
}
END_TEST

START_TEST(data_cases_present)
{
	ck_assert_msg(ncases >= 30, "only %zu cases in %s", ncases,
	    testutil_data_dir("policy"));
}
END_TEST

/* A scratch policy directory with one file. */
static char scratch[] = "/tmp/test_policy.XXXXXX";

static void
write_file(const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", scratch, name);
	testutil_write_file(path, text);
}

static void
remove_file(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", scratch, name);
	unlink(path);
}

START_TEST(missing_dir_is_an_error)
{
	struct policy_options o = {.dir = "/nonexistent/policy"};
	struct policy_set *s = (struct policy_set *)1;
	struct error err;

	ck_assert_int_lt(policy_set_load(&o, &s, &err), 0);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err.source, "/nonexistent/policy");
	ck_assert_ptr_nonnull(strstr(err.text, "cannot open"));
	o.dir = NULL;
	ck_assert_int_lt(policy_set_load(&o, &s, &err), 0);
	ck_assert_int_lt(policy_set_load(NULL, &s, &err), 0);
}
END_TEST

START_TEST(request_without_action_is_denied)
{
	struct policy_options o = {.dir = scratch, .allow_unconfigured = 1};
	struct policy_request r = {.caller = "uid=0", .agent = "rpcutil"};
	struct policy_decision d;
	struct policy_set *s;
	struct error err;

	ck_assert_int_eq(policy_set_load(&o, &s, &err), 0);
	ck_assert_int_eq(policy_check(s, &r, &d), MCE_INVALID);
	ck_assert_int_eq(d.allowed, 0);
	r.action = "ping";
	ck_assert_int_eq(policy_check(s, &r, &d), 0);
	ck_assert_int_eq(d.allowed, 1);
	/* no node, no data: rules that need them do not match */
	policy_set_free(s);
	write_file("rpcutil.policy",
	    "policy default allow\n"
	    "deny\t*\tping(x=1)\t*\n"
	    "deny\t*\t*\trole=web\n");
	ck_assert_int_eq(policy_set_load(&o, &s, &err), 0);
	ck_assert_int_eq(policy_check(s, &r, &d), 0);
	ck_assert_int_eq(d.allowed, 1);
	ck_assert_int_eq(d.line, 0);
	r.caller = NULL;
	ck_assert_int_eq(policy_check(s, &r, &d), 0);
	ck_assert_int_eq(d.allowed, 1);
	policy_set_free(s);
	remove_file("rpcutil.policy");
	policy_set_free(NULL);
}
END_TEST

/* What lint reports: every error, in order. */
struct reported {
	int n;
	int line[8], column[8];
	char text[8][256];
};

static void
collect(const struct error *err, void *arg)
{
	struct reported *r = arg;

	if (r->n < 8) {
		r->line[r->n] = err->line;
		r->column[r->n] = err->column;
		snprintf(r->text[r->n], sizeof(r->text[0]), "%s", err->text);
	}
	r->n++;
}

START_TEST(lint_reports_every_error)
{
	struct reported got = {0};
	struct policy_report report = {.fn = collect, .arg = &got};
	char path[256];
	struct error err;

	write_file("groups", "admins cert=alice\nops alice\nadmins uid=1\n");
	snprintf(path, sizeof(path), "%s/groups", scratch);
	ck_assert_int_eq(policy_lint_file(path, &report, &err), MCE_CONFIG);
	ck_assert_int_eq(got.n, 2);
	ck_assert_int_eq(got.line[0], 2);
	ck_assert_int_eq(got.line[1], 3);
	ck_assert_ptr_nonnull(strstr(got.text[1], "defined twice"));
	/* err holds the first, as without report */
	ck_assert_int_eq(err.line, 2);
	ck_assert_int_eq(err.column, 5);

	write_file("groups", "admins cert=alice\n");
	write_file("a.policy",
	    "policy default deny\n"
	    "allow\tops\t*\t*\n"
	    "allow\tadmins\t*\t*\n"
	    "allow uid=1 * * *\n"
	    "allow\tadmins\t*\tcpus>>3\n"
	    "allow\tadmins\tstatus\tcpus=<3\tweb\n"
	    "policy default maybe\n"
	    "deny\tuid=2\t*\t*\n");
	snprintf(path, sizeof(path), "%s/a.policy", scratch);
	memset(&got, 0, sizeof(got));
	ck_assert_int_eq(policy_lint_file(path, &report, &err), MCE_CONFIG);
	ck_assert_int_eq(got.n, 5);
	ck_assert_int_eq(got.line[0], 2);
	ck_assert_int_eq(got.column[0], 7);
	ck_assert_ptr_nonnull(strstr(got.text[0], "unknown group 'ops'"));
	ck_assert_int_eq(got.line[1], 4);
	ck_assert_int_eq(got.column[1], 6);
	ck_assert_int_eq(got.line[2], 5);
	ck_assert_int_eq(got.column[2], 20);
	ck_assert_ptr_nonnull(strstr(got.text[2], "unknown operator '>>'"));
	ck_assert_int_eq(got.line[3], 6);
	ck_assert_int_eq(got.column[3], 25);
	ck_assert_ptr_nonnull(strstr(got.text[3], "unknown operator '=<'"));
	ck_assert_int_eq(got.line[4], 7);
	ck_assert_int_eq(err.line, 2);
	/* without report: the first only, and the same code */
	ck_assert_int_eq(policy_lint_file(path, NULL, &err), MCE_CONFIG);
	ck_assert_int_eq(err.line, 2);
	remove_file("a.policy");
	remove_file("groups");
}
END_TEST

START_TEST(lint_reports_file_line_column)
{
	char path[256];
	struct error err;

	write_file("groups", "admins cert=alice\n");
	write_file("a.policy", "allow\tadmins\t*\t*\n");
	snprintf(path, sizeof(path), "%s/a.policy", scratch);
	ck_assert_int_eq(policy_lint_file(path, NULL, &err), 0);
	write_file("a.policy", "# x\nallow\tops\t*\t*\n");
	ck_assert_int_eq(policy_lint_file(path, NULL, &err), MCE_CONFIG);
	ck_assert_str_eq(err.source, path);
	ck_assert_int_eq(err.line, 2);
	ck_assert_int_eq(err.column, 7);
	ck_assert_ptr_nonnull(strstr(err.text, "unknown group 'ops'"));
	/* the groups file itself */
	write_file("groups", "admins alice\n");
	snprintf(path, sizeof(path), "%s/groups", scratch);
	ck_assert_int_eq(policy_lint_file(path, NULL, &err), MCE_CONFIG);
	ck_assert_int_eq(err.line, 1);
	ck_assert_int_eq(err.column, 8);
	remove_file("groups");
	snprintf(path, sizeof(path), "%s/absent.policy", scratch);
	ck_assert_int_eq(policy_lint_file(path, NULL, &err), -ENOENT);
	ck_assert_int_lt(policy_lint_file(scratch, NULL, &err), 0);
	remove_file("a.policy");
}
END_TEST

/* A broken reload leaves nothing behind; the caller keeps its old set. */
START_TEST(broken_reload_returns_nothing)
{
	struct policy_options o = {.dir = scratch};
	struct policy_request r = {
	    .caller = "uid=500", .agent = "svc", .action = "restart"};
	struct policy_decision d;
	struct policy_set *old, *s = NULL;
	struct error err;

	write_file("svc.policy", "allow\tuid=500\t*\t*\n");
	ck_assert_int_eq(policy_set_load(&o, &old, &err), 0);
	write_file("svc.policy", "allow uid=500 * *\n");
	ck_assert_int_eq(policy_set_load(&o, &s, &err), MCE_CONFIG);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(err.line, 1);
	ck_assert_int_eq(err.column, 6);
	ck_assert_int_eq(policy_check(old, &r, &d), 0);
	ck_assert_int_eq(d.allowed, 1);
	ck_assert_int_eq(d.line, 1);
	policy_set_free(old);
	remove_file("svc.policy");
}
END_TEST

START_TEST(hostile_files)
{
	struct policy_options o = {.dir = scratch};
	struct policy_set *s = NULL;
	struct error err;
	char *big;

	write_file("nul.policy", "policy default allow\n");
	/* NUL byte */
	{
		char path[256];
		FILE *f;

		snprintf(path, sizeof(path), "%s/nul.policy", scratch);
		f = fopen(path, "w");
		fwrite("allow\t*\t*\t*\n#\0x\n", 1, 16, f);
		fclose(f);
	}
	ck_assert_int_eq(policy_set_load(&o, &s, &err), MCE_CONFIG);
	ck_assert_int_eq(err.line, 2);
	ck_assert_int_eq(err.column, 2);
	remove_file("nul.policy");
	/* deeply nested compound */
	big = malloc(20000);
	memcpy(big, "allow\t*\t*\t", 10);
	memset(big + 10, '(', 5000);
	strcpy(big + 5010, "x\n");
	write_file("deep.policy", big);
	ck_assert_int_eq(policy_set_load(&o, &s, &err), MCE_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.text, "nested deeper"));
	remove_file("deep.policy");
	free(big);
	/* a directory named like a policy */
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/dir.policy", scratch);
		ck_assert_int_eq(mkdir(path, 0700), 0);
		ck_assert_int_eq(policy_set_load(&o, &s, &err), MCE_CONFIG);
		ck_assert_ptr_nonnull(strstr(err.text, "not a regular file"));
		rmdir(path);
	}
}
END_TEST

/* Every allocation of a load may fail: an error, never a crash or leak. */
START_TEST(out_of_memory)
{
#if CHAOS
	const char *classes[] = {"acme::devserver"};
	struct filter_subject node = {.classes = classes, .nclasses = 1};
	struct policy_options o = {
	    .dir = scratch, .default_name = "default", .enable_default = 1};
	struct policy_request r = {.caller = "cert=bob",
	    .agent = "service",
	    .action = "restart",
	    .node = &node};
	json_t *args = json_pack("{s:s}", "app", "shop-web");
	json_t *filter = json_loads(
	    "{\"fact\":[{\"fact\":\"a\",\"operator\":\"<\",\"value\":1}],"
	    "\"class\":[\"/^acme/\"],\"identity\":[\"x\"],"
	    "\"compound\":\"(a=1 or /b/) and not c=~d\"}",
	    0, NULL);
	struct policy_decision d;
	struct error err;
	long n;

	write_file("groups", "shop cert=alice cert=bob\nops uid=0\n");
	write_file("service.policy",
	    "policy default deny\n"
	    "deny\tcert=bob\trestart(app=shop-pay, mode=/x/)\t*\n"
	    "allow\tshop ops\trestart(app=/^shop-/) status\t"
	    "(customer=acme or acme::devserver) and !x\n"
	    "allow\tuid=600\t*\tcustomer=acme cpus>2\t/^acme::/ web\n");
	write_file("default.policy", "allow\t*\t*\t*\n");
	r.data = args;
	(void)error_str(-ENOMEM); /* gettext caches its catalogue once */
	/* n = -1: a first run without failures, so that what glibc sets up
	 * once (locale data for regcomp, stdio) is not counted as a leak */
	for (n = -1; n < 100000; n++) {
		struct policy_set *s = NULL;
		json_t *f2;
		int rc;

		chaos_failed = 0;
		chaos_live = 0;
		chaos_counting = n >= 0;
		chaos_countdown = n;
		rc = policy_set_load(&o, &s, &err);
		if (rc == 0) {
			policy_check(s, &r, &d);
			policy_set_free(s);
		} else {
			ck_assert_ptr_null(s);
			ck_assert_msg(err.text[0] != '\0',
			    "failing allocation %ld: rc %d, no error text", n,
			    rc);
		}
		filter_validate(filter, &err);
		filter_match(filter, &node);
		if ((f2 = json_object()) != NULL) {
			filter_add_fact(f2, "a>=/x/", &err);
			filter_add_class(f2, "/^a/", &err);
			filter_set_compound(f2, "a=1", &err);
			filter_set_compound(f2, "b", &err);
			json_decref(f2);
		}
		chaos_countdown = -1;
		chaos_counting = 0;
		ck_assert_msg(chaos_live == 0,
		    "failing allocation %ld leaks %ld blocks", n, chaos_live);
		if (n >= 0 && !chaos_failed)
			break;
	}
	ck_assert_msg(n > 50, "only %ld allocations", n);
	json_decref(filter);
	json_decref(args);
	remove_file("groups");
	remove_file("service.policy");
	remove_file("default.policy");
#endif
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("policy");
	int failed;

	/* TAP for automake's driver, also when run by hand */
	setenv("CK_TAP_LOG_FILE_NAME", "-", 0);
	setenv("CK_VERBOSITY", "silent", 0);
	if (mkdtemp(scratch) == NULL)
		return 99;
	ncases = testutil_cases(testutil_data_dir("policy"), &cases);
	tcase_add_test(tc, data_cases_present);
	tcase_add_loop_test(tc, data_case, 0, (int)ncases);
	tcase_add_test(tc, missing_dir_is_an_error);
	tcase_add_test(tc, request_without_action_is_denied);
	tcase_add_test(tc, lint_reports_file_line_column);
	tcase_add_test(tc, lint_reports_every_error);
	tcase_add_test(tc, broken_reload_returns_nothing);
	tcase_add_test(tc, hostile_files);
	tcase_add_test(tc, out_of_memory);
	suite_add_tcase(s, tc);
	failed = testutil_run(s);
	rmdir(scratch);
	testutil_cases_free(cases, ncases);
	return failed;
}
