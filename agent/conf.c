/* conf.c: metactld.conf -> struct conf. See conf.h. */
#include "buildconf.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "config.h"
#include "conftab.h"
#include "log.h"
#include "message.h"
#include "names.h"
#include "conf.h"
#include "strv.h"

static const char *
check_identity(const void *field)
{
	return name_why(NAME_IDENTITY, *(char *const *)field);
}

static const char *
check_collectives(const void *field)
{
	char *const *l = *(char **const *)field;

	if (l == NULL || l[0] == NULL)
		return "at least one collective is needed";
	for (; *l != NULL; l++)
		if (!name_ok(NAME_COLLECTIVE, *l))
			return name_why(NAME_COLLECTIVE, *l);
	return NULL;
}

static const char *
check_urls(const void *field)
{
	char *const *l = *(char **const *)field;

	for (; l != NULL && *l != NULL; l++)
		if (strncmp(*l, "amqp://", 7) != 0 &&
		    strncmp(*l, "amqps://", 8) != 0)
			return "URLs start with amqp:// or amqps://";
	return NULL;
}

static const char *
check_fd(const void *field)
{
	int fd = *(const int *)field;

	return fd >= 0 && fd <= 2 ? "a descriptor number above 2" : NULL;
}

static const char *
check_listen(const void *field)
{
	const char *s = *(char *const *)field;
	struct sockaddr_storage ss;

	if (s == NULL)
		return NULL;
	return conf_listen_addr(s, &ss) < 0
	    ? "an address and port: 127.0.0.1:9464, [::1]:9464"
	    : NULL;
}

int
conf_listen_addr(const char *s, struct sockaddr_storage *ret)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;
	size_t n;
	int v6, r;

	if (colon == NULL || colon[1] == '\0')
		return -EINVAL;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535)
		return -EINVAL;
	n = (size_t)(colon - s);
	if ((v6 = n >= 2 && s[0] == '[' && s[n - 1] == ']')) {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(ret, 0, sizeof(*ret));
	if (v6)
		r = uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ret);
	else
		r = uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ret);
	return r == 0 ? 0 : -EINVAL;
}

static const char *const log_targets[] = {"stderr", "syslog", NULL};

const char *const conf_managers[] = {
    "auto", "systemd", "runit", "s6", "smf", "upstart", NULL};

/* Where each manager looks for definitions, in the order of
 * conf_managers after "auto". */
static const char *const manager_dirs[] = {"/etc/systemd/system",
    "/etc/service", "/run/service", "/var/svc/manifest/site", "/etc/init",
    NULL};

const char *
conf_manager_service_dir(const char *manager)
{
	for (size_t i = 1; conf_managers[i] != NULL; i++)
		if (strcmp(conf_managers[i], manager) == 0)
			return manager_dirs[i - 1];
	return NULL;
}

static const char *
check_absolute(const void *field)
{
	const char *s = *(char *const *)field;

	return s != NULL && s[0] != '/' ? "an absolute path" : NULL;
}

#define F(field) CONFTAB_FIELD(struct conf, field)
#define RESTART CONFTAB_RESTART

/*
 * Every key of metactld.conf, once. The defaults are those documented in
 * metactld.conf(5) (a unit test compares them); RESTART marks what a
 * reload cannot change: the connection, the trust material, the socket,
 * and what sized the replay caches at start.
 */
