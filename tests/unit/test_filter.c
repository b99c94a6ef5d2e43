/*
 * test_filter.c: the filter language. The data-driven cases live in
 * tests/data/filter/<case>/ (filter.json, subject.json, expected); the
 * tests below cover what data cannot: columns, bounds, builders.
 */
#include "buildconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "testutil.h"

static char **cases;
static size_t ncases;

/* Subject storage for one case; everything points into doc. */
struct subject {
	json_t *doc;
	const char *classes[64];
	const char *agents[64];
	struct filter_subject s;
};

static void
subject_load(struct subject *sub, const char *path)
{
	json_error_t jerr;
	json_t *v;
	size_t i;

	memset(sub, 0, sizeof(*sub));
	sub->doc = json_load_file(path, 0, &jerr);
	ck_assert_msg(sub->doc != NULL, "%s: %s", path, jerr.text);
	sub->s.identity =
	    json_string_value(json_object_get(sub->doc, "identity"));
	sub->s.facts = json_object_get(sub->doc, "facts");
	json_array_foreach(json_object_get(sub->doc, "classes"), i, v)
	{
		ck_assert(i < 64);
		sub->classes[sub->s.nclasses++] = json_string_value(v);
	}
	json_array_foreach(json_object_get(sub->doc, "agents"), i, v)
	{
		ck_assert(i < 64);
		sub->agents[sub->s.nagents++] = json_string_value(v);
	}
	sub->s.classes = sub->classes;
	sub->s.agents = sub->agents;
}

START_TEST(data_case)
{
	char path[8192], buf[512];
	const char *dir = testutil_data_dir("filter");
	const char *name = cases[_i];
	struct subject sub;
	struct error err;
	json_error_t jerr;
	json_t *filter;
	char *expected;
	int rc, m;

	snprintf(path, sizeof(path), "%s/%s/expected", dir, name);
	expected = testutil_read_file(path, NULL);
	ck_assert_msg(expected != NULL, "%s: no expected file", name);
	testutil_chomp(expected);
	snprintf(path, sizeof(path), "%s/%s/filter.json", dir, name);
	filter = json_load_file(path, 0, &jerr);
	ck_assert_msg(filter != NULL, "%s: %s", path, jerr.text);
	snprintf(path, sizeof(path), "%s/%s/subject.json", dir, name);
	subject_load(&sub, path);

	rc = filter_validate(filter, &err);
	m = filter_match(filter, &sub.s);
	if (strncmp(expected, "error: ", 7) == 0) {
		ck_assert_msg(rc == MCE_INVALID, "%s: valid, expected %s", name,
		    expected);
		error_format(&err, buf, sizeof(buf));
		ck_assert_msg(strstr(buf, expected + 7) != NULL,
		    "%s: error '%s' lacks '%s'", name, buf, expected + 7);
		ck_assert_msg(m == MCE_INVALID,
		    "%s: an invalid filter gave %d, not MCE_INVALID", name, m);
	} else {
		error_format(&err, buf, sizeof(buf));
		ck_assert_msg(rc == 0, "%s: %s", name, buf);
		ck_assert_msg(strcmp(expected, "match") == 0 ||
			strcmp(expected, "nomatch") == 0,
		    "%s: bad expected file '%s'", name, expected);
		ck_assert_msg(m == (strcmp(expected, "match") == 0),
		    "%s: got %s, expected %s", name, m ? "match" : "nomatch",
		    expected);
	}
	json_decref(sub.doc);
	json_decref(filter);
	free(expected);
}
END_TEST

START_TEST(data_cases_present)
{
	ck_assert_msg(ncases >= 25, "only %zu cases in %s", ncases,
	    testutil_data_dir("filter"));
}
END_TEST

