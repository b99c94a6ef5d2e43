/*
 * test_ddl.c: DDL parsing, request validation, CLI arguments, directories
 * of DDLs, out-of-memory behaviour, and the data-driven cases of
 * tests/data/ddl/<case>/: ddl.json, data.json, an optional action (the
 * first action otherwise), and expected (data after validation) or error
 * (a substring of the formatted error of ddl_parse or ddl_validate).
 */
#include "buildconf.h"

#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ddl.h"
#include "testutil.h"

static const char service_ddl[] =
    "{\"agent\":\"service\",\"version\":\"1.2\",\"description\":\"Services\","
    " \"timeout\":30,\"actions\":{"
    "  \"restart\":{\"description\":\"Restarts an app\",\"display\":\"always\","
    "   \"input\":{"
    "    \"app\":{\"type\":\"string\",\"description\":\"The app\","
    "     \"optional\":false,\"pattern\":\"^[a-z][a-z0-9_-]*$\","
    "     \"maxlength\":16,\"shellsafe\":true},"
    "    \"count\":{\"type\":\"integer\",\"optional\":true,\"default\":3},"
    "    \"level\":{\"type\":\"string\",\"optional\":true,"
    "     \"enum\":[\"low\",\"high\"]},"
    "    \"ratio\":{\"type\":\"number\",\"optional\":true,"
    "     \"enum\":[0.5,1,2]},"
    "    \"force\":{\"type\":\"boolean\",\"optional\":true},"
    "    \"hosts\":{\"type\":\"array\",\"optional\":true},"
    "    \"opts\":{\"type\":\"object\",\"optional\":true},"
    "    \"path\":{\"type\":\"string\",\"optional\":true,\"shellsafe\":true}},"
    "   \"output\":{\"status\":{\"type\":\"string\",\"description\":\"Status\","
    "     \"display_as\":\"State\",\"default\":\"unknown\"},"
    "    \"pid\":{\"type\":\"integer\"}},"
    "   \"aggregate\":[{\"function\":\"summary\",\"output\":\"status\"}]},"
    "  \"status\":{}}}";

static struct ddl *
parse(const char *text)
{
	struct ddl *d = NULL;
	struct error err;
	char buf[512];
	int r = ddl_parse(text, strlen(text), "t.json", &d, &err);

	ck_assert_msg(r == 0, "%s", error_format(&err, buf, sizeof(buf)));
	return d;
}

START_TEST(parse_good)
{
	struct ddl *d = parse(service_ddl);
	const struct ddl_action *a = ddl_find_action(d, "restart"), *st;

	ck_assert_str_eq(d->agent, "service");
	ck_assert_str_eq(d->version, "1.2");
	ck_assert_str_eq(d->description, "Services");
	ck_assert_int_eq(d->timeout, 30);
	ck_assert_uint_eq(d->nactions, 2);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_null(ddl_find_action(d, "stop"));
	ck_assert_str_eq(a->description, "Restarts an app");
	ck_assert_str_eq(a->display, "always");
	ck_assert_uint_eq(a->ninputs, 8);
	ck_assert_str_eq(ddl_input_name(a, 0), "app");
	ck_assert_str_eq(ddl_input_description(a, 0), "The app");
	ck_assert_int_eq(ddl_input_type(a, 0), DDL_STRING);
	ck_assert_int_eq(ddl_input_optional(a, 0), 0);
	ck_assert_str_eq(ddl_input_name(a, 1), "count");
	ck_assert_str_eq(ddl_input_description(a, 1), "");
	ck_assert_int_eq(ddl_input_type(a, 1), DDL_INTEGER);
	ck_assert_int_eq(ddl_input_optional(a, 1), 1);
	ck_assert_int_eq(ddl_input_type(a, 3), DDL_NUMBER);
	ck_assert_int_eq(ddl_input_type(a, 4), DDL_BOOLEAN);
	ck_assert_int_eq(ddl_input_type(a, 5), DDL_ARRAY);
	ck_assert_int_eq(ddl_input_type(a, 6), DDL_OBJECT);
	ck_assert_ptr_null(ddl_input_name(a, 8));
	ck_assert_uint_eq(a->noutputs, 2);
	ck_assert_str_eq(a->outputs[0].name, "status");
	ck_assert_str_eq(a->outputs[0].display_as, "State");
	ck_assert_str_eq(json_string_value(a->outputs[0].def), "unknown");
	ck_assert_str_eq(a->outputs[1].display_as, "pid");
	ck_assert_ptr_null(a->outputs[1].def);
	ck_assert_int_eq(a->outputs[1].type, DDL_INTEGER);
	ck_assert_uint_eq(json_array_size(a->aggregate), 1);

	st = ddl_find_action(d, "status");
	ck_assert_str_eq(st->display, "failed");
	ck_assert_uint_eq(st->ninputs, 0);
	ck_assert_ptr_null(st->aggregate);

	ck_assert_str_eq(ddl_type_str(DDL_OBJECT), "object");
	ck_assert_str_eq(ddl_type_str((enum ddl_type)42), "unknown");
	ddl_free(d);
	ddl_free(NULL);
}
END_TEST

