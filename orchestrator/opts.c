/* opts.c: see opts.h. */
#include "buildconf.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "names.h"
#include "orchestrator/opts.h"

enum {
	O_NODES = 256,
	O_DT,
	O_NOCACHE,
	O_JSON,
	O_JSONL,
	O_NP,
	O_DISPLAY,
	O_BATCH,
	O_BATCH_SLEEP,
	O_LIMIT,
	O_SEED,
	O_DRYRUN,
	O_PREVIEW,
	O_REFRESH,
	O_IDS,
	O_SORT,
	O_TTL
};

/* A request's ttl in seconds: 1 to 2^31-1 (docs/PROTOCOL.md). */
#define TTL_MAX 2147483647L

static const struct {
	struct option opt;
	unsigned group;
} table[] = {
    {{"wf", required_argument, NULL, 'F'}, OPT_FILTER},
    {{"with-fact", required_argument, NULL, 'F'}, OPT_FILTER},
    {{"wc", required_argument, NULL, 'C'}, OPT_FILTER},
    {{"with-class", required_argument, NULL, 'C'}, OPT_FILTER},
    {{"wi", required_argument, NULL, 'I'}, OPT_FILTER},
    {{"with-identity", required_argument, NULL, 'I'}, OPT_FILTER},
    {{"wa", required_argument, NULL, 'A'}, OPT_FILTER},
    {{"with-agent", required_argument, NULL, 'A'}, OPT_FILTER},
    {{"select", required_argument, NULL, 'S'}, OPT_FILTER},
    {{"target", required_argument, NULL, 'T'}, OPT_FILTER},
    {{"nodes", required_argument, NULL, O_NODES}, OPT_DISCOVERY},
    {{"dt", required_argument, NULL, O_DT}, OPT_DISCOVERY},
    {{"discovery-timeout", required_argument, NULL, O_DT}, OPT_DISCOVERY},
    {{"no-cache", no_argument, NULL, O_NOCACHE}, OPT_DISCOVERY},
    {{"refresh", no_argument, NULL, O_REFRESH}, OPT_DISCOVERY},
    {{"timeout", required_argument, NULL, 't'}, OPT_TIMEOUT},
    {{"json", no_argument, NULL, O_JSON}, OPT_OUTPUT},
    {{"jsonl", no_argument, NULL, O_JSONL}, OPT_OUTPUT},
    {{"np", no_argument, NULL, O_NP}, OPT_OUTPUT},
    {{"no-progress", no_argument, NULL, O_NP}, OPT_OUTPUT},
    {{"display", required_argument, NULL, O_DISPLAY}, OPT_OUTPUT},
    {{"ids", required_argument, NULL, O_IDS}, OPT_OUTPUT},
    {{"identities", required_argument, NULL, O_IDS}, OPT_OUTPUT},
    {{"sort", required_argument, NULL, O_SORT}, OPT_OUTPUT},
    {{"quiet", no_argument, NULL, 'q'}, OPT_OUTPUT},
    {{"ttl", required_argument, NULL, O_TTL}, OPT_TIMEOUT},
    {{"batch", required_argument, NULL, O_BATCH}, OPT_BATCH},
    {{"batch-sleep", required_argument, NULL, O_BATCH_SLEEP}, OPT_BATCH},
    {{"limit-nodes", required_argument, NULL, O_LIMIT}, OPT_BATCH},
    {{"limit-seed", required_argument, NULL, O_SEED}, OPT_BATCH},
    {{"dry-run", no_argument, NULL, O_DRYRUN}, OPT_BATCH},
    {{"preview", no_argument, NULL, O_PREVIEW}, OPT_BATCH},
    {{"config", required_argument, NULL, 'c'}, 0},
    {{"verbose", no_argument, NULL, 'v'}, 0},
    {{"help", no_argument, NULL, 'h'}, 0},
};

#define NTABLE (sizeof(table) / sizeof(table[0]))

int
count_spec_parse(const char *s, struct count_spec *ret)
{
	char *end;
	long v;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || v < 1)
		return -1;
	if (*end == '%' && end[1] == '\0') {
		if (v > 100)
			return -1;
		ret->n = v;
		ret->percent = 1;
		return 0;
	}
	if (*end != '\0' || v > 1000000)
		return -1;
	ret->n = v;
	ret->percent = 0;
	return 0;
}