/* Parses text as a compound, expecting an error at column col. */
static void
expr_error(const char *text, int col, const char *needle)
{
	struct filter_expr *e = (struct filter_expr *)1;
	struct error err;
	int rc;

	rc = filter_expr_parse(text, &e, &err);
	ck_assert_msg(rc == MCE_INVALID, "'%s' parsed", text);
	ck_assert_ptr_null(e);
	ck_assert_msg(err.column == col, "'%s': column %d, expected %d (%s)",
	    text, err.column, col, err.text);
	ck_assert_msg(strstr(err.text, needle) != NULL, "'%s': '%s' lacks '%s'",
	    text, err.text, needle);
}

START_TEST(expr_error_columns)
{
	expr_error("", 1, "expected a term");
	expr_error("role=web and", 13, "expected a term");
	expr_error("role=web and (dc=1 or x", 24, "missing ')'");
	expr_error("a b", 3, "expected 'and' or 'or'");
	expr_error("role=", 6, "expected a value");
	expr_error("x=/(/", 4, "bad regular expression");
	expr_error("/[/", 2, "bad regular expression");
	expr_error("/[a", 1, "unterminated");
	expr_error("a)", 2, "unbalanced ')'");
	expr_error("and x", 1, "found 'and'");
	expr_error("x=\"abc", 3, "unterminated quoted value");
	expr_error("x=/(a)\\1/", 7, "back-references");
	expr_error("x=/((a{1,100}){1,100})/", 15, "repetitions nested");
	expr_error("x<=/a/", 4, "needs = == != or =~");
	expr_error("x ~ y", 3, "expected 'and' or 'or'");
	expr_error("x~y", 2, "unexpected '~'");
	/* operator typos are errors, not comparisons with ">3" or "<3" */
	expr_error("cpus>>3", 5, "unknown operator '>>'");
	expr_error("cpus=<3", 5, "unknown operator '=<'");
	expr_error("role=web and cpus >> 3", 19, "unknown operator '>>'");
	expr_error("cpus => 3", 6, "unknown operator '=>'");
	expr_error("cpus = =3", 6, "unknown operator '= ='");
	expr_error("cpus==!3", 5, "unknown operator '==!'");
}
END_TEST

START_TEST(fact_error_columns)
{
	struct filter_fact *f;
	struct error err;

	ck_assert_int_eq(filter_fact_parse("=web", &f, &err), MCE_INVALID);
	ck_assert_int_eq(err.column, 1);
	ck_assert_int_eq(filter_fact_parse("role web", &f, &err), MCE_INVALID);
	ck_assert_int_eq(err.column, 6);
	ck_assert_ptr_nonnull(strstr(err.text, "expected an operator"));
	ck_assert_int_eq(filter_fact_parse("role == ", &f, &err), MCE_INVALID);
	ck_assert_int_eq(err.column, 9);
	ck_assert_int_eq(filter_fact_parse("a='x' y", &f, &err), MCE_INVALID);
	ck_assert_int_eq(err.column, 7);
	ck_assert_int_eq(filter_fact_parse(NULL, &f, &err), MCE_INVALID);
	ck_assert_int_eq(filter_fact_parse("cpus>>3", &f, &err), MCE_INVALID);
	ck_assert_int_eq(err.column, 5);
	ck_assert_ptr_nonnull(strstr(err.text, "unknown operator '>>'"));
	ck_assert_int_eq(filter_fact_parse("cpus=<3", &f, &err), MCE_INVALID);
	ck_assert_int_eq(err.column, 5);
	ck_assert_ptr_nonnull(strstr(err.text, "unknown operator '=<'"));
	/* a value that starts like an operator can still be quoted */
	ck_assert_int_eq(filter_fact_parse("motd='<3'", &f, &err), 0);
	filter_fact_free(f);
}
END_TEST

