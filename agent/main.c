/*
 * main.c: metactld, the node agent. Start-up, signals, reload, shutdown.
 * Exit codes follow sysexits(3) and are listed in metactld(8).
 */
#include "buildconf.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
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
#include "plugins/service/backend.h"
#include "agentd.h"
#include "metrics.h"

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
	case MCE_FILEPERM:
		return EX_NOPERM;
	case -ENOMEM:
		return EX_OSERR;
	default:
		return EX_CONFIG;
	}
}

/*
 * Trust material: the node key and certificate, the CA public key. The
 * node's own certificate must be one the fleet accepts on its replies:
 * signed by the CA, valid now, role node, named after the identity, and
 * for the key the agent signs with.
 */
static int
load_trust(struct agentd *d, struct error *err)
{
	const struct conf *c = &d->conf;
	struct trust_paths p = {
	    .key = c->key_path, .certificate = c->cert_path, .ca = c->ca_path};
	int r;

	error_init(err, "keys");
	if ((d->trust = trust_new()) == NULL)
		return -ENOMEM;
	if ((r = trust_load(d->trust, &p, err)) < 0)
		return r;
	if (!trust_can_sign(d->trust))
		return 0;
	return trust_check_own(d->trust, CERT_ROLE_NODE, c->identity,
	    message_now_ms() / 1000, err);
}

static void
node_sources(const struct conf *c, struct node_sources *s)
{
	s->facts_file = c->facts_file;
	s->facts_command = c->facts_command;
	s->classes_file = c->classes_file;
	s->command_timeout_ms = c->facts_timeout_ms;
}

/*
 * [apps] service_manager, once at start: the one configured, or the one
 * running this machine. Without one the agent still serves everything
 * else; the service agent says why it refuses.
 */
static void
resolve_manager(struct agentd *d)
{
	const struct conf *c = &d->conf;

	if (c->apps_manager > 0) {
		d->apps_manager = conf_managers[c->apps_manager];
		log_info(
		    "apps: service manager %s (configured)", d->apps_manager);
		return;
	}
	d->apps_manager = svc_backend_detect(NULL, c->apps_service_dir);
	if (d->apps_manager != NULL)
		log_info("apps: service manager %s (found running)",
		    d->apps_manager);
	else
		log_info("apps: no service manager found; the service agent "
			 "answers only config");
}