size_t
count_spec_apply(const struct count_spec *c, size_t total)
{
	size_t k;

	if (c->n <= 0 || total == 0)
		return total;
	if (c->percent)
		k = (total * (size_t)c->n + 99) / 100;
	else
		k = (size_t)c->n;
	if (k < 1)
		k = 1;
	return k < total ? k : total;
}

int
duration_parse(const char *s, long *ret_ms)
{
	char *end;
	double v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v) || v < 0)
		return -1;
	if (strcmp(end, "ms") == 0) {
		if (v > 86400000.0)
			return -1;
		*ret_ms = (long)v;
		return 0;
	}
	if (strcmp(end, "s") != 0 && *end != '\0')
		return -1;
	if (v > 86400.0)
		return -1;
	*ret_ms = (long)(v * 1000.0 + 0.5);
	return 0;
}

/* splitmix64: a small, well-mixed generator for a reproducible choice. */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t
limit_select(char **v, size_t n, size_t k, uint64_t seed)
{
	uint64_t state = seed;
	size_t i;

	if (k > n)
		k = n;
	/* The choice must not depend on the order replies arrived in. */
	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < k; i++) {
		size_t j = i + (size_t)(next_random(&state) % (n - i));
		char *t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
	for (i = k; i < n; i++) {
		free(v[i]);
		v[i] = NULL;
	}
	qsort(v, k, sizeof(*v), cmp_str);
	return k;
}

static const char *const ids_words[] = {
    [IDS_OK] = "ok",
    [IDS_FAILED] = "failed",
    [IDS_SILENT] = "silent",
    [IDS_NOT_OK] = "not-ok",
    [IDS_ALL] = "all",
};

static const char *const sort_words[] = {
    [SORT_STATUS] = "status",
    [SORT_IDENTITY] = "identity",
    [SORT_TIME] = "time",
};

/* The index of s in words[from..n), or -1. */
static int
word_index(const char *s, const char *const *words, int from, int n)
{
	int i;

	for (i = from; i < n; i++)
		if (strcmp(s, words[i]) == 0)
			return i;
	return -1;
}

const char *
orch_opts_name(size_t i, int *ret_short, unsigned *ret_group)
{
	if (i >= NTABLE)
		return NULL;
	*ret_short = table[i].opt.val < 256 ? table[i].opt.val : 0;
	*ret_group = table[i].group;
	return table[i].opt.name;
}

/* The options of one word list (--ids, --sort, --display) and --ttl. */
static int
parse_word(
    struct orch_opts *o, int c, const char *arg, char *err, size_t errsize)
{
	char *end;
	long v;
	int i;

	switch (c) {
	case O_IDS:
		if ((i = word_index(arg, ids_words, IDS_OK, IDS_ALL + 1)) < 0)
			break;
		o->ids = (enum ids_mode)i;
		o->format = OUT_IDS;
		return 0;
	case O_SORT:
		if ((i = word_index(arg, sort_words, 0, SORT_TIME + 1)) < 0)
			break;
		o->sort = (enum sort_key)i;
		return 0;
	default: /* O_TTL */
		errno = 0;
		v = strtol(arg, &end, 10);
		if (arg[0] < '0' || arg[0] > '9' || errno != 0 ||
		    *end != '\0' || v < 1 || v > TTL_MAX) {
			snprintf(err, errsize,
			    "--ttl: '%s' is not a number of seconds (1 to "
			    "%ld)",
			    arg, TTL_MAX);
			return -1;
		}
		o->ttl_s = v;
		return 0;
	}
	snprintf(err, errsize, "%s: '%s' is not %s",
	    c == O_IDS ? "--ids" : "--sort", arg,
	    c == O_IDS ? "ok, failed, silent, not-ok or all"
		       : "identity, status or time");
	return -1;
}

static int
add_filter(
    struct orch_opts *o, int c, const char *arg, char *err, size_t errsize)
{
	struct error e;
	int r;