/* Hostile nesting is refused by the parser, never by the stack. */
START_TEST(expr_depth_bounded)
{
	size_t n = 200000;
	char *text = malloc(2 * n + 2);
	struct filter_expr *e;
	struct error err;

	memset(text, '(', n);
	text[n] = 'x';
	memset(text + n + 1, ')', n);
	text[2 * n + 1] = '\0';
	ck_assert_int_eq(filter_expr_parse(text, &e, &err), MCE_INVALID);
	memset(text, '!', n);
	text[n] = 'x';
	text[n + 1] = '\0';
	ck_assert_int_eq(filter_expr_parse(text, &e, &err), MCE_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "longer than"));
	/* 64 levels are fine. */
	memset(text, '(', 64);
	text[64] = 'x';
	memset(text + 65, ')', 64);
	text[129] = '\0';
	ck_assert_int_eq(filter_expr_parse(text, &e, &err), 0);
	filter_expr_free(e);
	memset(text, '!', 65);
	text[65] = 'x';
	text[66] = '\0';
	ck_assert_int_eq(filter_expr_parse(text, &e, &err), MCE_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "nested deeper"));
	free(text);
}
END_TEST

/* A long chain of or is flat: parsing, evaluation and free are loops. */
/* Regexes that would make regcomp or regexec blow up are refused. */
START_TEST(regex_bounds)
{
	const char *ok[] = {
	    "x=/^[[:alpha:]]+-[0-9]+$/",
	    "x=/a+b+c+d+e+f+g+h+i+j+k+l+m+/",
	    "x=/((((a+)+)+)+)+/",
	    "x=/a{1,1000}/",
	    "x=/[{]{5}[+]+/",
	};
	const char *bad[] = {
	    "x=/a+++++++++++/",
	    "x=/(((((((((((a+)+)+)+)+)+)+)+)+)+)+)+/",
	    "x=/(a{0,100}){0,100}/",
	    "x=/a{2000}/",
	    "x=/(a|b{40})*{40}/",
	    "x=/(a)\\1/",
	    "x=/(a*)+/",
	    "x=/(ab{,40}){,40}/",
	};
	struct filter_expr *e;
	struct error err;
	char buf[400];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(filter_expr_parse(ok[i], &e, &err) == 0, "%s: %s",
		    ok[i], err.text);
		filter_expr_free(e);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(
		    filter_expr_parse(bad[i], &e, &err) == MCE_INVALID,
		    "%s parsed", bad[i]);
	/* longer than 256 bytes */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "x=/", 3);
	buf[sizeof(buf) - 2] = '/';
	buf[sizeof(buf) - 1] = '\0';
	ck_assert_int_eq(filter_expr_parse(buf, &e, &err), MCE_INVALID);
	ck_assert_ptr_nonnull(strstr(err.text, "longer than 256"));
}
END_TEST

START_TEST(expr_long_chain)
{
	const char *classes[] = {"last"};
	struct filter_subject s = {.classes = classes, .nclasses = 1};
	char *text = malloc(16384);
	struct filter_expr *e;
	struct error err;
	size_t len = 0;

	while (len < 16000) {
		memcpy(text + len, "x or ", 5);
		len += 5;
	}
	memcpy(text + len, "last", 5);
	ck_assert_int_eq(filter_expr_parse(text, &e, &err), 0);
	ck_assert_int_eq(filter_expr_eval(e, &s), 1);
	classes[0] = "other";
	ck_assert_int_eq(filter_expr_eval(e, &s), 0);
	filter_expr_free(e);
	free(text);
}
END_TEST

