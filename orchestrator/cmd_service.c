/*
 * cmd_service.c: the operator's words for the service agent.
 *
 * `metactl service ACTION APP [DAEMON]` is `metactl rpc service ACTION
 * app=APP [daemon=DAEMON]` with the same options, filters and output.
 * `metactl logs APP [DAEMON]` (also `metactl APP logs [DAEMON]`) asks the
 * local agent, always over its socket, which command shows the app's logs
 * (service logs), says on stderr what it runs, and runs it: one daemon's
 * command replaces metactl (exec); with several, each runs in turn, in the
 * agent's order, until one fails.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ddl.h"
#include "orchestrator/cli.h"
#include "orchestrator/fleet.h"
#include "orchestrator/output.h"
#include "orchestrator/usage.h"
#include "strv.h"

/* The actions `metactl service` takes; logs has a command of its own. */
static const char *const service_actions[] = {
    "start", "stop", "restart", "reload", "status", "config", NULL};

int
service_is_action(const char *word)
{
	size_t i;

	for (i = 0; service_actions[i] != NULL; i++)
		if (strcmp(service_actions[i], word) == 0)
			return 1;
	return 0;
}

/*
 * The app and daemon arguments (args[0], args[1] when nargs is 2) as the
 * key=value inputs of the service agent: kv[0..*ret_n), freed by the
 * caller. 0, or MC_EXIT_USAGE after reporting.
 */
static int
app_inputs(char **args, int nargs, char *kv[2], int *ret_n)
{
	int i;

	*ret_n = 0;
	for (i = 0; i < nargs; i++) {
		if (asprintf(&kv[i], "%s=%s", i == 0 ? "app" : "daemon",
			args[i]) < 0) {
			kv[i] = NULL;
			cli_errx("out of memory");
			return MC_EXIT_USAGE;
		}
		*ret_n = i + 1;
	}
	return 0;
}

int
cmd_service(int argc, char *argv[])
{
	struct fleet f;
	char *kv[2] = {NULL, NULL};
	int r, nkv = 0;

	if ((r = fleet_init(&f, argc, argv, OPT_ALL)) >= 0)
		goto out;
	r = MC_EXIT_USAGE;
	if (f.o.nargs < 2) {
		usage_errx(f.o.nargs == 0 ? "ACTION and APP are needed"
					  : "which APP?");
		goto out;
	}
	if (strcmp(f.o.args[0], "logs") == 0) {
		usage_errx("an app's logs are read on its machine: metactl "
			   "logs APP [DAEMON]");
		goto out;
	}
	if (!service_is_action(f.o.args[0])) {
		usage_errx("'%s' is not an action: start, stop, restart, "
			   "reload, status or config",
		    f.o.args[0]);
		goto out;
	}
	if (f.o.nargs > 3 ||
	    (f.o.nargs == 3 && strcmp(f.o.args[0], "config") == 0)) {
		usage_errx("'%s': %s", f.o.args[f.o.nargs - 1],
		    strcmp(f.o.args[0], "config") == 0
			? "config takes an APP only"
			: "one APP and at most one DAEMON");
		goto out;
	}
	if (app_inputs(f.o.args + 1, f.o.nargs - 1, kv, &nkv) == 0)
		r = orch_rpc_run(&f, "service", f.o.args[0], kv, nkv);
out:
	free(kv[0]);
	free(kv[1]);
	fleet_clear(&f);
	return r;
}

/* Prints "metactl: reading logs with: ARGV" on stderr, each word quoted
 * when the shell would need it. */
static void
say_command(char *const *argv)
{
	size_t i;

	fprintf(stderr, "metactl: reading logs with:");
	for (i = 0; argv[i] != NULL; i++) {
		fputc(' ', stderr);
		output_shell_word(stderr, argv[i]);
	}
	fputc('\n', stderr);
	fflush(stderr);
}

/* The argv of one entry of the logs output ({daemon, argv}) into v. 0, or
 * -1 when the entry is not one. */
static int
entry_argv(const json_t *entry, struct strv *v)
{
	const json_t *a = json_object_get(entry, "argv"), *w;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return -1;
	json_array_foreach(a, i, w)
	{
		if (!json_is_string(w) ||
		    strv_push(v, json_string_value(w)) < 0)
			return -1;
	}
	return 0;
}

