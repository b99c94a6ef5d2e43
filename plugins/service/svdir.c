/* svdir.c: runit's and s6's service directories. See svdir.h. */
#include "buildconf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "plugins/service/svdir.h"

/*
 * runit runs finish with (exit code or -1, wait status & 0xff); s6 with
 * (exit code or 256, signal number). Both become "EXIT SIGNAL": EXIT -1
 * when a signal killed the daemon, SIGNAL 0 when it exited.
 */
static const char finish_script[] =
    "#!/bin/sh\n"
    "# Records how the daemon exited, for metactl: \"EXIT SIGNAL\".\n"
    "code=${1:--1} sig=${2:-0}\n"
    "case $code in -1|256) code=-1 sig=$((sig & 127)) ;; *) sig=0 ;; "
    "esac\n"
    "printf '%s %s\\n' \"$code\" \"$sig\" >last-exit.new &&\n"
    "\tmv -f last-exit.new last-exit\n";

/*
 * The finish script for u: the record above, then, for restart "never"
 * (or "on-failure" after a clean exit), the manager's words for keeping
 * the daemon down. New string, NULL when out of memory.
 */
static char *
finish_for(const struct svc_unit *u, const char *keep_down)
{
	const char *r = u->restart != NULL ? u->restart : "always";
	char *s = NULL;
	int n;

	if (strcmp(r, "never") == 0)
		n = asprintf(&s, "%s%s\n", finish_script, keep_down);
	else if (strcmp(r, "on-failure") == 0)
		n = asprintf(&s, "%s[ \"$code\" != 0 ] || %s\n", finish_script,
		    keep_down);
	else
		n = asprintf(&s, "%s", finish_script);
	return n < 0 ? NULL : s;
}

int
svdir_path(const struct svc_node *n, const struct svc_unit *u, const char *rel,
    char *buf, size_t size)
{
	int r;

	r = snprintf(buf, size, "%s/%s%s%s", n->supervise_dir, u->unit,
	    rel != NULL ? "/" : "", rel != NULL ? rel : "");
	return r < 0 || (size_t)r >= size ? -ENAMETOOLONG : 0;
}

/* Writes s as one single-quoted word for sh. */
static void
quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s != '\0'; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	fputc('\'', f);
}

static void
quote_all(FILE *f, const char *const *v)
{
	for (; v != NULL && *v != NULL; v++) {
		fputc(' ', f);
		quote(f, *v);
	}
}

static int
has_path(const char *const *env)
{
	for (; env != NULL && *env != NULL; env++)
		if (strncmp(*env, "PATH=", 5) == 0)
			return 1;
	return 0;
}