START_TEST(expr_precedence)
{
	const char *classes[] = {"c"};
	struct filter_subject s = {.classes = classes, .nclasses = 1};
	struct filter_expr *e;
	struct error err;

	/* and binds tighter: c or (x and y) */
	ck_assert_int_eq(filter_expr_parse("c or x and y", &e, &err), 0);
	ck_assert_int_eq(filter_expr_eval(e, &s), 1);
	filter_expr_free(e);
	ck_assert_int_eq(filter_expr_parse("(c or x) and y", &e, &err), 0);
	ck_assert_int_eq(filter_expr_eval(e, &s), 0);
	filter_expr_free(e);
	ck_assert_int_eq(filter_expr_parse("not x and !y and c", &e, &err), 0);
	ck_assert_int_eq(filter_expr_eval(e, &s), 1);
	filter_expr_free(e);
	ck_assert_int_eq(filter_expr_parse("not(c)", &e, &err), 0);
	ck_assert_int_eq(filter_expr_eval(e, &s), 0);
	filter_expr_free(e);
	/* a class named like a keyword prefix is a class */
	ck_assert_int_eq(filter_expr_parse("notc or orc or andc", &e, &err), 0);
	ck_assert_int_eq(filter_expr_eval(e, &s), 0);
	filter_expr_free(e);
}
END_TEST

START_TEST(fact_numeric_and_string)
{
	json_t *facts = json_pack("{s:i, s:s, s:s, s:f, s:b}", "mem", 10, "ver",
	    "9", "name", "web10", "load", 1.5, "virtual", 1);
	struct filter_subject s = {.facts = facts};
	struct {
		const char *text;
		int want;
	} t[] = {
	    {"mem>9", 1},
	    {"mem < 9", 0},
	    {"mem==10.0", 1},
	    {"mem=10", 1},
	    {"mem!=10", 0},
	    {"ver<10", 1}, /* numbers as numbers: 9 < 10 */
	    {"ver>=9", 1},
	    {"name>web1", 1}, /* strings as strings */
	    {"name<web2", 1},
	    {"load<=1.5", 1},
	    {"load>1.49", 1},
	    {"virtual=true", 1},
	    {"mem=~^1", 1},
	    {"name=~/^web[0-9]+$/", 1},
	    {"name=/^db/", 0},
	    {"name!=/^db/", 1},
	    {"missing!=x", 0},
	    {"mem=0x0a", 0},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct filter_fact *f;
		struct error err;

		ck_assert_msg(filter_fact_parse(t[i].text, &f, &err) == 0,
		    "%s: %s", t[i].text, err.text);
		ck_assert_msg(
		    filter_fact_eval(f, &s) == t[i].want, "%s", t[i].text);
		filter_fact_free(f);
	}
	json_decref(facts);
}
END_TEST

START_TEST(fact_lookup_dotted)
{
	json_t *facts = json_loads("{\"os\":{\"release\":{\"major\":\"12\"}},"
				   "\"a.b\":1,\"nics\":[{\"name\":\"eth0\"}]}",
	    0, NULL);

	ck_assert_str_eq(
	    json_string_value(filter_fact_lookup(facts, "os.release.major")),
	    "12");
	ck_assert_int_eq(
	    json_integer_value(filter_fact_lookup(facts, "a.b")), 1);
	ck_assert_str_eq(
	    json_string_value(filter_fact_lookup(facts, "nics.0.name")),
	    "eth0");
	ck_assert_ptr_null(filter_fact_lookup(facts, "os.release.minor"));
	ck_assert_ptr_null(filter_fact_lookup(facts, "nics.1.name"));
	ck_assert_ptr_null(filter_fact_lookup(facts, ""));
	ck_assert_ptr_null(filter_fact_lookup(NULL, "os"));
	json_decref(facts);
}
END_TEST