START_TEST(parse_errors)
{
	static const struct {
		const char *text, *error;
	} cases[] = {
	    {"", "t.json:1: '[' or '{' expected"},
	    {"{\"agent\":\"a\",\"agent\":\"b\"}", "duplicate object key"},
	    {"[]", "a DDL must be a JSON object, not array"},
	    {"{\"actions\":{\"x\":{}}}", "t.json: missing \"agent\""},
	    {"{\"agent\":\"a b\",\"actions\":{\"x\":{}}}",
		"agent: bad name \"a b\""},
	    {"{\"agent\":1,\"actions\":{\"x\":{}}}",
		"agent: must be a string, not integer"},
	    {"{\"agent\":\"a\"}", "missing \"actions\""},
	    {"{\"agent\":\"a\",\"actions\":{}}",
		"actions: must be an object "
		"with at least one action"},
	    {"{\"agent\":\"a\",\"actoins\":{}}", "unknown key \"actoins\""},
	    {"{\"agent\":\"a\",\"timeout\":-1,\"actions\":{\"x\":{}}}",
		"timeout: must be an integer from 0 to 86400"},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":[]}}",
		"actions.x: must be an object, not array"},
	    {"{\"agent\":\"a\",\"actions\":{\"9x\":{}}}",
		"actions.9x: bad action name \"9x\""},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"display\":\"never\"}}}",
		"actions.x: display must be \"always\", \"ok\" or \"failed\""},
	    {"{\"agent\":\"a\",\"actions\":{\"restart\":{\"input\":{\"app\":"
	     "{\"type\":\"strin\"}}}}}",
		"actions.restart.input.app: unknown type \"strin\""},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"input\":{\"app\":{}}}}}",
		"actions.x.input.app: missing \"type\""},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"input\":{\"app\":"
	     "{\"type\":\"string\",\"optinal\":true}}}}}",
		"actions.x.input.app: unknown key \"optinal\""},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"input\":{\"app\":"
	     "{\"type\":\"string\",\"optional\":\"yes\"}}}}}",
		"actions.x.input.app.optional: must be true or false"},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"input\":{\"app\":"
	     "{\"type\":\"string\",\"pattern\":\"((\"}}}}}",
		"actions.x.input.app.pattern: invalid regular expression"},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"input\":{\"app\":"
	     "{\"type\":\"string\",\"pattern\":\"((a{100}){100}){100}\"}}}}}",
		"actions.x.input.app.pattern: regular expression too large"},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"input\":{\"app\":"
	     "{\"type\":\"string\",\"pattern\":\"((V*|W)+){250}\"}}}}}",
		"actions.x.input.app.pattern: regular expression repeats a "
		"part that can match the empty string"},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"input\":{\"app\":"
	     "{\"type\":\"string\",\"pattern\":\"V*++\"}}}}}",
		"repeats a part that can match the empty string"},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"input\":{\"app\":"
	     "{\"type\":\"string\",\"pattern\":\"(x)a+++++++++++++++\"}}}}}",
		"actions.x.input.app.pattern: regular expression too large"},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"input\":{\"app\":"
	     "{\"type\":\"string\",\"pattern\":\"(a{99999999})\"}}}}}",
		"actions.x.input.app.pattern: regular expression too large"},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"input\":{\"app\":"
	     "{\"type\":\"string\",\"pattern\":\"(a)\\\\1\"}}}}}",
		"actions.x.input.app.pattern: back-references are not "
		"supported"},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"input\":{\"n\":"
	     "{\"type\":\"integer\",\"pattern\":\"^1$\"}}}}}",
		"actions.x.input.n: pattern applies to strings only"},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"input\":{\"app\":"
	     "{\"type\":\"string\",\"maxlength\":-1}}}}}",
		"actions.x.input.app: maxlength must be an integer >= 0"},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"input\":{\"app\":"
	     "{\"type\":\"string\",\"enum\":[]}}}}}",
		"actions.x.input.app: enum must be a non-empty array"},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"input\":{\"app\":"
	     "{\"type\":\"string\",\"enum\":[\"a\",1]}}}}}",
		"actions.x.input.app.enum[1]: expected string, got integer"},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"input\":{\"app\":"
	     "{\"type\":\"integer\",\"default\":\"3\"}}}}}",
		"actions.x.input.app.default: expected integer, got string"},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"input\":{\"app\":"
	     "{\"type\":\"string\",\"pattern\":\"^[a-z]+$\",\"default\":\"A\"}"
	     "}}}}",
		"actions.x.input.app.default: does not match pattern ^[a-z]+$"},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"input\":{\"n\":"
	     "{\"type\":\"integer\",\"shellsafe\":true}}}}}",
		"actions.x.input.n: shellsafe applies to strings only"},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"output\":{\"o\":"
	     "{\"type\":\"integer\",\"default\":\"x\"}}}}}",
		"actions.x.output.o: default: expected integer, got string"},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"aggregate\":"
	     "[{\"function\":\"summary\",\"output\":\"nope\"}]}}}",
		"actions.x.aggregate.0: unknown output \"nope\""},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"aggregate\":{}}}}",
		"actions.x.aggregate: must be an array, not object"},
	    {"{\"agent\":\"a\",\"actions\":{\"x\":{\"input\":{\"a\\u0001\":"
	     "{\"type\":\"string\"}}}}}",
		"actions.x.input.a?: bad input name \"a?\""},
	};
	char buf[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ddl *d = (struct ddl *)1;
		struct error err;
		int r = ddl_parse(
		    cases[i].text, strlen(cases[i].text), "t.json", &d, &err);

		ck_assert_msg(r < 0, "case %zu parsed", i);
		ck_assert_ptr_null(d);
		error_format(&err, buf, sizeof(buf));
		ck_assert_msg(strstr(buf, cases[i].error) != NULL,
		    "case %zu: got \"%s\", want \"%s\"", i, buf,
		    cases[i].error);
	}
}
END_TEST

