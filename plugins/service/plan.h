/*
 * plan.h: what a service action will do, as data.
 *
 * Every action of the service agent first builds a plan: the directories
 * and files it will write, the links and files it will remove, and the
 * programs it will run (argv, never a shell). Under dry_run the plan is
 * the answer (plan_to_json()); otherwise plan_exec.c performs it step by
 * step, in order, and stops at the first step that fails.
 *
 * Strings are copied into the plan; plan_clear() frees them.
 */
#ifndef METACTL_SERVICE_PLAN_H
#define METACTL_SERVICE_PLAN_H

#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

enum plan_kind {
	PLAN_MKDIR, /* path, mode: mkdir -p, then chmod */
	PLAN_WRITE, /* path, content, len, mode: write a temporary file, fsync,
		       rename over path; skipped when path already holds
		       exactly content with that mode */
	PLAN_SYMLINK, /* target, path: new link beside path, renamed over it */
	PLAN_REMOVE, /* path: a file, a link or a whole tree; absent is fine */
	PLAN_RUN, /* argv, timeout_ms, what */
};

/* PLAN_RUN flags */
#define PLAN_MAY_FAIL 0x1 /* a non-zero exit does not stop the plan */
#define PLAN_OUTPUT 0x2 /* stdout goes to the action (status parsing) */

struct plan_step {
	enum plan_kind kind;
	char *path;
	char *target;
	char *content;
	size_t len;
	mode_t mode;
	char **argv; /* NULL-terminated */
	int timeout_ms; /* 0: [limits] action_timeout */
	unsigned flags;
	/* What the step is for, in words: "start daemon web of shop". It
	 * prefixes the error when the step fails. */
	char *what;
};

struct plan {
	struct plan_step *steps;
	size_t n, cap;
};

/* Each returns 0 or -ENOMEM (the plan is then unchanged). */
int plan_mkdir(struct plan *p, const char *path, mode_t mode);
int plan_write(struct plan *p, const char *path, const char *content,
    size_t len, mode_t mode);
int plan_symlink(struct plan *p, const char *target, const char *path);
int plan_remove(struct plan *p, const char *path);
int plan_run(struct plan *p, const char *const *argv, int timeout_ms,
    unsigned flags, const char *what);
/* Appends a copy of every step of src. */
int plan_append(struct plan *p, const struct plan *src);
void plan_clear(struct plan *p);

/*
 * The plan as JSON, for dry_run replies: an array of
 * {"mkdir": PATH, "mode": "0755"}, {"write": PATH, "mode": "0644",
 * "content": TEXT}, {"symlink": PATH, "target": T}, {"remove": PATH},
 * {"run": [ARGV...], "what": WHAT}. New reference.
 */
json_t *plan_to_json(const struct plan *p);

#endif
