/*
 * test_orch_opts.c: metactl's option parsing, and the arithmetic of
 * batches, limits and durations.
 */
#include "buildconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orchestrator/opts.h"
#include "orchestrator/usage.h"
#include "test_orch_run.h"

#define ARGV(...) \
	(char *[]){__VA_ARGS__, NULL}, \
	    (int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *))

static struct orch_opts o;
static char err[256];

static int
parse(char *argv[], int argc, unsigned allowed)
{
	orch_opts_clear(&o);
	err[0] = '\0';
	return orch_opts_parse(&o, argc, argv, allowed, err, sizeof(err));
}

static void
teardown(void)
{
	orch_opts_clear(&o);
}

START_TEST(filters_build_the_wire_filter)
{
	char *s;

	ck_assert_int_eq(
	    parse(ARGV("rpc", "-F", "role=web", "-C", "/^db/", "-I", "web1",
		      "-I", "/^web[23]$/", "-A", "service", "-S", "dc=1 and !x",
		      "-T", "prod"),
		OPT_ALL),
	    0);
	ck_assert_uint_eq(
	    json_array_size(json_object_get(o.filter, "fact")), 1);
	ck_assert_uint_eq(
	    json_array_size(json_object_get(o.filter, "identity")), 2);
	ck_assert_str_eq(json_string_value(json_array_get(
			     json_object_get(o.filter, "class"), 0)),
	    "/^db/");
	ck_assert_str_eq(json_string_value(json_array_get(
			     json_object_get(o.filter, "agent"), 0)),
	    "service");
	ck_assert_str_eq(
	    json_string_value(json_object_get(o.filter, "compound")),
	    "dc=1 and !x");
	ck_assert_str_eq(o.collective, "prod");
	s = json_dumps(json_array_get(json_object_get(o.filter, "fact"), 0),
	    JSON_SORT_KEYS | JSON_COMPACT);
	ck_assert_ptr_nonnull(strstr(s, "\"fact\":\"role\""));
	free(s);
}
END_TEST

START_TEST(fact_operators_all_accepted)
{
	const char *exprs[] = {"a=1", "a==1", "a!=1", "a<1", "a>1", "a<=1",
	    "a>=1", "a=~^x", "a=/x/"};
	size_t i;

	for (i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		ck_assert_msg(parse(ARGV("ping", "-F", (char *)exprs[i]),
				  OPT_FILTER) == 0,
		    "%s: %s", exprs[i], err);
	}
}
END_TEST

START_TEST(bad_filters_name_the_option)
{
	ck_assert_int_eq(parse(ARGV("ping", "-F", "=x"), OPT_FILTER), -1);
	ck_assert_ptr_nonnull(strstr(err, "-F '=x'"));
	ck_assert_int_eq(parse(ARGV("ping", "-S", "(a and"), OPT_FILTER), -1);
	ck_assert_ptr_nonnull(strstr(err, "-S"));
	ck_assert_int_eq(
	    parse(ARGV("ping", "-S", "a", "-S", "b"), OPT_FILTER), -1);
	ck_assert_ptr_nonnull(strstr(err, "twice"));
	ck_assert_int_eq(parse(ARGV("ping", "-I", "/(/"), OPT_FILTER), -1);
	ck_assert_int_eq(parse(ARGV("ping", "-T", "a.#"), OPT_FILTER), -1);
	ck_assert_ptr_nonnull(strstr(err, "collective"));
	ck_assert_int_eq(parse(ARGV("ping", "-T", ""), OPT_FILTER), -1);
}
END_TEST

START_TEST(positionals_anywhere)
{
	ck_assert_int_eq(
	    parse(ARGV("rpc", "svc", "-F", "a=1", "restart", "app=x", "--json"),
		OPT_ALL),
	    0);
	ck_assert_int_eq(o.nargs, 3);
	ck_assert_str_eq(o.args[0], "svc");
	ck_assert_str_eq(o.args[1], "restart");
	ck_assert_str_eq(o.args[2], "app=x");
	ck_assert_int_eq(o.format, OUT_JSON);
	ck_assert_int_eq(
	    parse(ARGV("rpc", "a", "b", "--", "x=-1", "-F"), OPT_ALL), 0);
	ck_assert_int_eq(o.nargs, 4);
	ck_assert_str_eq(o.args[3], "-F");
}
END_TEST

