/* plan_exec.c: performing a plan on the event loop. See plan_exec.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "plugins/service/plan_exec.h"
#include "plugins/service/plan_files.h"

struct plan_run {
	const struct plan *plan;
	size_t next;
	plan_exec_cb cb;
	void *arg;
	char *out; /* PLAN_OUTPUT steps' stdout */
	size_t out_len;
	char why[512];
};

static void
finish(struct action_ctx *ctx, struct plan_run *run, int ok)
{
	plan_exec_cb cb = run->cb;
	void *arg = run->arg;
	char why[sizeof(run->why)];
	char *out = run->out;

	memcpy(why, run->why, sizeof(why));
	free(run);
	cb(ctx, ok, why, out != NULL ? out : "", arg);
	free(out);
}

static int
keep_output(struct plan_run *run, const char *s, size_t len)
{
	char *n;

	if ((n = realloc(run->out, run->out_len + len + 1)) == NULL)
		return -ENOMEM;
	memcpy(n + run->out_len, s, len);
	run->out_len += len;
	n[run->out_len] = '\0';
	run->out = n;
	return 0;
}

static void step(struct action_ctx *ctx, struct plan_run *run);

static void
ran(struct action_ctx *ctx, const struct spawn_result *r, void *arg)
{
	struct plan_run *run = arg;
	const struct plan_step *s = &run->plan->steps[run->next - 1];
	const char *what = s->what != NULL ? s->what : s->argv[0];
	char line[256];

	if ((s->flags & PLAN_OUTPUT) && keep_output(run, r->out, r->out_len)) {
		snprintf(run->why, sizeof(run->why), "out of memory");
		finish(ctx, run, 0);
		return;
	}
	if (r->term_signal == 0 && r->exit_status == 0 && !r->timed_out) {
		step(ctx, run);
		return;
	}
	if (s->flags & PLAN_MAY_FAIL && !r->timed_out) {
		step(ctx, run);
		return;
	}
	spawn_result_errline(r, line, sizeof(line));
	if (r->timed_out)
		snprintf(run->why, sizeof(run->why), "%s: timed out%s%s", what,
		    line[0] != '\0' ? ": " : "", line);
	else if (line[0] != '\0')
		snprintf(run->why, sizeof(run->why), "%s: %s", what, line);
	else if (r->term_signal != 0)
		snprintf(run->why, sizeof(run->why),
		    "%s: %s killed by signal %d", what, s->argv[0],
		    r->term_signal);
	else
		snprintf(run->why, sizeof(run->why), "%s: %s exited with %d",
		    what, s->argv[0], r->exit_status);
	finish(ctx, run, 0);
}

/* Performs steps until one is a program to wait for, or the end. */
static void
step(struct action_ctx *ctx, struct plan_run *run)
{
	const struct plan_step *s;
	char err[400];
	int r;

	while (run->next < run->plan->n) {
		s = &run->plan->steps[run->next++];
		if (s->kind == PLAN_RUN) {
			struct spawn_options o = {
			    .argv = (const char *const *)s->argv,
			    .timeout_ms = s->timeout_ms,
			};

			if ((r = action_spawn(ctx, &o, ran, run)) == 0)
				return;
			if (s->flags & PLAN_MAY_FAIL)
				continue;
			snprintf(run->why, sizeof(run->why), "%s: %s: %s",
			    s->what != NULL ? s->what : "run", s->argv[0],
			    error_str(r));
			finish(ctx, run, 0);
			return;
		}
		if (action_dry_run(ctx))
			continue;
		if ((r = plan_file_step(s, err, sizeof(err))) < 0) {
			snprintf(run->why, sizeof(run->why), "%s", err);
			finish(ctx, run, 0);
			return;
		}
	}
	finish(ctx, run, 1);
}

int
plan_exec(
    struct action_ctx *ctx, const struct plan *p, plan_exec_cb cb, void *arg)
{
	struct plan_run *run = calloc(1, sizeof(*run));

	if (run == NULL)
		return -ENOMEM;
	run->plan = p;
	run->cb = cb;
	run->arg = arg;
	step(ctx, run);
	return 0;
}