char *
svdir_run_script(const struct svc_unit *u, const char *const *setuid)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	fprintf(f, "#!/bin/sh\n# %s, daemon %s of app %s\nexec 2>&1\ncd ",
	    u->unit, u->daemon, u->app);
	quote(f, u->cwd != NULL ? u->cwd : "/");
	fputs(" || exit 111\nexec", f);
	if (u->netns != NULL) {
		fputs(" ip netns exec ", f);
		quote(f, u->netns);
	}
	quote_all(f, setuid);
	fputs(" /usr/bin/env -i", f);
	if (!has_path(u->env))
		fputs(" 'PATH=/usr/local/bin:/usr/bin:/bin'", f);
	quote_all(f, u->env);
	quote_all(f, u->argv);
	fputc('\n', f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int
write_rel(const struct svc_node *n, const struct svc_unit *u, const char *rel,
    const char *text, mode_t mode, struct plan *p)
{
	char path[PATH_MAX];
	int r;

	if ((r = svdir_path(n, u, rel, path, sizeof(path))) < 0)
		return r;
	return plan_write(p, path, text, strlen(text), mode);
}

static int
mkdir_rel(const struct svc_node *n, const struct svc_unit *u, const char *rel,
    struct plan *p)
{
	char path[PATH_MAX];
	int r;

	if ((r = svdir_path(n, u, rel, path, sizeof(path))) < 0)
		return r;
	return plan_mkdir(p, path, 0755);
}

static int
remove_rel(const struct svc_node *n, const struct svc_unit *u, const char *rel,
    struct plan *p)
{
	char path[PATH_MAX];
	int r;

	if ((r = svdir_path(n, u, rel, path, sizeof(path))) < 0)
		return r;
	return plan_remove(p, path);
}

int
svdir_link(
    const struct svc_node *n, const struct svc_unit *u, char *buf, size_t size)
{
	int r = snprintf(buf, size, "%s/%s", n->service_dir, u->unit);

	return r < 0 || (size_t)r >= size ? -ENAMETOOLONG : 0;
}

static int
link_unit(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	char dir[PATH_MAX], link[PATH_MAX];
	int r;

	if ((r = svdir_path(n, u, NULL, dir, sizeof(dir))) < 0 ||
	    (r = svdir_link(n, u, link, sizeof(link))) < 0)
		return r;
	return plan_symlink(p, dir, link);
}

static int
write_scripts(const struct svc_node *n, const struct svc_unit *u,
    const struct svdir_words *w, struct plan *p)
{
	char *run = svdir_run_script(u, w->setuid);
	char *finish = finish_for(u, w->keep_down);
	int r = -ENOMEM;

	if (run != NULL && finish != NULL &&
	    (r = write_rel(n, u, "run", run, 0755, p)) == 0 &&
	    (r = write_rel(n, u, "finish", finish, 0755, p)) == 0)
		r = write_rel(n, u, "log/run", w->log_run, 0755, p);
	free(run);
	free(finish);
	return r;
}

int
svdir_install(const struct svc_node *n, const struct svc_unit *u,
    const struct svdir_words *w, struct plan *p)
{
	char fd[16];
	int r;

	if (u->argv == NULL || u->argv[0] == NULL || u->argv[0][0] != '/')
		return -EINVAL;
	snprintf(fd, sizeof(fd), "%d\n", w->notify_fd);
	if ((r = mkdir_rel(n, u, NULL, p)) < 0 ||
	    (r = mkdir_rel(n, u, "log/main", p)) < 0 ||
	    (r = write_rel(n, u, "down", "", 0644, p)) < 0 ||
	    (r = write_scripts(n, u, w, p)) < 0 ||
	    (r = w->notify_fd > 0
		    ? write_rel(n, u, "notification-fd", fd, 0644, p)
		    : remove_rel(n, u, "notification-fd", p)) < 0)
		return r;
	return link_unit(n, u, p);
}

int
svdir_before_start(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	int r;

	if ((r = remove_rel(n, u, "down", p)) < 0)
		return r;
	return remove_rel(n, u, "last-exit", p);
}

int
svdir_before_stop(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	return write_rel(n, u, "down", "", 0644, p);
}

int
svdir_run(const struct svc_unit *u, const char *const *argv, int timeout_ms,
    unsigned flags, const char *what, struct plan *p)
{
	char buf[256];

	snprintf(
	    buf, sizeof(buf), "%s daemon %s of %s", what, u->daemon, u->app);
	return plan_run(p, argv, timeout_ms, flags, buf);
}

int
svdir_svwait(const struct svc_node *n, const struct svc_unit *u,
    const char *mode, const char *rel, int grace, const char *what,
    struct plan *p)
{
	char dir[PATH_MAX], timeout[24], gr[24];
	const char *argv[] = {
	    n->svwait, "--timeout", timeout, "--grace", gr, mode, dir, NULL};
	long long wait_ms =
	    n->start_timeout_ms > 0 ? n->start_timeout_ms : 30000;
	int r;

	if ((r = svdir_path(n, u, rel, dir, sizeof(dir))) < 0)
		return r;
	snprintf(timeout, sizeof(timeout), "%lld", wait_ms);
	snprintf(gr, sizeof(gr), "%lld", grace ? n->start_grace_ms : 0);
	return svdir_run(
	    u, argv, (int)(wait_ms + n->start_grace_ms + 5000), 0, what, p);
}

int
svdir_status_last_exit(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	char path[PATH_MAX];
	const char *argv[] = {"cat", path, NULL};
	int r;

	if ((r = svdir_path(n, u, "last-exit", path, sizeof(path))) < 0)
		return r;
	return svdir_run(u, argv, 0, PLAN_OUTPUT | PLAN_MAY_FAIL,
	    "read the last exit of", p);
}

void
svdir_state_init(struct svc_state *st, const char *out, const char *stop)
{
	size_t len = strcspn(out, stop);

	memset(st, 0, sizeof(*st));
	st->since_s = -1;
	st->ready = -1;
	st->last_exit = -1;
	if (len >= sizeof(st->detail))
		len = sizeof(st->detail) - 1;
	memcpy(st->detail, out, len);
	st->detail[len] = '\0';
}

void
svdir_parse_last_exit(const char *out, struct svc_state *st)
{
	const char *line;
	int code, sig;
	char end;

	for (line = out; line != NULL && *line != '\0';) {
		if (sscanf(line, "%d %d%c", &code, &sig, &end) == 3 &&
		    end == '\n') {
			st->last_exit = code;
			st->last_signal = sig;
		}
		if ((line = strchr(line, '\n')) != NULL)
			line++;
	}
}

char **
svdir_logs(const struct svc_node *n, const struct svc_unit *u)
{
	char path[PATH_MAX];
	const char *argv[] = {"less", "+G", path, NULL};

	if (svdir_path(n, u, "log/main/current", path, sizeof(path)) < 0)
		return NULL;
	return strv_copy(argv, 3);
}

const char *
svdir_user(const struct svc_unit *u)
{
	return u->user != NULL ? u->user : "nobody";
}

const char *
svdir_signal(const struct svc_unit *u, enum svdir_manager m)
{
	/* Signal, sv's command, s6-svc's option. */
	static const char *const map[][3] = {{"HUP", "hup", "-h"},
	    {"USR1", "1", "-1"}, {"USR2", "2", "-2"},
	    {"INT", "interrupt", "-i"}, {"QUIT", "quit", "-q"},
	    {"ALRM", "alarm", "-a"}, {"TERM", "term", "-t"},
	    {"CONT", "cont", "-c"}, {"STOP", "pause", "-p"},
	    {"KILL", "kill", "-k"}};
	const char *s = u->reload_signal;
	size_t i;

	if (s != NULL && strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; s != NULL && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(s, map[i][0]) == 0)
			return map[i][m == SVDIR_RUNIT ? 1 : 2];
	return NULL;
}
