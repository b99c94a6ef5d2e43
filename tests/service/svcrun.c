/*
 * svcrun: asks a service-manager backend for the plan of one operation on
 * one daemon and performs it here, synchronously, as the agent would:
 *
 *   svcrun BACKEND OP [--service-dir D] [--supervise-dir D] [--svwait P]
 *       [--app A] [--daemon N] [--user U] [--group G] [--cwd D]
 *       [--notify] [--reload SIG] [--restart always|on-failure|never]
 *       [--env K=V]... [--timeout MS]
 *       [--grace MS] [--dry-run] [-- ARGV...]
 *
 * OP: install uninstall start stop restart reload status logs. Stops at
 * the first step that fails, printing what it was for and its stderr,
 * and exits 1. status prints the parsed state as JSON; --dry-run the
 * plan (plan_to_json()).
 */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strv.h"
#include "plugins/service/backend.h"
#include "plugins/service/plan_files.h"

struct args {
	const struct svc_backend *b;
	const char *op;
	struct svc_node node;
	struct svc_unit unit;
	struct strv env;
	char unit_name[128];
	int dry_run;
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: svcrun runit|s6 "
	    "install|uninstall|start|stop|restart|reload|status|logs\n"
	    "  [--service-dir D] [--supervise-dir D] [--svwait PATH] "
	    "[--app A]\n"
	    "  [--daemon N] [--user U] [--group G] [--cwd D] [--notify]\n"
	    "  [--reload SIG] [--restart R] [--env K=V]... [--timeout MS]\n"
	    "  [--grace MS]\n"
	    "  [--dry-run] [-- ARGV...]\n");
	exit(2);
}

/* One option with a value at argv[*i]; 1 when it was one. */
static int
opt_value(struct args *a, char **argv, int argc, int *i)
{
	const char *o = argv[*i], *v;

	if (*i + 1 >= argc)
		return 0;
	v = argv[*i + 1];
	if (strcmp(o, "--service-dir") == 0)
		a->node.service_dir = v;
	else if (strcmp(o, "--supervise-dir") == 0)
		a->node.supervise_dir = v;
	else if (strcmp(o, "--svwait") == 0)
		a->node.svwait = v;
	else if (strcmp(o, "--app") == 0)
		a->unit.app = v;
	else if (strcmp(o, "--daemon") == 0)
		a->unit.daemon = v;
	else if (strcmp(o, "--user") == 0)
		a->unit.user = v;
	else if (strcmp(o, "--group") == 0)
		a->unit.group = v;
	else if (strcmp(o, "--cwd") == 0)
		a->unit.cwd = v;
	else if (strcmp(o, "--reload") == 0)
		a->unit.reload_signal = v;
	else if (strcmp(o, "--restart") == 0)
		a->unit.restart = v;
	else if (strcmp(o, "--timeout") == 0)
		a->node.start_timeout_ms = atoll(v);
	else if (strcmp(o, "--grace") == 0)
		a->node.start_grace_ms = atoll(v);
	else if (strcmp(o, "--env") == 0) {
		if (strv_push(&a->env, v) < 0)
			abort();
	} else
		return 0;
	(*i)++;
	return 1;
}

static void
parse(struct args *a, int argc, char **argv)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->node.service_dir = "/etc/service";
	a->node.supervise_dir = "/var/lib/metactl/services";
	a->node.svwait = "metactl-svwait";
	a->node.start_timeout_ms = 30000;
	a->node.start_grace_ms = 1000;
	a->unit.app = "demo";
	a->unit.daemon = "main";
	a->unit.user = "nobody";
	a->unit.cwd = "/";
	a->unit.restart = "always";
	if (argc < 3)
		usage();
	if (strcmp(argv[1], "runit") == 0)
		a->b = &svc_backend_runit;
	else if (strcmp(argv[1], "s6") == 0)
		a->b = &svc_backend_s6;
	else
		usage();
	a->op = argv[2];
	for (i = 3; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--notify") == 0)
			a->unit.notify = 1;
		else if (strcmp(argv[i], "--dry-run") == 0)
			a->dry_run = 1;
		else if (!opt_value(a, argv, argc, &i))
			usage();
	a->unit.argv = i < argc ? (const char *const *)argv + i + 1 : NULL;
	a->unit.env = (const char *const *)a->env.v;
	snprintf(a->unit_name, sizeof(a->unit_name), "metactl-%s-%s",
	    a->unit.app, a->unit.daemon);
	a->unit.unit = a->unit_name;
	a->node.manager = a->b->name;
}