START_TEST(units_and_formats)
{
	static const char text[] =
	    "{\"agent\":\"a\",\"actions\":{\"x\":{\"output\":{"
	    "\"t\":{\"type\":\"integer\",\"unit\":\"time_ms\"},"
	    "\"r\":{\"type\":\"number\",\"unit\":\"bytes\"},"
	    "\"n\":{\"type\":\"integer\"}},"
	    "\"aggregate\":[{\"function\":\"average\",\"output\":\"r\","
	    "\"format\":\"%.2f MiB\"}]}}}";
	static const struct {
		const char *fmt;
		int kind;
	} formats[] = {
	    {"%.2f", 'f'},
	    {"%d", 'd'},
	    {"%i nodes", 'd'},
	    {"100%% at %-8.3e", 'f'},
	    {"%+05g", 'f'},
	    {"%s", 0},
	    {"%n", 0},
	    {"%d %d", 0},
	    {"%*d", 0},
	    {"%ld", 0},
	    {"%100d", 0},
	    {"%.100f", 0},
	    {"no conversion", 0},
	    {"%", 0},
	    {"%%", 0},
	    {"%.2f%", 0},
	};
	struct ddl *d = NULL;
	struct error err;
	size_t i;

	ck_assert_int_eq(ddl_parse(text, strlen(text), "t.json", &d, &err), 0);
	for (i = 0; i < d->actions[0].noutputs; i++) {
		const struct ddl_output *o = &d->actions[0].outputs[i];

		ck_assert_int_eq(o->unit,
		    strcmp(o->name, "t") == 0       ? DDL_UNIT_TIME_MS
			: strcmp(o->name, "r") == 0 ? DDL_UNIT_BYTES
						    : DDL_UNIT_NONE);
	}
	ck_assert_str_eq(ddl_unit_str(DDL_UNIT_S), "s");
	ck_assert_ptr_null(ddl_unit_str(DDL_UNIT_NONE));
	ddl_free(d);
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		ck_assert_msg(
		    ddl_format_kind(formats[i].fmt) == formats[i].kind,
		    "%s: %d", formats[i].fmt, ddl_format_kind(formats[i].fmt));
}
END_TEST

