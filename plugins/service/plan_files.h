/*
 * plan_files.h: performing the file steps of a plan (plan.h) on this
 * machine, synchronously: PLAN_MKDIR, PLAN_WRITE, PLAN_SYMLINK and
 * PLAN_REMOVE.
 *
 * Each step leaves either the old or the new state behind, never half of
 * one: a file is written beside its path and renamed over it, a link is
 * made under a temporary name and renamed over it, and the directory is
 * synced after the rename, so a crash keeps one of the two.
 */
#ifndef METACTL_SERVICE_PLAN_FILES_H
#define METACTL_SERVICE_PLAN_FILES_H

#include <stddef.h>

#include "plugins/service/plan.h"

/*
 * Performs s, a file step:
 * - PLAN_MKDIR: creates path and its missing parents (parents 0755), then
 *   sets path's mode to s->mode;
 * - PLAN_WRITE: nothing when path is a regular file holding exactly
 *   s->content with mode s->mode; otherwise a temporary file in path's
 *   directory is written, synced, given s->mode and renamed over path,
 *   and the directory is synced;
 * - PLAN_SYMLINK: a link to s->target made beside path and renamed over
 *   it (an existing file or link at path is replaced atomically);
 * - PLAN_REMOVE: removes the file, link or whole tree at path; an absent
 *   path is fine. A link is removed, never followed: a link inside the
 *   tree to something outside it leaves that thing alone.
 * Returns 0, or a negated errno with errbuf (size bytes, may be 0) saying
 * "PATH: why", PATH being the file that failed. -EINVAL for a PLAN_RUN
 * step or a step without a path.
 */
int plan_file_step(const struct plan_step *s, char *errbuf, size_t size);

#endif
