/*
 * sbxipt.h: an app's outbound firewall with iptables-nft, for a node
 * without nft ([apps] nft missing, metactld.conf(5)).
 *
 * The same rules as the nft table (sbxplan.c), counted by iptables, in a
 * chain of the filter table, metactl-HOSTIF (HOSTIF the host end of the
 * app's veth pair: at most 23 characters), which FORWARD and INPUT jump
 * to for packets coming in on HOSTIF:
 *
 *   -N metactl-mcshop
 *   -A metactl-mcshop -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
 *   -A metactl-mcshop -d 10.1.0.5 -p tcp --dport 5432
 *      -m comment --comment database -j ACCEPT     (and -p udp)
 *   -A metactl-mcshop -m comment --comment policy -j REJECT
 *   -I FORWARD -i mcshop -j metactl-mcshop
 *   -I INPUT -i mcshop -j metactl-mcshop
 *
 * These lines are STATE/ruleset.iptables; each is one run of
 * `iptables-nft -w LINE`, after the runs that remove the chain.
 */
#ifndef METACTL_SANDBOX_SBXIPT_H
#define METACTL_SANDBOX_SBXIPT_H

#include "plugins/sandbox/sbxconf.h"
#include "plugins/service/plan.h"

/* The rules of s, one iptables argument list a line (new string in
 * *text): 0 or -ENOMEM. */
int sbx_ipt_rules(const struct sbx *s, char **text);

/* Runs that remove the chain and its jumps (each may fail: absent). */
int sbx_ipt_plan_remove(const struct sbx *s, struct plan *p);

/* Runs of each line of text, then `iptables-nft -w -S` (PLAN_OUTPUT):
 * the listing later applies compare with. */
int sbx_ipt_plan_load(const struct sbx *s, const char *text, struct plan *p);

#endif
