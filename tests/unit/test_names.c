/*
 * test_names.c: lib/names.h, the one table of name rules, its edges, and
 * that docs/PROTOCOL.md and schemas/ say what it says.
 */
#include "buildconf.h"

#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "testutil.h"

/* A string of n bytes of c (n < 1024). */
static const char *
repeat(char c, size_t n)
{
	static char buf[1024];

	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* Every kind: 'a' repeated max times is a name, once more is not. */
START_TEST(test_max_length)
{
	for (int k = 0; k < NAME_KINDS; k++) {
		const struct name_rule *r = name_rule(k);
		const char *why;

		ck_assert_ptr_nonnull(r);
		ck_assert_msg(name_ok(k, repeat('a', r->max)), "%s at %zu",
		    r->kind, r->max);
		ck_assert_msg(!name_ok(k, repeat('a', r->max + 1)),
		    "%s at %zu + 1", r->kind, r->max);
		why = name_why(k, repeat('a', r->max + 1));
		ck_assert_ptr_nonnull(why);
		ck_assert_msg(strstr(why, "longer than") != NULL, "%s", why);
		ck_assert(!name_ok(k, ""));
		ck_assert(!name_ok(k, NULL));
		ck_assert_str_eq(name_why(k, ""), "empty");
		ck_assert_ptr_null(name_why(k, "a"));
	}
	ck_assert_ptr_null(name_rule(NAME_KINDS));
	ck_assert(!name_ok(NAME_KINDS, "a"));
}
END_TEST

/* The limits that the transport imposes, spelt out. */
START_TEST(test_limits)
{
	/* "metactl.node." + identity fits an AMQP short string. */
	ck_assert_int_eq(strlen("metactl.node.") + NAME_IDENTITY_MAX, 255);
	/* COLLECTIVE.AGENT does too. */
	ck_assert_int_le(NAME_COLLECTIVE_MAX + 1 + NAME_AGENT_MAX, 255);
	ck_assert_int_eq(name_rule(NAME_CERT)->max, NAME_IDENTITY_MAX);
}
END_TEST

/*
 * The pattern of every rule (but the fact name's, whose escapes POSIX
 * brackets do not know) against name_ok(): each byte at the start and in
 * the middle of a name, then every string of up to 4 bytes over an
 * alphabet of the bytes the rules treat specially.
 */
static void
check_against_pattern(int k, const char *s, regex_t *re)
{
	int want = regexec(re, s, 0, NULL, 0) == 0;

	ck_assert_msg(name_ok(k, s) == want,
	    "%s \"%s\": name_ok %d, pattern %d", name_rule(k)->kind, s, !want,
	    want);
	ck_assert_msg((name_why(k, s) == NULL) == want, "%s \"%s\": why",
	    name_rule(k)->kind, s);
}

START_TEST(test_pattern_agrees)
{
	static const char alphabet[] = "aA0._-@+/ ";
	const size_t na = sizeof(alphabet) - 1;

	for (int k = 0; k < NAME_KINDS; k++) {
		char s[8];
		regex_t re;

		if (k == NAME_FACT)
			continue;
		ck_assert_int_eq(regcomp(&re, name_rule(k)->pattern,
				     REG_EXTENDED | REG_NOSUB),
		    0);
		for (int c = 1; c < 256; c++) {
			snprintf(s, sizeof(s), "%cab", c);
			check_against_pattern(k, s, &re);
			snprintf(s, sizeof(s), "a%cb", c);
			check_against_pattern(k, s, &re);
			snprintf(s, sizeof(s), "ab%c", c);
			check_against_pattern(k, s, &re);
		}
		for (size_t len = 1; len <= 4; len++) {
			size_t total = 1;

			for (size_t i = 0; i < len; i++)
				total *= na;
			for (size_t n = 0; n < total; n++) {
				size_t v = n;

				for (size_t i = 0; i < len; i++, v /= na)
					s[i] = alphabet[v % na];
				s[len] = '\0';
				check_against_pattern(k, s, &re);
			}
		}
		regfree(&re);
	}
}
END_TEST

/* Each forbidden character, rule by rule. */
START_TEST(test_forbidden)
{
	static const struct {
		enum name_kind kind;
		const char *bad; /* refused anywhere */
		const char *good; /* accepted */
	} cases[] = {
	    {NAME_IDENTITY, " /:*#\\\x7f\x01\xc3", "web1.example.com"},
	    {NAME_IDENTITY, "", "node@dc1-a_b"},
	    {NAME_CERT, " /:*#", "alice@example.com"},
	    {NAME_COLLECTIVE, ".#* /@", "prod-eu_1"},
	    {NAME_AGENT, "A-. /@", "rpc_util2"},
	    {NAME_ACTION, ". /@", "Restart-now_2"},
	    {NAME_APP, "/ @+:", "my.app-2_x"},
	    {NAME_TAG, "/ @:~^", "v1.2.3+build-4_rc"},
	    {NAME_FACT, " \t\n\v\f\r()=!<>~\"'", "os.release.major"},
	    {NAME_CALLER, "\x01\x7f\n\x80", "uid=500 (alice)"},
	    {NAME_DAEMON, "-. /@", "job_Manager2"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum name_kind k = cases[i].kind;

		ck_assert_msg(name_ok(k, cases[i].good), "%s", cases[i].good);
		for (const char *b = cases[i].bad; *b != '\0'; b++) {
			char s[8];

			snprintf(s, sizeof(s), "a%cb", *b);
			ck_assert_msg(!name_ok(k, s), "%s: 0x%02x accepted",
			    name_rule(k)->kind, (unsigned char)*b);
		}
	}
	/* Apps and tags: no "..", no leading '-' or '.'. */
	for (int k = NAME_APP; k <= NAME_TAG; k++) {
		ck_assert(!name_ok(k, ".."));
		ck_assert(!name_ok(k, "a..b"));
		ck_assert(!name_ok(k, "-a"));
		ck_assert(!name_ok(k, ".a"));
		ck_assert(name_ok(k, "a.b"));
		ck_assert(name_ok(k, "a-"));
		ck_assert_str_eq(name_why(k, "a..b"), "\"..\" is not allowed");
	}
	ck_assert(!name_ok(NAME_AGENT, "1agent"));
	ck_assert(!name_ok(NAME_ACTION, "_x"));
	/* Fact names may hold UTF-8. */
	ck_assert(name_ok(NAME_FACT, "r\xc3\xb4le"));
}
END_TEST

START_TEST(test_check_message)
{
	char buf[300];

	ck_assert_int_eq(name_check(NAME_APP, "my.app", buf, sizeof(buf)), 0);
	ck_assert_int_eq(
	    name_check(NAME_APP, "x y", buf, sizeof(buf)), -EINVAL);
	ck_assert_str_eq(buf,
	    "'x y' is not an app name: ' ' is not allowed (letters, digits, "
	    "'.', '_' and '-' only)");
	name_check(NAME_AGENT, "-x", buf, sizeof(buf));
	ck_assert_str_eq(buf,
	    "'-x' is not an agent name: '-' is not allowed (a lowercase "
	    "letter, then lowercase letters, digits and '_' only)");
	name_check(NAME_AGENT, "1x", buf, sizeof(buf));
	ck_assert_str_eq(buf,
	    "'1x' is not an agent name: the first character must be a "
	    "lowercase letter");
	name_check(NAME_TAG, "v1..2", buf, sizeof(buf));
	ck_assert_str_eq(
	    buf, "'v1..2' is not a tag name: \"..\" is not allowed");
	name_check(NAME_APP, ".x", buf, sizeof(buf));
	ck_assert_str_eq(buf,
	    "'.x' is not an app name: the first character must be a letter, "
	    "a digit or '_'");
	name_check(NAME_IDENTITY, repeat('w', 300), buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(
	    buf, "...' is not a node identity: longer than 242 characters"));
	name_check(NAME_IDENTITY, "a\tb", buf, sizeof(buf));
	ck_assert_str_eq(buf,
	    "'a?b' is not a node identity: 0x09 is not allowed (letters, "
	    "digits, '.', '_', '@' and '-' only)");
}
END_TEST

/* The file at rel under $top_srcdir, to free(). */
static char *
source_file(const char *rel, size_t *ret_len)
{
	const char *top = getenv("top_srcdir");
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", top != NULL ? top : ".", rel);
	return testutil_read_file(path, ret_len);
}

/* The row docs/PROTOCOL.md gives kind in its table of names. */
static void
doc_row(const struct name_rule *r, char *buf, size_t size)
{
	snprintf(buf, size, "| `%s` | %s | `%s` | %zu | %s |", r->kind,
	    r->chars_text, r->pattern, r->max, r->doc);
}

START_TEST(test_protocol_md)
{
	char *text = NULL, row[1024];
	size_t len;

	ck_assert_ptr_nonnull(text = source_file("docs/PROTOCOL.md", &len));
	for (int k = 0; k < NAME_KINDS; k++) {
		doc_row(name_rule(k), row, sizeof(row));
		ck_assert_msg(strstr(text, row) != NULL,
		    "docs/PROTOCOL.md lacks the row\n%s", row);
	}
	free(text);
}
END_TEST

/* Where the schemas carry each kind of name. */
static const struct {
	const char *file;
	const char *path[8];
	enum name_kind kind;
} schema_names[] = {
    {"request", {"$defs", "collective"}, NAME_COLLECTIVE},
    {"request", {"$defs", "agent"}, NAME_AGENT},
    {"request", {"$defs", "action"}, NAME_ACTION},
    {"request", {"$defs", "identity"}, NAME_IDENTITY},
    {"request", {"properties", "caller"}, NAME_CALLER},
    {"request",
	{"$defs", "filter", "properties", "fact", "items", "properties",
	    "fact"},
	NAME_FACT},
    {"reply", {"properties", "sender"}, NAME_IDENTITY},
    {"certificate", {"$defs", "name"}, NAME_CERT},
    {"metactl-output", {"definitions", "identity"}, NAME_IDENTITY},
    {"ddl", {"$defs", "agent_name"}, NAME_AGENT},
    {"ddl", {"$defs", "action_name"}, NAME_ACTION},
};

START_TEST(test_schemas)
{
	for (size_t i = 0; i < sizeof(schema_names) / sizeof(schema_names[0]);
	     i++) {
		const struct name_rule *r = name_rule(schema_names[i].kind);
		char path[256], *text = NULL;
		json_t *doc, *v;
		size_t len;

		snprintf(path, sizeof(path), "schemas/%s.schema.json",
		    schema_names[i].file);
		ck_assert_ptr_nonnull(text = source_file(path, &len));
		doc = json_loadb(text, len, 0, NULL);
		free(text);
		ck_assert_ptr_nonnull(doc);
		v = doc;
		for (const char *const *p = schema_names[i].path; *p != NULL;
		     p++)
			v = json_object_get(v, *p);
		ck_assert_msg(v != NULL, "%s: no %s", path, r->kind);
		ck_assert_msg(json_is_string(json_object_get(v, "pattern")) &&
			strcmp(json_string_value(json_object_get(v, "pattern")),
			    r->pattern) == 0,
		    "%s: %s: pattern is not %s", path, r->kind, r->pattern);
		ck_assert_msg(json_integer_value(json_object_get(
				  v, "maxLength")) == (json_int_t)r->max,
		    "%s: %s: maxLength is not %zu", path, r->kind, r->max);
		ck_assert_msg(
		    json_integer_value(json_object_get(v, "minLength")) == 1,
		    "%s: %s: minLength is not 1", path, r->kind);
		json_decref(doc);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, test_max_length);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_pattern_agrees);
	tcase_add_test(tc, test_forbidden);
	tcase_add_test(tc, test_check_message);
	tcase_add_test(tc, test_protocol_md);
	tcase_add_test(tc, test_schemas);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