/* Runs argv and waits for it; its exit status (128 + signal when killed,
 * 127 when it could not run). */
static int
run_and_wait(char *const *argv)
{
	pid_t pid;
	int st;

	say_command(argv);
	fflush(stdout);
	if ((pid = fork()) < 0) {
		cli_errx("fork: %s", strerror(errno));
		return MC_EXIT_FAILED;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "metactl: logs: %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			cli_errx("waitpid: %s", strerror(errno));
			return MC_EXIT_FAILED;
		}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/*
 * Runs the commands of the logs output (an array of {daemon, argv}): each
 * but the last in turn, stopping at the first that fails, then the last
 * in metactl's place. Returns only when something failed.
 */
static int
run_logs(const json_t *logs)
{
	struct strv v = STRV_INIT;
	size_t i, n = json_array_size(logs);
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		strv_clear(&v);
		if (entry_argv(json_array_get(logs, i), &v) < 0) {
			cli_errx("the local agent's answer is not a command");
			r = MC_EXIT_FAILED;
			break;
		}
		if (i + 1 < n) {
			r = run_and_wait(v.v);
			continue;
		}
		say_command(v.v);
		fflush(stdout);
		execvp(v.v[0], v.v);
		cli_errx("%s: %s", v.v[0], strerror(errno));
		r = 127;
	}
	strv_clear(&v);
	return r;
}

/*
 * Asks the local agent for the logs commands of APP [DAEMON]; 0 with
 * *ret (new reference, the logs array), or an exit status after
 * reporting.
 */
static int
ask_logs(struct fleet *f, json_t **ret)
{
	const struct ddl_action *a;
	const struct result *res;
	struct request *req = NULL;
	struct ddl *ddl = NULL;
	char *kv[2] = {NULL, NULL};
	json_t *data = NULL;
	int r, nkv = 0;

	*ret = NULL;
	if ((r = app_inputs(f->o.args, f->o.nargs, kv, &nkv)) != 0 ||
	    (r = orch_load_ddl(f->conf.ddl_dir, "service", &ddl)) != 0)
		goto out;
	r = MC_EXIT_USAGE;
	if ((a = orch_find_action(ddl, "logs")) == NULL ||
	    (data = orch_build_data(ddl, a, kv, nkv)) == NULL ||
	    (req = fleet_request(f, "service", "logs", data)) == NULL)
		goto out;
	if ((r = fleet_connect(f)) != 0 ||
	    (r = fleet_call(f, req, NULL, 0, NULL)) != 0)
		goto out;
	r = MC_EXIT_FAILED;
	if (f->rs.n == 0 || (res = &f->rs.v[0])->kind == RES_MISSING) {
		cli_errx("the local agent did not answer");
		goto out;
	}
	if (res->kind != RES_OK) {
		cli_errx(
		    "%s", res->statusmsg != NULL ? res->statusmsg : "failed");
		goto out;
	}
	*ret = json_incref(json_object_get(res->data, "logs"));
	if (json_array_size(*ret) == 0) {
		cli_errx("app '%s' has no daemon whose logs can be read",
		    f->o.args[0]);
		json_decref(*ret);
		*ret = NULL;
		goto out;
	}
	r = 0;
out:
	free(kv[0]);
	free(kv[1]);
	request_free(req);
	ddl_free(ddl);
	return r;
}

int
cmd_logs(int argc, char *argv[])
{
	struct fleet f;
	json_t *logs = NULL;
	int r;

	/* The logs are this machine's: the local agent, whatever broker the
	 * configuration names. */
	if (setenv("METACTL_BROKER", "", 1) < 0) {
		cli_errx("setenv: %s", strerror(errno));
		return MC_EXIT_USAGE;
	}
	if ((r = fleet_init(&f, argc, argv, 0)) >= 0)
		goto out;
	r = MC_EXIT_USAGE;
	if (f.o.nargs < 1 || f.o.nargs > 2) {
		usage_errx(f.o.nargs == 0 ? "which APP?"
					  : "one APP and at most one DAEMON");
		goto out;
	}
	f.o.progress = 0;
	r = ask_logs(&f, &logs);
out:
	/* Nothing of metactl's (the socket) goes on into the commands. */
	fleet_clear(&f);
	if (r == 0)
		r = run_logs(logs);
	json_decref(logs);
	return r;
}
