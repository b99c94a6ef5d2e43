/*
 * test_config.c: INI parsing, layering, interpolation, typed getters and
 * the data-driven cases of tests/data/config/<case>/: layer1.ini,
 * layer2.ini ... applied in order, an optional env_section (default
 * "env"), and expected (config_to_json after interpolation) or error (a
 * substring of "file:line:col: text").
 */
#include "buildconf.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "strv.h"
#include "testutil.h"

static struct config *
load(const char *text)
{
	struct config *c = config_new();
	struct error err;
	char buf[512];
	int r;

	ck_assert_ptr_nonnull(c);
	r = config_load_string(c, "t.ini", text, strlen(text), &err);
	ck_assert_msg(r == 0, "%s", error_format(&err, buf, sizeof(buf)));
	return c;
}

/* Loads text as one layer of c and returns the formatted error. */
static const char *
load_error(
    struct config *c, const char *text, size_t len, char *buf, size_t size)
{
	struct error err;

	ck_assert_int_eq(
	    config_load_string(c, "bad.ini", text, len, &err), MCE_CONFIG);
	return error_format(&err, buf, (unsigned)size);
}

static const char *
interp_error(struct config *c, char *buf, size_t size)
{
	struct error err;

	ck_assert_int_eq(config_interpolate(c, "env", &err), MCE_CONFIG);
	return error_format(&err, buf, (unsigned)size);
}

START_TEST(syntax_basic)
{
	struct config *c = load("# comment\n"
				"; another\n"
				"top = level\n"
				"\n"
				"[daemon.web]\n"
				"  platform   =   jvm  \n"
				"jvm.heap.max = 512M\n"
				"empty =\n"
				"eq = a=b\r\n"
				"[ env ]   # trailing comment\n"
				"PORT=8080\n");

	ck_assert_str_eq(config_get(c, "", "top"), "level");
	ck_assert_str_eq(config_get(c, NULL, "top"), "level");
	ck_assert_str_eq(config_get(c, "daemon.web", "platform"), "jvm");
	ck_assert_str_eq(config_get(c, "daemon.web", "jvm.heap.max"), "512M");
	ck_assert_str_eq(config_get(c, "daemon.web", "empty"), "");
	ck_assert_str_eq(config_get(c, "daemon.web", "eq"), "a=b");
	ck_assert_str_eq(config_get(c, "env", "PORT"), "8080");
	ck_assert_ptr_null(config_get(c, "env", "port"));
	ck_assert_ptr_null(config_get(c, "nosuch", "PORT"));

	ck_assert_uint_eq(config_nsections(c), 3);
	ck_assert_str_eq(config_section(c, 0), "");
	ck_assert_str_eq(config_section(c, 1), "daemon.web");
	ck_assert_str_eq(config_section(c, 2), "env");
	ck_assert_ptr_null(config_section(c, 3));
	ck_assert_uint_eq(config_nkeys(c, "daemon.web"), 4);
	ck_assert_str_eq(config_key(c, "daemon.web", 0), "platform");
	ck_assert_str_eq(config_key(c, "daemon.web", 3), "eq");
	ck_assert_ptr_null(config_key(c, "daemon.web", 4));
	ck_assert_uint_eq(config_nkeys(c, "nosuch"), 0);
	config_free(c);
	config_free(NULL);
}
END_TEST

START_TEST(syntax_quotes)
{
	struct config *c = load("[s]\n"
				"a = \"  kept  \"\n"
				"b = \"say \\\"hi\\\" \\\\ \\t.\"  \n"
				"c = \"\"\n"
				"d = not \"quoted\"\n");

	ck_assert_str_eq(config_get(c, "s", "a"), "  kept  ");
	ck_assert_str_eq(config_get(c, "s", "b"), "say \"hi\" \\ \t.");
	ck_assert_str_eq(config_get(c, "s", "c"), "");
	ck_assert_str_eq(config_get(c, "s", "d"), "not \"quoted\"");
	config_free(c);
}
END_TEST

