/*
 * conf.h: metactld.conf, the node agent's configuration (metactld.conf(5)).
 *
 * Every key is described once, in the table conf_keys (conf.c), through
 * lib/conftab.c: conf_load() reads the INI file through lib/config.c, checks
 * every key (unknown sections and keys are errors, so typos do not go
 * unnoticed) and fills struct conf over the defaults. Errors carry the
 * file and line of the offending value.
 */
#ifndef METACTLD_CONF_H
#define METACTLD_CONF_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "conftab.h"
#include "error.h"

#define CONF_DEFAULT_PATH SYSCONFDIR "/metactl/metactld.conf"

struct conf {
	char *path;

	/* [node] */
	char *identity; /* default: the host name */
	char **collectives; /* NULL-terminated */
	size_t ncollectives;
	char *facts_file; /* JSON or "key: value" lines; NULL: none */
	char *facts_command; /* argv, split on blanks; NULL: none */
	long long facts_timeout_ms;
	char *classes_file;

	/* [broker] */
	char **brokers; /* URLs tried in turn; none: local only */
	size_t nbrokers;
	char *broker_user; /* override the URL's credentials */
	char *broker_password;
	char *broker_cafile; /* for amqps:// */
	int heartbeat; /* seconds, 0 disables */
	long long connect_timeout_ms;
	long long reconnect_min_ms;
	long long reconnect_max_ms;
	size_t reply_queue_bytes; /* outgoing queue bound: bytes, replies */
	unsigned reply_queue_max;

	/* [security] */
	char *key_path;
	char *cert_path;
	char *ca_path; /* CA public key */
	long long max_skew_ms;
	long long max_ttl_s;
	size_t replay_entries;
	size_t replay_callers;
	size_t replay_caller_entries;

	/* [policy] */
	char *policy_dir;
	char *policy_default; /* name of the default policy file */
	int policy_enable_default;
	int policy_allow_unconfigured;

	/* [plugins] */
	char *ddl_dir;
	char *external_dir;

	/* [local] */
	int local_enable;
	char *socket_path;
	mode_t socket_mode;
	unsigned local_conns_max; /* connections at once, every uid */
	unsigned local_uid_conns_max; /* connections at once, one uid */
	size_t local_uid_buffer_max; /* bytes buffered for one uid */
	long long local_line_timeout_ms; /* for a line to be complete */

	/* [log] */
	int log_syslog; /* target = syslog | stderr */
	int log_level; /* enum log_level */
	char *audit_path; /* NULL: no audit trail ("off") */

	/* [limits] */
	size_t message_max;
	size_t output_max; /* bytes captured per stream of a child */
	unsigned actions_max; /* running at once */
	unsigned queue_max; /* waiting behind them */
	long long action_timeout_ms;
	long long shutdown_timeout_ms;

	/* [metrics] */
	char *metrics_listen; /* host:port; NULL: no listener */

	/* [daemon] */
	int notification_fd; /* s6 readiness; -1: none */

	/* [apps] */
	char *apps_dir;
	char *apps_node_dir; /* node layers: DIR/APP.conf */
	int apps_manager; /* index in conf_managers; 0: auto */
	char *apps_service_dir; /* NULL: the manager's own default */
	char *apps_supervise_dir; /* runit and s6 service directories */
	char *apps_cron_dir;
	char *apps_java;
	char *apps_jetty_home;
	char *apps_svwait;
	char *apps_nft; /* the sandbox agent's nft; absent: iptables-nft */
	long long apps_start_timeout_ms;
	long long apps_start_grace_ms;
};

/* "auto", then the service managers [apps] service_manager names. */
extern const char *const conf_managers[];
/* The service_dir of manager (a name of conf_managers but "auto") when
 * [apps] service_dir is not set; NULL for an unknown manager. */
const char *conf_manager_service_dir(const char *manager);

/* Every key of metactld.conf, NULL-terminated. */
extern const struct conftab_key conf_keys[];

/* host:port (an IPv4 address, or an IPv6 one in brackets) -> ret. 0 or
 * -EINVAL. */
int conf_listen_addr(const char *s, struct sockaddr_storage *ret);
/* Fills c with the defaults of every setting. 0 or -ENOMEM. */
int conf_defaults(struct conf *c);
/* Loads path over the defaults. 0, or MCE_CONFIG/-errno with err set. */
int conf_load(struct conf *c, const char *path, struct error *err);
void conf_clear(struct conf *c);
/*
 * Reload: nc, just loaded, takes the running value of every setting that
 * changes only on restart from oc (logging those that differ); oc gets
 * nc's, to be cleared with it.
 */
void conf_keep_running(struct conf *nc, struct conf *oc);

#endif