START_TEST(groups_restrict_options)
{
	ck_assert_int_eq(parse(ARGV("find", "--batch", "2"), OPT_FILTER), -1);
	ck_assert_ptr_nonnull(strstr(err, "--batch"));
	ck_assert_int_eq(parse(ARGV("doc", "-F", "a=1"), 0), -1);
	ck_assert_ptr_nonnull(strstr(err, "-F"));
	ck_assert_int_eq(parse(ARGV("rpc", "-t"), OPT_ALL), -1);
	ck_assert_ptr_nonnull(strstr(err, "needs a value"));
	ck_assert_int_eq(parse(ARGV("rpc", "--nope"), OPT_ALL), -1);
	ck_assert_ptr_nonnull(strstr(err, "--nope"));
}
END_TEST

START_TEST(batch_limit_and_times)
{
	ck_assert_int_eq(parse(ARGV("rpc", "--batch", "25%", "--batch-sleep",
				   "1.5", "--limit-nodes", "3", "--limit-seed",
				   "42", "-t", "7", "--dt", "500ms", "--np",
				   "--display", "failed", "--dry-run"),
			     OPT_ALL),
	    0);
	ck_assert_int_eq(o.batch.n, 25);
	ck_assert_int_eq(o.batch.percent, 1);
	ck_assert_int_eq(o.batch_sleep_ms, 1500);
	ck_assert_int_eq(o.limit.n, 3);
	ck_assert_int_eq(o.limit.percent, 0);
	ck_assert(o.have_seed);
	ck_assert_uint_eq(o.limit_seed, 42);
	ck_assert_int_eq(o.timeout_ms, 7000);
	ck_assert_int_eq(o.discovery_ms, 500);
	ck_assert_int_eq(o.progress, 0);
	ck_assert_int_eq(o.display, DISPLAY_FAILED);
	ck_assert(o.dry_run);
	ck_assert(!o.preview);
	ck_assert_int_eq(parse(ARGV("rpc", "--preview"), OPT_ALL), 0);
	ck_assert(o.preview);
	ck_assert(!o.dry_run);
	ck_assert_int_eq(parse(ARGV("ping", "--preview"), OPT_FILTER), -1);
	ck_assert_int_eq(parse(ARGV("rpc", "-1"), OPT_ALL), 0);
	ck_assert_int_eq(o.limit.n, 1);
	ck_assert_int_eq(parse(ARGV("rpc", "--batch-sleep", "1"), OPT_ALL), -1);
	ck_assert_ptr_nonnull(strstr(err, "needs --batch"));
	ck_assert_int_eq(parse(ARGV("rpc", "--limit-seed", "1"), OPT_ALL), -1);
	ck_assert_int_eq(parse(ARGV("rpc", "--batch", "0"), OPT_ALL), -1);
	ck_assert_int_eq(parse(ARGV("rpc", "--batch", "101%"), OPT_ALL), -1);
	ck_assert_int_eq(parse(ARGV("rpc", "-t", "0"), OPT_ALL), -1);
	ck_assert_int_eq(parse(ARGV("rpc", "-t", "-3"), OPT_ALL), -1);
	ck_assert_int_eq(parse(ARGV("rpc", "--display", "x"), OPT_ALL), -1);
}
END_TEST

START_TEST(count_specs)
{
	struct count_spec c;
	const char *bad[] = {
	    "", "0", "-1", "x", "1x", "0%", "101%", "5%%", "2000000", " 1"};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(
		    count_spec_parse(bad[i], &c) == -1, "'%s'", bad[i]);
	ck_assert_int_eq(count_spec_parse("10", &c), 0);
	ck_assert_uint_eq(count_spec_apply(&c, 25), 10);
	ck_assert_uint_eq(count_spec_apply(&c, 4), 4);
	ck_assert_uint_eq(count_spec_apply(&c, 0), 0);
	ck_assert_int_eq(count_spec_parse("10%", &c), 0);
	ck_assert_uint_eq(count_spec_apply(&c, 25), 3); /* rounds up */
	ck_assert_uint_eq(count_spec_apply(&c, 1), 1);
	ck_assert_uint_eq(count_spec_apply(&c, 100), 10);
	ck_assert_int_eq(count_spec_parse("100%", &c), 0);
	ck_assert_uint_eq(count_spec_apply(&c, 7), 7);
	c.n = 0;
	ck_assert_uint_eq(count_spec_apply(&c, 7), 7); /* unset: all */
}
END_TEST

