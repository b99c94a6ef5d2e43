/* sbxplan.c: reading a sandbox's state and planning it. See sbxplan.h. */
#include "buildconf.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "error.h"
#include "plugins/sandbox/sbxipt.h"
#include "plugins/sandbox/sbxplan.h"

#define NETNS_DIR "/run/netns"

int
sbx_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int
exists_in(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return sbx_exists(path);
}

/* The whole of a small file into buf ("" when unreadable). */
void
sbx_read_small(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/* The link is in /proc/net/dev, which follows the caller's namespace
 * (/sys/class/net follows the one sysfs was mounted in). */
static int
has_link(const char *ifname)
{
	FILE *f = fopen("/proc/net/dev", "r");
	char line[512], name[32];
	int found = 0;

	while (f != NULL && !found && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, " %31[^:]:", name) == 1 &&
		    strcmp(name, ifname) == 0)
			found = 1;
	if (f != NULL)
		fclose(f);
	return found;
}

/* Routes of /proc/net/route: ours, and the subnet holding ip. */
static void
read_routes(const struct sbx *s, struct sbx_state *st)
{
	FILE *f = fopen("/proc/net/route", "r");
	char line[256], ifname[32];
	unsigned dst, gw, flags, mask, best = 0;
	struct in_addr a;

	if (f == NULL || inet_pton(AF_INET, s->ip, &a) != 1) {
		if (f != NULL)
			fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%31s %x %x %x %*d %*d %*d %x", ifname, &dst,
			&gw, &flags, &mask) != 5)
			continue;
		if (strcmp(ifname, s->hostif) == 0) {
			if (dst == a.s_addr && mask == 0xffffffffu)
				st->route = 1;
			continue;
		}
		/* A connected subnet (no gateway) other than a default. */
		if (gw != 0 || mask == 0 || (a.s_addr & mask) != dst)
			continue;
		if (ntohl(mask) > best) {
			best = ntohl(mask);
			snprintf(
			    st->uplink, sizeof(st->uplink), "%.15s", ifname);
		}
	}
	fclose(f);
}

void
sbx_read_state(const struct sbx *s, const char *apps_dir, struct sbx_state *st)
{
	char path[4096];
	DIR *d;
	struct dirent *e;

	memset(st, 0, sizeof(*st));
	st->netns = exists_in(NETNS_DIR, s->netns);
	st->hostif = has_link(s->hostif);
	if (s->enabled)
		read_routes(s, st);
	/* The node's other sandboxes: apps of the apps directory that
	 * have a state/sandbox (namespaces are named machine-wide). */
	if ((d = opendir(apps_dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, s->app) == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/state/sandbox", apps_dir,
		    e->d_name);
		if (sbx_exists(path))
			st->others++;
	}
	closedir(d);
}

