/* appconf_check.c: see appconf_check.h; the rules are metactl-app(5)'s. */
#include "buildconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "appconf_check.h"
#include "cron.h"
#include "names.h"

#define ANY_PLATFORM (-1)

struct check {
	struct appconf *a;
	struct error *err;
	const char *sec; /* the section being checked */
};

static int cerr(struct check *ck, const char *key, int offset, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

/*
 * An error at key of the current section (key NULL: its header; offset
 * -1: the key's column, else the value's plus offset).
 */
static int
cerr(struct check *ck, const char *key, int offset, const char *fmt, ...)
{
	struct config_where w = {NULL, 0, 0, 0};
	va_list ap;

	config_where(ck->a->c, ck->sec, key, &w);
	error_init(ck->err, w.file);
	va_start(ap, fmt);
	error_vset(ck->err, w.line,
	    key == NULL || offset < 0 ? w.key_column : w.column + offset, fmt,
	    ap);
	va_end(ap);
	return MCE_CONFIG;
}

static const char *
get(const struct check *ck, const char *key)
{
	return config_get(ck->a->c, ck->sec, key);
}

/* One of words (NULL-terminated) or -1. */
static int
word_index(const char *s, const char *const *words)
{
	for (int i = 0; s != NULL && words[i] != NULL; i++)
		if (strcmp(s, words[i]) == 0)
			return i;
	return -1;
}

/* The value of key, one of words (text lists them), or def when unset. */
static int
get_word(struct check *ck, const char *key, const char *const *words,
    const char *text, int def, int *ret)
{
	const char *v = get(ck, key);

	if (v == NULL) {
		*ret = def;
		return 0;
	}
	if ((*ret = word_index(v, words)) < 0)
		return cerr(ck, key, 0, "[%s] %s: \"%.64s\" is not %s", ck->sec,
		    key, v, text);
	return 0;
}

/* No control characters in a value: they would end a unit file's line. */
static int
check_text(struct check *ck, const char *key)
{
	const char *v = get(ck, key);

	for (size_t i = 0; v != NULL && v[i] != '\0'; i++)
		if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
			return cerr(ck, key, 0,
			    "[%s] %s: %s is not allowed in a value", ck->sec,
			    key,
			    v[i] == '\n' ? "a newline" : "a control character");
	return 0;
}

/* A user or group name: one word of printable characters. */
static int
check_word(struct check *ck, const char *key)
{
	const char *v = get(ck, key);

	if (v == NULL)
		return 0;
	if (v[0] == '\0' || v[0] == '-' || strcspn(v, " \t:/") != strlen(v))
		return cerr(ck, key, 0,
		    "[%s] %s: \"%.64s\" is not a user or group name", ck->sec,
		    key, v);
	return 0;
}

static int
check_split(struct check *ck, const char *key)
{
	char **v;
	struct error e;

	if (get(ck, key) == NULL)
		return 0;
	if ((v = appconf_split(get(ck, key), &e)) == NULL)
		return cerr(ck, key, 0, "[%s] %s: %s", ck->sec, key, e.text);
	strv_free(v);
	return 0;
}

/* Keys of [daemon.NAME] and the platform each belongs to. */
static const struct {
	const char *key;
	int platform;
} daemon_keys[] = {
    {"platform", ANY_PLATFORM},
    {"user", ANY_PLATFORM},
    {"group", ANY_PLATFORM},
    {"cwd", ANY_PLATFORM},
    {"description", ANY_PLATFORM},
    {"ready", ANY_PLATFORM},
    {"restart", ANY_PLATFORM},
    {"stop.timeout", ANY_PLATFORM},
    {"reload", ANY_PLATFORM},
    {"command", APP_PLATFORM_EXEC},
    {"jvm.heap.min", APP_PLATFORM_JVM},
    {"jvm.heap.max", APP_PLATFORM_JVM},
    {"jvm.opts", APP_PLATFORM_JVM},
    {"jvm.jar", APP_PLATFORM_JVM},
    {"jetty.war", APP_PLATFORM_JETTY},
    {"jetty.host", APP_PLATFORM_JETTY},
    {"jetty.port", APP_PLATFORM_JETTY},
    {"jetty.context", APP_PLATFORM_JETTY},
};
#define NDAEMON_KEYS (sizeof(daemon_keys) / sizeof(daemon_keys[0]))
#define DAEMON_KEYS_TEXT \
	"platform, user, group, cwd, description, ready, restart, " \
	"stop.timeout, reload, command, jvm.heap.min, jvm.heap.max, " \
	"jvm.opts, jvm.jar, jetty.war, jetty.host, jetty.port, jetty.context"

static const char *const platforms[] = {"jvm", "jetty", "exec", NULL};
static const char *const readies[] = {"none", "notify", NULL};
static const char *const restarts[] = {"always", "on-failure", "never", NULL};
static const char *const signals[] = {
    "HUP", "USR1", "USR2", "INT", "QUIT", "TERM", "WINCH", NULL};
/* What each platform needs. */
static const char *const required[][3] = {
    [APP_PLATFORM_JVM] = {"jvm.jar", NULL, NULL},
    [APP_PLATFORM_JETTY] = {"jetty.war", "jetty.port", NULL},
    [APP_PLATFORM_EXEC] = {"command", NULL, NULL},
};

/* Every key of the daemon section is known and of its platform. */
static int
daemon_keys_ok(struct check *ck, int platform)
{
	for (size_t i = 0; i < config_nkeys(ck->a->c, ck->sec); i++) {
		const char *k = config_key(ck->a->c, ck->sec, i);
		size_t j = 0;
		int r;

		while (j < NDAEMON_KEYS && strcmp(daemon_keys[j].key, k) != 0)
			j++;
		if (j == NDAEMON_KEYS)
			return cerr(ck, k, -1,
			    "[%s] unknown key \"%s\" "
			    "(allowed: " DAEMON_KEYS_TEXT ")",
			    ck->sec, k);
		if (daemon_keys[j].platform != ANY_PLATFORM &&
		    daemon_keys[j].platform != platform)
			return cerr(ck, k, -1,
			    "[%s] %s is a key of platform %s, not %s", ck->sec,
			    k, appconf_platform_name(daemon_keys[j].platform),
			    appconf_platform_name(platform));
		if ((r = check_text(ck, k)) < 0)
			return r;
	}
	return 0;
}

/* -Xms and -Xmx: sizes, neither 0, the initial not above the largest. */
static int
check_heap(struct check *ck)
{
	const struct config *c = ck->a->c;
	size_t min, max;
	int r;

	if ((r = config_get_size(
		 c, ck->sec, "jvm.heap.min", 1, &min, ck->err)) < 0 ||
	    (r = config_get_size(
		 c, ck->sec, "jvm.heap.max", SIZE_MAX, &max, ck->err)) < 0)
		return r;
	if (min == 0 || max == 0)
		return cerr(ck, min == 0 ? "jvm.heap.min" : "jvm.heap.max", 0,
		    "[%s] %s: a heap of 0 bytes", ck->sec,
		    min == 0 ? "jvm.heap.min" : "jvm.heap.max");
	if (min > max)
		return cerr(ck, "jvm.heap.min", 0,
		    "[%s] jvm.heap.min: larger than jvm.heap.max", ck->sec);
	return 0;
}

static int
daemon_values(struct check *ck, struct app_daemon *d)
{
	const struct config *c = ck->a->c;
	const char *v = get(ck, "reload");
	int r, i;

	if ((r = check_word(ck, "user")) < 0 ||
	    (r = check_word(ck, "group")) < 0 ||
	    (r = get_word(ck, "ready", readies, "notify or none", 0, &i)) < 0)
		return r;
	d->notify = i;
	if ((r = get_word(ck, "restart", restarts,
		 "always, on-failure or never", 0, &i)) < 0)
		return r;
	d->restart = restarts[i];
	if (v != NULL && word_index(v, signals) < 0)
		return cerr(ck, "reload", 0,
		    "[%s] reload: \"%.64s\" is not a signal (HUP, USR1, USR2, "
		    "INT, QUIT, TERM or WINCH)",
		    ck->sec, v);
	d->reload_signal = v;
	if ((r = config_get_duration_ms(c, ck->sec, "stop.timeout", 10000,
		 &d->stop_timeout_ms, ck->err)) < 0 ||
	    (r = check_heap(ck)) < 0 || (r = check_split(ck, "command")) < 0 ||
	    (r = check_split(ck, "jvm.opts")) < 0 ||
	    (r = check_split(ck, "jvm.jar")) < 0 ||
	    (r = config_get_int(
		 c, ck->sec, "jetty.port", 0, &d->jetty_port, ck->err)) < 0)
		return r;
	if (get(ck, "jetty.port") != NULL &&
	    (d->jetty_port < 1 || d->jetty_port > 65535))
		return cerr(ck, "jetty.port", 0,
		    "[%s] jetty.port: %lld is not a port (1-65535)", ck->sec,
		    d->jetty_port);
	return 0;
}

static const char *
get_or(const struct check *ck, const char *key, const char *def)
{
	const char *v = get(ck, key);

	return v != NULL ? v : def;
}

/* [daemon.NAME]: name, platform, keys, values, into d. */
static int
check_daemon(struct check *ck, const char *name, struct app_daemon *d)
{
	char why[256];
	int r, p;

	if (name_check(NAME_DAEMON, name, why, sizeof(why)) < 0)
		return cerr(ck, NULL, 0, "[%s]: %s", ck->sec, why);
	if (get(ck, "platform") == NULL)
		return cerr(ck, NULL, 0,
		    "[%s] needs platform = jvm, jetty or exec", ck->sec);
	if ((r = get_word(
		 ck, "platform", platforms, "jvm, jetty or exec", 0, &p)) < 0 ||
	    (r = daemon_keys_ok(ck, p)) < 0)
		return r;
	for (int i = 0; required[p][i] != NULL; i++)
		if (get(ck, required[p][i]) == NULL ||
		    get(ck, required[p][i])[0] == '\0')
			return cerr(ck, "platform", -1,
			    "[%s] platform %s needs %s", ck->sec, platforms[p],
			    required[p][i]);
	*d = (struct app_daemon){.name = name,
	    .platform = (enum appconf_platform)p,
	    .user = get_or(ck, "user", "nobody"),
	    .group = get(ck, "group"),
	    .cwd = get(ck, "cwd"),
	    .description = get(ck, "description"),
	    .command = get(ck, "command"),
	    .jvm_heap_min = get(ck, "jvm.heap.min"),
	    .jvm_heap_max = get(ck, "jvm.heap.max"),
	    .jvm_opts = get(ck, "jvm.opts"),
	    .jvm_jar = get(ck, "jvm.jar"),
	    .jetty_war = get(ck, "jetty.war"),
	    .jetty_host = get_or(ck, "jetty.host", "127.0.0.1"),
	    .jetty_context = get_or(ck, "jetty.context", "/")};
	return daemon_values(ck, d);
}

/* NAME = SCHEDULE COMMAND of [crontab], into e. */
static int
check_cron_entry(struct check *ck, const char *key, struct app_cron *e)
{
	const char *v = get(ck, key), *cmd;
	char why[160], *sched;
	size_t at;
	int r;

	if ((r = check_text(ck, key)) < 0)
		return r;
	r = cron_parse(v, &sched, &cmd, &at, why, sizeof(why));
	if (r == -ENOMEM)
		return r;
	/* The fault's column, exact where no %(VAR) stands before it. */
	if (r < 0)
		return cerr(ck, key, at < 4096 ? (int)at : 0,
		    "[crontab] %s: %s", key, why);
	if (strv_push(&ck->a->owned, sched) < 0) {
		free(sched);
		return -ENOMEM;
	}
	free(sched);
	e->name = key;
	e->schedule = ck->a->owned.v[ck->a->owned.n - 1];
	e->command = cmd;
	return 0;
}

/* The entry NAME of NAME.description, or NULL. */
static struct app_cron *
cron_find(struct appconf *a, const char *name, size_t len)
{
	for (size_t i = 0; i < a->ncrons; i++)
		if (strncmp(a->crons[i].name, name, len) == 0 &&
		    a->crons[i].name[len] == '\0')
			return &a->crons[i];
	return NULL;
}

/* [crontab]: entries first, then user and NAME.description. */
static int
check_crontab(struct check *ck)
{
	struct appconf *a = ck->a;
	size_t n = config_nkeys(a->c, ck->sec);
	char why[256];
	int r;

	if (strchr(a->app, '.') != NULL)
		return cerr(ck, NULL, 0,
		    "[crontab]: the app \"%s\" has a '.' in its name, and "
		    "cron(8) ignores such files in /etc/cron.d",
		    a->app);
	if ((a->crons = calloc(n + 1, sizeof(*a->crons))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *k = config_key(a->c, ck->sec, i);

		if (strcmp(k, "user") == 0 || strchr(k, '.') != NULL)
			continue;
		if (name_check(NAME_DAEMON, k, why, sizeof(why)) < 0)
			return cerr(ck, k, -1, "[crontab] entry %s", why);
		if ((r = check_cron_entry(ck, k, &a->crons[a->ncrons])) < 0)
			return r;
		a->crons[a->ncrons++].user = get_or(ck, "user", "nobody");
	}
	for (size_t i = 0; i < n; i++) {
		const char *k = config_key(a->c, ck->sec, i);
		const char *dot = strchr(k, '.');
		struct app_cron *e;

		if (dot == NULL)
			continue;
		if (strcmp(dot, ".description") != 0)
			return cerr(ck, k, -1,
			    "[crontab] unknown key \"%s\" (allowed: user, NAME "
			    "and NAME.description)",
			    k);
		if ((e = cron_find(a, k, (size_t)(dot - k))) == NULL)
			return cerr(ck, k, -1,
			    "[crontab] %s: no entry \"%.*s\"", k,
			    (int)(dot - k), k);
		if ((r = check_text(ck, k)) < 0)
			return r;
		e->description = get(ck, k);
	}
	return check_word(ck, "user");
}

/* Sections of fixed keys: [build], [health], [lb] (whose values the
 * lbreg agent checks further, plugins/lbreg/lb.c), [sandbox.*],
 * [firewall.out]. */
static int
check_fixed(struct check *ck, const char *const *keys, const char *text)
{
	long long ms;
	int r;

	for (size_t i = 0; i < config_nkeys(ck->a->c, ck->sec); i++) {
		const char *k = config_key(ck->a->c, ck->sec, i);

		if (word_index(k, keys) < 0)
			return cerr(ck, k, -1,
			    "[%s] unknown key \"%s\" (allowed: %s)", ck->sec, k,
			    text);
		if ((r = check_text(ck, k)) < 0)
			return r;
	}
	return config_get_duration_ms(
	    ck->a->c, ck->sec, "timeout", 0, &ms, ck->err);
}

static const char *const build_keys[] = {
    "repository", "command", "artifacts", "timeout", "keep", NULL};
static const char *const health_keys[] = {"url", "command", "timeout", NULL};
#define LB_KEYS_TEXT \
	"type, socket, backend, server, address, port, weight, check, " \
	"timeout, file, reload"
static const char *const lb_keys[] = {"type", "socket", "backend", "server",
    "address", "port", "weight", "check", "timeout", "file", "reload", NULL};
/* Keys that would set a health-check path of the app's own. */
static const char *const lb_path_keys[] = {"check_path", "check_url",
    "check_uri", "health_path", "httpchk", "path", NULL};

/*
 * [lb]: a health-check path of its own cannot be honoured (HAProxy 2.6's
 * "add server" takes no httpchk path: a runtime-added server is checked
 * with its backend's "option httpchk"), so such a key says so rather
 * than pass for a mistyped one.
 */
static int
check_lb(struct check *ck)
{
	for (size_t i = 0; i < config_nkeys(ck->a->c, ck->sec); i++) {
		const char *k = config_key(ck->a->c, ck->sec, i);

		if (word_index(k, lb_path_keys) >= 0)
			return cerr(ck, k, -1,
			    "[lb] %s: a health-check path per server cannot "
			    "be honoured (HAProxy cannot set one on a server "
			    "added at run time); with check = on the server "
			    "gets its backend's check: set the path there "
			    "(option httpchk GET PATH)",
			    k);
	}
	return check_fixed(ck, lb_keys, LB_KEYS_TEXT);
}

/* The sandbox agent's (plugins/sandbox/sbxconf.h checks the values). */
static const char *const net_keys[] = {
    "ip", "address", "name", "enabled", NULL};
static const char *const dns_keys[] = {
    "server", "zone", "key", "reverse_zone", NULL};
static const char *const firewall_keys[] = {"policy", NULL};
/* Sections of names chosen by the app, or read by later parts of
 * metactl; any key. */
static const char *const open_sections[] = {"firewall.out.accept", NULL};
#define SECTIONS_TEXT \
	"[env], [daemon.NAME], [crontab], [build], [health], " \
	"[firewall.out], [firewall.out.accept], [sandbox.net], " \
	"[sandbox.dns], [lb]"

/* [sandbox.dns]; its reverse_zone is a zone under in-addr.arpa (the
 * sandbox agent checks that it holds the app's address, sbxconf.c). */
static int
check_sandbox_dns(struct check *ck)
{
	const char *v, *sfx = ".in-addr.arpa";
	size_t n;
	int r;

	if ((r = check_fixed(ck, dns_keys, "server, zone, key, reverse_zone")) <
	    0)
		return r;
	if ((v = get(ck, "reverse_zone")) == NULL)
		return 0;
	n = strlen(v);
	if (n > 0 && v[n - 1] == '.')
		n--;
	if (n <= strlen(sfx) ||
	    strncasecmp(v + n - strlen(sfx), sfx, strlen(sfx)) != 0 ||
	    strspn(v, "0123456789-/.") < n - strlen(sfx))
		return cerr(ck, "reverse_zone", 0,
		    "[sandbox.dns] reverse_zone: \"%.64s\" is not a zone "
		    "under in-addr.arpa (C.B.A.in-addr.arpa; IPv6 is not "
		    "supported)",
		    v);
	return 0;
}

/* [env]: "NAME=value" for each, no control characters. */
static int
check_env(struct check *ck)
{
	struct strv sv = STRV_INIT;
	size_t n = config_nkeys(ck->a->c, ck->sec);
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		const char *k = config_key(ck->a->c, ck->sec, i);
		char *s;

		if ((r = check_text(ck, k)) < 0)
			break;
		if (asprintf(&s, "%s=%s", k, get(ck, k)) < 0) {
			r = -ENOMEM;
			break;
		}
		r = strv_push(&sv, s);
		free(s);
	}
	if (r == 0 && (ck->a->env = strv_steal(&sv)) == NULL)
		r = -ENOMEM;
	strv_clear(&sv);
	return r;
}

static int
check_section(struct check *ck)
{
	struct appconf *a = ck->a;

	if (strncmp(ck->sec, "daemon.", 7) == 0)
		return check_daemon(
		    ck, ck->sec + 7, &a->daemons[a->ndaemons++]);
	if (strcmp(ck->sec, "crontab") == 0)
		return check_crontab(ck);
	if (strcmp(ck->sec, "build") == 0)
		return check_fixed(ck, build_keys,
		    "repository, command, artifacts, timeout, keep");
	if (strcmp(ck->sec, "health") == 0)
		return check_fixed(ck, health_keys, "url, command, timeout");
	if (strcmp(ck->sec, "lb") == 0)
		return check_lb(ck);
	if (strcmp(ck->sec, "sandbox.net") == 0)
		return check_fixed(ck, net_keys, "ip, address, name, enabled");
	if (strcmp(ck->sec, "sandbox.dns") == 0)
		return check_sandbox_dns(ck);
	if (strcmp(ck->sec, "firewall.out") == 0)
		return check_fixed(ck, firewall_keys, "policy");
	if (word_index(ck->sec, open_sections) >= 0)
		return 0;
	if (ck->sec[0] == '\0')
		return cerr(ck, config_key(a->c, "", 0), -1,
		    "\"%s\" is outside any section (allowed: " SECTIONS_TEXT
		    ")",
		    config_key(a->c, "", 0));
	return cerr(ck, NULL, 0,
	    "unknown section [%s] (allowed: " SECTIONS_TEXT ")", ck->sec);
}

int
appconf_check(struct appconf *a, struct error *err)
{
	size_t n = config_nsections(a->c);
	struct check ck = {a, err, "env"};
	int r;

	if ((a->daemons = calloc(n + 1, sizeof(*a->daemons))) == NULL)
		return -ENOMEM;
	if ((r = check_env(&ck)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		ck.sec = config_section(a->c, i);
		if (strcmp(ck.sec, "env") != 0 && (r = check_section(&ck)) < 0)
			return r;
	}
	return 0;
}
