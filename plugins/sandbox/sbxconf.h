/*
 * sbxconf.h: an app's network sandbox, as its merged configuration
 * (lib/appconf.h) describes it.
 *
 *   [sandbox.net]        ip = A.B.C.D[/N] (address is another name for
 *                        it), name = the DNS name, enabled = yes|no
 *   [sandbox.dns]        server, zone, key (a TSIG key file for nsupdate),
 *                        reverse_zone (the zone of the PTR record)
 *   [firewall.out]       policy = accept | reject | drop
 *   [firewall.out.accept] NAME = host:port | cidr | cidr:port
 *
 * The names on the node (namespace, host veth, nft table) are those of
 * lib/sandbox_names.h; "eth0" is the app end of the veth pair.
 */
#ifndef METACTL_SANDBOX_SBXCONF_H
#define METACTL_SANDBOX_SBXCONF_H

#include <stddef.h>
#include <netinet/in.h>

#include "appconf.h"
#include "error.h"

#define SBX_ACCEPT_MAX 64

struct sbx_accept {
	char name[64];
	char value[256]; /* as configured */
	char host[256]; /* host name or address, or a cidr */
	int port; /* 0: every port */
	/* The addresses a host name resolved to ("A, B"), filled from
	 * `getent ahostsv4 HOST` (sbx_plan_resolve()); "" until then. */
	char addrs[256];
};

struct sbx {
	int enabled; /* [sandbox.net] has an address */
	char app[80];
	char netns[96]; /* metactl-APP */
	char hostif[16]; /* the host end of the veth pair */
	char table[96]; /* metactl_APP */
	/* The firewall's program: nft, or when it is missing iptables-nft
	 * with the chain metactl-HOSTIF (sbxipt.h). */
	char nft[256];
	int iptables;
	char chain[32];
	char ip[INET_ADDRSTRLEN];
	int prefix; /* of ip inside the namespace, default 32 */
	char dnsname[256]; /* APP.NODE.ZONE unless [sandbox.net] name */
	/* [firewall.out] */
	int firewall;
	char policy[8]; /* accept, reject, drop */
	struct sbx_accept accept[SBX_ACCEPT_MAX];
	size_t naccept;
	/* [sandbox.dns] */
	int dns;
	char dns_server[256];
	char dns_zone[256];
	char dns_key[4096];
	char dns_rname[64]; /* D.C.B.A.in-addr.arpa */
	/* [sandbox.dns] reverse_zone, or the one the prefix length gives
	 * on an octet boundary (/8, /16, /24; /24 for a /32) */
	char dns_rzone[256];
};

/* s with the app's names only (nothing enabled). */
void sbx_names(const char *app, struct sbx *s);

/*
 * Fills s from the app's configuration; node is the node's identity (for
 * the DNS name). 0, or MCE_CONFIG with err saying which value is wrong.
 */
int sbx_from_conf(const struct appconf *c, const char *app, const char *node,
    struct sbx *s, struct error *err);

#endif
