/*
 * clientconf.h: the client configuration of metactl.
 *
 * The file is the first that exists of: --config FILE, $METACTL_CONFIG,
 * $XDG_CONFIG_HOME/metactl/client.conf (default ~/.config/...), then
 * SYSCONFDIR/metactl/client.conf. No file at all is not an error: every
 * key has a default and, without a broker, metactl talks to the local
 * agent. $METACTL_BROKER replaces the broker list (empty: local mode).
 * The keys, all in the global section, are described once, in the table
 * client_conf_keys (see etc/client.conf and metactl(1), CONFIGURATION).
 * A leading "~/" in a path is the home directory.
 */
#ifndef METACTL_ORCH_CLIENTCONF_H
#define METACTL_ORCH_CLIENTCONF_H

#include <stddef.h>

#include "conftab.h"
#include "error.h"

struct client_conf {
	char *path; /* the file read, or NULL */
	char **brokers; /* NULL-terminated; NULL or empty: local mode */
	size_t nbrokers;
	char *broker_cafile; /* CA file verifying amqps:// brokers */
	int reply_exchange; /* replies through metactl.reply (federation) */
	char *collective;
	char *key;
	char *certificate;
	char *ca;
	char *ddl_dir;
	char *socket;
	char *cache; /* node registry file; "" disables it */
	long forget_misses; /* registry: misses in a row before forgetting */
	long forget_after_ms; /* registry: and not seen for this long */
	long timeout_ms;
	long discovery_ms;
	long discovery_quiet_ms; /* quiet rule floor (quiet.h); 0: off */
	long connect_timeout_ms;
	long cache_ttl_ms;
};

/* Every key of client.conf, NULL-terminated. */
extern const struct conftab_key client_conf_keys[];

/* 0, or MCE_CONFIG / a negated errno with err saying where. */
int client_conf_load(
    struct client_conf *c, const char *explicit_path, struct error *err);
void client_conf_clear(struct client_conf *c);

#endif
