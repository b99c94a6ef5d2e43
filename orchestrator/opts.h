/*
 * opts.h: the options shared by the fleet commands, and the arithmetic of
 * batches and limits. Pure: nothing here touches the network or files.
 */
#ifndef METACTL_ORCH_OPTS_H
#define METACTL_ORCH_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

enum out_format {
	OUT_HUMAN,
	OUT_JSON,
	OUT_JSONL
};

enum display_mode {
	DISPLAY_DDL, /* what the action's DDL says */
	DISPLAY_OK,
	DISPLAY_FAILED,
	DISPLAY_ALL
};

/* "N" or "N%"; n == 0 means unset. */
struct count_spec {
	long n;
	int percent;
};

/* Which option groups a command accepts. */
#define OPT_FILTER 0x01 /* -F -C -I -A -S -T */
#define OPT_DISCOVERY 0x02 /* --nodes --dt --no-cache --refresh */
#define OPT_OUTPUT 0x04 /* --json --jsonl --np --display */
#define OPT_BATCH \
	0x08 /* --batch --batch-sleep --limit-* -1 --dry-run --preview */
#define OPT_TIMEOUT 0x10 /* -t */
#define OPT_ALL 0xff

struct orch_opts {
	json_t *filter; /* owned, built with filter_add_*() */
	const char *collective; /* -T; NULL: the configured one */
	const char *config; /* -c */
	const char *nodes; /* --nodes FILE, "-" for stdin */
	long timeout_ms; /* -t; -1 unset */
	long discovery_ms; /* --dt; -1 unset */
	int no_cache;
	int refresh; /* --refresh: rebuild the node registry */
	struct count_spec batch;
	long batch_sleep_ms;
	struct count_spec limit;
	uint64_t limit_seed;
	int have_seed;
	enum out_format format;
	enum display_mode display;
	int progress; /* 0 after --np */
	int dry_run; /* --dry-run: the nodes show what they would run */
	int preview; /* --preview: print the request, send nothing */
	int verbose;
	char **args; /* positional arguments, borrowed from argv */
	int nargs;
};

/*
 * Parses argv (argv[0] is the command) accepting the option groups in
 * `allowed`. 0, or -1 with a message in err (what was wrong and with which
 * option). Positional arguments may come before or after options; "--"
 * ends the options.
 */
int orch_opts_parse(struct orch_opts *o, int argc, char *argv[],
    unsigned allowed, char *err, size_t errsize);
void orch_opts_clear(struct orch_opts *o);

/* "N" (1..1000000) or "N%" (1..100); 0 or -1. */
int count_spec_parse(const char *s, struct count_spec *ret);
/* How many of total nodes a spec selects: unset -> total; at least 1 when
 * total > 0 (a percentage rounds up), never more than total. */
size_t count_spec_apply(const struct count_spec *c, size_t total);
/* Seconds with an optional fraction ("2", "0.5"), or "NNNms"; 0 or -1. */
int duration_parse(const char *s, long *ret_ms);

/*
 * Keeps k of the n strings, chosen at random with the seed (the same seed
 * and input give the same choice), and sorts them; frees the others.
 * Returns the new count.
 */
size_t limit_select(char **v, size_t n, size_t k, uint64_t seed);

#endif