START_TEST(syntax_errors)
{
	static const struct {
		const char *text, *error;
	} cases[] = {
	    {"[s]\nk = v\n  junk\n", "bad.ini:3:3: expected \"key = value\""},
	    {"[s\n", "bad.ini:1:1: missing ']'"},
	    {"[]\n", "bad.ini:1:1: empty section name"},
	    {"[a b]\n", "bad.ini:1:3: bad character ' ' in section name"},
	    {"[a..b]\n", "bad.ini:1:3: bad character '.' in section name"},
	    {"[a] x\n", "bad.ini:1:5: unexpected 'x' after section header"},
	    {"= v\n", "bad.ini:1:1: missing key before '='"},
	    {"[s]\nk$y = v\n", "bad.ini:2:2: bad character '$' in key"},
	    {"k = \"open\n", "bad.ini:1:5: unterminated quoted value"},
	    {"k = \"a\" b\n", "bad.ini:1:9: unexpected 'b' after quoted value"},
	    {"k = \"a\\qb\"\n", "bad.ini:1:7: unknown escape \"\\q\""},
	    {"[s]\nk = 1\n\n[t]\n[s]\nk = 2\n",
		"bad.ini:6:1: key \"k\" already set at line 2"},
	    {"k = \xc3\x28\n", "bad.ini:1:5: invalid UTF-8"},
	    {"k = \xed\xa0\x80\n", "bad.ini:1:5: invalid UTF-8"},
	};
	char buf[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config *c = config_new();
		const char *got = load_error(
		    c, cases[i].text, strlen(cases[i].text), buf, sizeof(buf));

		ck_assert_msg(strstr(got, cases[i].error) != NULL,
		    "case %zu: got \"%s\", want \"%s\"", i, got,
		    cases[i].error);
		ck_assert_uint_eq(config_nsections(c), 0);
		config_free(c);
	}
}
END_TEST

START_TEST(syntax_nul_and_long_lines)
{
	struct config *c = config_new();
	size_t n = 70 * 1024;
	char *big = malloc(n + 16), buf[512];

	ck_assert_str_eq(load_error(c, "k = a\0b\n", 8, buf, sizeof(buf)),
	    "bad.ini:1:6: NUL byte in line");
	/* A line of exactly 64 KiB is fine, one byte more is not. */
	memset(big, 'x', n);
	memcpy(big, "k = ", 4);
	ck_assert_int_eq(
	    config_load_string(c, "ok.ini", big, 64 * 1024, NULL), 0);
	ck_assert_uint_eq(strlen(config_get(c, "", "k")), 64 * 1024 - 4);
	memcpy(big, "[s]\nk = ", 8);
	ck_assert_str_eq(load_error(c, big, n, buf, sizeof(buf)),
	    "bad.ini:2:65537: line longer than 65536 bytes");
	free(big);
	config_free(c);
}
END_TEST