static int
build(const struct args *a, struct plan *p)
{
	const struct svc_backend *b = a->b;
	const struct svc_node *n = &a->node;
	const struct svc_unit *u = &a->unit;

	if (strcmp(a->op, "install") == 0)
		return b->install(n, u, p);
	if (strcmp(a->op, "uninstall") == 0)
		return b->uninstall(n, u, p);
	if (strcmp(a->op, "start") == 0)
		return b->start(n, u, p);
	if (strcmp(a->op, "stop") == 0)
		return b->stop(n, u, p);
	if (strcmp(a->op, "restart") == 0)
		return b->restart(n, u, p);
	if (strcmp(a->op, "reload") == 0)
		return b->reload(n, u, p);
	if (strcmp(a->op, "status") == 0)
		return b->status(n, u, p);
	usage();
	return -EINVAL;
}

/* The whole of f (rewound) appended to out. */
static void
slurp(FILE *f, FILE *out)
{
	char buf[4096];
	size_t n;

	rewind(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, out);
}

/* Runs s; its stdout to out (PLAN_OUTPUT). 0 or 1 after saying why. */
static int
run_step(const struct plan_step *s, FILE *out)
{
	FILE *o = tmpfile(), *e = tmpfile();
	int status = 0;
	pid_t pid;

	if (o == NULL || e == NULL || (pid = fork()) < 0) {
		perror("svcrun");
		exit(1);
	}
	if (pid == 0) {
		dup2(fileno(o), 1);
		dup2(fileno(e), 2);
		execvp(s->argv[0], s->argv);
		fprintf(stderr, "%s: %s\n", s->argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (s->flags & PLAN_OUTPUT)
		slurp(o, out);
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) &&
	    !(s->flags & PLAN_MAY_FAIL)) {
		/* sv says why on stdout, the s6 tools on stderr. */
		fprintf(stderr, "svcrun: %s: failed:\n", s->what);
		if (!(s->flags & PLAN_OUTPUT))
			slurp(o, stderr);
		slurp(e, stderr);
		status = -1;
	}
	fclose(o);
	fclose(e);
	return status == -1 ? 1 : 0;
}

static int
perform(const struct plan *p, FILE *out)
{
	char err[512];
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct plan_step *s = &p->steps[i];

		if (s->kind == PLAN_RUN) {
			if (run_step(s, out) != 0)
				return 1;
		} else if (plan_file_step(s, err, sizeof(err)) < 0) {
			fprintf(stderr, "svcrun: %s\n", err);
			return 1;
		}
	}
	return 0;
}

static int
print_status(const struct args *a, const char *out)
{
	struct svc_state st;
	json_t *o;

	if (a->b->status_parse(&a->node, &a->unit, out, &st) < 0)
		return 1;
	o = json_pack("{s:s, s:I, s:I, s:i, s:i, s:i, s:s}", "state", st.state,
	    "pid", (json_int_t)st.pid, "since", (json_int_t)st.since_s, "ready",
	    st.ready, "last_exit", st.last_exit, "last_signal", st.last_signal,
	    "detail", st.detail);
	json_dumpf(o, stdout, JSON_SORT_KEYS);
	putchar('\n');
	json_decref(o);
	return 0;
}

static int
print_argv(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		printf("%s%s", i > 0 ? " " : "", v[i]);
	putchar('\n');
	strv_free(v);
	return 0;
}

int
main(int argc, char **argv)
{
	struct plan p = {0};
	struct args a;
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	parse(&a, argc, argv);
	if (strcmp(a.op, "logs") == 0)
		return print_argv(a.b->logs(&a.node, &a.unit));
	if ((r = build(&a, &p)) < 0) {
		fprintf(stderr, "svcrun: %s: %s\n", a.op, strerror(-r));
		return 1;
	}
	if (a.dry_run) {
		json_t *j = plan_to_json(&p);

		json_dumpf(j, stdout, JSON_INDENT(1));
		putchar('\n');
		json_decref(j);
		plan_clear(&p);
		return 0;
	}
	if ((f = open_memstream(&out, &len)) == NULL)
		return 1;
	r = perform(&p, f);
	fclose(f);
	if (r == 0 && strcmp(a.op, "status") == 0)
		r = print_status(&a, out);
	free(out);
	plan_clear(&p);
	strv_clear(&a.env);
	return r;
}
