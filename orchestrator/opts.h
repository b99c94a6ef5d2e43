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
	OUT_JSONL,
	OUT_IDS /* --ids: identities only, o->ids says which */
};

enum display_mode {
	DISPLAY_DDL, /* what the action's DDL says */
	DISPLAY_OK,
	DISPLAY_FAILED,
	DISPLAY_ALL
};

/* --ids: which identities to print, one per line, instead of a table. */
enum ids_mode {
	IDS_NONE,
	IDS_OK,
	IDS_FAILED, /* failed and invalid */
	IDS_SILENT, /* no reply, not addressed, late */
	IDS_NOT_OK, /* everything but ok */
	IDS_ALL
};

/* --sort: the order of the rows. */
enum sort_key {
	SORT_STATUS, /* status, then identity */
	SORT_IDENTITY,
	SORT_TIME /* round-trip time, silent nodes last */
};

/* "N" or "N%"; n == 0 means unset. */
struct count_spec {
	long n;
	int percent;
};

/* Which option groups a command accepts. */
#define OPT_FILTER 0x01 /* -F -C -I -A -S -T */
#define OPT_DISCOVERY 0x02 /* --nodes --dt --no-cache --refresh */
#define OPT_OUTPUT 0x04 /* --json --jsonl --np --display --ids --sort -q */
#define OPT_BATCH \
	0x08 /* --batch --batch-sleep --limit-* -1 --dry-run --preview */
#define OPT_TIMEOUT 0x10 /* -t --ttl */
/* What every fleet command (ping, find, rpc, facts, inventory) accepts. */
#define OPT_FLEET (OPT_FILTER | OPT_DISCOVERY | OPT_OUTPUT | OPT_TIMEOUT)
#define OPT_ALL 0xff

struct orch_opts {
	json_t *filter; /* owned, built with filter_add_*() */
	const char *collective; /* -T; NULL: the configured one */
	const char *config; /* -c */
	const char *nodes; /* --nodes FILE, "-" for stdin */
	long timeout_ms; /* -t; -1 unset */
	long discovery_ms; /* --dt; -1 unset */
	long ttl_s; /* --ttl; 0 unset */
	int no_cache;
	int refresh; /* --refresh: rebuild the node registry */
	struct count_spec batch;
	long batch_sleep_ms;
	struct count_spec limit;
	uint64_t limit_seed;
	int have_seed;
	enum out_format format;
	enum display_mode display;
	enum ids_mode ids;
	enum sort_key sort;
	int quiet; /* -q: only rows needing attention, and the summary */
	int progress; /* 0 after --np or -q */
	int help; /* -h or --help was given */
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

/*
 * Whether argv (argv[0] the command) asks for help: -h or --help anywhere
 * before "--", option values skipped as the fleet commands read them. The
 * positional arguments and -c go into o (as orch_opts_parse() fills them;
 * clear it after); everything else, errors included, is ignored.
 */
int orch_opts_help(struct orch_opts *o, int argc, char *argv[]);

/* The i-th option the fleet commands know, for documentation checks: its
 * long name, its short letter (0 if none) and its group (OPT_*, 0 for
 * every command); NULL past the end. */
const char *orch_opts_name(size_t i, int *ret_short, unsigned *ret_group);

/* An option of one command only (rollout, schedule), taken out of argv
 * before orch_opts_parse() sees it: "--name" and whether it has a value. */
struct opt_own {
	const char *name;
	int has_value;
};
/*
 * Removes the options of own (and their values: "--name VALUE" or
 * "--name=VALUE") from argv, up to "--",
 * calling set(arg, name, value) for each (value NULL for a flag); argv
 * keeps the rest in order. The new argc, or -1 when a value is missing
 * (err says which) or set() returned -1 (set reports).
 */
int orch_opts_take(int argc, char *argv[], const struct opt_own *own,
    int (*set)(void *arg, const char *name, const char *value), void *arg,
    char *err, size_t errsize);

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