	error_init(&e, NULL);
	switch (c) {
	case 'F':
		r = filter_add_fact(o->filter, arg, &e);
		break;
	case 'C':
		r = filter_add_class(o->filter, arg, &e);
		break;
	case 'I':
		r = filter_add_identity(o->filter, arg, &e);
		break;
	case 'A':
		r = filter_add_agent(o->filter, arg, &e);
		break;
	default:
		if (json_object_get(o->filter, "compound") != NULL) {
			snprintf(err, errsize,
			    "-S given twice: join the expressions with 'and'");
			return -1;
		}
		r = filter_set_compound(o->filter, arg, &e);
		break;
	}
	if (r < 0) {
		if (e.column > 0)
			snprintf(err, errsize, "-%c '%s': column %d: %s", c,
			    arg, e.column,
			    e.text[0] != '\0' ? e.text : error_str(r));
		else
			snprintf(err, errsize, "-%c '%s': %s", c, arg,
			    e.text[0] != '\0' ? e.text : error_str(r));
		return -1;
	}
	return 0;
}

int
orch_opts_parse(struct orch_opts *o, int argc, char *argv[], unsigned allowed,
    char *err, size_t errsize)
{
	struct option longopts[NTABLE + 1];
	char shortopts[32] = "-:c:vh";
	size_t i, n = 0;
	int c;

	memset(o, 0, sizeof(*o));
	o->timeout_ms = -1;
	o->discovery_ms = -1;
	o->progress = 1;
	if ((o->filter = json_object()) == NULL ||
	    (o->args = calloc((size_t)argc + 1, sizeof(char *))) == NULL) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	for (i = 0; i < NTABLE; i++)
		if (table[i].group == 0 || (table[i].group & allowed) != 0)
			longopts[n++] = table[i].opt;
	memset(&longopts[n], 0, sizeof(longopts[n]));
	if (allowed & OPT_FILTER)
		strcat(shortopts, "F:C:I:A:S:T:");
	if (allowed & OPT_TIMEOUT)
		strcat(shortopts, "t:");
	if (allowed & OPT_BATCH)
		strcat(shortopts, "1");
	if (allowed & OPT_OUTPUT)
		strcat(shortopts, "q");

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 1:
			o->args[o->nargs++] = optarg;
			break;
		case 'F':
		case 'C':
		case 'I':
		case 'A':
		case 'S':
			if (add_filter(o, c, optarg, err, errsize) < 0)
				return -1;
			break;
		case 'T':
			/* It becomes part of an AMQP routing key. */
			if (name_check(NAME_COLLECTIVE, optarg, err, errsize) <
			    0)
				return -1;
			o->collective = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			o->help = 1;
			break;
		case 'q':
			o->quiet = 1;
			o->progress = 0;
			break;
		case O_IDS:
		case O_SORT:
		case O_TTL:
			if (parse_word(o, c, optarg, err, errsize) < 0)
				return -1;
			break;
		case 't':
		case O_DT:
		case O_BATCH_SLEEP: {
			long ms;

			if (duration_parse(optarg, &ms) < 0 ||
			    (c != O_BATCH_SLEEP && ms == 0)) {
				snprintf(err, errsize,
				    "%s: '%s' is not a duration in seconds",
				    c == 't'        ? "--timeout"
					: c == O_DT ? "--discovery-timeout"
						    : "--batch-sleep",
				    optarg);
				return -1;
			}
			if (c == 't')
				o->timeout_ms = ms;
			else if (c == O_DT)
				o->discovery_ms = ms;
			else
				o->batch_sleep_ms = ms;
			break;
		}
		case O_NODES:
			o->nodes = optarg;
			break;
		case O_NOCACHE:
			o->no_cache = 1;
			break;
		case O_REFRESH:
			o->refresh = 1;
			break;
		case O_JSON:
			o->format = OUT_JSON;
			break;
		case O_JSONL:
			o->format = OUT_JSONL;
			break;
		case O_NP:
			o->progress = 0;
			break;
		case O_DISPLAY:
			if (strcmp(optarg, "ok") == 0)
				o->display = DISPLAY_OK;
			else if (strcmp(optarg, "failed") == 0)
				o->display = DISPLAY_FAILED;
			else if (strcmp(optarg, "all") == 0)
				o->display = DISPLAY_ALL;
			else {
				snprintf(err, errsize,
				    "--display: '%s' is not ok, failed or all",
				    optarg);
				return -1;
			}
			break;
		case O_BATCH:
		case O_LIMIT:
			if (count_spec_parse(optarg,
				c == O_BATCH ? &o->batch : &o->limit) < 0) {
				snprintf(err, errsize,
				    "%s: '%s' is not a count N (1 to 1000000) "
				    "or a percentage N%% (1 to 100)",
				    c == O_BATCH ? "--batch" : "--limit-nodes",
				    optarg);
				return -1;
			}
			break;
		case '1':
			o->limit.n = 1;
			o->limit.percent = 0;
			break;
		case O_SEED: {
			char *end;

			errno = 0;
			o->limit_seed = strtoull(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    optarg[0] == '-') {
				snprintf(err, errsize,
				    "--limit-seed: '%s' is not a number",
				    optarg);
				return -1;
			}
			o->have_seed = 1;
			break;
		}
		case O_DRYRUN:
			o->dry_run = 1;
			break;
		case O_PREVIEW:
			o->preview = 1;
			break;
		case ':':
			if (optopt != 0 && optopt < 256)
				snprintf(err, errsize,
				    "option -%c needs a value", optopt);
			else
				snprintf(err, errsize,
				    "option %s needs a value",
				    argv[optind - 1]);
			return -1;
		default:
			if (optopt != 0 && optopt < 256)
				snprintf(
				    err, errsize, "unknown option -%c", optopt);
			else
				snprintf(err, errsize, "unknown option %s",
				    argv[optind - 1]);
			return -1;
		}
	}
	for (; optind < argc; optind++)
		o->args[o->nargs++] = argv[optind];
	if (o->batch_sleep_ms > 0 && o->batch.n == 0) {
		snprintf(err, errsize, "--batch-sleep needs --batch");
		return -1;
	}
	if (o->have_seed && o->limit.n == 0) {
		snprintf(
		    err, errsize, "--limit-seed needs --limit-nodes or -1");
		return -1;
	}
	return 0;
}