START_TEST(durations)
{
	long ms;

	ck_assert_int_eq(duration_parse("2", &ms), 0);
	ck_assert_int_eq(ms, 2000);
	ck_assert_int_eq(duration_parse("0.25", &ms), 0);
	ck_assert_int_eq(ms, 250);
	ck_assert_int_eq(duration_parse("3s", &ms), 0);
	ck_assert_int_eq(ms, 3000);
	ck_assert_int_eq(duration_parse("150ms", &ms), 0);
	ck_assert_int_eq(ms, 150);
	ck_assert_int_eq(duration_parse("-1", &ms), -1);
	ck_assert_int_eq(duration_parse("nan", &ms), -1);
	ck_assert_int_eq(duration_parse("1e9", &ms), -1);
	ck_assert_int_eq(duration_parse("5m", &ms), -1);
	ck_assert_int_eq(duration_parse("", &ms), -1);
}
END_TEST

static char **
names(size_t n)
{
	char **v = calloc(n, sizeof(*v));
	size_t i;

	for (i = 0; i < n; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "node%02zu", i);
		v[i] = strdup(buf);
	}
	return v;
}

static void
free_names(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

START_TEST(limit_is_reproducible_and_sorted)
{
	char **a = names(20), **b = names(20), **c = names(20);
	size_t i, k;
	int same = 1;

	/* Input order must not matter: reverse b. */
	for (i = 0; i < 10; i++) {
		char *t = b[i];

		b[i] = b[19 - i];
		b[19 - i] = t;
	}
	ck_assert_uint_eq(limit_select(a, 20, 5, 42), 5);
	ck_assert_uint_eq(limit_select(b, 20, 5, 42), 5);
	k = limit_select(c, 20, 5, 43);
	ck_assert_uint_eq(k, 5);
	for (i = 0; i < 5; i++) {
		ck_assert_str_eq(a[i], b[i]);
		if (strcmp(a[i], c[i]) != 0)
			same = 0;
		if (i > 0)
			ck_assert_int_lt(strcmp(a[i - 1], a[i]), 0);
	}
	ck_assert_msg(!same, "another seed should choose other nodes");
	for (i = 5; i < 20; i++)
		ck_assert_ptr_null(a[i]);
	free_names(a, 20);
	free_names(b, 20);
	free_names(c, 20);
	a = names(3);
	ck_assert_uint_eq(limit_select(a, 3, 10, 1), 3);
	free_names(a, 3);
}
END_TEST

START_TEST(limit_covers_every_node)
{
	int seen[10] = {0};
	uint64_t seed;
	size_t i;

	/* Over many seeds, a 1-of-10 choice reaches every node. */
	for (seed = 0; seed < 200; seed++) {
		char **v = names(10);

		limit_select(v, 10, 1, seed);
		seen[atoi(v[0] + 4)]++;
		free_names(v, 10);
	}
	for (i = 0; i < 10; i++)
		ck_assert_int_gt(seen[i], 0);
}
END_TEST

static int
help_of(struct orch_opts *h, char *argv[], int argc)
{
	return orch_opts_help(h, argc, argv);
}

START_TEST(help_anywhere)
{
	struct orch_opts h;

	/* After arguments and options, short or long. */
	ck_assert_int_eq(
	    help_of(
		&h, ARGV("rpc", "rpcutil", "ping", "-c", "x.conf", "--help")),
	    1);
	ck_assert_int_eq(h.nargs, 2);
	ck_assert_str_eq(h.args[0], "rpcutil");
	ck_assert_str_eq(h.args[1], "ping");
	ck_assert_str_eq(h.config, "x.conf");
	orch_opts_clear(&h);
	ck_assert_int_eq(help_of(&h, ARGV("ping", "-F", "x=y", "-h")), 1);
	orch_opts_clear(&h);
	/* Even after an option the command would refuse. */
	ck_assert_int_eq(help_of(&h, ARGV("find", "--bogus", "--help")), 1);
	orch_opts_clear(&h);
	/* An option's value is not an option; after "--" it is an
	 * argument. */
	ck_assert_int_eq(help_of(&h, ARGV("ping", "-I", "--help")), 0);
	orch_opts_clear(&h);
	ck_assert_int_eq(
	    help_of(&h, ARGV("ping", "--nodes", "-h", "-t", "2")), 0);
	orch_opts_clear(&h);
	ck_assert_int_eq(help_of(&h, ARGV("rpc", "--", "--help")), 0);
	ck_assert_int_eq(h.nargs, 1);
	orch_opts_clear(&h);
	/* The command's own parse accepts it too. */
	ck_assert_int_eq(parse(ARGV("ping", "--help"), OPT_FLEET), 0);
	ck_assert_int_eq(o.help, 1);
}
END_TEST

START_TEST(ids_sort_ttl_quiet)
{
	ck_assert_int_eq(parse(ARGV("ping"), OPT_FLEET), 0);
	ck_assert_int_eq(o.ids, IDS_NONE);
	ck_assert_int_eq(o.sort, SORT_STATUS);
	ck_assert_int_eq(o.ttl_s, 0);
	ck_assert_int_eq(o.quiet, 0);
	ck_assert_int_eq(parse(ARGV("ping", "--ids", "silent", "--sort", "time",
				   "--ttl", "120", "-q"),
			     OPT_FLEET),
	    0);
	ck_assert_int_eq(o.ids, IDS_SILENT);
	ck_assert_int_eq(o.format, OUT_IDS);
	ck_assert_int_eq(o.sort, SORT_TIME);
	ck_assert_int_eq(o.ttl_s, 120);
	ck_assert_int_eq(o.quiet, 1);
	ck_assert_int_eq(o.progress, 0);
	ck_assert_int_eq(parse(ARGV("find", "--identities", "not-ok", "--sort",
				   "identity", "--quiet"),
			     OPT_FLEET),
	    0);
	ck_assert_int_eq(o.ids, IDS_NOT_OK);
	ck_assert_int_eq(o.sort, SORT_IDENTITY);
	ck_assert_int_eq(parse(ARGV("ping", "--ids", "ok"), OPT_FLEET), 0);
	ck_assert_int_eq(o.ids, IDS_OK);
	ck_assert_int_eq(parse(ARGV("ping", "--ids", "failed"), OPT_FLEET), 0);
	ck_assert_int_eq(o.ids, IDS_FAILED);
	ck_assert_int_eq(parse(ARGV("ping", "--ids", "all"), OPT_FLEET), 0);
	ck_assert_int_eq(o.ids, IDS_ALL);
	ck_assert_int_eq(parse(ARGV("ping", "--ids", "web"), OPT_FLEET), -1);
	ck_assert_ptr_nonnull(strstr(err, "--ids: 'web' is not ok, failed"));
	ck_assert_int_eq(parse(ARGV("ping", "--sort", "rtt"), OPT_FLEET), -1);
	ck_assert_ptr_nonnull(strstr(err, "--sort: 'rtt'"));
	ck_assert_int_eq(parse(ARGV("ping", "--ttl", "0"), OPT_FLEET), -1);
	ck_assert_ptr_nonnull(strstr(err, "--ttl: '0'"));
	ck_assert_int_eq(
	    parse(ARGV("ping", "--ttl", "2147483648"), OPT_FLEET), -1);
	ck_assert_int_eq(
	    parse(ARGV("ping", "--ttl", "2147483647"), OPT_FLEET), 0);
	ck_assert_int_eq(parse(ARGV("ping", "--ttl", "-5"), OPT_FLEET), -1);
	ck_assert_int_eq(parse(ARGV("ping", "--ttl", "5s"), OPT_FLEET), -1);
}
END_TEST

START_TEST(every_fleet_command_has_the_same_options)
{
	/* What find, inventory and facts refused before. */
	ck_assert_int_eq(parse(ARGV("find", "--json", "--np", "-F", "a=1",
				   "--display", "failed", "-t", "3"),
			     OPT_FLEET),
	    0);
	ck_assert_int_eq(o.format, OUT_JSON);
	ck_assert_int_eq(o.display, DISPLAY_FAILED);
	/* rpc's own stay rpc's. */
	ck_assert_int_eq(parse(ARGV("find", "--batch", "2"), OPT_FLEET), -1);
	ck_assert_int_eq(parse(ARGV("find", "--dry-run"), OPT_FLEET), -1);
}
END_TEST

/* A file of the source tree, or of the build tree when built is 1 (the
 * man pages are made at build time), whole; caller frees. */
static char *
read_tree(const char *rel, int built)
{
	const char *top = getenv(built ? "top_builddir" : "top_srcdir");
	char path[4096], *buf = NULL;
	size_t len = 0;
	FILE *in, *out = open_memstream(&buf, &len);
	int c;

	snprintf(path, sizeof(path), "%s/%s", top != NULL ? top : ".", rel);
	in = fopen(path, "r");
	ck_assert_msg(in != NULL, "cannot open %s", path);
	while ((c = getc(in)) != EOF)
		putc(c, out);
	fclose(in);
	fclose(out);
	return buf;
}

static char *
usage_text(const char *command)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_int_eq(usage_print(f, command), 1);
	fclose(f);
	return buf;
}