START_TEST(validate)
{
	static const struct {
		const char *data;
		int code;
		const char *result; /* data after, or error text */
	} cases[] = {
	    {"{\"app\":\"web\"}", 0, "{\"app\":\"web\",\"count\":3}"},
	    {"{\"app\":\"web\",\"count\":7,\"ratio\":1.0,\"level\":\"low\","
	     "\"force\":false,\"hosts\":[1],\"opts\":{},\"path\":\"a/b.c\"}",
		0,
		"{\"app\":\"web\",\"count\":7,\"ratio\":1.0,\"level\":\"low\","
		"\"force\":false,\"hosts\":[1],\"opts\":{},\"path\":\"a/"
		"b.c\"}"},
	    {"{}", MCE_MISSING, "input \"app\": required but missing"},
	    {"{\"app\":\"web\",\"bogus\":1}", MCE_INVALID,
		"unknown input \"bogus\""},
	    {"{\"app\":\"Web\"}", MCE_INVALID,
		"input \"app\": does not match pattern ^[a-z][a-z0-9_-]*$"},
	    {"{\"app\":\"web\\nx\"}", MCE_INVALID,
		"input \"app\": not shellsafe (contains a newline)"},
	    {"{\"app\":\"abcdefghijklmnopq\"}", MCE_INVALID,
		"input \"app\": longer than maxlength 16 (17 characters)"},
	    {"{\"app\":3}", MCE_INVALID,
		"input \"app\": expected string, got integer"},
	    {"{\"app\":\"w\",\"count\":1.0}", MCE_INVALID,
		"input \"count\": expected integer, got number"},
	    {"{\"app\":\"w\",\"count\":\"1\"}", MCE_INVALID,
		"input \"count\": expected integer, got string"},
	    {"{\"app\":\"w\",\"ratio\":2}", 0,
		"{\"app\":\"w\",\"ratio\":2,\"count\":3}"},
	    {"{\"app\":\"w\",\"ratio\":3}", MCE_INVALID,
		"input \"ratio\": not one of the enum values 0.5, 1, 2"},
	    {"{\"app\":\"w\",\"level\":\"mid\"}", MCE_INVALID,
		"input \"level\": not one of the enum values \"low\", "
		"\"high\""},
	    {"{\"app\":\"w\",\"force\":\"yes\"}", MCE_INVALID,
		"input \"force\": expected boolean, got string"},
	    {"{\"app\":\"w\",\"hosts\":\"a\"}", MCE_INVALID,
		"input \"hosts\": expected array, got string"},
	    {"{\"app\":\"w\",\"opts\":[]}", MCE_INVALID,
		"input \"opts\": expected object, got array"},
	    {"{\"app\":\"w\",\"path\":\"../etc\"}", MCE_INVALID,
		"input \"path\": not shellsafe (contains \"..\")"},
	    {"{\"app\":\"w\",\"path\":\"a/../b\"}", MCE_INVALID,
		"input \"path\": not shellsafe (contains \"..\")"},
	    {"{\"app\":\"w\",\"path\":\"-rf\"}", MCE_INVALID,
		"input \"path\": not shellsafe (starts with '-')"},
	    {"{\"app\":\"w\",\"path\":null}", MCE_INVALID,
		"input \"path\": expected string, got null"},
	    {"[]", MCE_INVALID, "data: expected an object, got array"},
	};
	struct ddl *d = parse(service_ddl);
	const struct ddl_action *a = ddl_find_action(d, "restart");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *data = json_loads(cases[i].data, 0, NULL);
		struct error err;
		int r;

		ck_assert_ptr_nonnull(data);
		error_init(&err, "input");
		r = ddl_validate(a, data, &err);
		ck_assert_msg(
		    r == cases[i].code, "case %zu: %d (%s)", i, r, err.text);
		if (r == 0) {
			json_t *want = json_loads(cases[i].result, 0, NULL);

			ck_assert_msg(json_equal(data, want), "case %zu", i);
			json_decref(want);
		} else {
			ck_assert_msg(strstr(err.text, cases[i].result) != NULL,
			    "case %zu: got \"%s\", want \"%s\"", i, err.text,
			    cases[i].result);
			/* A refused request gets no defaults. */
			if (strstr(cases[i].data, "count") == NULL)
				ck_assert_ptr_null(
				    json_object_get(data, "count"));
		}
		json_decref(data);
	}
	ck_assert_int_eq(ddl_validate(a, NULL, NULL), MCE_INVALID);
	ddl_free(d);
}
END_TEST

