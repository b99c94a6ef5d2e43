/* sbxlive.c: probing an app's sandbox as it is live. See sbxlive.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plugins/sandbox/sbxlive.h"

void
sbx_live_init(struct sbx_live *lv)
{
	lv->ns_ok = lv->table_ok = lv->dns_ok = 1;
	lv->drift[0] = '\0';
}

static void drift(struct sbx_live *lv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One more line of what differs. */
static void
drift(struct sbx_live *lv, const char *fmt, ...)
{
	size_t n = strlen(lv->drift);
	va_list ap;

	if (n + 2 >= sizeof(lv->drift))
		return;
	va_start(ap, fmt);
	vsnprintf(lv->drift + n, sizeof(lv->drift) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(lv->drift);
	lv->drift[n] = '\n';
	lv->drift[n + 1] = '\0';
}

int
sbx_probe_plan(const struct sbx *s, const struct sbx_state *st, const char *dir,
    enum sbx_probe i, struct plan *p)
{
	const unsigned f = PLAN_OUTPUT | PLAN_MAY_FAIL;
	char server[300];
	int ns = st->netns && st->hostif && s->enabled, r = 0;

	(void)dir;
	snprintf(server, sizeof(server), "@%s", s->dns_server);
	if (i == SBX_PROBE_ADDR && ns) {
		const char *argv[] = {"ip", "-n", s->netns, "-o", "-4",
		    "address", "show", "dev", "eth0", NULL};
		r = plan_run(p, argv, 0, f, "the app's address, live");
	} else if (i == SBX_PROBE_ROUTE && ns) {
		const char *argv[] = {"ip", "-n", s->netns, "-4", "route",
		    "show", "default", NULL};
		r = plan_run(p, argv, 0, f, "the app's default route, live");
	} else if (i == SBX_PROBE_NFT && (st->netns || s->firewall)) {
		const char *argv[] = {
		    s->nft, "list", "table", "inet", s->table, NULL};
		const char *ipt[] = {"iptables-nft", "-w", "-S", NULL};
		r = plan_run(p, s->iptables ? ipt : argv, 0, f,
		    "the app's firewall, live");
	} else if (i == SBX_PROBE_DNS && s->dns && s->enabled && st->netns) {
		const char *argv[] = {"dig", "+short", "+norec", "+time=2",
		    "+tries=1", server, s->dnsname, "A", "-x", s->ip, NULL};
		r = plan_run(p, argv, 0, f, "the app's DNS records, live");
	} else
		return 0;
	return r < 0 ? r : 1;
}

/* Keeps the lines of text that name the chain (iptables -S lists the
 * whole filter table). */
static void
chain_lines(const char *chain, char *text)
{
	char *in = text, *out = text, *e;
	size_t n = strlen(chain);

	for (; *in != '\0'; in = *e != '\0' ? e + 1 : e) {
		const char *c = in;
		int keep = 0;

		e = strchr(in, '\n') != NULL ? strchr(in, '\n')
					     : in + strlen(in);
		while ((c = strstr(c, chain)) != NULL && c < e && !keep) {
			keep = c[-1] == ' ' && (c + n == e || c[n] == ' ');
			c += n;
		}
		if (!keep)
			continue;
		memmove(out, in, (size_t)(e - in));
		out += e - in;
		*out++ = '\n';
	}
	*out = '\0';
}

void
sbx_listing_normalize(const struct sbx *s, char *text)
{
	char *in = text, *out = text, *c;
	unsigned long long a, b;
	int k;

	while (*in != '\0') {
		if ((c = strstr(in, "counter packets ")) != NULL &&
		    sscanf(c, "counter packets %llu bytes %llu%n", &a, &b,
			&k) == 2) {
			memmove(out, in, (size_t)(c - in));
			out += c - in;
			memcpy(out, "counter", 7);
			out += 7;
			in = c + k;
			continue;
		}
		k = (int)strlen(in);
		memmove(out, in, (size_t)k);
		out += k;
		in += k;
	}
	*out = '\0';
	if (s->iptables)
		chain_lines(s->chain, text);
	/* Empty lines (nft puts one between chains). */
	for (in = out = text; *in != '\0'; in++)
		if (!(*in == '\n' && (in == text || in[-1] == '\n')))
			*out++ = *in;
	*out = '\0';
}

/* Each line of a that b lacks, as drift of the table ("missing" or
 * "not in the configuration"). */
static void
lines_not_in(const char *a, const char *b, const char *how, const char *what,
    struct sbx_live *lv)
{
	char line[512], want[520];
	const char *l, *e;

	for (l = a; *l != '\0'; l = *e != '\0' ? e + 1 : e) {
		e = strchr(l, '\n') != NULL ? strchr(l, '\n') : l + strlen(l);
		snprintf(line, sizeof(line), "%.*s", (int)(e - l), l);
		snprintf(want, sizeof(want), "\n%s\n", line);
		if (strncmp(b, want + 1, strlen(want + 1)) == 0 ||
		    strstr(b, want) != NULL)
			continue;
		drift(lv, "%s differs from the configuration: %s \"%s\"", what,
		    how, line + strspn(line, "\t "));
	}
}

static void
read_table(const struct sbx *s, const char *dir, char *out, struct sbx_live *lv)
{
	char path[4096], saved[16384], what[128];

	snprintf(what, sizeof(what), "%s %s",
	    s->iptables ? "iptables chain" : "nft table",
	    s->iptables ? s->chain : s->table);
	sbx_listing_normalize(s, out);
	snprintf(path, sizeof(path), "%s/%s", dir,
	    s->iptables ? "ruleset.iptables" : "ruleset.nft");
	if (!s->firewall) {
		if (out[0] != '\0') {
			lv->table_ok = 0;
			drift(lv,
			    "%s exists but [firewall.out] is not configured",
			    what);
		}
		return;
	}
	if (!sbx_exists(path))
		return; /* never applied: nothing to compare with */
	snprintf(path, sizeof(path), "%s/ruleset.live", dir);
	sbx_read_small(path, saved, sizeof(saved));
	if (strcmp(saved, out) == 0)
		return;
	lv->table_ok = 0;
	if (out[0] == '\0')
		drift(lv, "%s differs from the configuration: it is missing",
		    what);
	else if (saved[0] == '\0')
		drift(lv,
		    "%s differs from the configuration: no listing was saved",
		    what);
	lines_not_in(saved, out, "missing", what, lv);
	lines_not_in(out, saved, "not in the configuration:", what, lv);
}

/* The inet addresses of `ip -o -4 address show` lines: IP/N alone. */
static void
read_addr(const struct sbx *s, const char *out, struct sbx_live *lv)
{
	char want[64], has[256] = "", a[64];
	const char *l = out;
	int n = 0, ok = 0;

	snprintf(want, sizeof(want), "%s/%d", s->ip, s->prefix);
	while ((l = strstr(l, " inet ")) != NULL) {
		if (sscanf(l, " inet %63s", a) == 1) {
			n++;
			ok |= strcmp(a, want) == 0;
			snprintf(has + strlen(has), sizeof(has) - strlen(has),
			    "%s%s", has[0] != '\0' ? ", " : "", a);
		}
		l += 6;
	}
	if (n == 1 && ok)
		return;
	lv->ns_ok = 0;
	drift(lv,
	    "namespace %s differs from the configuration: eth0 has %s, "
	    "not %s",
	    s->netns, n > 0 ? has : "no address", want);
}

static void
read_dns(const struct sbx *s, const char *out, struct sbx_live *lv)
{
	char a[300], ptr[300];

	snprintf(a, sizeof(a), "%s\n", s->ip);
	snprintf(ptr, sizeof(ptr), "%s.\n", s->dnsname);
	if (strlen(out) == strlen(a) + strlen(ptr) &&
	    ((strncmp(out, a, strlen(a)) == 0 &&
		 strcasecmp(out + strlen(a), ptr) == 0) ||
		(strncasecmp(out, ptr, strlen(ptr)) == 0 &&
		    strcmp(out + strlen(ptr), a) == 0)))
		return;
	lv->dns_ok = 0;
	drift(lv,
	    "DNS records differ from the configuration: %s does not "
	    "answer exactly %s A %s and its PTR",
	    s->dns_server, s->dnsname, s->ip);
}

void
sbx_probe_read(const struct sbx *s, const char *dir, enum sbx_probe i,
    const char *out, struct sbx_live *lv)
{
	char *copy;

	switch (i) {
	case SBX_PROBE_ADDR:
		read_addr(s, out, lv);
		break;
	case SBX_PROBE_ROUTE:
		if (strncmp(out, "default dev eth0 ", 17) != 0 &&
		    strstr(out, "\ndefault dev eth0 ") == NULL) {
			lv->ns_ok = 0;
			drift(lv,
			    "namespace %s differs from the "
			    "configuration: no default route via eth0",
			    s->netns);
		}
		break;
	case SBX_PROBE_NFT:
		if ((copy = strdup(out)) == NULL)
			break;
		read_table(s, dir, copy, lv);
		free(copy);
		break;
	case SBX_PROBE_DNS:
		read_dns(s, out, lv);
		break;
	default:
		break;
	}
}

int
sbx_live_save(const struct sbx *s, const char *dir, const char *listing)
{
	char path[4096], *copy = strdup(listing);
	FILE *f;
	int r = 0;

	if (copy == NULL)
		return -ENOMEM;
	sbx_listing_normalize(s, copy);
	snprintf(path, sizeof(path), "%s/ruleset.live", dir);
	if ((f = fopen(path, "w")) == NULL || fputs(copy, f) == EOF)
		r = -errno;
	if (f != NULL && fclose(f) != 0 && r == 0)
		r = -errno;
	free(copy);
	return r;
}
