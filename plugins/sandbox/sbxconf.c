/* sbxconf.c: [sandbox.*] and [firewall.out*] of an app. See sbxconf.h. */
#include "buildconf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "sandbox_names.h"
#include "plugins/sandbox/sbxconf.h"

void
sbx_names(const char *app, struct sbx *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->app, sizeof(s->app), "%s", app);
	sandbox_netns(app, s->netns, sizeof(s->netns));
	sandbox_hostif(app, s->hostif, sizeof(s->hostif));
	sandbox_table(app, s->table, sizeof(s->table));
	snprintf(s->nft, sizeof(s->nft), "nft");
	snprintf(s->chain, sizeof(s->chain), "metactl-%s", s->hostif);
}

/* Sets err at section.key of c and returns MCE_CONFIG. */
static int
bad(const struct config *c, const char *section, const char *key,
    struct error *err, const char *why)
{
	const char *file = NULL;
	int line = 0;

	config_origin(c, section, key, &file, &line);
	error_set(err, line, 0, "%s%s[%s] %s: %s", file != NULL ? file : "",
	    file != NULL ? ": " : "", section, key, why);
	return MCE_CONFIG;
}

static int
parse_ip(const struct config *c, const char *key, const char *v, struct sbx *s,
    struct error *err)
{
	char buf[64], *slash, *end;
	struct in_addr a;
	struct in6_addr a6;
	long n = 32;

	snprintf(buf, sizeof(buf), "%s", v);
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash = '\0';
		n = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || n < 8 || n > 32)
			return bad(c, "sandbox.net", key, err,
			    "the prefix length is 8 to 32");
	}
	if (inet_pton(AF_INET6, buf, &a6) == 1)
		return bad(c, "sandbox.net", key, err,
		    "IPv6 is not supported: an IPv4 address (A.B.C.D or "
		    "A.B.C.D/N)");
	if (inet_pton(AF_INET, buf, &a) != 1)
		return bad(c, "sandbox.net", key, err,
		    "not an IPv4 address (A.B.C.D or A.B.C.D/N)");
	inet_ntop(AF_INET, &a, s->ip, sizeof(s->ip));
	s->prefix = (int)n;
	return 0;
}

/* host:port, cidr or cidr:port into a. */
static int
parse_accept(const struct config *c, const char *key, const char *v,
    struct sbx_accept *a, struct error *err)
{
	const char *colon;
	char *end;
	long port;

	if (v == NULL)
		return bad(c, "firewall.out.accept", key, err, "no value");
	colon = strrchr(v, ':');
	snprintf(a->name, sizeof(a->name), "%s", key);
	snprintf(a->value, sizeof(a->value), "%s", v);
	if (colon == NULL) {
		if (strchr(v, '/') == NULL)
			return bad(c, "firewall.out.accept", key, err,
			    "host:port, cidr or cidr:port");
		snprintf(a->host, sizeof(a->host), "%s", v);
		a->port = 0;
		return 0;
	}
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535 ||
	    colon == v)
		return bad(c, "firewall.out.accept", key, err,
		    "host:port, cidr or cidr:port (a port is 1 to 65535)");
	snprintf(a->host, sizeof(a->host), "%.*s", (int)(colon - v), v);
	a->port = (int)port;
	for (const char *p = a->host; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr(".-/_", *p) == NULL)
			return bad(c, "firewall.out.accept", key, err,
			    "a host name, an address or a cidr");
	return 0;
}

static int
net_conf(const struct config *c, struct sbx *s, struct error *err)
{
	const char *key = "ip", *v = config_get(c, "sandbox.net", "ip");
	int on = 1, r;

	if (v == NULL)
		v = config_get(c, "sandbox.net", key = "address");
	if ((r = config_get_bool(c, "sandbox.net", "enabled", 1, &on, err)) < 0)
		return r;
	if (v == NULL || !on)
		return 0;
	if ((r = parse_ip(c, key, v, s, err)) < 0)
		return r;
	s->enabled = 1;
	return 0;
}