START_TEST(pattern_sizes)
{
	static const char *const ok[] = {"^[a-z]{1,64}$", "^(ab{2,3}){1,50}$",
	    "^[[:alnum:]]{0,255}(\\.[a-z]{2,8}){1,4}$", "a{2,}", "[{]",
	    "a|b{3}", "^(a+)+[+]\\+\\{9}$", "^(-?[0-9]){1,3}$", "(x?y)*",
	    "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-"
	    "z0-9])?)*$"};
	char text[512];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		json_t *doc = json_pack("{s:s,s:{s:{s:{s:{s:s,s:s}}}}}",
		    "agent", "a", "actions", "x", "input", "p", "type",
		    "string", "pattern", ok[i]);
		char *t = json_dumps(doc, 0);
		struct ddl *d;
		struct error err;

		snprintf(text, sizeof(text), "%s", t);
		ck_assert_msg(ddl_parse(text, strlen(text), "t", &d, &err) == 0,
		    "%s: %s", ok[i], err.text);
		ddl_free(d);
		free(t);
		json_decref(doc);
	}
}
END_TEST

START_TEST(validate_nul)
{
	struct ddl *d = parse(service_ddl);
	const struct ddl_action *a = ddl_find_action(d, "restart");
	json_t *data = json_object();
	struct error err;

	json_object_set_new(data, "app", json_stringn("web\0;rm", 7));
	ck_assert_int_eq(ddl_validate(a, data, &err), MCE_INVALID);
	ck_assert_str_eq(err.text, "input \"app\": contains a NUL byte");
	json_decref(data);
	ddl_free(d);
}
END_TEST

