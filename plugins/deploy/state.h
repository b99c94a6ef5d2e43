/*
 * state.h: the deploy agent's files in an app's state directory,
 * APPS/APP/state/.
 *
 * journal       the deploy or rollback under way: written whole (a
 *               temporary file synced and renamed, plan_files.h) before
 *               each step is taken, removed when the action is over. Lines
 *               "KEY VALUE": action, tag, previous, caller, since, step.
 *               Steps in order: begin fetch build switch restart health
 *               rollback done; everything before "switch" has left
 *               current alone.
 * deploys.json  who deployed each release kept, and when; the previous
 *               release; the last result. Written whole, atomically.
 */
#ifndef METACTL_DEPLOY_STATE_H
#define METACTL_DEPLOY_STATE_H

#include <stddef.h>
#include <jansson.h>

struct journal {
	char action[16]; /* deploy | rollback */
	char tag[129]; /* the release being put in place */
	char previous[129]; /* current before the action; "" none */
	char caller[256];
	long long since; /* seconds since the epoch */
	char step[16];
};

/* Writes state/journal with j; 0 or a negated errno, err saying why. */
int journal_write(
    const char *state, const struct journal *j, char *err, size_t size);
/* 0, -ENOENT (no action under way), -EINVAL (unreadable: treated as a
 * deploy interrupted before its switch), or a negated errno. */
int journal_read(const char *state, struct journal *j);
/* Removes it and syncs the directory; 0 or a negated errno. */
int journal_clear(const char *state, char *err, size_t size);
/* 1 when step comes at or after "switch": current may have moved. */
int journal_switched(const struct journal *j);

/* deploys.json as an object ({} when absent or unreadable); new ref. */
json_t *records_load(const char *state);
int records_save(const char *state, const json_t *rec, char *err, size_t size);

/* "2026-12-02T13:58:27Z" for t (seconds since the epoch). */
void time_iso(long long t, char *buf, size_t size);

#endif