START_TEST(layers)
{
	static const char app[] = "[env]\n"
				  "JOB_MANAGER_PORT = 8080\n"
				  "HOME = /srv/jobs\n"
				  "[daemon.jobs]\n"
				  "platform = jvm\n"
				  "jvm.jar = %(HOME)/jobs.jar --port "
				  "%(JOB_MANAGER_PORT)\n";
	static const char site[] = "[daemon.jobs]\n"
				   "jvm.heap.max = 2G\n"
				   "[env]\n"
				   "HOME = /opt/jobs\n";
	static const char node[] = "[env]\nJOB_MANAGER_PORT = 9001\n";
	static const char broken[] = "[env]\nHOME = /x\nbroken\n";
	static const char late[] = "[daemon.jobs]\nlog = %(HOME)/log\n";
	struct config *c = config_new();
	struct error err;
	const char *file;
	int line;

	ck_assert_int_eq(
	    config_load_string(c, ".metactl", app, strlen(app), &err), 0);
	ck_assert_int_eq(
	    config_load_string(c, "site.conf", site, strlen(site), &err), 0);
	ck_assert_int_eq(
	    config_load_string(c, "node.conf", node, strlen(node), &err), 0);
	/* Before interpolation the raw text shows. */
	ck_assert_str_eq(config_get(c, "daemon.jobs", "jvm.jar"),
	    "%(HOME)/jobs.jar --port %(JOB_MANAGER_PORT)");
	ck_assert_int_eq(config_interpolate(c, "env", &err), 0);
	ck_assert_str_eq(config_get(c, "daemon.jobs", "jvm.jar"),
	    "/opt/jobs/jobs.jar --port 9001");
	ck_assert_str_eq(config_get(c, "env", "JOB_MANAGER_PORT"), "9001");

	/* Origins, key by key. */
	ck_assert_int_eq(
	    config_origin(c, "env", "JOB_MANAGER_PORT", &file, &line), 0);
	ck_assert_str_eq(file, "node.conf");
	ck_assert_int_eq(line, 2);
	ck_assert_int_eq(config_origin(c, "env", "HOME", &file, &line), 0);
	ck_assert_str_eq(file, "site.conf");
	ck_assert_int_eq(line, 4);
	ck_assert_int_eq(
	    config_origin(c, "daemon.jobs", "jvm.jar", &file, &line), 0);
	ck_assert_str_eq(file, ".metactl");
	ck_assert_int_eq(line, 6);
	ck_assert_int_eq(
	    config_origin(c, "env", "NOPE", &file, &line), -ENOENT);

	/* Order of first definition survives overrides. */
	ck_assert_str_eq(config_section(c, 0), "env");
	ck_assert_str_eq(config_key(c, "env", 0), "JOB_MANAGER_PORT");
	ck_assert_str_eq(config_key(c, "daemon.jobs", 2), "jvm.heap.max");

	/* A failing layer changes nothing. */
	ck_assert_int_eq(
	    config_load_string(c, "broken.conf", broken, strlen(broken), &err),
	    MCE_CONFIG);
	ck_assert_str_eq(config_get(c, "env", "HOME"), "/opt/jobs");
	ck_assert_uint_eq(config_nsections(c), 2);

	/* A later layer resets interpolation of what it sets. */
	ck_assert_int_eq(
	    config_load_string(c, "late.conf", late, strlen(late), &err), 0);
	ck_assert_str_eq(config_get(c, "daemon.jobs", "log"), "%(HOME)/log");
	ck_assert_int_eq(config_interpolate(c, "env", &err), 0);
	ck_assert_str_eq(config_get(c, "daemon.jobs", "log"), "/opt/jobs/log");
	/* Interpolating again starts from the raw text: no double expansion. */
	ck_assert_int_eq(config_interpolate(c, "env", &err), 0);
	ck_assert_str_eq(config_get(c, "daemon.jobs", "jvm.jar"),
	    "/opt/jobs/jobs.jar --port 9001");
	config_free(c);
}
END_TEST

START_TEST(interpolation)
{
	struct config *c = load("[env]\n"
				"A = %(B)-%(B)\n"
				"B = %(C)%%\n"
				"C = c\n"
				"[x]\n"
				"v = 100%% of %(A)\n"
				"w = %(env.dotted)\n"
				"[env.dotted]\n");
	struct error err;
	char buf[512];

	/* env.dotted is a section, not a variable. */
	ck_assert_str_eq(interp_error(c, buf, sizeof(buf)),
	    "t.ini:7:5: unknown variable \"env.dotted\" (no such key in "
	    "[env])");
	config_free(c);

	c = load("[env]\nA = %(B)-%(B)\nB = %(C)%%\nC = c\n"
		 "[x]\nv = 100%% of %(A)\n");
	ck_assert_int_eq(config_interpolate(c, NULL, &err), 0);
	ck_assert_str_eq(config_get(c, "env", "A"), "c%-c%");
	ck_assert_str_eq(config_get(c, "x", "v"), "100% of c%-c%");
	config_free(c);

	/* Another env section. */
	c = load("[vars]\nX = 1\n[y]\nz = %(X)\n");
	ck_assert_int_eq(config_interpolate(c, "vars", &err), 0);
	ck_assert_str_eq(config_get(c, "y", "z"), "1");
	config_free(c);
}
END_TEST

