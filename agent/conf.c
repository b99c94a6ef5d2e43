/* conf.c: metactld.conf -> struct conf. See conf.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "message.h"
#include "conf.h"
#include "strv.h"

/* Every key metactld.conf may hold, by section. */
static const struct {
	const char *section;
	const char *key;
} known_keys[] = {
    {"node", "identity"},
    {"node", "collectives"},
    {"node", "facts"},
    {"node", "facts_command"},
    {"node", "classes"},
    {"broker", "urls"},
    {"broker", "user"},
    {"broker", "password"},
    {"broker", "cafile"},
    {"broker", "heartbeat"},
    {"broker", "connect_timeout"},
    {"broker", "reconnect_min"},
    {"broker", "reconnect_max"},
    {"broker", "reply_queue_size"},
    {"broker", "reply_queue_length"},
    {"security", "key"},
    {"security", "certificate"},
    {"security", "ca"},
    {"security", "max_skew"},
    {"security", "max_ttl"},
    {"security", "replay_entries"},
    {"policy", "dir"},
    {"policy", "default"},
    {"policy", "enable_default"},
    {"policy", "allow_unconfigured"},
    {"plugins", "ddl_dir"},
    {"plugins", "external_dir"},
    {"local", "enable"},
    {"local", "socket"},
    {"local", "mode"},
    {"log", "target"},
    {"log", "level"},
    {"log", "audit"},
    {"limits", "message_size"},
    {"limits", "output_size"},
    {"limits", "concurrent_actions"},
    {"limits", "queue"},
    {"limits", "action_timeout"},
    {"limits", "shutdown_timeout"},
    {"daemon", "notification_fd"},
    {NULL, NULL},
};

static char *
xstrdup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

void
conf_defaults(struct conf *c)
{
	char host[256];

	memset(c, 0, sizeof(*c));
	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	c->identity = strdup(host);
	c->collectives = calloc(2, sizeof(char *));
	if (c->collectives != NULL) {
		c->collectives[0] = strdup("metactl");
		c->ncollectives = 1;
	}
	c->heartbeat = 60;
	c->connect_timeout_ms = 5000;
	c->reconnect_min_ms = 500;
	c->reconnect_max_ms = 60000;
	c->reply_queue_bytes = 4 * 1024 * 1024;
	c->reply_queue_max = 1024;
	c->max_skew_ms = 30000;
	c->max_ttl_s = 600;
	c->replay_entries = 100000;
	c->policy_dir = strdup(SYSCONFDIR "/metactl/policy");
	c->policy_default = strdup("default");
	c->policy_enable_default = 1;
	c->ddl_dir = strdup(PKGDATADIR "/ddl");
	c->external_dir = strdup(SYSCONFDIR "/metactl/agents");
	c->local_enable = 1;
	c->socket_path = strdup(RUNSTATEDIR "/metactl/metactld.sock");
	c->socket_mode = 0666;
	c->log_syslog = 1;
	c->log_level = LOG_LEVEL_INFO;
	c->message_max = 1024 * 1024;
	c->output_max = 64 * 1024;
	c->actions_max = 8;
	c->queue_max = 64;
	c->action_timeout_ms = 60000;
	c->shutdown_timeout_ms = 30000;
	c->notification_fd = -1;
}

void
conf_clear(struct conf *c)
{
	free(c->path);
	free(c->identity);
	strv_free(c->collectives);
	free(c->facts_file);
	free(c->facts_command);
	free(c->classes_file);
	strv_free(c->brokers);
	free(c->broker_user);
	free(c->broker_password);
	free(c->broker_cafile);
	free(c->key_path);
	free(c->cert_path);
	free(c->ca_path);
	free(c->policy_dir);
	free(c->policy_default);
	free(c->ddl_dir);
	free(c->external_dir);
	free(c->socket_path);
	free(c->audit_path);
	memset(c, 0, sizeof(*c));
}

/* Sets err to the value's file:line. */
static int
bad_value(const struct config *cfg, const char *sec, const char *key,
    struct error *err, const char *why)
{
	const char *file = NULL;
	int line = 0;

	if (config_origin(cfg, sec, key, &file, &line) == 0 && file != NULL)
		snprintf(err->source, sizeof(err->source), "%s", file);
	error_set(err, line, 0, "[%s] %s: %s", sec, key, why);
	return MCE_CONFIG;
}

static int
check_keys(const struct config *cfg, struct error *err)
{
	for (size_t s = 0; s < config_nsections(cfg); s++) {
		const char *sec = config_section(cfg, s);

		for (size_t k = 0; k < config_nkeys(cfg, sec); k++) {
			const char *key = config_key(cfg, sec, k);
			int found = 0;

			for (size_t i = 0; known_keys[i].key != NULL; i++)
				if (strcmp(known_keys[i].section, sec) == 0 &&
				    strcmp(known_keys[i].key, key) == 0)
					found = 1;
			if (!found)
				return bad_value(
				    cfg, sec, key, err, "unknown setting");
		}
	}
	return 0;
}

