/*
 * spawn.h: the one way metactld runs a program: actions, the facts
 * command and anything else.
 *
 * A program runs from an argv (never a shell), with an environment (by
 * default PATH only), a working directory (by default /), optional bytes
 * on stdin, stdout and stderr captured up to a cap each, in a new session
 * and so its own process group, which the timeout kills as a whole. The
 * outcome (struct spawn_result of plugins/plugin.h) is handed to a
 * callback that runs from the event loop, never before spawn_start()
 * returns.
 *
 * Where and as whom the child runs is described by struct spawn_params
 * too, so that it can grow without touching the callers: see "Room" there.
 */
#ifndef METACTLD_SPAWN_H
#define METACTLD_SPAWN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "plugins/plugin.h"

/* The environment of a program started without one. */
#define SPAWN_DEFAULT_PATH \
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* At most this many arguments, argv[0] included. */
#define SPAWN_ARGV_MAX 256

struct spawn_params {
	const char *const *argv; /* argv[0] is the program's path */
	const char *const *env; /* NULL: SPAWN_DEFAULT_PATH only */
	const char *cwd; /* NULL: / */
	const char *input; /* copied; written to stdin, which is then closed;
			      NULL or empty: stdin is /dev/null */
	size_t input_len;
	size_t out_max; /* bytes of stdout kept; beyond: out_truncated */
	size_t err_max; /* bytes of stderr kept; beyond: err_truncated */
	uint64_t timeout_ms; /* then SIGKILL to the process group; 0: none */
	/* Not started: the callback gets exit status 0 and no output. */
	int dry_run;
	/* Names the run in log lines, e.g. "request 0123..." or "facts". */
	const char *what;
	/*
	 * Room: who and where the child runs. Today it runs as the agent's
	 * user (set_ids: as uid and gid, supplementary groups dropped, which
	 * needs root) in the host's namespaces. A network namespace goes
	 * here the platform's way, as an argv prefix (ip netns exec NAME,
	 * or unshare -n) added by spawn_start(): libuv offers no hook
	 * between fork and exec, and none is needed.
	 */
	int set_ids;
	uid_t uid;
	gid_t gid;
};

typedef void (*spawn_cb)(const struct spawn_result *r, void *arg);

struct spawn;

/*
 * Starts p->argv on loop. 0 and *ret, a handle valid until cb has run or
 * spawn_cancel() is called, or a negative code (-EINVAL, -E2BIG, -ENOMEM,
 * or libuv's for a program that cannot be started) and cb is never
 * called. Everything in p is copied or used before the return.
 */
int spawn_start(uv_loop_t *loop, const struct spawn_params *p, spawn_cb cb,
    void *arg, struct spawn **ret);
/* Kills the process group and forgets cb, which is never called; the
 * handle frees itself once libuv has closed its handles. */
void spawn_cancel(struct spawn *s);
/* Kills the process group at once; cb still runs with the outcome. */
void spawn_kill(struct spawn *s);
/* The child's process id (0 under dry-run). */
pid_t spawn_pid(const struct spawn *s);

#endif
