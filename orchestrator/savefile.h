/*
 * savefile.h: a JSON document written to a file so that a reader (or a
 * crash at any moment) sees the old file or the new one, never a torn
 * one: a temporary file in the same directory (mode 0600), fsync, rename.
 */
#ifndef METACTL_ORCH_SAVEFILE_H
#define METACTL_ORCH_SAVEFILE_H

#include <jansson.h>

/* Creates the missing directories of path (0700) first when parents is
 * set. 0 or a negative code. */
int savefile_json(const char *path, const json_t *doc, int parents);

#endif