/* The facts of a reload are in: swap them, or keep the previous ones. */
static void
facts_loaded(int r, struct node *n, const struct error *err, void *arg)
{
	struct agentd *d = arg;
	char buf[600];

	d->facts_load = NULL;
	if (r < 0) {
		log_warnx("reload: facts: %s; keeping the previous facts",
		    error_format(err, buf, sizeof(buf)));
		d->reload_ok = 0;
		return;
	}
	node_free(d->node);
	d->node = n;
	log_info("facts: updated: %zu facts, %zu classes",
	    json_object_size(n->facts), n->nclasses);
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
		d->reload_ok = 0;
		return;
	}
	registry_fini(d->registry);
	if ((r = registry_init(nr)) < 0) {
		log_warnx("reload: agents failed to start: %s; keeping the "
			  "previous agents",
		    error_str(r));
		registry_free(nr);
		registry_init(d->registry);
		d->reload_ok = 0;
		return;
	}
	old = d->registry;
	r = set_registry(d, nr);
	if (r < 0) {
		log_warnx("reload: out of memory; keeping the previous agents");
		registry_fini(nr);
		registry_free(nr);
		registry_init(old);
		d->reload_ok = 0;
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

void
agentd_reload(struct agentd *d)
{
	struct conf nc;
	struct node_sources ns;
	struct policy_set *np = NULL;
	struct error err;
	char buf[600];
	int r;

	notify_reloading();
	d->reload_ms = message_now_ms();
	d->reload_ok = 1;
	log_info("reload: re-reading %s", d->conf.path);
	conf_defaults(&nc);
	if ((r = conf_load(&nc, d->conf.path, &err)) < 0) {
		log_warnx("reload: %s; keeping the previous configuration",
		    error_format(&err, buf, sizeof(buf)));
		d->reload_ok = 0;
		conf_clear(&nc);
	} else {
		conf_keep_running(&nc, &d->conf);
		if (d->foreground && log_getlevel() == LOG_LEVEL_DEBUG)
			nc.log_level = LOG_LEVEL_DEBUG;
		log_setlevel((enum log_level)nc.log_level);
		/* Opened again even at the same path: after a rotation. */
		{
			struct audit *na = NULL;

			if (nc.audit_path != NULL &&
			    (r = audit_open(nc.audit_path, &na)) < 0) {
				log_warnx("reload: audit %s: %s; keeping the "
					  "previous one",
				    nc.audit_path, error_str(r));
				d->reload_ok = 0;
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

	/* A command still running from the last reload is superseded. */
	node_load_cancel(d->facts_load);
	node_sources(&d->conf, &ns);
	node_load_start(d->loop, &ns, facts_loaded, d, &d->facts_load);

	if ((r = load_policy(&d->conf, &np, &err)) < 0) {
		log_warnx("reload: policy refused: %s; keeping the previous "
			  "policies",
		    error_format(&err, buf, sizeof(buf)));
		d->reload_ok = 0;
	} else {
		policy_set_free(d->policy);
		d->policy = np;
	}

	if (d->actions.nrunning == 0)
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
	node_load_cancel(d->facts_load);
	d->facts_load = NULL;
	broker_stop(d->broker);
	local_stop(d->local);
	d->local = NULL;
	metrics_http_stop(d->metrics_http);
	d->metrics_http = NULL;
	uv_stop(d->loop);
}

static void
on_deadline(uv_timer_t *t)
{
	struct agentd *d = t->data;

	log_warnx("stopping: deadline reached with %u actions running; "
		  "killing them",
	    d->actions.nrunning);
	queue_kill_all(&d->actions);
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
		queue_kill_all(&d->actions);
		finish(d);
		return;
	}
	d->stopping = 1;
	notify_stopping();
	log_info("stopping on signal %d: %u actions running, %u queued", signum,
	    d->actions.nrunning, d->actions.nwaiting);
	queue_drain(d);
	if (d->actions.nrunning == 0) {
		finish(d);
		return;
	}
	uv_timer_start(&d->stop_timer, on_deadline,
	    (uint64_t)d->conf.shutdown_timeout_ms, 0);
}

/*
 * One malloc arena for both threads (the loop and the broker link):
 * glibc gives the link's thread an arena of its own, about 70 kB of
 * private memory more per idle agent (bench/README.md), for a thread
 * that allocates a few buffers per message.
 */
static void
one_arena(void)
{
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
	mallopt(M_ARENA_MAX, 1);
#endif
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
	struct node_sources ns;
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
	one_arena();
	log_init("metactld", 0, debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);

	conf_defaults(&d->conf);
	if ((r = conf_load(&d->conf, path, &err)) < 0)
		return startup_error(r, &err, path);
	if (check && debug) /* every setting as the agent will use it */
		conftab_print(conf_keys, &d->conf, stdout);
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
	/*
	 * Nothing is served before the facts are complete, so that no filter
	 * is matched against half a node: the facts command runs on the loop
	 * before the socket and the broker are opened, for at most
	 * [node] facts_timeout.
	 */
	d->loop = uv_default_loop();
	/* Nothing to reload yet: a SIGHUP meanwhile must not kill us. */
	signal(SIGHUP, SIG_IGN);
	node_sources(&d->conf, &ns);
	if ((r = node_load(d->loop, &ns, &d->node, &err)) < 0)
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
	resolve_manager(d);
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
		rc.max_callers = d->conf.replay_callers;
		rc.caller_entries = d->conf.replay_caller_entries;
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

	d->start_ms = message_now_ms();
	queue_init(&d->actions);
	d->actions.idle_cb = on_idle;
	uv_timer_init(d->loop, &d->stop_timer);
	d->stop_timer.data = d;
	uv_signal_init(d->loop, &d->sig_hup);
	uv_signal_init(d->loop, &d->sig_term);
	uv_signal_init(d->loop, &d->sig_int);
	d->sig_hup.data = d->sig_term.data = d->sig_int.data = d;
	uv_signal_start(&d->sig_hup, on_signal, SIGHUP);
	uv_signal_start(&d->sig_term, on_signal, SIGTERM);
	uv_signal_start(&d->sig_int, on_signal, SIGINT);

	/* Before any request: they wait on the locks recovery holds. */
	action_recover_all(d);
	if (d->conf.local_enable && (r = local_start(d, &d->local)) < 0) {
		log_warnx(
		    "local socket %s: %s", d->conf.socket_path, error_str(r));
		return EX_UNAVAILABLE;
	}
	if (d->conf.metrics_listen != NULL &&
	    ((d->metrics = metrics_new()) == NULL ||
		(r = metrics_http_start(d, &d->metrics_http)) < 0)) {
		log_warnx("metrics %s: %s", d->conf.metrics_listen,
		    d->metrics == NULL ? "out of memory" : error_str(r));
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
	/* With a broker, ready is said once the node queue is bound
	 * (broker.c). */
	if (d->conf.nbrokers == 0)
		notify_ready(d);
	uv_run(d->loop, UV_RUN_DEFAULT);

	/* Let close callbacks run, then release what is left. */
	uv_run(d->loop, UV_RUN_NOWAIT);
	registry_fini(d->registry);
	registry_free(d->registry);
	policy_set_free(d->policy);
	replay_free(d->replay);
	replay_free(d->replay_local);
	metrics_free(d->metrics);
	audit_close(d->audit);
	node_free(d->node);
	json_decref(d->last_runs);
	free(d->agents);
	trust_free(d->trust);
	log_info("stopped");
	conf_clear(&d->conf);
	return EX_OK;
}