const struct conftab_key conf_keys[] = {
    {"node", "identity", CONFTAB_STRING, F(identity),
	.def_doc = "the host name", .flags = RESTART, .check = check_identity},
    {"node", "collectives", CONFTAB_LIST, F(collectives),
	.count = offsetof(struct conf, ncollectives), .def = "metactl",
	.check = check_collectives},
    {"node", "facts", CONFTAB_STRING, F(facts_file)},
    {"node", "facts_command", CONFTAB_STRING, F(facts_command)},
    {"node", "facts_timeout", CONFTAB_DURATION, F(facts_timeout_ms),
	.def = "10s", .min = 100, .max = 3600 * 1000},
    {"node", "classes", CONFTAB_STRING, F(classes_file)},
    {"broker", "urls", CONFTAB_LIST, F(brokers),
	.count = offsetof(struct conf, nbrokers), .flags = RESTART,
	.check = check_urls},
    {"broker", "user", CONFTAB_STRING, F(broker_user), .flags = RESTART},
    {"broker", "password", CONFTAB_STRING, F(broker_password),
	.flags = RESTART | CONFTAB_SECRET},
    {"broker", "cafile", CONFTAB_STRING, F(broker_cafile), .flags = RESTART},
    {"broker", "heartbeat", CONFTAB_DURATION, F(heartbeat), .def = "60s",
	.min = 1000, .max = 3600 * 1000, .scale = 1000,
	.flags = RESTART | CONFTAB_ZERO},
    {"broker", "connect_timeout", CONFTAB_DURATION, F(connect_timeout_ms),
	.def = "5s", .min = 100, .max = 3600 * 1000},
    {"broker", "reconnect_min", CONFTAB_DURATION, F(reconnect_min_ms),
	.def = "500ms", .min = 10, .max = 3600 * 1000},
    {"broker", "reconnect_max", CONFTAB_DURATION, F(reconnect_max_ms),
	.def = "5s", .min = 10, .max = 24 * 3600 * 1000},
    {"broker", "reply_queue_size", CONFTAB_SIZE, F(reply_queue_bytes),
	.def = "4M", .min = 1024, .max = 1LL << 30, .flags = RESTART},
    {"broker", "reply_queue_length", CONFTAB_INT, F(reply_queue_max),
	.def = "1024", .min = 1, .max = 1000000, .flags = RESTART},
    {"security", "key", CONFTAB_STRING, F(key_path), .flags = RESTART},
    {"security", "certificate", CONFTAB_STRING, F(cert_path), .flags = RESTART},
    {"security", "ca", CONFTAB_STRING, F(ca_path), .flags = RESTART},
    {"security", "max_skew", CONFTAB_DURATION, F(max_skew_ms), .def = "30s",
	.min = 0, .max = 24 * 3600 * 1000, .flags = RESTART},
    {"security", "max_ttl", CONFTAB_DURATION, F(max_ttl_s), .def = "10m",
	.min = 1000, .max = 24 * 3600 * 1000, .scale = 1000, .flags = RESTART},
    {"security", "replay_entries", CONFTAB_SIZE, F(replay_entries),
	.def = "4194304", .min = 1, .max = 100000000, .flags = RESTART},
    {"security", "replay_callers", CONFTAB_INT, F(replay_callers), .def = "64",
	.min = 1, .max = 1000000, .flags = RESTART},
    {"security", "replay_caller_entries", CONFTAB_INT, F(replay_caller_entries),
	.def = "8192", .min = 1, .max = 100000000, .flags = RESTART},
    {"policy", "dir", CONFTAB_STRING, F(policy_dir),
	.def = "@sysconfdir@/metactl/policy"},
    {"policy", "default", CONFTAB_STRING, F(policy_default), .def = "default"},
    {"policy", "enable_default", CONFTAB_BOOL, F(policy_enable_default),
	.def = "yes"},
    {"policy", "allow_unconfigured", CONFTAB_BOOL, F(policy_allow_unconfigured),
	.def = "no"},
    {"plugins", "ddl_dir", CONFTAB_STRING, F(ddl_dir),
	.def = "@pkgdatadir@/ddl"},
    {"plugins", "external_dir", CONFTAB_STRING, F(external_dir),
	.def = "@sysconfdir@/metactl/agents"},
    {"local", "enable", CONFTAB_BOOL, F(local_enable), .def = "yes",
	.flags = RESTART},
    {"local", "socket", CONFTAB_STRING, F(socket_path),
	.def = "@runstatedir@/metactl/metactld.sock", .flags = RESTART},
    {"local", "mode", CONFTAB_MODE, F(socket_mode), .def = "0666", .max = 0777,
	.flags = RESTART},
    {"local", "connections", CONFTAB_INT, F(local_conns_max), .def = "64",
	.min = 1, .max = 100000},
    {"local", "connections_per_uid", CONFTAB_INT, F(local_uid_conns_max),
	.def = "16", .min = 1, .max = 100000},
    {"local", "buffer_per_uid", CONFTAB_SIZE, F(local_uid_buffer_max),
	.def = "4M", .min = 64 * 1024, .max = 1LL << 30},
    {"local", "line_timeout", CONFTAB_DURATION, F(local_line_timeout_ms),
	.def = "10s", .min = 10, .max = 3600 * 1000},
    {"log", "target", CONFTAB_ENUM, F(log_syslog), .def = "syslog",
	.names = log_targets, .flags = RESTART},
    {"log", "level", CONFTAB_ENUM, F(log_level), .def = "info",
	.names = log_level_names},
    {"log", "audit", CONFTAB_STRING, F(audit_path),
	.def = "@localstatedir@/log/metactl/audit.log", .flags = CONFTAB_OFF},
    {"limits", "message_size", CONFTAB_SIZE, F(message_max), .def = "1M",
	.min = 1024, .max = 256 * 1024 * 1024},
    {"limits", "output_size", CONFTAB_SIZE, F(output_max), .def = "64k",
	.min = 0, .max = 256 * 1024 * 1024},
    {"limits", "concurrent_actions", CONFTAB_INT, F(actions_max), .def = "8",
	.min = 1, .max = 4096},
    {"limits", "queue", CONFTAB_INT, F(queue_max), .def = "64", .min = 0,
	.max = 1000000},
    {"limits", "action_timeout", CONFTAB_DURATION, F(action_timeout_ms),
	.def = "60s", .min = 100, .max = 7 * 24 * 3600 * 1000LL},
    {"limits", "shutdown_timeout", CONFTAB_DURATION, F(shutdown_timeout_ms),
	.def = "30s", .min = 0, .max = 24 * 3600 * 1000},
    {"metrics", "listen", CONFTAB_STRING, F(metrics_listen), .flags = RESTART,
	.check = check_listen},
    {"daemon", "notification_fd", CONFTAB_INT, F(notification_fd), .def = "-1",
	.def_doc = "none", .min = -1, .max = 1024, .flags = CONFTAB_START,
	.check = check_fd},
    /*
     * A running agent keeps the manager and the directories its services
     * live in: switching them under running daemons would orphan them.
     */
    {"apps", "dir", CONFTAB_STRING, F(apps_dir), .def = "/srv/metactl",
	.check = check_absolute},
    {"apps", "node_dir", CONFTAB_STRING, F(apps_node_dir),
	.def = "@sysconfdir@/metactl/nodes", .check = check_absolute},
    {"apps", "service_manager", CONFTAB_ENUM, F(apps_manager), .def = "auto",
	.names = conf_managers, .flags = RESTART},
    {"apps", "service_dir", CONFTAB_STRING, F(apps_service_dir),
	.def_doc = "the manager's own", .flags = RESTART,
	.check = check_absolute},
    {"apps", "supervise_dir", CONFTAB_STRING, F(apps_supervise_dir),
	.def = "@localstatedir@/lib/metactl/services", .flags = RESTART,
	.check = check_absolute},
    {"apps", "cron_dir", CONFTAB_STRING, F(apps_cron_dir), .def = "/etc/cron.d",
	.check = check_absolute},
    {"apps", "java", CONFTAB_STRING, F(apps_java), .def = "/usr/bin/java",
	.check = check_absolute},
    {"apps", "jetty_home", CONFTAB_STRING, F(apps_jetty_home),
	.def = "/usr/share/jetty9", .check = check_absolute},
    {"apps", "svwait", CONFTAB_STRING, F(apps_svwait),
	.def = "@pkglibexecdir@/metactl-svwait", .check = check_absolute},
    {"apps", "nft", CONFTAB_STRING, F(apps_nft), .def = "/usr/sbin/nft",
	.check = check_absolute},
    {"apps", "start_timeout", CONFTAB_DURATION, F(apps_start_timeout_ms),
	.def = "30s", .min = 100, .max = 3600 * 1000},
    {"apps", "start_grace", CONFTAB_DURATION, F(apps_start_grace_ms),
	.def = "1s", .min = 0, .max = 600 * 1000},
    {NULL, NULL, 0, 0, 0, 0, NULL, NULL, 0, 0, 0, NULL, 0, NULL},
};

