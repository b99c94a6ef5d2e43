/* clientconf.c: see clientconf.h. */
#include "buildconf.h"

#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "conftab.h"
#include "names.h"
#include "strv.h"
#include "transport.h"
#include "orchestrator/clientconf.h"

static char *
default_path(const char *xdg_var, const char *home_rel, const char *leaf)
{
	const char *base = getenv(xdg_var), *home = getenv("HOME");
	char *s;

	if (base != NULL && base[0] == '/') {
		if (asprintf(&s, "%s/metactl/%s", base, leaf) < 0)
			return NULL;
		return s;
	}
	if (home == NULL || home[0] == '\0')
		return NULL;
	if (asprintf(&s, "%s/%s/metactl/%s", home, home_rel, leaf) < 0)
		return NULL;
	return s;
}

static int
split_brokers(struct client_conf *c, const char *list)
{
	char *copy, *tok, *save = NULL;
	size_t n = 0;

	if ((copy = strdup(list)) == NULL)
		return -ENOMEM;
	c->brokers = calloc(strlen(list) / 2 + 2, sizeof(char *));
	if (c->brokers == NULL) {
		free(copy);
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t,", &save))
		if ((c->brokers[n++] = strdup(tok)) == NULL) {
			free(copy);
			return -ENOMEM;
		}
	c->nbrokers = n;
	free(copy);
	return 0;
}

/* Requests go to COLLECTIVE.AGENT: the name rule of lib/names.h. */
static const char *
check_collective(const void *field)
{
	return name_why(NAME_COLLECTIVE, *(char *const *)field);
}

#define F(field) CONFTAB_FIELD(struct client_conf, field)
#define DAY (24 * 3600 * 1000)
#define PATH (CONFTAB_HOME | CONFTAB_EMPTY)

/*
 * Every key of client.conf, once; the defaults are those of metactl(1),
 * CONFIGURATION (a unit test compares them). Each run of metactl reads
 * the file anew: nothing needs a restart.
 */
const struct conftab_key client_conf_keys[] = {
    {"", "broker", CONFTAB_LIST, F(brokers),
	.count = offsetof(struct client_conf, nbrokers),
	.def_doc = "none: local mode"},
    {"", "broker_cafile", CONFTAB_STRING, F(broker_cafile), .flags = PATH},
    {"", "reply_exchange", CONFTAB_BOOL, F(reply_exchange), .def = "no"},
    {"", "collective", CONFTAB_STRING, F(collective), .def = "metactl",
	.flags = CONFTAB_EMPTY, .check = check_collective},
    {"", "key", CONFTAB_STRING, F(key), .flags = PATH},
    {"", "certificate", CONFTAB_STRING, F(certificate), .flags = PATH},
    {"", "ca", CONFTAB_STRING, F(ca), .flags = PATH},
    {"", "timeout", CONFTAB_DURATION, F(timeout_ms), .def = "10s", .min = 1,
	.max = DAY},
    {"", "discovery_timeout", CONFTAB_DURATION, F(discovery_ms), .def = "2s",
	.min = 1, .max = DAY},
    {"", "discovery_quiet", CONFTAB_DURATION, F(discovery_quiet_ms),
	.def = "500ms", .min = 1, .max = DAY, .flags = CONFTAB_ZERO},
    {"", "connect_timeout", CONFTAB_DURATION, F(connect_timeout_ms),
	.def = "3s", .min = 1, .max = DAY},
    {"", "ddl_dir", CONFTAB_STRING, F(ddl_dir), .def = "@pkgdatadir@/ddl",
	.flags = PATH},
    {"", "socket", CONFTAB_STRING, F(socket),
	.def = "@runstatedir@/metactl/metactld.sock", .flags = PATH},
    {"", "forget_misses", CONFTAB_INT, F(forget_misses), .def = "5", .min = 1,
	.max = 1000000},
    {"", "forget_after", CONFTAB_DURATION, F(forget_after_ms), .def = "1d",
	.min = 0, .max = 365LL * DAY},
    {"", "cache", CONFTAB_STRING, F(cache),
	.def_doc = "~/.cache/metactl/nodes.json", .flags = PATH},
    {"", "cache_ttl", CONFTAB_DURATION, F(cache_ttl_ms), .def = "1h", .min = 1,
	.max = DAY},
    {NULL, NULL, 0, 0, 0, 0, NULL, NULL, 0, 0, 0, NULL, 0, NULL},
};

#undef F
#undef DAY
#undef PATH

int
client_conf_load(
    struct client_conf *c, const char *explicit_path, struct error *err)
{
	struct config *cf = NULL;
	const char *env;
	char *user = NULL, *cachedef = NULL;
	int r;

	memset(c, 0, sizeof(*c));
	error_init(err, NULL);
	env = getenv("METACTL_CONFIG");
	if (explicit_path != NULL)
		c->path = strdup(explicit_path);
	else if (env != NULL && env[0] != '\0')
		c->path = strdup(env);
	else {
		user =
		    default_path("XDG_CONFIG_HOME", ".config", "client.conf");
		if (user != NULL && access(user, F_OK) == 0) {
			c->path = user;
			user = NULL;
		} else if (access(SYSCONFDIR "/metactl/client.conf", F_OK) == 0)
			c->path = strdup(SYSCONFDIR "/metactl/client.conf");
	}
	free(user);
	if (c->path != NULL) {
		error_init(err, c->path);
		if ((cf = config_new()) == NULL) {
			r = -ENOMEM;
			goto out;
		}
		if ((r = config_load_file(cf, c->path, err)) < 0) {
			if (err->text[0] == '\0')
				error_set(err, 0, 0, "%s", error_str(r));
			goto out;
		}
	}
	cachedef = default_path("XDG_CACHE_HOME", ".cache", "nodes.json");
	if ((r = conftab_defaults(client_conf_keys, c)) < 0 ||
	    (c->cache = strdup(cachedef != NULL ? cachedef : "")) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	if (cf != NULL && (r = conftab_fill(client_conf_keys, c, cf, err)) < 0)
		goto out;
	/* $METACTL_BROKER replaces the list; empty: local mode. */
	env = getenv("METACTL_BROKER");
	if (env != NULL) {
		strv_free(c->brokers);
		c->brokers = NULL;
		c->nbrokers = 0;
		if ((r = split_brokers(c, env)) < 0)
			goto out;
	}
	r = 0;
out:
	free(cachedef);
	config_free(cf);
	if (r < 0)
		client_conf_clear(c);
	return r;
}

void
client_conf_clear(struct client_conf *c)
{
	free(c->path);
	conftab_clear(client_conf_keys, c);
	memset(c, 0, sizeof(*c));
}
