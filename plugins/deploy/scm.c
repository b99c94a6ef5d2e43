/* scm.c: git argv and URL checks. See scm.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strv.h"
#include "plugins/deploy/scm.h"

#define GIT_ENV_COMMON \
	"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/", \
	    "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", \
	    "GIT_CONFIG_GLOBAL=/dev/null", "GIT_ASKPASS=/bin/false", \
	    "SSH_ASKPASS=/bin/false", "LC_ALL=C"

static const char *const git_env[] = {GIT_ENV_COMMON, NULL};

/* Every git command starts so. */
static const char *const git_head[] = {"git", "-c", "protocol.allow=never",
    "-c", "protocol.file.allow=always", "-c", "protocol.https.allow=always",
    "-c", "protocol.ssh.allow=always", "-c", "core.hooksPath=/dev/null", "-c",
    "core.fsmonitor=false", "-c", "safe.directory=*", NULL};

static int
refuse(char *why, size_t size, const char *url, const char *what)
{
	snprintf(why, size, "repository \"%.200s\": %s", url, what);
	return -EINVAL;
}

int
scm_url_ok(const char *url, char *why, size_t size)
{
	const char *colon, *at, *slash;

	if (url == NULL || url[0] == '\0')
		return refuse(why, size, "", "empty ([build] repository)");
	if (url[0] == '-')
		return refuse(why, size, url, "starts with '-'");
	if (strstr(url, "::") != NULL)
		return refuse(why, size, url,
		    "a TRANSPORT::ADDRESS remote helper (ext::, fd::...) is "
		    "refused");
	for (const char *p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return refuse(
			    why, size, url, "holds a blank or control byte");
	if (scm_is_svn(url))
		return 0;
	if (url[0] == '/' || strncmp(url, "file://", 7) == 0 ||
	    strncmp(url, "https://", 8) == 0 || strncmp(url, "ssh://", 6) == 0)
		return 0;
	/* user@host:path, the scp-like form of ssh. */
	colon = strchr(url, ':');
	at = strchr(url, '@');
	slash = strchr(url, '/');
	if (colon != NULL && at != NULL && at < colon && colon[1] != '\0' &&
	    (slash == NULL || slash > colon))
		return 0;
	return refuse(why, size, url,
	    "not an absolute path, file://, https://, ssh://, user@host:path, "
	    "svn://, svn+ssh://, svn+https:// or svn+file://");
}

static const char *const svn_schemes[] = {
    "svn://", "svn+ssh://", "svn+https://", "svn+file://", NULL};

int
scm_is_svn(const char *url)
{
	for (size_t i = 0; url != NULL && svn_schemes[i] != NULL; i++)
		if (strncmp(url, svn_schemes[i], strlen(svn_schemes[i])) == 0)
			return 1;
	return 0;
}

int
scm_svn_installed(void)
{
	static const char *const paths[] = {
	    "/usr/local/bin/svn", "/usr/bin/svn", "/bin/svn", NULL};

	for (size_t i = 0; paths[i] != NULL; i++)
		if (access(paths[i], X_OK) == 0)
			return 1;
	return 0;
}

char **
scm_svn_export_argv(const char *url, const char *tag, const char *dir)
{
	/* svn+https:// and svn+file:// are svn over https and file. */
	const char *u = strncmp(url, "svn+https://", 12) == 0 ||
		strncmp(url, "svn+file://", 11) == 0
	    ? url + 4
	    : url;
	const char *w[] = {"svn", "export", "--non-interactive", "--quiet",
	    "--no-auth-cache", "--force", "--", NULL, dir, NULL};
	char *src, **v;

	/* The trailing '@' is the peg revision: an '@' in the path stays
	 * part of it. */
	if (asprintf(&src, "%s/tags/%s@", u, tag) < 0)
		return NULL;
	w[7] = src;
	v = strv_copy(w, 9);
	free(src);
	return v;
}

const char *const *
scm_env(void)
{
	return git_env;
}

char **
scm_env_index(const char *index)
{
	struct strv sv = STRV_INIT;
	char *s = NULL;
	int r = 0;

	for (size_t i = 0; git_env[i] != NULL && r == 0; i++)
		r = strv_push(&sv, git_env[i]);
	if (r == 0 && asprintf(&s, "GIT_INDEX_FILE=%s", index) < 0)
		s = NULL, r = -ENOMEM;
	if (r == 0)
		r = strv_push(&sv, s);
	free(s);
	if (r < 0) {
		strv_clear(&sv);
		return NULL;
	}
	return strv_steal(&sv);
}

/* git_head, then the NULL-terminated words. */
static char **
git_argv(const char *const *words)
{
	struct strv sv = STRV_INIT;
	int r = 0;

	for (size_t i = 0; git_head[i] != NULL && r == 0; i++)
		r = strv_push(&sv, git_head[i]);
	for (size_t i = 0; words[i] != NULL && r == 0; i++)
		r = strv_push(&sv, words[i]);
	if (r < 0) {
		strv_clear(&sv);
		return NULL;
	}
	return strv_steal(&sv);
}

char **
scm_init_argv(const char *cache)
{
	const char *w[] = {"init", "-q", "--bare", "--", cache, NULL};

	return git_argv(w);
}

char **
scm_fetch_argv(const char *cache, const char *url, const char *tag)
{
	char gitdir[4200], ref[300];
	const char *w[] = {gitdir, "fetch", "-q", "--depth", "1", "--no-tags",
	    "--", url, ref, NULL};

	snprintf(gitdir, sizeof(gitdir), "--git-dir=%s", cache);
	snprintf(ref, sizeof(ref), "+refs/tags/%s:refs/tags/%s", tag, tag);
	return git_argv(w);
}

char **
scm_checkout_argv(const char *cache, const char *worktree, const char *tag)
{
	char gitdir[4200], wt[4200], ref[300];
	const char *w[] = {
	    gitdir, wt, "checkout", "-q", "-f", ref, "--", ".", NULL};

	snprintf(gitdir, sizeof(gitdir), "--git-dir=%s", cache);
	snprintf(wt, sizeof(wt), "--work-tree=%s", worktree);
	snprintf(ref, sizeof(ref), "refs/tags/%s", tag);
	return git_argv(w);
}

char **
scm_show_argv(const char *cache, const char *tag, const char *path)
{
	char gitdir[4200], obj[4400];
	const char *w[] = {gitdir, "cat-file", "blob", obj, NULL};

	snprintf(gitdir, sizeof(gitdir), "--git-dir=%s", cache);
	snprintf(obj, sizeof(obj), "refs/tags/%s:%s", tag, path);
	return git_argv(w);
}
