/* clientconf.c: see clientconf.h. */
#include "buildconf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "transport.h"
#include "orchestrator/clientconf.h"

static const char *const known_keys[] = {"broker", "collective", "key",
    "certificate", "ca", "timeout", "discovery_timeout", "connect_timeout",
    "ddl_dir", "socket", "cache", "cache_ttl", NULL};

/* A copy of path with "~/" expanded; NULL on error. */
static char *
expand_home(const char *path)
{
	const char *home;
	char *s;

	if (strncmp(path, "~/", 2) != 0)
		return strdup(path);
	if ((home = getenv("HOME")) == NULL || home[0] == '\0')
		return NULL;
	if (asprintf(&s, "%s/%s", home, path + 2) < 0)
		return NULL;
	return s;
}

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
set_str(char **dst, const struct config *cf, const char *key, const char *def)
{
	const char *v = cf != NULL ? config_get(cf, "", key) : NULL;

	free(*dst);
	*dst = NULL;
	if (v == NULL)
		v = def;
	if (v == NULL)
		return 0;
	if ((*dst = expand_home(v)) == NULL)
		return -ENOMEM;
	return 0;
}

static int
set_duration(long *dst, const struct config *cf, const char *key, long long def,
    struct error *err)
{
	long long v = def;
	int r;

	if (cf != NULL &&
	    (r = config_get_duration_ms(cf, "", key, def, &v, err)) < 0)
		return r;
	if (v <= 0 || v > 86400000LL) {
		const char *file = NULL;
		int line = 0;

		config_origin(cf, "", key, &file, &line);
		error_init(err, file);
		error_set(err, line, 0, "%s: must be between 1ms and 24h", key);
		return MCE_CONFIG;
	}
	*dst = (long)v;
	return 0;
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

static int
check_keys(const struct config *cf, struct error *err)
{
	size_t i, j, n;

	for (i = 0; i < config_nsections(cf); i++) {
		const char *s = config_section(cf, i);

		if (s[0] != '\0') {
			error_set(err, 0, 0,
			    "unknown section [%s] (client.conf has only "
			    "global keys)",
			    s);
			return MCE_CONFIG;
		}
		n = config_nkeys(cf, s);
		for (j = 0; j < n; j++) {
			const char *k = config_key(cf, s, j), *file = NULL;
			size_t x;
			int line = 0;

			for (x = 0; known_keys[x] != NULL; x++)
				if (strcmp(known_keys[x], k) == 0)
					break;
			if (known_keys[x] != NULL)
				continue;
			config_origin(cf, s, k, &file, &line);
			error_init(err, file);
			error_set(err, line, 0, "unknown key '%s'", k);
			return MCE_CONFIG;
		}
	}
	return 0;
}

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
		if ((r = check_keys(cf, err)) < 0)
			goto out;
	}
	cachedef = default_path("XDG_CACHE_HOME", ".cache", "nodes.json");
	if ((r = set_str(&c->collective, cf, "collective", "metactl")) < 0 ||
	    (r = set_str(&c->key, cf, "key", NULL)) < 0 ||
	    (r = set_str(&c->certificate, cf, "certificate", NULL)) < 0 ||
	    (r = set_str(&c->ca, cf, "ca", NULL)) < 0 ||
	    (r = set_str(&c->ddl_dir, cf, "ddl_dir", PKGDATADIR "/ddl")) < 0 ||
	    (r = set_str(&c->socket, cf, "socket", TRANSPORT_DEFAULT_SOCKET)) <
		0 ||
	    (r = set_str(
		 &c->cache, cf, "cache", cachedef != NULL ? cachedef : "")) < 0)
		goto out;
	if ((r = set_duration(&c->timeout_ms, cf, "timeout", 10000, err)) < 0 ||
	    (r = set_duration(
		 &c->discovery_ms, cf, "discovery_timeout", 2000, err)) < 0 ||
	    (r = set_duration(&c->connect_timeout_ms, cf, "connect_timeout",
		 3000, err)) < 0 ||
	    (r = set_duration(
		 &c->cache_ttl_ms, cf, "cache_ttl", 3600000, err)) < 0)
		goto out;
	env = getenv("METACTL_BROKER");
	if (env == NULL && cf != NULL)
		env = config_get(cf, "", "broker");
	if (env != NULL && (r = split_brokers(c, env)) < 0)
		goto out;
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
	size_t i;

	if (c->brokers != NULL)
		for (i = 0; c->brokers[i] != NULL; i++)
			free(c->brokers[i]);
	free(c->brokers);
	free(c->path);
	free(c->collective);
	free(c->key);
	free(c->certificate);
	free(c->ca);
	free(c->ddl_dir);
	free(c->socket);
	free(c->cache);
	memset(c, 0, sizeof(*c));
}