START_TEST(builders)
{
	json_t *filter = json_object();
	struct error err;
	const char *ids[] = {"web1"};
	const char *classes[] = {"web"};
	json_t *facts = json_pack("{s:s}", "role", "web");
	struct filter_subject s = {.identity = "web1",
	    .facts = facts,
	    .classes = classes,
	    .nclasses = 1};
	json_t *f0;

	(void)ids;
	ck_assert_int_eq(filter_add_fact(filter, "role = /^we/", &err), 0);
	f0 = json_array_get(json_object_get(filter, "fact"), 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(f0, "fact")), "role");
	ck_assert_str_eq(
	    json_string_value(json_object_get(f0, "operator")), "==");
	ck_assert_str_eq(
	    json_string_value(json_object_get(f0, "value")), "/^we/");
	ck_assert_int_eq(filter_add_fact(filter, "role", &err), MCE_INVALID);
	ck_assert_int_eq(filter_add_fact(filter, "cpus>>3", &err), MCE_INVALID);
	ck_assert_int_eq(err.column, 5);
	ck_assert_int_eq(
	    filter_set_compound(filter, "cpus=<3", &err), MCE_INVALID);
	ck_assert_int_eq(err.column, 5);
	/* a quoted /.../ would turn into a regex on the wire */
	ck_assert_int_eq(
	    filter_add_fact(filter, "path=\"/usr/\"", &err), MCE_INVALID);
	ck_assert_int_eq(json_array_size(json_object_get(filter, "fact")), 1);
	ck_assert_int_eq(filter_add_class(filter, "web", &err), 0);
	ck_assert_int_eq(filter_add_class(filter, "/[/", &err), MCE_INVALID);
	ck_assert_int_eq(filter_add_class(filter, "", &err), MCE_INVALID);
	ck_assert_int_eq(filter_add_identity(filter, "/^web/", &err), 0);
	ck_assert_int_eq(filter_add_agent(filter, "a b", &err), MCE_INVALID);
	ck_assert_int_eq(filter_set_compound(filter, "role=web", &err), 0);
	ck_assert_int_eq(filter_set_compound(filter, "(x", &err), MCE_INVALID);
	ck_assert_int_eq(filter_validate(filter, &err), 0);
	ck_assert_int_eq(filter_match(filter, &s), 1);
	/* a second compound narrows, it does not replace */
	ck_assert_int_eq(filter_set_compound(filter, "db", &err), 0);
	ck_assert_str_eq(json_string_value(json_object_get(filter, "compound")),
	    "(role=web) and (db)");
	ck_assert_int_eq(filter_match(filter, &s), 0);
	json_decref(filter);
	filter = json_array();
	ck_assert_int_eq(filter_add_fact(filter, "a=b", &err), MCE_INVALID);
	json_decref(filter);
	json_decref(facts);
}
END_TEST

START_TEST(class_match)
{
	const char *classes[] = {"acme::devserver", "web"};
	struct filter_subject s = {.classes = classes, .nclasses = 2};

	ck_assert_int_eq(filter_class_match("web", &s), 1);
	ck_assert_int_eq(filter_class_match("we", &s), 0);
	ck_assert_int_eq(filter_class_match("/^acme::/", &s), 1);
	ck_assert_int_eq(filter_class_match("/^db/", &s), 0);
	ck_assert_int_eq(filter_class_match("/[/", &s), 0);
	ck_assert_int_eq(filter_class_match(NULL, &s), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("filter");
	int failed;

	/* TAP for automake's driver, also when run by hand */
	setenv("CK_TAP_LOG_FILE_NAME", "-", 0);
	setenv("CK_VERBOSITY", "silent", 0);
	ncases = testutil_cases(testutil_data_dir("filter"), &cases);
	tcase_add_test(tc, data_cases_present);
	tcase_add_loop_test(tc, data_case, 0, (int)ncases);
	tcase_add_test(tc, expr_error_columns);
	tcase_add_test(tc, fact_error_columns);
	tcase_add_test(tc, expr_depth_bounded);
	tcase_add_test(tc, expr_long_chain);
	tcase_add_test(tc, regex_bounds);
	tcase_add_test(tc, expr_precedence);
	tcase_add_test(tc, fact_numeric_and_string);
	tcase_add_test(tc, fact_lookup_dotted);
	tcase_add_test(tc, builders);
	tcase_add_test(tc, class_match);
	suite_add_tcase(s, tc);
	failed = testutil_run(s);
	testutil_cases_free(cases, ncases);
	return failed;
}
