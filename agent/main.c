/*
 * main.c: metactld, the node agent. Start-up, signals, reload, shutdown.
 * Exit codes follow sysexits(3) and are listed in metactld(8).
 */
#include "buildconf.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "filter.h"
#include "message.h"
#include "policy/policy.h"
#include "plugins/registry.h"
#include "agentd.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: metactld [-dfn] [-c file]\n"
	    "  -c file    configuration (default " CONF_DEFAULT_PATH ")\n"
	    "  -n         check the configuration and exit\n"
	    "  -f         stay in the foreground, log to stderr\n"
	    "  -d         debug logging (implies -f)\n"
	    "  --help     this text\n"
	    "  --version  the version\n");
}

/* Prints an error from start-up and returns the exit code for it. */
static int
startup_error(int code, const struct error *err, const char *what)
{
	char buf[600];

	if (err != NULL && err->text[0] != '\0')
		fprintf(stderr, "metactld: %s\n",
		    error_format(err, buf, sizeof(buf)));
	else
		fprintf(stderr, "metactld: %s: %s\n", what, error_str(code));
	switch (code) {
	case -ENOENT:
		return EX_NOINPUT;
	case -EACCES:
	case -EPERM:
	case MCE_KEYPERM:
		return EX_NOPERM;
	case -ENOMEM:
		return EX_OSERR;
	default:
		return EX_CONFIG;
	}
}

/*
 * The node's own certificate must be one the fleet accepts on its replies:
 * signed by the CA, valid now, role node, named after the identity, and for
 * the key the agent signs with.
 */
static int
check_own_cert(const struct agentd *d, struct error *err)
{
	const struct conf *c = &d->conf;
	unsigned char pk[SIGN_PUBLICKEYBYTES];
	struct cert *cert = NULL;
	int r;

	error_init(err, c->cert_path);
	if (d->have_ca)
		r = cert_verify(
		    d->cert_doc, d->ca_pk, message_now_ms() / 1000, &cert, err);
	else
		r = cert_parse(d->cert_doc, &cert, err);
	/* The checks above name their own source; the file is more useful. */
	snprintf(err->source, sizeof(err->source), "%s", c->cert_path);
	if (r < 0) {
		if (err->text[0] == '\0')
			error_set(err, 0, 0, "%s", error_str(r));
		return r;
	}
	sign_key_public(d->key, pk);
	r = MCE_CONFIG;
	if (cert->role != CERT_ROLE_NODE)
		error_set(err, 0, 0, "certificate has role %s, not node",
		    cert_role_str(cert->role));
	else if (strcmp(cert->name, c->identity) != 0)
		error_set(err, 0, 0,
		    "certificate is for \"%s\", the identity is \"%s\"",
		    cert->name, c->identity);
	else if (memcmp(pk, cert->pubkey, sizeof(pk)) != 0)
		error_set(err, 0, 0, "certificate is not for the key %s",
		    c->key_path);
	else
		r = 0;
	cert_free(cert);
	return r;
}

/* Trust material: the node key and certificate, the CA public key. */
static int
load_trust(struct agentd *d, struct error *err)
{
	const struct conf *c = &d->conf;
	int r;

	if (c->key_path != NULL) {
		error_init(err, c->key_path);
		if ((r = sign_key_load(c->key_path, &d->key)) < 0) {
			error_set(err, 0, 0, "%s", error_str(r));
			return r;
		}
	}
	if (c->cert_path != NULL) {
		error_init(err, c->cert_path);
		if ((r = cert_load(c->cert_path, &d->cert_doc, err)) < 0) {
			if (err->text[0] == '\0')
				error_set(err, 0, 0, "%s", error_str(r));
			return r;
		}
	}
	if (c->ca_path != NULL) {
		error_init(err, c->ca_path);
		if ((r = sign_pubkey_load(c->ca_path, d->ca_pk)) < 0) {
			error_set(err, 0, 0, "%s", error_str(r));
			return r;
		}
		d->have_ca = 1;
	}
	if ((d->key == NULL) != (d->cert_doc == NULL)) {
		error_init(err, c->path);
		error_set(
		    err, 0, 0, "[security] key and certificate go together");
		return MCE_CONFIG;
	}
	return d->cert_doc != NULL ? check_own_cert(d, err) : 0;
}