/* Replaces *dst by the value when present; "" means unset. */
static int
get_str(const struct config *cfg, const char *sec, const char *key, char **dst)
{
	const char *v = config_get(cfg, sec, key);

	if (v == NULL)
		return 0;
	free(*dst);
	*dst = NULL;
	if (*v == '\0')
		return 0;
	*dst = strdup(v);
	return *dst != NULL ? 0 : -ENOMEM;
}

static int
get_list(const struct config *cfg, const char *sec, const char *key,
    char ***dst, size_t *n)
{
	char **l = NULL;
	size_t ln = 0;
	int r;

	if (config_get(cfg, sec, key) == NULL)
		return 0;
	if ((r = config_get_list(cfg, sec, key, &l, &ln)) < 0)
		return r;
	strv_free(*dst);
	*dst = l;
	*n = ln;
	return 0;
}

static int
get_bool(const struct config *cfg, const char *sec, const char *key, int *dst,
    struct error *err)
{
	return config_get_bool(cfg, sec, key, *dst, dst, err);
}

static int
get_ms(const struct config *cfg, const char *sec, const char *key,
    long long *dst, long long min, struct error *err)
{
	int r = config_get_duration_ms(cfg, sec, key, *dst, dst, err);

	if (r < 0)
		return r;
	if (*dst < min)
		return bad_value(cfg, sec, key, err, "value too small");
	return 0;
}

static int
get_uint(const struct config *cfg, const char *sec, const char *key,
    unsigned *dst, long long min, long long max, struct error *err)
{
	long long v;
	int r = config_get_int(cfg, sec, key, *dst, &v, err);

	if (r < 0)
		return r;
	if (v < min || v > max)
		return bad_value(cfg, sec, key, err, "value out of range");
	*dst = (unsigned)v;
	return 0;
}