START_TEST(arguments)
{
	static const struct {
		const char *kv;
		int code;
		const char *result; /* JSON of the value, or error text */
	} cases[] = {
	    {"app=web", 0, "\"web\""},
	    {"count=12", 0, "12"},
	    {"count=-3", 0, "-3"},
	    {"count=1.5", MCE_INVALID,
		"input \"count\": \"1.5\" is not an integer (type integer)"},
	    {"count=99999999999999999999", MCE_INVALID, "is not an integer"},
	    {"count=", MCE_INVALID, "\"\" is not an integer"},
	    {"ratio=0.5", 0, "0.5"},
	    {"ratio=2", 0, "2"},
	    {"ratio=nan", MCE_INVALID, "is not a number (type number)"},
	    {"ratio=7", MCE_INVALID, "not one of the enum values"},
	    {"force=yes", 0, "true"},
	    {"force=FALSE", 0, "false"},
	    {"force=no", 0, "false"},
	    {"force=maybe", MCE_INVALID,
		"input \"force\": \"maybe\" is not true, false, yes or no "
		"(type boolean)"},
	    {"hosts=a, b,c", 0, "[\"a\",\"b\",\"c\"]"},
	    {"hosts=[1,\"x\"]", 0, "[1,\"x\"]"},
	    {"hosts=[1", MCE_INVALID,
		"is not a comma-separated list or a "
		"JSON array (type array)"},
	    {"hosts=", 0, "[]"},
	    {"opts={\"a\":{\"b\":1}}", 0, "{\"a\":{\"b\":1}}"},
	    {"opts=[]", MCE_INVALID, "is not a JSON object (type object)"},
	    {"app=We", MCE_INVALID, "does not match pattern"},
	    {"app=a;b", MCE_INVALID, "not shellsafe (contains ';')"},
	    {"nope=1", MCE_INVALID,
		"unknown input \"nope\" for action restart (inputs: app, "
		"count, level, ratio, force, hosts, opts, path)"},
	    {"noequals", MCE_INVALID, "\"noequals\": expected key=value"},
	    {"=x", MCE_INVALID, "expected key=value"},
	    {"path=a=b", 0, "\"a=b\""},
	};
	struct ddl *d = parse(service_ddl);
	const struct ddl_action *a = ddl_find_action(d, "restart");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *data = json_object();
		struct error err;
		int r;

		error_init(&err, "argument");
		r = ddl_parse_argument(a, cases[i].kv, data, &err);
		ck_assert_msg(r == cases[i].code, "case %zu (%s): %d %s", i,
		    cases[i].kv, r, err.text);
		if (r == 0) {
			json_t *want =
			    json_loads(cases[i].result, JSON_DECODE_ANY, NULL);
			json_t *got = NULL;
			void *it = json_object_iter(data);

			ck_assert_ptr_nonnull(it);
			got = json_object_iter_value(it);
			ck_assert_msg(json_equal(got, want) &&
				json_typeof(got) == json_typeof(want),
			    "case %zu (%s)", i, cases[i].kv);
			json_decref(want);
		} else {
			ck_assert_msg(strstr(err.text, cases[i].result) != NULL,
			    "case %zu: got \"%s\", want \"%s\"", i, err.text,
			    cases[i].result);
			ck_assert_uint_eq(json_object_size(data), 0);
		}
		json_decref(data);
	}
	ddl_free(d);
}
END_TEST

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	testutil_write_file(path, text);
}