START_TEST(interpolation_errors)
{
	static const struct {
		const char *text, *error;
	} cases[] = {
	    {"[env]\nA = %(B)\nB = %(A)\n",
		"t.ini:3:5: interpolation loop: A -> B -> A"},
	    {"[env]\nA = x%(A)\n", "t.ini:2:6: interpolation loop: A -> A"},
	    {"[x]\nk = %(NOPE)\n",
		"t.ini:2:5: unknown variable \"NOPE\" (no such key in [env])"},
	    {"[x]\nk = 5%\n", "t.ini:2:6: '%' must be followed by '(' or '%'"},
	    {"[x]\nk = 5%d\n", "t.ini:2:6: '%' must be followed by '(' or '%'"},
	    {"[x]\nk = %(A\n", "t.ini:2:5: unterminated \"%(\""},
	    {"[x]\nk = %(A B)\n", "t.ini:2:8: bad character in variable name"},
	    {"[x]\nk = %()\n", "t.ini:2:5: empty variable name"},
	    {"[x]\nk = \"  %(Q)\"\n", "t.ini:2:8: unknown variable \"Q\""},
	};
	char buf[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config *c = load(cases[i].text);
		const char *got = interp_error(c, buf, sizeof(buf));

		ck_assert_msg(strstr(got, cases[i].error) != NULL,
		    "case %zu: got \"%s\", want \"%s\"", i, got,
		    cases[i].error);
		config_free(c);
	}
}
END_TEST

START_TEST(interpolation_bounds)
{
	char text[4096], buf[512];
	size_t o = 0;
	struct config *c;

	/* A chain 40 deep: V0 = %(V1), ... */
	o = (size_t)snprintf(text, sizeof(text), "[env]\n");
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(
		    text + o, sizeof(text) - o, "V%d = %%(V%d)\n", i, i + 1);
	snprintf(text + o, sizeof(text) - o, "V40 = end\n");
	c = load(text);
	ck_assert_ptr_nonnull(
	    strstr(interp_error(c, buf, sizeof(buf)), "nested deeper than 32"));
	config_free(c);

	/* 30 doublings would be a gigabyte. */
	o = (size_t)snprintf(text, sizeof(text), "[env]\nD0 = xxxxxxxx\n");
	for (int i = 1; i <= 30; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    "D%d = %%(D%d)%%(D%d)\n", i, i - 1, i - 1);
	c = load(text);
	ck_assert_ptr_nonnull(strstr(interp_error(c, buf, sizeof(buf)),
	    "value longer than 1048576 bytes after interpolation"));
	config_free(c);

	/* 1 MiB values are fine, but not 40 of them. */
	o = (size_t)snprintf(text, sizeof(text), "[env]\nD0 = xxxxxxxx\n");
	for (int i = 1; i <= 17; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    "D%d = %%(D%d)%%(D%d)\n", i, i - 1, i - 1);
	o += (size_t)snprintf(text + o, sizeof(text) - o, "[big]\n");
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(
		    text + o, sizeof(text) - o, "k%d = %%(D17)\n", i);
	c = load(text);
	ck_assert_ptr_nonnull(strstr(interp_error(c, buf, sizeof(buf)),
	    "configuration longer than 33554432 bytes after interpolation"));
	config_free(c);
}
END_TEST