static int
conf_fill(struct conf *c, const struct config *cfg, struct error *err)
{
	const char *v;
	long long ll;
	int r;

	if ((r = check_keys(cfg, err)) < 0)
		return r;

	if ((r = get_str(cfg, "node", "identity", &c->identity)) < 0)
		return r;
	if (!message_identity_ok(c->identity))
		return bad_value(cfg, "node", "identity", err,
		    "must be 1 to 255 characters of [A-Za-z0-9_.@-]");
	if ((r = get_list(cfg, "node", "collectives", &c->collectives,
		 &c->ncollectives)) < 0)
		return r;
	if (c->ncollectives == 0)
		return bad_value(cfg, "node", "collectives", err,
		    "at least one collective is needed");
	for (size_t i = 0; i < c->ncollectives; i++)
		if (strpbrk(c->collectives[i], ".#*") != NULL)
			return bad_value(cfg, "node", "collectives", err,
			    "collective names cannot contain '.', '#', '*'");
	if ((r = get_str(cfg, "node", "facts", &c->facts_file)) < 0 ||
	    (r = get_str(cfg, "node", "facts_command", &c->facts_command)) <
		0 ||
	    (r = get_str(cfg, "node", "classes", &c->classes_file)) < 0)
		return r;

	if ((r = get_list(cfg, "broker", "urls", &c->brokers, &c->nbrokers)) <
	    0)
		return r;
	for (size_t i = 0; i < c->nbrokers; i++)
		if (strncmp(c->brokers[i], "amqp://", 7) != 0 &&
		    strncmp(c->brokers[i], "amqps://", 8) != 0)
			return bad_value(cfg, "broker", "urls", err,
			    "URLs start with amqp:// or amqps://");
	if ((r = get_str(cfg, "broker", "user", &c->broker_user)) < 0 ||
	    (r = get_str(cfg, "broker", "password", &c->broker_password)) < 0 ||
	    (r = get_str(cfg, "broker", "cafile", &c->broker_cafile)) < 0)
		return r;
	ll = c->heartbeat * 1000LL;
	if ((r = get_ms(cfg, "broker", "heartbeat", &ll, 0, err)) < 0)
		return r;
	if (ll != 0 && (ll < 1000 || ll > 3600 * 1000))
		return bad_value(cfg, "broker", "heartbeat", err,
		    "between 1s and 1h, or 0 to disable");
	c->heartbeat = (int)(ll / 1000);
	if ((r = get_ms(cfg, "broker", "connect_timeout",
		 &c->connect_timeout_ms, 100, err)) < 0 ||
	    (r = get_ms(cfg, "broker", "reconnect_min", &c->reconnect_min_ms,
		 10, err)) < 0 ||
	    (r = get_ms(cfg, "broker", "reconnect_max", &c->reconnect_max_ms,
		 c->reconnect_min_ms, err)) < 0 ||
	    (r = config_get_size(cfg, "broker", "reply_queue_size",
		 c->reply_queue_bytes, &c->reply_queue_bytes, err)) < 0 ||
	    (r = get_uint(cfg, "broker", "reply_queue_length",
		 &c->reply_queue_max, 1, 1000000, err)) < 0)
		return r;
	if (c->nbrokers > 0) {
		for (size_t i = 0; i < c->nbrokers; i++)
			if (strncmp(c->brokers[i], "amqps://", 8) == 0 &&
			    c->broker_cafile == NULL)
				return bad_value(cfg, "broker", "urls", err,
				    "amqps:// needs [broker] cafile");
	}

	if ((r = get_str(cfg, "security", "key", &c->key_path)) < 0 ||
	    (r = get_str(cfg, "security", "certificate", &c->cert_path)) < 0 ||
	    (r = get_str(cfg, "security", "ca", &c->ca_path)) < 0)
		return r;
	if (c->nbrokers > 0 &&
	    (c->key_path == NULL || c->cert_path == NULL || c->ca_path == NULL))
		return bad_value(cfg, "broker", "urls", err,
		    "a broker needs [security] key, certificate and ca");
	if ((r = get_ms(cfg, "security", "max_skew", &c->max_skew_ms, 0, err)) <
	    0)
		return r;
	ll = c->max_ttl_s * 1000;
	if ((r = get_ms(cfg, "security", "max_ttl", &ll, 1000, err)) < 0)
		return r;
	c->max_ttl_s = ll / 1000;
	if ((r = config_get_size(cfg, "security", "replay_entries",
		 c->replay_entries, &c->replay_entries, err)) < 0)
		return r;

	if ((r = get_str(cfg, "policy", "dir", &c->policy_dir)) < 0 ||
	    (r = get_str(cfg, "policy", "default", &c->policy_default)) < 0 ||
	    (r = get_bool(cfg, "policy", "enable_default",
		 &c->policy_enable_default, err)) < 0 ||
	    (r = get_bool(cfg, "policy", "allow_unconfigured",
		 &c->policy_allow_unconfigured, err)) < 0)
		return r;

	if ((r = get_str(cfg, "plugins", "ddl_dir", &c->ddl_dir)) < 0 ||
	    (r = get_str(cfg, "plugins", "external_dir", &c->external_dir)) < 0)
		return r;

	if ((r = get_bool(cfg, "local", "enable", &c->local_enable, err)) < 0 ||
	    (r = get_str(cfg, "local", "socket", &c->socket_path)) < 0)
		return r;
	if ((v = config_get(cfg, "local", "mode")) != NULL) {
		char *end;
		unsigned long m = strtoul(v, &end, 8);

		if (*v == '\0' || *end != '\0' || m > 0777)
			return bad_value(cfg, "local", "mode", err,
			    "an octal mode such as 0666");
		c->socket_mode = (mode_t)m;
	}
	if (c->local_enable && c->socket_path == NULL)
		return bad_value(
		    cfg, "local", "socket", err, "a socket path is needed");

	if ((v = config_get(cfg, "log", "target")) != NULL) {
		if (strcmp(v, "syslog") == 0)
			c->log_syslog = 1;
		else if (strcmp(v, "stderr") == 0)
			c->log_syslog = 0;
		else
			return bad_value(cfg, "log", "target", err,
			    "\"syslog\" or \"stderr\"");
	}
	if ((v = config_get(cfg, "log", "level")) != NULL) {
		if ((c->log_level = log_level_parse(v)) < 0)
			return bad_value(cfg, "log", "level", err,
			    "err, warn, info or debug");
	}
	if ((r = get_str(cfg, "log", "audit", &c->audit_path)) < 0)
		return r;

	if ((r = config_get_size(cfg, "limits", "message_size", c->message_max,
		 &c->message_max, err)) < 0 ||
	    (r = config_get_size(cfg, "limits", "output_size", c->output_max,
		 &c->output_max, err)) < 0)
		return r;
	if (c->message_max < 1024 || c->message_max > 256 * 1024 * 1024)
		return bad_value(
		    cfg, "limits", "message_size", err, "between 1k and 256M");
	if ((r = get_uint(cfg, "limits", "concurrent_actions", &c->actions_max,
		 1, 4096, err)) < 0 ||
	    (r = get_uint(
		 cfg, "limits", "queue", &c->queue_max, 0, 1000000, err)) < 0 ||
	    (r = get_ms(cfg, "limits", "action_timeout", &c->action_timeout_ms,
		 100, err)) < 0 ||
	    (r = get_ms(cfg, "limits", "shutdown_timeout",
		 &c->shutdown_timeout_ms, 0, err)) < 0)
		return r;

	if ((r = config_get_int(cfg, "daemon", "notification_fd",
		 c->notification_fd, &ll, err)) < 0)
		return r;
	if (ll < -1 || ll > 1024 || (ll >= 0 && ll <= 2))
		return bad_value(cfg, "daemon", "notification_fd", err,
		    "a descriptor number above 2");
	c->notification_fd = (int)ll;
	return 0;
}

int
conf_load(struct conf *c, const char *path, struct error *err)
{
	struct config *cfg;
	int r;

	error_init(err, path);
	free(c->path);
	if ((c->path = xstrdup_or_null(path)) == NULL)
		return -ENOMEM;
	if ((cfg = config_new()) == NULL)
		return -ENOMEM;
	r = config_load_file(cfg, path, err);
	if (r == 0)
		r = conf_fill(c, cfg, err);
	if (r == -ENOMEM)
		error_set(err, 0, 0, "out of memory");
	config_free(cfg);
	return r;
}
