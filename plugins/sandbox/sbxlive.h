/*
 * sbxlive.h: what the node has LIVE of an app's sandbox, compared with
 * its configuration, so that apply repairs hand edits and status reports
 * them.
 *
 * Probes are read-only commands, run one at a time off the event loop
 * (PLAN_OUTPUT | PLAN_MAY_FAIL) before apply and status plan:
 *   SBX_PROBE_ADDR   ip -n NS -o -4 address show dev eth0: IP/N alone
 *   SBX_PROBE_ROUTE  ip -n NS -4 route show default: "default dev eth0"
 *   SBX_PROBE_NFT    nft list table inet TABLE, counters left out,
 *                    against the listing apply saved after loading the
 *                    table (STATE/ruleset.live); any table when the
 *                    configuration has no [firewall.out]. Without nft,
 *                    the lines of iptables-nft -S naming the chain.
 *   SBX_PROBE_DNS    dig +short @SERVER NAME A -x IP: the A and PTR
 *                    records the configuration names, and nothing else
 * Under dry_run probes are not run (they are listed in the plan) and
 * nothing counts as drift.
 */
#ifndef METACTL_SANDBOX_SBXLIVE_H
#define METACTL_SANDBOX_SBXLIVE_H

#include <stddef.h>

#include "plugins/sandbox/sbxconf.h"
#include "plugins/sandbox/sbxplan.h"
#include "plugins/service/plan.h"

enum sbx_probe {
	SBX_PROBE_ADDR,
	SBX_PROBE_ROUTE,
	SBX_PROBE_NFT,
	SBX_PROBE_DNS,
	SBX_NPROBES
};

/* lv with nothing found yet (no drift). */
void sbx_live_init(struct sbx_live *lv);

/* Appends probe i when it applies to s and st: 1, 0 when it does not
 * apply, or -ENOMEM. */
int sbx_probe_plan(const struct sbx *s, const struct sbx_state *st,
    const char *dir, enum sbx_probe i, struct plan *p);

/* Reads the output of probe i into lv: clears its *_ok flag and adds a
 * line to lv->drift when the node differs from s. */
void sbx_probe_read(const struct sbx *s, const char *dir, enum sbx_probe i,
    const char *out, struct sbx_live *lv);

/* nft's listing with "counter packets N bytes M" as "counter", and no
 * empty lines, in place; iptables-nft's (-S) only the lines naming the
 * app's chain. */
void sbx_listing_normalize(const struct sbx *s, char *text);

/* Keeps listing (normalised) as STATE/ruleset.live: 0 or -errno. */
int sbx_live_save(const struct sbx *s, const char *dir, const char *listing);

#endif