/* Whether text holds word as a word of its own. */
static int
has_word(const char *text, const char *word)
{
	const char *p = text;
	size_t n = strlen(word);

	while ((p = strstr(p, word)) != NULL) {
		if ((p == text || strchr(" \n,(", p[-1]) != NULL) &&
		    strchr(" \n,", p[n]) != NULL)
			return 1;
		p += n;
	}
	return 0;
}

/*
 * Every option of the table is in metactl(1) (".Fl -name", ".Fl x") and
 * in the help of every fleet command that takes it.
 */
START_TEST(every_option_documented)
{
	static const char *const fleet[] = {
	    "ping", "rpc", "find", "discover", "inventory", "facts"};
	char *man = read_tree("man/metactl.1", 1), word[80];
	const char *name;
	unsigned group;
	size_t i, j;
	int sh;

	for (i = 0; (name = orch_opts_name(i, &sh, &group)) != NULL; i++) {
		snprintf(word, sizeof(word), "Fl -%s", name);
		ck_assert_msg(strstr(man, word) != NULL,
		    "metactl.1 does not document --%s", name);
		if (sh != 0) {
			snprintf(word, sizeof(word), "Fl %c", sh);
			ck_assert_msg(has_word(man, word),
			    "metactl.1 does not document -%c", sh);
		}
		for (j = 0; j < sizeof(fleet) / sizeof(fleet[0]); j++) {
			char *u;

			if (group == OPT_BATCH && strcmp(fleet[j], "rpc") != 0)
				continue;
			u = usage_text(fleet[j]);
			snprintf(word, sizeof(word), "--%s", name);
			ck_assert_msg(has_word(u, word),
			    "metactl help %s does not mention --%s", fleet[j],
			    name);
			if (sh != 0) {
				snprintf(word, sizeof(word), "-%c", sh);
				ck_assert_msg(has_word(u, word),
				    "metactl help %s does not mention -%c",
				    fleet[j], sh);
			}
			free(u);
		}
	}
	free(man);
}
END_TEST