static void
remove_dir(const char *dir)
{
	char path[4096];
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' &&
		    (de->d_name[1] == '\0' || strcmp(de->d_name, "..") == 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

START_TEST(load_dir)
{
	char dir[] = "/tmp/test_ddl.XXXXXX";
	struct ddl *d = NULL;
	struct ddl_set set;
	struct error err;
	char buf[512];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(ddl_set_load_dir(&set, dir, &err), 0);
	ck_assert_uint_eq(set.n, 0);
	ddl_set_clear(&set);

	write_file(
	    dir, "a.json", "{\"agent\":\"zeta\",\"actions\":{\"x\":{}}}");
	write_file(
	    dir, "b.json", "{\"agent\":\"alpha\",\"actions\":{\"y\":{}}}");
	write_file(dir, "notes.txt", "not a DDL");
	write_file(dir, ".hidden.json", "not JSON");
	ck_assert_int_eq(ddl_set_load_dir(&set, dir, &err), 0);
	ck_assert_uint_eq(set.n, 2);
	ck_assert_str_eq(set.ddls[0]->agent, "alpha");
	ck_assert_str_eq(set.ddls[1]->agent, "zeta");
	ck_assert_ptr_eq(ddl_set_find(&set, "zeta"), set.ddls[1]);
	ck_assert_ptr_null(ddl_set_find(&set, "beta"));
	ddl_set_clear(&set);
	ck_assert_uint_eq(set.n, 0);
	ddl_set_clear(&set);

	write_file(
	    dir, "c.json", "{\"agent\":\"zeta\",\"actions\":{\"z\":{}}}");
	ck_assert_int_eq(ddl_set_load_dir(&set, dir, &err), MCE_INVALID);
	ck_assert_ptr_nonnull(strstr(error_format(&err, buf, sizeof(buf)),
	    "c.json: agent \"zeta\" is also described by another file"));
	ck_assert_uint_eq(set.n, 0);

	write_file(dir, "c.json", "{\"agent\":\"c\",\"actions\":{\"z\":1}}");
	ck_assert_int_eq(ddl_set_load_dir(&set, dir, &err), MCE_INVALID);
	ck_assert_ptr_nonnull(strstr(error_format(&err, buf, sizeof(buf)),
	    "c.json: actions.z: must be an object, not integer"));
	remove_dir(dir);

	ck_assert_int_eq(ddl_set_load_dir(&set, dir, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.text, "cannot open directory"));
	ck_assert_int_eq(ddl_load_file("/nonexistent.json", &d, &err), -ENOENT);
	ck_assert_ptr_null(d);
}
END_TEST

/* Every DDL the project ships parses, and is named after its agent. */
START_TEST(shipped_ddls)
{
	const char *top = getenv("top_srcdir");
	char dir[4096], path[4400], buf[512];
	struct ddl_set set;
	struct error err;
	struct dirent *de;
	DIR *d;
	int r;

	snprintf(dir, sizeof(dir), "%s/schemas/ddl", top != NULL ? top : ".");
	if ((r = ddl_set_load_dir(&set, dir, &err)) == -ENOENT)
		return; /* nothing shipped yet */
	ck_assert_msg(r == 0, "%s", error_format(&err, buf, sizeof(buf)));
	ddl_set_clear(&set);
	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		struct ddl *ddl;

		if (n <= 5 || strcmp(de->d_name + n - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		ck_assert_int_eq(ddl_load_file(path, &ddl, &err), 0);
		ck_assert_msg(strlen(ddl->agent) == n - 5 &&
			strncmp(ddl->agent, de->d_name, n - 5) == 0,
		    "%s describes agent %s", de->d_name, ddl->agent);
		ddl_free(ddl);
	}
	closedir(d);
}
END_TEST

/*
 * Out of memory, as jansson's test_chaos.c: the allocator fails on its
 * Nth call; parsing and validating must then fail cleanly every time, for
 * N = 1, 2, ... until a run needs fewer than N allocations.
 *
 * Every JSON token of these documents is shorter than 16 bytes: jansson's
 * lexer ignores a failure to grow its token buffer beyond that (lex_save()
 * drops the byte and parsing goes on), which no caller can notice.
 */
static const char chaos_ddl[] =
    "{\"agent\":\"svc\",\"timeout\":5,\"actions\":{"
    "\"restart\":{\"display\":\"ok\",\"input\":{"
    "\"app\":{\"type\":\"string\",\"pattern\":\"^[a-z]+$\","
    "\"maxlength\":9,\"shellsafe\":true},"
    "\"n\":{\"type\":\"integer\",\"optional\":true,\"default\":3},"
    "\"lvl\":{\"type\":\"string\",\"optional\":true,"
    "\"enum\":[\"lo\",\"hi\"],\"default\":\"lo\"},"
    "\"hosts\":{\"type\":\"array\",\"optional\":true}},"
    "\"output\":{\"st\":{\"type\":\"string\",\"display_as\":\"St\"}},"
    "\"aggregate\":[{\"function\":\"summary\",\"output\":\"st\"}]},"
    "\"stop\":{}}}";

static size_t chaos_calls, chaos_fail_at;
static int chaos_failed;

static void *
chaos_malloc(size_t n)
{
	if (++chaos_calls == chaos_fail_at) {
		chaos_failed = 1;
		return NULL;
	}
	return malloc(n);
}

static void
chaos_free(void *p)
{
	free(p);
}

START_TEST(out_of_memory)
{
	static const char data_text[] = "{\"app\":\"web\",\"hosts\":[\"a\"]}";
	size_t n;

	json_set_alloc_funcs(chaos_malloc, chaos_free);
	for (n = 1; n < 100000; n++) {
		struct ddl *d = NULL;
		json_t *data = NULL;
		struct error err;
		int r;

		chaos_calls = 0;
		chaos_fail_at = n;
		chaos_failed = 0;
		r = ddl_parse(chaos_ddl, strlen(chaos_ddl), "t.json", &d, &err);
		if (r == 0) {
			data = json_loads(data_text, 0, NULL);
			if (data == NULL)
				r = -ENOMEM;
			else
				r = ddl_validate(
				    ddl_find_action(d, "restart"), data, &err);
		}
		if (r == 0) {
			ck_assert_int_eq(
			    json_integer_value(json_object_get(data, "n")), 3);
			ck_assert_str_eq(
			    json_string_value(json_object_get(data, "lvl")),
			    "lo");
		}
		json_decref(data);
		ddl_free(d);
		if (!chaos_failed) {
			ck_assert_int_eq(r, 0);
			break;
		}
		ck_assert_msg(r < 0, "allocation %zu failed unnoticed", n);
	}
	json_set_alloc_funcs(malloc, free);
	ck_assert_uint_gt(n, 20);
	ck_assert_uint_lt(n, 100000);
}
END_TEST

/* Data-driven cases. */

static char **cases;
static size_t ncases;

START_TEST(data_case)
{
	char dir[4096], path[4200], want[512], got[512], action[128];
	struct ddl *d = NULL;
	const struct ddl_action *a = NULL;
	json_t *data = NULL, *exp;
	json_error_t jerr;
	struct error err;
	int r, want_error;

	snprintf(
	    dir, sizeof(dir), "%s/%s", testutil_data_dir("ddl"), cases[_i]);
	snprintf(path, sizeof(path), "%s/error", dir);
	want_error = testutil_first_line(path, want, sizeof(want)) == 0;
	snprintf(path, sizeof(path), "%s/ddl.json", dir);
	r = ddl_load_file(path, &d, &err);
	if (r == 0) {
		snprintf(path, sizeof(path), "%s/action", dir);
		if (testutil_first_line(path, action, sizeof(action)) == 0)
			a = ddl_find_action(d, action);
		else
			a = &d->actions[0];
		ck_assert_msg(a != NULL, "%s: no action %s", cases[_i], action);
		snprintf(path, sizeof(path), "%s/data.json", dir);
		data = json_load_file(path, 0, &jerr);
		ck_assert_msg(
		    data != NULL, "%s: data.json: %s", cases[_i], jerr.text);
		error_init(&err, "data.json");
		r = ddl_validate(a, data, &err);
	}
	if (want_error) {
		ck_assert_msg(r < 0, "%s: expected an error", cases[_i]);
		error_format(&err, got, sizeof(got));
		ck_assert_msg(strstr(got, want) != NULL,
		    "%s: error \"%s\" lacks \"%s\"", cases[_i], got, want);
	} else {
		ck_assert_msg(r == 0, "%s: %s", cases[_i],
		    error_format(&err, got, sizeof(got)));
		snprintf(path, sizeof(path), "%s/expected", dir);
		exp = json_load_file(path, 0, &jerr);
		ck_assert_msg(
		    exp != NULL, "%s: expected: %s", cases[_i], jerr.text);
		testutil_json_eq(
		    cases[_i], data, exp, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(exp);
	}
	json_decref(data);
	ddl_free(d);
}
END_TEST

int
main(void)
{
	const char *dir = testutil_data_dir("ddl");
	Suite *s = suite_create("ddl");
	TCase *tc = tcase_create("ddl");

	ncases = testutil_cases(dir, &cases);
	tcase_add_test(tc, parse_good);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, validate);
	tcase_add_test(tc, units_and_formats);
	tcase_add_test(tc, pattern_sizes);
	tcase_add_test(tc, validate_nul);
	tcase_add_test(tc, arguments);
	tcase_add_test(tc, load_dir);
	tcase_add_test(tc, shipped_ddls);
	tcase_add_test(tc, out_of_memory);
	tcase_add_loop_test(tc, data_case, 0, (int)ncases);
	suite_add_tcase(s, tc);
	return testutil_run_cases(s, dir, cases, ncases, 20);
}
