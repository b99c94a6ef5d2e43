/*
 * scm.h: fetching a tag of an app's repository with git, safely.
 *
 * A repository URL is checked before anything runs: no leading '-', no
 * blanks or control characters, no "TRANSPORT::ADDRESS" remote helper
 * (ext::, fd:: and the like), and only an absolute path, file://,
 * https:// or ssh:// (or the scp-like user@host:path). git itself then
 * runs with the same allow-list (protocol.allow=never, then file, https
 * and ssh allowed), no hooks (core.hooksPath=/dev/null), no system or
 * global configuration, no terminal prompt, and "--" before every value
 * that came from a request or a configuration file.
 *
 * Subversion, when the svn client is installed: a repository URL
 * "svn://...", "svn+ssh://...", or "svn+https://..." and "svn+file://..."
 * (svn over https and file). A tag is exported, without a cache, from
 * URL/tags/TAG into the new release's directory, non-interactive.
 *
 * The per-app cache is a bare repository, APPS/APP/state/repo.git; a tag
 * is fetched into it shallow (--depth 1), then checked out into the new
 * release's directory with an index of its own, so a second tag fetches
 * only what it does not share with the first.
 */
#ifndef METACTL_DEPLOY_SCM_H
#define METACTL_DEPLOY_SCM_H

#include <stddef.h>

/* 0, or -EINVAL with why (size bytes) saying what is refused. */
int scm_url_ok(const char *url, char *why, size_t size);

/* 1 when url names a Subversion repository (scm_url_ok() first). */
int scm_is_svn(const char *url);
/* 1 when the svn client is installed (PATH of scm_env()). */
int scm_svn_installed(void);
/* svn export of URL/tags/TAG into dir (malloc'd, strv_free()). */
char **scm_svn_export_argv(const char *url, const char *tag, const char *dir);

/* The environment git runs with (static, NULL-terminated). */
const char *const *scm_env(void);
/* The same, with GIT_INDEX_FILE=index; malloc'd (strv_free()). */
char **scm_env_index(const char *index);

/* argv (malloc'd, strv_free()) of each step; NULL out of memory. */
char **scm_init_argv(const char *cache);
char **scm_fetch_argv(const char *cache, const char *url, const char *tag);
char **scm_checkout_argv(
    const char *cache, const char *worktree, const char *tag);
/* git cat-file: the file path of tag, from the cache, on stdout. */
char **scm_show_argv(const char *cache, const char *tag, const char *path);

#endif