static int
take_set(void *arg, const char *name, const char *value)
{
	char *buf = arg;

	snprintf(buf + strlen(buf), 256 - strlen(buf), "%s:%s;", name,
	    value != NULL ? value : "-");
	return 0;
}

/* A command's own options, "--name VALUE" and "--name=VALUE" alike, out of
 * argv; a flag never takes "=VALUE"; nothing after "--" is taken. */
START_TEST(own_options_taken)
{
	static const struct opt_own own[] = {
	    {"--site", 1}, {"--to", 1}, {"--purge", 0}, {NULL, 0}};
	char a0[] = "deploy", a1[] = "--site=s.conf", a2[] = "demo",
	     a3[] = "--to", a4[] = "v1", a5[] = "--purge", a6[] = "--purge=x",
	     a7[] = "--", a8[] = "--site", a9[] = "x";
	char *argv[] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, NULL};
	char seen[256] = "", why[64] = "";
	int n = orch_opts_take(10, argv, own, take_set, seen, why, sizeof(why));

	ck_assert_int_eq(n, 6);
	ck_assert_str_eq(seen, "--site:s.conf;--to:v1;--purge:-;");
	ck_assert_str_eq(argv[1], "demo");
	ck_assert_str_eq(argv[2], "--purge=x");
	ck_assert_str_eq(argv[3], "--");
	ck_assert_str_eq(argv[4], "--site");
	ck_assert_ptr_null(argv[6]);
	argv[0] = a0;
	argv[1] = a8;
	ck_assert_int_eq(
	    orch_opts_take(2, argv, own, take_set, seen, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "option --site needs a value");
}
END_TEST

ORCH_SUITE("orch_opts", NULL, teardown, filters_build_the_wire_filter,
    fact_operators_all_accepted, bad_filters_name_the_option,
    positionals_anywhere, groups_restrict_options, batch_limit_and_times,
    count_specs, durations, limit_is_reproducible_and_sorted,
    limit_covers_every_node, help_anywhere, ids_sort_ttl_quiet,
    every_fleet_command_has_the_same_options, every_option_documented,
    own_options_taken)