static int
load_node(const struct conf *c, struct node **ret, struct error *err)
{
	struct node_sources s = {
	    .facts_file = c->facts_file,
	    .facts_command = c->facts_command,
	    .classes_file = c->classes_file,
	    .command_timeout_ms = 10000,
	};

	return node_load(&s, ret, err);
}

static int
load_policy(const struct conf *c, struct policy_set **ret, struct error *err)
{
	struct policy_options o = {
	    .dir = c->policy_dir,
	    .default_name = c->policy_default,
	    .enable_default = c->policy_enable_default,
	    .allow_unconfigured = c->policy_allow_unconfigured,
	};

	error_init(err, c->policy_dir);
	return policy_set_load(&o, ret, err);
}

static int
load_registry(const struct conf *c, struct registry **ret, struct error *err)
{
	const char *ext = c->external_dir;
	struct stat st;

	/* External agents are optional: a node without the directory simply
	 * hosts none (the default path does not exist on a fresh install). */
	if (ext != NULL && stat(ext, &st) == -1 && errno == ENOENT) {
		log_debug("no external agents: %s does not exist", ext);
		ext = NULL;
	}
	error_init(err, c->ddl_dir);
	return registry_load(c->ddl_dir, ext, ret, err);
}

/*
 * Makes r the registry and d->agents its names. Returns 1 when the names
 * changed; the previous registry, if any, must still be alive for that.
 */
static int
set_registry(struct agentd *d, struct registry *r)
{
	size_t n = registry_count(r);
	const char **a = calloc(n + 1, sizeof(char *));
	int changed = n != d->nagents;

	if (a == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		a[i] = registry_agent(r, i);
		if (!changed && strcmp(a[i], d->agents[i]) != 0)
			changed = 1;
	}
	free(d->agents);
	d->agents = a;
	d->nagents = n;
	d->registry = r;
	return changed;
}

/* Swaps in a new registry; only while no action runs. */
static void
reload_registry(struct agentd *d)
{
	struct registry *nr = NULL, *old;
	struct error err;
	char buf[600];
	int r;

	d->registry_stale = 0;
	if ((r = load_registry(&d->conf, &nr, &err)) < 0) {
		log_warnx("reload: %s; keeping the previous agents",
		    error_format(&err, buf, sizeof(buf)));
		return;
	}
	registry_fini(d->registry);
	if ((r = registry_init(nr)) < 0) {
		log_warnx("reload: agents failed to start: %s; keeping the "
			  "previous agents",
		    error_str(r));
		registry_free(nr);
		registry_init(d->registry);
		return;
	}
	old = d->registry;
	r = set_registry(d, nr);
	if (r < 0) {
		log_warnx("reload: out of memory; keeping the previous agents");
		registry_fini(nr);
		registry_free(nr);
		registry_init(old);
		return;
	}
	registry_free(old);
	if (r > 0)
		broker_rebind(d->broker);
}

static void finish(struct agentd *d);

static void
on_idle(struct agentd *d)
{
	if (d->stopping) {
		log_info("stopping: every action finished");
		finish(d);
	} else if (d->registry_stale) {
		reload_registry(d);
	}
}

/* Keeps what a reload cannot change without a restart. */
static void
keep_fixed(struct conf *nc, struct conf *oc)
{
#define KEEP(field) \
	do { \
		void *t = (void *)nc->field; \
		nc->field = oc->field; \
		oc->field = t; \
	} while (0)
	if (strcmp(nc->identity, oc->identity) != 0 ||
	    nc->nbrokers != oc->nbrokers ||
	    (nc->socket_path && oc->socket_path &&
		strcmp(nc->socket_path, oc->socket_path) != 0))
		log_warnx("reload: identity, brokers and socket change only "
			  "on restart");
	KEEP(identity);
	KEEP(brokers);
	KEEP(socket_path);
	KEEP(key_path);
	KEEP(cert_path);
	KEEP(ca_path);
	KEEP(broker_user);
	KEEP(broker_password);
	KEEP(broker_cafile);
#undef KEEP
	{
		size_t t = nc->nbrokers;
		nc->nbrokers = oc->nbrokers;
		oc->nbrokers = t;
	}
	nc->local_enable = oc->local_enable;
	nc->socket_mode = oc->socket_mode;
	nc->heartbeat = oc->heartbeat;
	nc->notification_fd = oc->notification_fd;
	nc->log_syslog = oc->log_syslog;
}