/* Appends a run of the words given, ending with NULL. */
static int
run(struct plan *p, unsigned flags, const char *what, ...)
{
	const char *argv[24];
	size_t n = 0;
	va_list ap;

	va_start(ap, what);
	while (n < 23 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return plan_run(p, argv, 0, flags, what);
}

/* The namespace's address and default route, again (hand edits). */
static int
plan_ns_repair(const struct sbx *s, const char *addr, struct plan *p)
{
	const char *ns = s->netns;
	int r;

	r = run(p, 0, "the app end up", "ip", "-n", ns, "link", "set", "eth0",
	    "up", NULL);
	if (r == 0)
		r = run(p, 0, "the app's addresses, cleared", "ip", "-n", ns,
		    "address", "flush", "dev", "eth0", NULL);
	if (r == 0)
		r = run(p, 0, "the app's address", "ip", "-n", ns, "address",
		    "add", addr, "dev", "eth0", NULL);
	if (r == 0)
		r = run(p, 0, "the app's default route", "ip", "-n", ns,
		    "route", "replace", "default", "dev", "eth0", NULL);
	return r;
}

static int
plan_link(const struct sbx *s, const struct sbx_state *st,
    const struct sbx_live *lv, struct plan *p)
{
	char addr[64];
	const char *ns = s->netns, *hi = s->hostif;
	int r = 0;

	snprintf(addr, sizeof(addr), "%s/%d", s->ip, s->prefix);
	if (!st->netns)
		r = run(p, 0, "the app's namespace", "ip", "netns", "add", ns,
		    NULL);
	if (r == 0 && !st->hostif)
		r = run(p, 0, "the veth pair", "ip", "link", "add", hi, "type",
		    "veth", "peer", "name", "eth0", "netns", ns, NULL);
	if (r == 0 && !st->hostif)
		r = run(p, 0, "the host end up", "ip", "link", "set", hi, "up",
		    NULL);
	if (r == 0 && !st->hostif)
		r = run(p, 0, "loopback in the namespace", "ip", "-n", ns,
		    "link", "set", "lo", "up", NULL);
	if (r == 0 && !st->hostif)
		r = run(p, 0, "the app end up", "ip", "-n", ns, "link", "set",
		    "eth0", "up", NULL);
	if (r == 0 && !st->hostif)
		r = run(p, 0, "the app's address", "ip", "-n", ns, "address",
		    "add", addr, "dev", "eth0", NULL);
	if (r == 0 && !st->hostif)
		r = run(p, 0, "the app's default route", "ip", "-n", ns,
		    "route", "add", "default", "dev", "eth0", NULL);
	if (r == 0 && st->hostif && !lv->ns_ok)
		r = plan_ns_repair(s, addr, p);
	snprintf(addr, sizeof(addr), "%s/32", s->ip);
	if (r == 0 && !st->route)
		r = run(p, 0, "the host route to the app", "ip", "route", "add",
		    addr, "dev", hi, NULL);
	return r;
}

/* sysctl net/ipv4/conf/IF/KEY = 1 unless it is; the old value of a
 * setting that outlives the app (the uplink's) goes to *saved. */
static int
plan_sysctl(const char *ifname, const char *key, int known, struct plan *p,
    char *saved, size_t size)
{
	char path[256], cur[16], arg[256];
	size_t n = saved != NULL ? strlen(saved) : 0;

	snprintf(
	    path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", ifname, key);
	sbx_read_small(path, cur, sizeof(cur));
	if (known && cur[0] == '1')
		return 0;
	snprintf(arg, sizeof(arg), "net/ipv4/conf/%s/%s=", ifname, key);
	if (known && saved != NULL && strstr(saved, arg) == NULL)
		snprintf(saved + n, size - n, "%s%c\n", arg,
		    cur[0] != '\0' ? cur[0] : '0');
	snprintf(arg, sizeof(arg), "net/ipv4/conf/%s/%s=1", ifname, key);
	return run(p, 0, "routing for the app", "sysctl", "-w", arg, NULL);
}

/* The file's content equals text. */
static int
same_file(const char *path, const char *text)
{
	char buf[16384];

	sbx_read_small(path, buf, sizeof(buf));
	return strcmp(buf, text) == 0;
}

int
sbx_append(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	char *s, *n;
	int k;

	va_start(ap, fmt);
	k = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (k < 0)
		return -ENOMEM;
	if ((n = realloc(*buf, *len + (size_t)k + 1)) == NULL) {
		free(s);
		return -ENOMEM;
	}
	memcpy(n + *len, s, (size_t)k + 1);
	*len += (size_t)k;
	*buf = n;
	free(s);
	return 0;
}

/* The entry names a host (neither an address nor a cidr). */
static int
is_name(const struct sbx_accept *a)
{
	struct in_addr ip;

	return strchr(a->host, '/') == NULL &&
	    inet_pton(AF_INET, a->host, &ip) != 1;
}

int
sbx_plan_resolve(const struct sbx *s, size_t i, struct plan *p)
{
	const struct sbx_accept *a = &s->accept[i];
	char what[700];

	if (i >= s->naccept || !is_name(a))
		return 0;
	snprintf(what, sizeof(what), "resolving [firewall.out.accept] %s = %s",
	    a->name, a->value);
	return run(p, PLAN_OUTPUT, what, "getent", "ahostsv4", a->host, NULL) <
		0
	    ? -ENOMEM
	    : 1;
}

int
sbx_resolved(struct sbx_accept *a, const char *out)
{
	char ip[INET_ADDRSTRLEN + 1];
	struct in_addr in;
	size_t n = 0;

	a->addrs[0] = '\0';
	for (const char *l = out; l != NULL && *l != '\0';
	     l = strchr(l, '\n') != NULL ? strchr(l, '\n') + 1 : NULL) {
		if (sscanf(l, "%16s", ip) != 1 ||
		    inet_pton(AF_INET, ip, &in) != 1 ||
		    strstr(a->addrs, ip) != NULL ||
		    n + strlen(ip) + 3 > sizeof(a->addrs))
			continue;
		n += (size_t)snprintf(a->addrs + n, sizeof(a->addrs) - n,
		    "%s%s", n > 0 ? ", " : "", ip);
	}
	return n > 0 ? 0 : MCE_CONFIG;
}

/* The addresses of one accept entry: the cidr or address, what its host
 * name resolved to, or the name itself when not resolved (dry_run). */
static const char *
accept_addrs(const struct sbx_accept *a)
{
	return is_name(a) && a->addrs[0] != '\0' ? a->addrs : a->host;
}

/* The app's table, replaced as a whole by one `nft -f`. */
static int
ruleset(const struct sbx *s, char **text, void (*log)(void *, const char *),
    void *arg)
{
	char line[1400];
	size_t len = 0;
	int r;

	*text = NULL;
	r = sbx_append(text, &len,
	    "# metactl: the outbound firewall of app %s\n"
	    "table inet %s\ndelete table inet %s\n"
	    "table inet %s {\n"
	    "\tchain out {\n"
	    "\t\tct state established,related accept\n",
	    s->app, s->table, s->table, s->table);
	for (size_t i = 0; r == 0 && i < s->naccept; i++) {
		const struct sbx_accept *a = &s->accept[i];
		const char *addrs = accept_addrs(a);

		snprintf(line, sizeof(line),
		    "[firewall.out.accept] %s = %s: %s", a->name, a->value,
		    addrs);
		log(arg, line);
		if (a->port > 0)
			r = sbx_append(text, &len,
			    "\t\tip daddr { %s } meta l4proto { tcp, udp } "
			    "th dport %d counter accept comment \"%s\"\n",
			    addrs, a->port, a->name);
		else
			r = sbx_append(text, &len,
			    "\t\tip daddr { %s } counter accept comment "
			    "\"%s\"\n",
			    addrs, a->name);
	}
	if (r == 0)
		r = sbx_append(text, &len,
		    "\t\tcounter %s comment \"policy\"\n"
		    "\t}\n"
		    "\tchain forward {\n"
		    "\t\ttype filter hook forward priority 0; policy accept;\n"
		    "\t\tiifname \"%s\" jump out\n"
		    "\t}\n"
		    "\tchain input {\n"
		    "\t\ttype filter hook input priority 0; policy accept;\n"
		    "\t\tiifname \"%s\" jump out\n"
		    "\t}\n"
		    "}\n",
		    s->policy, s->hostif, s->hostif);
	if (r < 0) {
		free(*text);
		*text = NULL;
	}
	return r;
}

/* nsupdate's input: the A and PTR records added (add) or deleted; a
 * deletion names the key file that nsupdate needs, for a later run. */
static int
dns_input(const struct sbx *s, int add, char **text)
{
	size_t len = 0;
	int r = 0;

	*text = NULL;
	if (!add)
		r = sbx_append(text, &len, "; key %s\n", s->dns_key);
	if (r == 0)
		r = sbx_append(text, &len,
		    "server %s\nzone %s\nupdate delete %s. A\n", s->dns_server,
		    s->dns_zone, s->dnsname);
	if (r == 0 && add)
		r = sbx_append(
		    text, &len, "update add %s. 300 A %s\n", s->dnsname, s->ip);
	if (r == 0)
		r = sbx_append(text, &len,
		    "send\nzone %s\nupdate delete %s. PTR\n", s->dns_rzone,
		    s->dns_rname);
	if (r == 0 && add)
		r = sbx_append(text, &len, "update add %s. 300 PTR %s.\n",
		    s->dns_rname, s->dnsname);
	if (r == 0)
		r = sbx_append(text, &len, "send\n");
	return r;
}

static int
nsupdate(const char *key, const char *file, struct plan *p)
{
	if (key[0] != '\0')
		return run(p, 0, "the app's DNS records", "nsupdate", "-k", key,
		    file, NULL);
	return run(p, 0, "the app's DNS records", "nsupdate", file, NULL);
}

/* The records of a saved dns.delete removed with the key it names. */
static int
dns_delete_saved(const char *path, const char *text, struct plan *p)
{
	char key[4096] = "";

	sscanf(text, "; key %4095[^\n]", key);
	return nsupdate(key, path, p);
}

/* A file of the state directory, planned when its text changes (or the
 * namespace is new, or force), then the program that reads it. */
static int
plan_file(const struct sbx_state *st, int force, const char *dir,
    const char *name, const char *text, struct plan *p, char *path, size_t size)
{
	snprintf(path, size, "%s/%s", dir, name);
	if (st->netns && !force && same_file(path, text))
		return 0;
	return plan_write(p, path, text, strlen(text), 0600) < 0 ? -ENOMEM : 1;
}

/* The sysctls of the host end and of the uplink. */
static int
plan_routing(const struct sbx *s, const struct sbx_state *st,
    const char *ledger, struct plan *p)
{
	char saved[2048];
	size_t n;
	int r;

	sbx_read_small(ledger, saved, sizeof(saved) / 2);
	n = strlen(saved);
	r = plan_sysctl(s->hostif, "forwarding", st->hostif, p, NULL, 0);
	if (r == 0)
		r = plan_sysctl(s->hostif, "proxy_arp", st->hostif, p, NULL, 0);
	if (r == 0 && st->uplink[0] != '\0')
		r = plan_sysctl(
		    st->uplink, "forwarding", 1, p, saved, sizeof(saved));
	if (r == 0 && st->uplink[0] != '\0')
		r = plan_sysctl(
		    st->uplink, "proxy_arp", 1, p, saved, sizeof(saved));
	if (r == 0 && strlen(saved) > n)
		r = plan_write(p, ledger, saved, strlen(saved), 0600);
	return r;
}

/* Whichever firewall apply loaded (its file in dir; live: the one the
 * current tool has), removed, and its files. */
static int
plan_unload(const struct sbx *s, const char *dir, int live, struct plan *p)
{
	static const char *const files[] = {
	    "ruleset.nft", "ruleset.iptables", "ruleset.live"};
	char path[4096];
	int r = 0;

	snprintf(path, sizeof(path), "%s/ruleset.nft", dir);
	if (sbx_exists(path) || (live && !s->iptables))
		r = run(p, PLAN_MAY_FAIL, "the app's firewall, removed", s->nft,
		    "delete", "table", "inet", s->table, NULL);
	snprintf(path, sizeof(path), "%s/ruleset.iptables", dir);
	if (r == 0 && (sbx_exists(path) || (live && s->iptables)))
		r = sbx_ipt_plan_remove(s, p);
	for (size_t i = 0; r == 0 && i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (sbx_exists(path))
			r = plan_remove(p, path);
	}
	return r;
}

/* The app's firewall: loaded when it changes or drifted, then listed (the
 * listing, PLAN_OUTPUT, is what later applies compare with); dropped
 * when no longer configured. nft's table, or iptables-nft's chain when
 * nft is missing (sbxipt.h). */
static int
plan_firewall(const struct sbx *s, const struct sbx_state *st,
    const struct sbx_live *lv, const char *dir, struct plan *p,
    void (*log)(void *, const char *), void *arg)
{
	char path[4096], *text = NULL, *ipt = NULL;
	int r;

	if (!s->firewall)
		return plan_unload(s, dir, !lv->table_ok, p);
	/* The nft ruleset also logs what names resolved to. */
	if ((r = ruleset(s, &text, log, arg)) < 0 ||
	    (s->iptables && (r = sbx_ipt_rules(s, &ipt)) < 0)) {
		free(text);
		return r;
	}
	r = plan_file(st, !lv->table_ok, dir,
	    s->iptables ? "ruleset.iptables" : "ruleset.nft",
	    s->iptables ? ipt : text, p, path, sizeof(path));
	if (r > 0 && s->iptables)
		r = sbx_ipt_plan_load(s, ipt, p);
	else if (r > 0 &&
	    (r = run(p, 0, "the app's firewall", s->nft, "-f", path, NULL)) ==
		0)
		r = run(p, PLAN_OUTPUT, "the app's firewall, as loaded", s->nft,
		    "list", "table", "inet", s->table, NULL);
	free(text);
	free(ipt);
	return r < 0 ? r : 0;
}

/* The records apply added before, removed when they differ from the
 * configured ones; then the configured ones, added when new, changed
 * or drifted. */
static int
plan_dns(const struct sbx *s, const struct sbx_state *st,
    const struct sbx_live *lv, const char *dir, struct plan *p)
{
	char path[4096], old[8192], *del = NULL, *add = NULL;
	int r = 0, changed = 0;

	snprintf(path, sizeof(path), "%s/dns.delete", dir);
	sbx_read_small(path, old, sizeof(old));
	if (s->dns && (r = dns_input(s, 0, &del)) < 0)
		return r;
	if (old[0] != '\0' && (del == NULL || strcmp(old, del) != 0)) {
		changed = 1;
		r = dns_delete_saved(path, old, p);
		if (r == 0 && del == NULL)
			r = plan_remove(p, path);
		snprintf(path, sizeof(path), "%s/dns.nsupdate", dir);
		if (r == 0 && del == NULL)
			r = plan_remove(p, path);
	}
	if (r == 0 && del != NULL &&
	    (r = plan_file(
		 st, 0, dir, "dns.delete", del, p, path, sizeof(path))) >= 0 &&
	    (r = dns_input(s, 1, &add)) == 0 &&
	    (r = plan_file(st, changed || !lv->dns_ok, dir, "dns.nsupdate", add,
		 p, path, sizeof(path))) > 0)
		r = nsupdate(s->dns_key, path, p);
	free(del);
	free(add);
	return r < 0 ? r : 0;
}

static int
plan_body(const struct sbx *s, const struct sbx_state *st,
    const struct sbx_live *lv, const char *dir, const char *ledger,
    struct plan *p, void (*log)(void *, const char *), void *arg)
{
	int r;

	if ((r = plan_link(s, st, lv, p)) == 0 &&
	    (r = plan_routing(s, st, ledger, p)) == 0 &&
	    (r = plan_firewall(s, st, lv, dir, p, log, arg)) == 0)
		r = plan_dns(s, st, lv, dir, p);
	return r;
}

int
sbx_plan_apply(const struct sbx *s, const struct sbx_state *st,
    const struct sbx_live *lv, const char *dir, const char *ledger,
    struct plan *p, void (*log)(void *, const char *), void *arg)
{
	struct plan body = {0};
	int r;

	r = plan_body(s, st, lv, dir, ledger, &body, log, arg);
	/* The state directory first, when anything changes. */
	if (r == 0 && body.n > 0 && (r = plan_mkdir(p, dir, 0700)) == 0)
		r = plan_append(p, &body);
	plan_clear(&body);
	return r;
}

/* The uplink settings apply changed, back to what they were: only when
 * no other sandbox remains that needs them. */
static int
restore_sysctls(const struct sbx_state *st, const char *ledger, struct plan *p)
{
	char saved[2048], *line, *save = NULL;
	int r = 0;

	if (st->others > 0 || !sbx_exists(ledger))
		return 0;
	sbx_read_small(ledger, saved, sizeof(saved));
	for (line = strtok_r(saved, "\n", &save); line != NULL && r == 0;
	     line = strtok_r(NULL, "\n", &save))
		r = run(p, PLAN_MAY_FAIL, "a setting apply changed", "sysctl",
		    "-w", line, NULL);
	return r == 0 ? plan_remove(p, ledger) : r;
}

int
sbx_plan_teardown(const struct sbx *s, const struct sbx_state *st,
    const char *dir, const char *ledger, struct plan *p)
{
	char path[4096], old[8192];
	int r = 0;

	/* The records apply added, whatever the configuration says now. */
	snprintf(path, sizeof(path), "%s/dns.delete", dir);
	sbx_read_small(path, old, sizeof(old));
	if (old[0] != '\0')
		r = dns_delete_saved(path, old, p);
	if (r == 0)
		r = plan_unload(s, dir, 0, p);
	/* The host route goes with the link, the link with the namespace. */
	if (r == 0 && st->hostif)
		r = run(p, 0, "the veth pair", "ip", "link", "delete",
		    s->hostif, NULL);
	if (r == 0 && st->netns)
		r = run(p, 0, "the app's namespace", "ip", "netns", "delete",
		    s->netns, NULL);
	if (r == 0)
		r = restore_sysctls(st, ledger, p);
	if (r == 0 && sbx_exists(dir))
		r = plan_remove(p, dir);
	return r;
}

int
sbx_plan_status(const struct sbx *s, struct plan *p)
{
	int r;

	r = run(p, PLAN_OUTPUT | PLAN_MAY_FAIL, "the app's addresses", "ip",
	    "-n", s->netns, "-brief", "address", "show", NULL);
	if (r == 0 && s->iptables) {
		const char *argv[] = {"iptables-nft", "-w", "-L", s->chain,
		    "-v", "-n", "-x", NULL};

		r = plan_run(p, argv, 0, PLAN_OUTPUT | PLAN_MAY_FAIL,
		    "the app's firewall");
	} else if (r == 0)
		r = run(p, PLAN_OUTPUT | PLAN_MAY_FAIL, "the app's firewall",
		    s->nft, "list", "table", "inet", s->table, NULL);
	if (r == 0 && s->dns && s->enabled) {
		char server[300];

		snprintf(server, sizeof(server), "@%s", s->dns_server);
		r = run(p, PLAN_OUTPUT | PLAN_MAY_FAIL, "the app's DNS records",
		    "dig", "+noall", "+answer", server, s->dnsname, "A", "-x",
		    s->ip, NULL);
	}
	return r;
}

json_t *
sbx_state_json(const struct sbx *s, const struct sbx_state *st)
{
	json_t *o = json_object();

	json_object_set_new(
	    o, "namespace", st->netns ? json_string(s->netns) : json_null());
	json_object_set_new(o, "host_interface",
	    st->hostif ? json_string(s->hostif) : json_null());
	json_object_set_new(
	    o, "ip", s->enabled ? json_string(s->ip) : json_null());
	json_object_set_new(o, "route", json_boolean(st->route));
	json_object_set_new(o, "uplink",
	    st->uplink[0] != '\0' ? json_string(st->uplink) : json_null());
	json_object_set_new(o, "table", json_string(s->table));
	json_object_set_new(
	    o, "dns_name", s->dns ? json_string(s->dnsname) : json_null());
	return o;
}
