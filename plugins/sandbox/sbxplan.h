/*
 * sbxplan.h: the plans (plugins/service/plan.h) of the sandbox agent.
 *
 * Each reads the node's state first, from the kernel's own files (the
 * named namespace in /run/netns, links in /sys/class/net, routes in
 * /proc/net/route, sysctls in /proc/sys) and from what the last apply
 * left in APPS/APP/state/sandbox/, then plans only what differs: an
 * apply of what is already in place is an empty plan.
 *
 * The firewall's ruleset and the DNS update are files in that directory,
 * written by the plan and given to `nft -f` (or, without nft, run line by
 * line by iptables-nft: sbxipt.h) and `nsupdate`, so that dry_run shows
 * their exact text. What the live probes found
 * (sbxlive.h) is planned again even where those files are unchanged.
 *
 * DNS records: dns.nsupdate adds them, dns.delete (written beside it,
 * its first line "; key FILE" naming the TSIG key used) removes exactly
 * the records added. An apply whose records differ from the saved ones
 * ([sandbox.dns] removed, name, zone, server or address changed) and
 * teardown run the saved dns.delete.
 */
#ifndef METACTL_SANDBOX_SBXPLAN_H
#define METACTL_SANDBOX_SBXPLAN_H

#include <jansson.h>

#include "plugins/sandbox/sbxconf.h"
#include "plugins/service/plan.h"

/* What the node has of an app's sandbox. */
struct sbx_state {
	int netns; /* /run/netns/metactl-APP */
	int hostif; /* the host end of the veth pair */
	int route; /* IP/32 dev HOSTIF */
	char uplink[16]; /* the interface whose subnet holds IP, or "" */
	int others; /* other apps with a sandbox (APPS/X/state/sandbox) */
};

/*
 * What the live probes (sbxlive.h) found: each flag is 1 ("as
 * configured") until a probe finds otherwise; drift says what differs,
 * one line each ("" when nothing does).
 */
struct sbx_live {
	int ns_ok; /* eth0's address and the default route in the namespace */
	int table_ok; /* the nft table */
	int dns_ok; /* the A and PTR records */
	char drift[2048];
};

void sbx_read_state(
    const struct sbx *s, const char *apps_dir, struct sbx_state *st);

/*
 * Host names of [firewall.out.accept] are resolved before apply plans,
 * off the event loop: a RUN step `getent ahostsv4 HOST` of its own
 * (PLAN_OUTPUT) per name. sbx_plan_resolve() appends it for entry i and
 * returns 1, or 0 when the entry is an address or a cidr (-ENOMEM).
 * sbx_resolved() keeps the addresses of getent's output in a->addrs: 0,
 * or MCE_CONFIG when it holds none.
 */
int sbx_plan_resolve(const struct sbx *s, size_t i, struct plan *p);
int sbx_resolved(struct sbx_accept *a, const char *out);

/*
 * Appends what makes the node match s. log(arg, line) receives the
 * addresses names resolved to; a name not resolved (dry_run) stays in
 * the ruleset as it is. 0 or -ENOMEM.
 */
int sbx_plan_apply(const struct sbx *s, const struct sbx_state *st,
    const struct sbx_live *lv, const char *dir, const char *ledger,
    struct plan *p, void (*log)(void *, const char *), void *arg);

/*
 * Appends what removes everything apply made. The uplink's settings that
 * applies changed are kept in ledger (APPS/.sandbox-sysctl, one
 * "net/ipv4/conf/IF/KEY=OLD" a line) and restored by the teardown of the
 * last sandbox of the node. 0 or -ENOMEM.
 */
int sbx_plan_teardown(const struct sbx *s, const struct sbx_state *st,
    const char *dir, const char *ledger, struct plan *p);

/* The commands whose output status shows (PLAN_OUTPUT, may fail): the
 * namespace's addresses, the firewall's rules with their counters, and
 * with [sandbox.dns] the A and PTR records the server has. */
int sbx_plan_status(const struct sbx *s, struct plan *p);

/* Appends printf's output to the string *buf of *len bytes: 0 or
 * -ENOMEM. */
int sbx_append(char **buf, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Whether path exists; the whole of a small file into buf ("" when
 * unreadable). */
int sbx_exists(const char *path);
void sbx_read_small(const char *path, char *buf, size_t size);

/* The state as JSON, for status. */
json_t *sbx_state_json(const struct sbx *s, const struct sbx_state *st);

#endif
