/* sbxipt.c: the outbound firewall with iptables-nft. See sbxipt.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/sandbox/sbxipt.h"
#include "plugins/sandbox/sbxplan.h"

#define IPT "iptables-nft"

/* "A, B" (sbx_accept addrs) as iptables' "A,B". */
static void
addr_list(const struct sbx_accept *a, char *buf, size_t size)
{
	const char *src = a->addrs[0] != '\0' ? a->addrs : a->host;
	size_t n = 0;

	for (; *src != '\0' && n + 1 < size; src++)
		if (*src != ' ')
			buf[n++] = *src;
	buf[n] = '\0';
}

static const char *
target(const struct sbx *s)
{
	if (strcmp(s->policy, "accept") == 0)
		return "ACCEPT";
	return strcmp(s->policy, "drop") == 0 ? "DROP" : "REJECT";
}

int
sbx_ipt_rules(const struct sbx *s, char **text)
{
	const char *c = s->chain;
	char addrs[300];
	size_t len = 0;
	int r;

	*text = NULL;
	r = sbx_append(text, &len,
	    "-N %s\n-A %s -m conntrack --ctstate ESTABLISHED,RELATED "
	    "-j ACCEPT\n",
	    c, c);
	for (size_t i = 0; r == 0 && i < s->naccept; i++) {
		const struct sbx_accept *a = &s->accept[i];

		addr_list(a, addrs, sizeof(addrs));
		if (a->port == 0)
			r = sbx_append(text, &len,
			    "-A %s -d %s -m comment --comment %s -j ACCEPT\n",
			    c, addrs, a->name);
		for (int u = 0; r == 0 && a->port > 0 && u < 2; u++)
			r = sbx_append(text, &len,
			    "-A %s -d %s -p %s --dport %d -m comment "
			    "--comment %s -j ACCEPT\n",
			    c, addrs, u == 0 ? "tcp" : "udp", a->port, a->name);
	}
	if (r == 0)
		r = sbx_append(text, &len,
		    "-A %s -m comment --comment policy -j %s\n"
		    "-I FORWARD -i %s -j %s\n-I INPUT -i %s -j %s\n",
		    c, target(s), s->hostif, c, s->hostif, c);
	if (r < 0) {
		free(*text);
		*text = NULL;
	}
	return r;
}

/* iptables-nft -w WORDS (split on spaces). */
static int
run_line(struct plan *p, unsigned flags, const char *what, const char *line)
{
	const char *argv[40];
	char buf[600], *save = NULL, *w;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	argv[n++] = IPT;
	argv[n++] = "-w";
	for (w = strtok_r(buf, " ", &save); w != NULL && n < 39;
	     w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	argv[n] = NULL;
	return plan_run(p, argv, 0, flags, what);
}

int
sbx_ipt_plan_remove(const struct sbx *s, struct plan *p)
{
	char line[4][128];
	int r = 0;

	snprintf(line[0], sizeof(line[0]), "-D FORWARD -i %s -j %s", s->hostif,
	    s->chain);
	snprintf(line[1], sizeof(line[1]), "-D INPUT -i %s -j %s", s->hostif,
	    s->chain);
	snprintf(line[2], sizeof(line[2]), "-F %s", s->chain);
	snprintf(line[3], sizeof(line[3]), "-X %s", s->chain);
	for (int i = 0; r == 0 && i < 4; i++)
		r = run_line(
		    p, PLAN_MAY_FAIL, "the app's firewall, removed", line[i]);
	return r;
}

int
sbx_ipt_plan_load(const struct sbx *s, const char *text, struct plan *p)
{
	char line[600];
	const char *l, *e;
	int r;

	r = sbx_ipt_plan_remove(s, p);
	for (l = text; r == 0 && (e = strchr(l, '\n')) != NULL; l = e + 1) {
		snprintf(line, sizeof(line), "%.*s", (int)(e - l), l);
		r = run_line(p, 0, "the app's firewall", line);
	}
	return r == 0
	    ? run_line(p, PLAN_OUTPUT, "the app's firewall, as loaded", "-S")
	    : r;
}