/* Where argv_i matches option p ("--name", or "--name=value" when it
 * takes a value): the end of the name in argv_i, or NULL. */
static const char *
own_match(const struct opt_own *p, const char *argv_i)
{
	size_t len = strlen(p->name);

	if (strncmp(argv_i, p->name, len) != 0)
		return NULL;
	if (argv_i[len] == '\0' || (p->has_value && argv_i[len] == '='))
		return argv_i + len;
	return NULL;
}

int
orch_opts_take(int argc, char *argv[], const struct opt_own *own,
    int (*set)(void *arg, const char *name, const char *value), void *arg,
    char *err, size_t errsize)
{
	const struct opt_own *p;
	const char *eq = NULL;
	int i, n = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[n++] = argv[i++];
			break;
		}
		for (p = own; p->name != NULL; p++)
			if ((eq = own_match(p, argv[i])) != NULL)
				break;
		if (p->name == NULL) {
			argv[n++] = argv[i];
			continue;
		}
		if (p->has_value && *eq == '\0' && i + 1 >= argc) {
			snprintf(
			    err, errsize, "option %s needs a value", p->name);
			return -1;
		}
		if (set(arg, p->name,
			!p->has_value    ? NULL
			    : *eq == '=' ? eq + 1
					 : argv[++i]) < 0)
			return -1;
	}
	argv[n] = NULL;
	return n;
}

void
orch_opts_clear(struct orch_opts *o)
{
	json_decref(o->filter);
	free(o->args);
	memset(o, 0, sizeof(*o));
}

int
orch_opts_help(struct orch_opts *o, int argc, char *argv[])
{
	struct option longopts[NTABLE + 1];
	size_t i;
	int c;

	memset(o, 0, sizeof(*o));
	if ((o->args = calloc((size_t)argc + 1, sizeof(char *))) == NULL)
		return 0;
	for (i = 0; i < NTABLE; i++)
		longopts[i] = table[i].opt;
	memset(&longopts[NTABLE], 0, sizeof(longopts[NTABLE]));
	optind = 0;
	opterr = 0;
	/* Every option of every group, so that a value ("-F --help" is a
	 * fact filter) is never taken for an option. */
	while ((c = getopt_long(argc, argv, "-:c:vhqF:C:I:A:S:T:t:1", longopts,
		    NULL)) != -1) {
		if (c == 'h')
			o->help = 1;
		else if (c == 'c')
			o->config = optarg;
		else if (c == 1)
			o->args[o->nargs++] = optarg;
	}
	for (; optind < argc; optind++)
		o->args[o->nargs++] = argv[optind];
	return o->help;
}