void
agentd_reload(struct agentd *d)
{
	struct conf nc;
	struct node *nn = NULL;
	struct policy_set *np = NULL;
	struct error err;
	char buf[600];
	int r;

	notify_reloading();
	log_info("reload: re-reading %s", d->conf.path);
	conf_defaults(&nc);
	if ((r = conf_load(&nc, d->conf.path, &err)) < 0) {
		log_warnx("reload: %s; keeping the previous configuration",
		    error_format(&err, buf, sizeof(buf)));
		conf_clear(&nc);
	} else {
		keep_fixed(&nc, &d->conf);
		if (d->foreground && log_getlevel() == LOG_LEVEL_DEBUG)
			nc.log_level = LOG_LEVEL_DEBUG;
		log_setlevel((enum log_level)nc.log_level);
		if ((nc.audit_path == NULL) != (d->conf.audit_path == NULL) ||
		    (nc.audit_path != NULL &&
			strcmp(nc.audit_path, d->conf.audit_path) != 0)) {
			struct audit *na = NULL;

			if (nc.audit_path != NULL &&
			    (r = audit_open(nc.audit_path, &na)) < 0) {
				log_warnx("reload: audit %s: %s; keeping the "
					  "previous one",
				    nc.audit_path, error_str(r));
				free(nc.audit_path);
				nc.audit_path = d->conf.audit_path;
				d->conf.audit_path = NULL;
			} else {
				audit_close(d->audit);
				d->audit = na;
			}
		}
		conf_clear(&d->conf);
		d->conf = nc;
	}

	if ((r = load_node(&d->conf, &nn, &err)) < 0)
		log_warnx("reload: facts: %s; keeping the previous facts",
		    error_format(&err, buf, sizeof(buf)));
	else {
		node_free(d->node);
		d->node = nn;
	}

	if ((r = load_policy(&d->conf, &np, &err)) < 0)
		log_warnx("reload: policy refused: %s; keeping the previous "
			  "policies",
		    error_format(&err, buf, sizeof(buf)));
	else {
		policy_set_free(d->policy);
		d->policy = np;
	}

	if (action_running() == 0)
		reload_registry(d);
	else
		d->registry_stale = 1;
	broker_rebind(d->broker); /* the collectives may have changed */
	log_info("reload: done");
	notify_reloaded();
}

static void
close_signal(uv_signal_t *s)
{
	if (!uv_is_closing((uv_handle_t *)s))
		uv_close((uv_handle_t *)s, NULL);
}

static void
finish(struct agentd *d)
{
	close_signal(&d->sig_hup);
	close_signal(&d->sig_term);
	close_signal(&d->sig_int);
	if (!uv_is_closing((uv_handle_t *)&d->stop_timer))
		uv_close((uv_handle_t *)&d->stop_timer, NULL);
	broker_stop(d->broker);
	local_stop(d->local);
	d->local = NULL;
	uv_stop(d->loop);
}

static void
on_deadline(uv_timer_t *t)
{
	struct agentd *d = t->data;

	log_warnx("stopping: deadline reached with %u actions running; "
		  "killing them",
	    action_running());
	action_kill_all();
	finish(d);
}

