/*
 * plan_exec.h: performing a plan (plan.h) inside an action, on the event
 * loop.
 *
 * Steps run in order. File steps are performed at once (plan_files.h);
 * RUN steps go through action_spawn(), so they never block the loop and,
 * under dry_run, are recorded rather than run (and file steps are skipped:
 * the plan itself is the answer). The first failing step ends the plan:
 * a file step with "PATH: why", a RUN step with its `what` and the
 * program's first line on stderr (or its exit status, signal or timeout).
 */
#ifndef METACTL_SERVICE_PLAN_EXEC_H
#define METACTL_SERVICE_PLAN_EXEC_H

#include "plugins/plugin.h"
#include "plugins/service/plan.h"

/*
 * The end of a plan: ok 1 when every step succeeded, else 0 with why
 * saying which step failed and how. out holds the stdout of the steps
 * flagged PLAN_OUTPUT, concatenated in order ("" when none). Both are
 * borrowed for the call.
 */
typedef void (*plan_exec_cb)(struct action_ctx *ctx, int ok, const char *why,
    const char *out, void *arg);

/*
 * Performs p (borrowed: it must live until cb runs). cb runs exactly once,
 * possibly before plan_exec() returns (a plan of file steps only). Returns
 * 0, or -ENOMEM (cb is then never called).
 */
int plan_exec(
    struct action_ctx *ctx, const struct plan *p, plan_exec_cb cb, void *arg);

#endif