START_TEST(getters)
{
	struct config *c = load("[g]\n"
				"i = -42\n"
				"big = 99999999999999999999\n"
				"bad = 12abc\n"
				"t1 = Yes\nt2 = on\nt3 = TRUE\nt4 = 1\n"
				"f1 = no\nf2 = OFF\nf3 = false\nf4 = 0\n"
				"b = maybe\n"
				"s1 = 1048576\ns2 = 64k\ns3 = 1M\ns4 = 2G\n"
				"s5 = 3X\ns6 = -1\ns7 = 99999999999G\n"
				"d1 = 500ms\nd2 = 30s\nd3 = 5m\nd4 = 1h\n"
				"d5 = 7\nd6 = 1w\nd7 = -5s\n"
				"l1 = a, b  c,,d\nl2 =\n");
	struct error err;
	long long ll;
	size_t sz;
	char **list, buf[512];
	size_t n;
	int b;

	ck_assert_int_eq(config_get_int(c, "g", "i", 0, &ll, &err), 0);
	ck_assert_int_eq(ll, -42);
	ck_assert_int_eq(config_get_int(c, "g", "absent", 7, &ll, &err), 0);
	ck_assert_int_eq(ll, 7);
	ck_assert_int_eq(
	    config_get_int(c, "g", "big", 0, &ll, &err), MCE_CONFIG);
	ck_assert_int_eq(
	    config_get_int(c, "g", "bad", 0, &ll, &err), MCE_CONFIG);
	ck_assert_str_eq(error_format(&err, buf, sizeof(buf)),
	    "t.ini:4:7: [g] bad: \"12abc\" is not an integer");

	for (int i = 1; i <= 4; i++) {
		char k[16];
		snprintf(k, sizeof(k), "t%d", i);
		ck_assert_int_eq(config_get_bool(c, "g", k, 0, &b, &err), 0);
		ck_assert_int_eq(b, 1);
		snprintf(k, sizeof(k), "f%d", i);
		ck_assert_int_eq(config_get_bool(c, "g", k, 1, &b, &err), 0);
		ck_assert_int_eq(b, 0);
	}
	ck_assert_int_eq(config_get_bool(c, "g", "nob", 1, &b, &err), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(config_get_bool(c, "g", "b", 1, &b, &err), MCE_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.text, "is not a boolean"));
	ck_assert_int_eq(err.line, 13);

	ck_assert_int_eq(config_get_size(c, "g", "s1", 0, &sz, &err), 0);
	ck_assert_uint_eq(sz, 1048576);
	ck_assert_int_eq(config_get_size(c, "g", "s2", 0, &sz, &err), 0);
	ck_assert_uint_eq(sz, 65536);
	ck_assert_int_eq(config_get_size(c, "g", "s3", 0, &sz, &err), 0);
	ck_assert_uint_eq(sz, 1048576);
	ck_assert_int_eq(config_get_size(c, "g", "s4", 0, &sz, &err), 0);
	ck_assert_uint_eq(sz, 2ULL << 30);
	ck_assert_int_eq(config_get_size(c, "g", "nos", 5, &sz, &err), 0);
	ck_assert_uint_eq(sz, 5);
	ck_assert_int_eq(
	    config_get_size(c, "g", "s5", 0, &sz, &err), MCE_CONFIG);
	ck_assert_int_eq(
	    config_get_size(c, "g", "s6", 0, &sz, &err), MCE_CONFIG);
	ck_assert_int_eq(
	    config_get_size(c, "g", "s7", 0, &sz, &err), MCE_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.text, "is not a size"));

	ck_assert_int_eq(config_get_duration_ms(c, "g", "d1", 0, &ll, &err), 0);
	ck_assert_int_eq(ll, 500);
	ck_assert_int_eq(config_get_duration_ms(c, "g", "d2", 0, &ll, &err), 0);
	ck_assert_int_eq(ll, 30000);
	ck_assert_int_eq(config_get_duration_ms(c, "g", "d3", 0, &ll, &err), 0);
	ck_assert_int_eq(ll, 300000);
	ck_assert_int_eq(config_get_duration_ms(c, "g", "d4", 0, &ll, &err), 0);
	ck_assert_int_eq(ll, 3600000);
	ck_assert_int_eq(config_get_duration_ms(c, "g", "d5", 0, &ll, &err), 0);
	ck_assert_int_eq(ll, 7000);
	ck_assert_int_eq(
	    config_get_duration_ms(c, "g", "nod", 250, &ll, &err), 0);
	ck_assert_int_eq(ll, 250);
	ck_assert_int_eq(
	    config_get_duration_ms(c, "g", "d6", 0, &ll, &err), MCE_CONFIG);
	ck_assert_int_eq(
	    config_get_duration_ms(c, "g", "d7", 0, &ll, &err), MCE_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.text, "is not a duration"));

	ck_assert_int_eq(config_get_list(c, "g", "l1", &list, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(list[0], "a");
	ck_assert_str_eq(list[1], "b");
	ck_assert_str_eq(list[2], "c");
	ck_assert_str_eq(list[3], "d");
	ck_assert_ptr_null(list[4]);
	strv_free(list);
	ck_assert_int_eq(config_get_list(c, "g", "l2", &list, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(list[0]);
	strv_free(list);
	ck_assert_int_eq(config_get_list(c, "g", "nol", &list, &n), 0);
	ck_assert_uint_eq(n, 0);
	strv_free(list);
	strv_free(NULL);
	config_free(c);
}
END_TEST

START_TEST(to_json)
{
	struct config *c = load("g = 1\n[b]\nz = 2\na = 3\n[a]\n");
	json_t *j = config_to_json(c);
	char *s = json_dumps(j, JSON_COMPACT);

	ck_assert_str_eq(s,
	    "{\"\":{\"g\":\"1\"},\"b\":{\"z\":\"2\",\"a\":\"3\"},"
	    "\"a\":{}}");
	free(s);
	json_decref(j);
	config_free(c);
}
END_TEST

START_TEST(load_file)
{
	struct config *c = config_new();
	struct error err;
	char path[4096];
	const char *top = getenv("top_srcdir");

	ck_assert_int_eq(
	    config_load_file(c, "/nonexistent/x.conf", &err), -ENOENT);
	ck_assert_str_eq(err.source, "/nonexistent/x.conf");
	ck_assert_ptr_nonnull(strstr(err.text, "cannot open"));

	snprintf(path, sizeof(path), "%s/etc/examples/seed/app.metactl",
	    top != NULL ? top : ".");
	ck_assert_int_eq(config_load_file(c, path, &err), 0);
	snprintf(path, sizeof(path), "%s/etc/examples/seed/site.conf",
	    top != NULL ? top : ".");
	ck_assert_int_eq(config_load_file(c, path, &err), 0);
	snprintf(path, sizeof(path), "%s/etc/examples/seed/node.conf",
	    top != NULL ? top : ".");
	ck_assert_int_eq(config_load_file(c, path, &err), 0);
	ck_assert_int_eq(config_interpolate(c, "env", &err), 0);
	ck_assert_ptr_nonnull(
	    strstr(config_get(c, "daemon.jobmanager", "jvm.jar"), " 9001"));
	config_free(c);
}
END_TEST

/* Data-driven cases. */

static char **cases;
static size_t ncases;

START_TEST(data_case)
{
	char dir[4096], path[4200], env[128], want[512], got[512];
	struct config *c = config_new();
	struct error err;
	int r = 0, nlayers = 0, want_error;

	snprintf(
	    dir, sizeof(dir), "%s/%s", testutil_data_dir("config"), cases[_i]);
	snprintf(path, sizeof(path), "%s/env_section", dir);
	if (testutil_first_line(path, env, sizeof(env)) < 0)
		snprintf(env, sizeof(env), "env");
	snprintf(path, sizeof(path), "%s/error", dir);
	want_error = testutil_first_line(path, want, sizeof(want)) == 0;
	for (int i = 1; r == 0; i++) {
		snprintf(path, sizeof(path), "%s/layer%d.ini", dir, i);
		if ((r = config_load_file(c, path, &err)) == -ENOENT)
			break;
		nlayers++;
	}
	ck_assert_msg(nlayers > 0, "%s: no layer1.ini", cases[_i]);
	if (r == -ENOENT)
		r = config_interpolate(c, env, &err);
	if (want_error) {
		ck_assert_msg(r == MCE_CONFIG, "%s: expected an error, got %d",
		    cases[_i], r);
		error_format(&err, got, sizeof(got));
		ck_assert_msg(strstr(got, want) != NULL,
		    "%s: error \"%s\" lacks \"%s\"", cases[_i], got, want);
	} else {
		json_error_t jerr;
		json_t *exp, *j;

		ck_assert_msg(r == 0, "%s: %s", cases[_i],
		    error_format(&err, got, sizeof(got)));
		snprintf(path, sizeof(path), "%s/expected", dir);
		exp = json_load_file(path, 0, &jerr);
		ck_assert_msg(
		    exp != NULL, "%s: expected: %s", cases[_i], jerr.text);
		j = config_to_json(c);
		testutil_json_eq(cases[_i], j, exp, JSON_COMPACT);
		json_decref(j);
		json_decref(exp);
	}
	config_free(c);
}
END_TEST

int
main(void)
{
	const char *dir = testutil_data_dir("config");
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	ncases = testutil_cases(dir, &cases);
	tcase_add_test(tc, syntax_basic);
	tcase_add_test(tc, syntax_quotes);
	tcase_add_test(tc, syntax_errors);
	tcase_add_test(tc, syntax_nul_and_long_lines);
	tcase_add_test(tc, layers);
	tcase_add_test(tc, interpolation);
	tcase_add_test(tc, interpolation_errors);
	tcase_add_test(tc, interpolation_bounds);
	tcase_add_test(tc, getters);
	tcase_add_test(tc, to_json);
	tcase_add_test(tc, load_file);
	tcase_add_loop_test(tc, data_case, 0, (int)ncases);
	suite_add_tcase(s, tc);
	return testutil_run_cases(s, dir, cases, ncases, 20);
}