static int
firewall_conf(const struct config *c, struct sbx *s, struct error *err)
{
	const char *v = config_get(c, "firewall.out", "policy");
	size_t i, n = config_nkeys(c, "firewall.out.accept");
	const char *key;
	int r;

	if (v == NULL && n == 0)
		return 0;
	if (v == NULL)
		v = "reject";
	if (strcmp(v, "accept") != 0 && strcmp(v, "reject") != 0 &&
	    strcmp(v, "drop") != 0)
		return bad(
		    c, "firewall.out", "policy", err, "accept, reject or drop");
	snprintf(s->policy, sizeof(s->policy), "%s", v);
	s->firewall = 1;
	if (n > SBX_ACCEPT_MAX)
		return bad(c, "firewall.out.accept",
		    config_key(c, "firewall.out.accept", SBX_ACCEPT_MAX), err,
		    "at most 64 entries");
	for (i = 0; i < n; i++) {
		key = config_key(c, "firewall.out.accept", i);
		r = parse_accept(c, key,
		    config_get(c, "firewall.out.accept", key), &s->accept[i],
		    err);
		if (r < 0)
			return r;
	}
	s->naccept = n;
	return 0;
}

/* The PTR record's name and zone: [sandbox.dns] reverse_zone, else the
 * octets the prefix length covers (a /32 address: its /24). */
static int
reverse_conf(const struct config *c, struct sbx *s, struct error *err)
{
	const char *rz = config_get(c, "sandbox.dns", "reverse_zone");
	unsigned b[4] = {0, 0, 0, 0};
	char why[160];
	size_t nl, zl;
	int octets = s->prefix == 32 ? 3 : s->prefix / 8;

	sscanf(s->ip, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]);
	snprintf(s->dns_rname, sizeof(s->dns_rname), "%u.%u.%u.%u.in-addr.arpa",
	    b[3], b[2], b[1], b[0]);
	if (rz == NULL && s->prefix % 8 != 0)
		return bad(c, "sandbox.net", "ip", err,
		    "the prefix length is not /8, /16, /24 or /32: set "
		    "[sandbox.dns] reverse_zone");
	if (rz == NULL) {
		/* The name without its first 4 - octets labels. */
		const char *z = s->dns_rname;

		for (int i = 0; i < 4 - octets; i++)
			z = strchr(z, '.') + 1;
		snprintf(s->dns_rzone, sizeof(s->dns_rzone), "%s", z);
		return 0;
	}
	nl = strlen(s->dns_rname);
	zl = strlen(rz);
	if (zl >= nl || s->dns_rname[nl - zl - 1] != '.' ||
	    strcasecmp(s->dns_rname + nl - zl, rz) != 0) {
		snprintf(why, sizeof(why), "%.64s does not hold %s", rz,
		    s->dns_rname);
		return bad(c, "sandbox.dns", "reverse_zone", err, why);
	}
	snprintf(s->dns_rzone, sizeof(s->dns_rzone), "%s", rz);
	return 0;
}

static int
dns_conf(
    const struct config *c, const char *node, struct sbx *s, struct error *err)
{
	const char *server = config_get(c, "sandbox.dns", "server");
	const char *zone = config_get(c, "sandbox.dns", "zone");
	const char *key = config_get(c, "sandbox.dns", "key");
	const char *name = config_get(c, "sandbox.net", "name");
	size_t nl = strcspn(node, ".");

	if (server == NULL && zone == NULL && key == NULL)
		return 0;
	if (server == NULL || zone == NULL)
		return bad(c, "sandbox.dns", server == NULL ? "server" : "zone",
		    err, "[sandbox.dns] needs server and zone");
	snprintf(s->dns_server, sizeof(s->dns_server), "%s", server);
	snprintf(s->dns_zone, sizeof(s->dns_zone), "%s", zone);
	snprintf(s->dns_key, sizeof(s->dns_key), "%s", key != NULL ? key : "");
	if (name != NULL)
		snprintf(s->dnsname, sizeof(s->dnsname), "%s", name);
	else
		snprintf(s->dnsname, sizeof(s->dnsname), "%s.%.*s.%s", s->app,
		    (int)nl, node, zone);
	s->dns = 1;
	return s->enabled ? reverse_conf(c, s, err) : 0;
}

int
sbx_from_conf(const struct appconf *a, const char *app, const char *node,
    struct sbx *s, struct error *err)
{
	const struct config *c = appconf_config(a);
	int r;

	sbx_names(app, s);
	if ((r = net_conf(c, s, err)) < 0 || (r = firewall_conf(c, s, err)) < 0)
		return r;
	return dns_conf(c, node, s, err);
}
