/*
 * results.h: what came back from the nodes, and the exit status it means.
 * Pure data: collect.c fills it, output.c prints it.
 */
#ifndef METACTL_ORCH_RESULTS_H
#define METACTL_ORCH_RESULTS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

enum result_kind {
	RES_OK, /* verified reply, statuscode 0 */
	RES_FAILED, /* verified reply, another statuscode */
	RES_INVALID, /* failed verification: reported, never a result */
	RES_LATE, /* verified reply after its deadline */
	RES_MISSING, /* addressed, no reply */
	RES_UNADDRESSED /* matches, but the request was not sent to it */
};

struct result {
	char *identity;
	enum result_kind kind;
	int statuscode;
	char *statusmsg; /* NULL for RES_MISSING */
	json_t *data; /* owned, NULL when there is none */
	int64_t rtt_ms; /* -1 when unknown */
	/* RES_INVALID: what failed. RES_MISSING, RES_UNADDRESSED: why, or
	 * NULL ("never seen", "no reply to discovery", "answered discovery
	 * after the request was sent"). */
	char *why;
	/* A node that answered without being expected: the node registry
	 * did not list it for this filter. */
	int is_new;
	int64_t last_seen_ms; /* registry's last sighting; 0 unknown */
	size_t same_next; /* index + 1 of the next entry of this identity */
};

struct results {
	struct result *v;
	size_t n;
	size_t cap;
	size_t addressed; /* nodes a request was sent to, when known */
	int64_t elapsed_ms;
	/* identity -> index + 1 of its first entry: open addressing, a
	 * power-of-two size at least twice n, rebuilt by results_sort(). */
	size_t *index;
	size_t index_size;
	/* Invalid replies not given an entry of their own: their claimed
	 * identity was beyond RESULTS_INVALID_MAX distinct ones. */
	size_t invalid_more;
};

/* Distinct claimed identities of invalid replies that get an entry. */
#define RESULTS_INVALID_MAX 256

/* Appends a result; steals data. Control characters in identity,
 * statusmsg and why become '?'. Returns the new entry or NULL. */
struct result *results_add(struct results *rs, const char *identity,
    enum result_kind kind, int statuscode, const char *statusmsg, json_t *data,
    int64_t rtt_ms, const char *why);
/* The entry of identity with one of the kinds in mask (1 << kind), in
 * constant time (a hash of the identity). */
struct result *results_find(
    struct results *rs, const char *identity, unsigned mask);
/* Removes r (an entry of rs); pointers into rs are stale after. */
void results_remove(struct results *rs, struct result *r);
size_t results_count(const struct results *rs, enum result_kind kind);
/* Orders by kind (ok, failed, invalid, late, missing, unaddressed), then
 * identity. */
void results_sort(struct results *rs);
void results_clear(struct results *rs);

/*
 * MC_EXIT_NOMATCH when nothing was addressed and nothing answered;
 * MC_EXIT_MISSING when some node did not answer in time (late, missing or
 * unaddressed);
 * MC_EXIT_FAILED when some reply was an error or failed verification;
 * MC_EXIT_OK otherwise.
 */
int results_exit_status(const struct results *rs);

#endif