#undef F
#undef RESTART

int
conf_defaults(struct conf *c)
{
	char host[256];

	memset(c, 0, sizeof(*c));
	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	if ((c->identity = strdup(host)) == NULL)
		return -ENOMEM;
	return conftab_defaults(conf_keys, c);
}

void
conf_clear(struct conf *c)
{
	free(c->path);
	conftab_clear(conf_keys, c);
	memset(c, 0, sizeof(*c));
}

/* What no single key can say: the rules between keys. */
static int
conf_check(const struct conf *c, const struct config *cfg, struct error *err)
{
	const char *why;

	if ((why = check_identity(&c->identity)) != NULL)
		return conftab_error(cfg, "node", "identity", err, "%s", why);
	if (c->reconnect_max_ms < c->reconnect_min_ms)
		return conftab_error(cfg, "broker", "reconnect_max", err,
		    "less than reconnect_min");
	for (size_t i = 0; i < c->nbrokers; i++)
		if (strncmp(c->brokers[i], "amqps://", 8) == 0 &&
		    c->broker_cafile == NULL)
			return conftab_error(cfg, "broker", "urls", err,
			    "amqps:// needs [broker] cafile");
	if (c->nbrokers > 0 &&
	    (c->key_path == NULL || c->cert_path == NULL || c->ca_path == NULL))
		return conftab_error(cfg, "broker", "urls", err,
		    "a broker needs [security] key, certificate and ca");
	if (c->local_enable && c->socket_path == NULL)
		return conftab_error(
		    cfg, "local", "socket", err, "a socket path is needed");
	if (c->local_enable &&
	    c->local_uid_buffer_max < 2 * c->message_max + 65536)
		return conftab_error(cfg, "local", "buffer_per_uid", err,
		    "must hold two messages of [limits] message_size and 64k");
	return 0;
}

static void
restart_needed(const struct conftab_key *k)
{
	char name[80];

	log_warnx("reload: %s changes only on restart; keeping the running "
		  "value",
	    conftab_name(k, name, sizeof(name)));
}

void
conf_keep_running(struct conf *nc, struct conf *oc)
{
	conftab_keep(conf_keys, nc, oc, restart_needed);
}

int
conf_load(struct conf *c, const char *path, struct error *err)
{
	struct config *cfg;
	int r;

	error_init(err, path);
	free(c->path);
	if ((c->path = strdup(path)) == NULL)
		return -ENOMEM;
	if ((cfg = config_new()) == NULL)
		return -ENOMEM;
	r = config_load_file(cfg, path, err);
	if (r == 0)
		r = conftab_fill(conf_keys, c, cfg, err);
	if (r == 0)
		r = conf_check(c, cfg, err);
	if (r == -ENOMEM)
		error_set(err, 0, 0, "out of memory");
	config_free(cfg);
	return r;
}