static void
on_signal(uv_signal_t *s, int signum)
{
	struct agentd *d = s->data;

	if (signum == SIGHUP) {
		if (!d->stopping)
			agentd_reload(d);
		return;
	}
	if (d->stopping) {
		log_warnx("stopping now: second signal");
		action_kill_all();
		finish(d);
		return;
	}
	d->stopping = 1;
	notify_stopping();
	log_info("stopping on signal %d: %u actions running, %u queued", signum,
	    action_running(), action_queued());
	action_drain_queue(d);
	if (action_running() == 0) {
		finish(d);
		return;
	}
	uv_timer_start(&d->stop_timer, on_deadline,
	    (uint64_t)d->conf.shutdown_timeout_ms, 0);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	static struct agentd agentd;
	struct agentd *d = &agentd;
	const char *path = CONF_DEFAULT_PATH;
	struct error err;
	int ch, check = 0, debug = 0, r;

	while (
	    (ch = getopt_long(argc, argv, "c:dfnhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			debug = 1;
			d->foreground = 1;
			break;
		case 'f':
			d->foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		case 'V':
			printf("metactld %s\n", PACKAGE_VERSION);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	log_init("metactld", 0, debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);

	conf_defaults(&d->conf);
	if ((r = conf_load(&d->conf, path, &err)) < 0)
		return startup_error(r, &err, path);
	if (d->conf.nbrokers == 0 && !d->conf.local_enable) {
		fprintf(stderr,
		    "metactld: %s: neither a broker nor the local "
		    "socket is enabled\n",
		    path);
		return EX_CONFIG;
	}
	if (sign_init() < 0) {
		fprintf(stderr, "metactld: cannot initialise libsodium\n");
		return EX_SOFTWARE;
	}
	if ((r = load_trust(d, &err)) < 0)
		return startup_error(r, &err, "keys");
	if ((r = load_node(&d->conf, &d->node, &err)) < 0)
		return startup_error(r, &err, "facts");
	if ((r = load_registry(&d->conf, &d->registry, &err)) < 0)
		return startup_error(r, &err, "agents");
	if ((r = load_policy(&d->conf, &d->policy, &err)) < 0)
		return startup_error(r, &err, "policy");
	if (check) {
		printf("configuration OK\n");
		return EX_OK;
	}

	log_init("metactld", d->foreground ? 0 : d->conf.log_syslog,
	    debug ? LOG_LEVEL_DEBUG : (enum log_level)d->conf.log_level);
	if ((r = registry_init(d->registry)) < 0) {
		log_warnx("agents failed to start: %s", error_str(r));
		return EX_SOFTWARE;
	}
	if (set_registry(d, d->registry) < 0) {
		log_warnx("out of memory");
		return EX_OSERR;
	}
	{
		struct replay_config rc;

		replay_config_default(&rc);
		rc.max_skew_ms = d->conf.max_skew_ms;
		rc.max_ttl = d->conf.max_ttl_s;
		rc.max_entries = d->conf.replay_entries;
		if ((d->replay = replay_new(&rc)) == NULL ||
		    (d->replay_local = replay_new(&rc)) == NULL) {
			log_warnx("out of memory");
			return EX_OSERR;
		}
	}
	if (d->conf.audit_path != NULL &&
	    (r = audit_open(d->conf.audit_path, &d->audit)) < 0) {
		log_warnx("audit %s: %s", d->conf.audit_path, error_str(r));
		return EX_CANTCREAT;
	}

	d->loop = uv_default_loop();
	d->start_ms = message_now_ms();
	action_idle_cb = on_idle;
	uv_timer_init(d->loop, &d->stop_timer);
	d->stop_timer.data = d;
	uv_signal_init(d->loop, &d->sig_hup);
	uv_signal_init(d->loop, &d->sig_term);
	uv_signal_init(d->loop, &d->sig_int);
	d->sig_hup.data = d->sig_term.data = d->sig_int.data = d;
	uv_signal_start(&d->sig_hup, on_signal, SIGHUP);
	uv_signal_start(&d->sig_term, on_signal, SIGTERM);
	uv_signal_start(&d->sig_int, on_signal, SIGINT);

	if (d->conf.local_enable && (r = local_start(d, &d->local)) < 0) {
		log_warnx(
		    "local socket %s: %s", d->conf.socket_path, error_str(r));
		return EX_UNAVAILABLE;
	}
	if (d->conf.nbrokers > 0 && (r = broker_start(d, &d->broker)) < 0) {
		log_warnx("broker: %s", error_str(r));
		return EX_OSERR;
	}
	log_info("metactld %s started as %s: %zu agents, %s%s", PACKAGE_VERSION,
	    d->conf.identity, d->nagents,
	    d->conf.nbrokers > 0 ? "broker" : "local only",
	    d->conf.nbrokers > 0 && d->local != NULL ? " and local socket"
						     : "");
	notify_ready(d);
	uv_run(d->loop, UV_RUN_DEFAULT);

	/* Let close callbacks run, then release what is left. */
	uv_run(d->loop, UV_RUN_NOWAIT);
	registry_fini(d->registry);
	registry_free(d->registry);
	policy_set_free(d->policy);
	replay_free(d->replay);
	replay_free(d->replay_local);
	audit_close(d->audit);
	node_free(d->node);
	free(d->agents);
	sign_key_free(d->key);
	json_decref(d->cert_doc);
	log_info("stopped");
	conf_clear(&d->conf);
	return EX_OK;
}
