/* log.c: stderr/syslog diagnostics and the JSON audit trail. */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *log_progname = "metactl";
static int log_syslog;
static enum log_level log_level = LOG_LEVEL_INFO;

const char *const log_level_names[] = {"err", "warn", "info", "debug", NULL};
static const int level_prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

void
log_init(const char *progname, int to_syslog, enum log_level level)
{
	log_progname = progname;
	log_syslog = to_syslog;
	log_level = level;
	if (to_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setlevel(enum log_level level)
{
	log_level = level;
}

enum log_level
log_getlevel(void)
{
	return log_level;
}

size_t
log_escape(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in != '\0'; in++) {
		unsigned char ch = (unsigned char)*in;

		if (ch >= 0x20 && ch != 0x7f) {
			if (n + 1 >= size)
				break;
			out[n++] = (char)ch;
		} else {
			if (n + 4 >= size)
				break;
			snprintf(out + n, size - n, "\\x%02x", ch);
			n += 4;
		}
	}
	if (size > 0)
		out[n] = '\0';
	return n;
}

static void
vlog(enum log_level level, int with_errno, const char *fmt, va_list ap)
{
	char msg[2048], line[sizeof(msg) * 4];
	int saved = errno;

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno) {
		size_t n = strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(saved));
	}
	log_escape(msg, line, sizeof(line));
	if (log_syslog)
		syslog(level_prio[level], "%s", line);
	else
		fprintf(stderr, "%s: %s\n", log_progname, line);
	errno = saved;
}

#define LOG_FN(name, level, with_errno) \
	void name(const char *fmt, ...) \
	{ \
		va_list ap; \
		va_start(ap, fmt); \
		vlog(level, with_errno, fmt, ap); \
		va_end(ap); \
	}
LOG_FN(log_warn, LOG_LEVEL_WARN, 1)
LOG_FN(log_warnx, LOG_LEVEL_WARN, 0)
LOG_FN(log_info, LOG_LEVEL_INFO, 0)
LOG_FN(log_debug, LOG_LEVEL_DEBUG, 0)

struct audit {
	int fd;
	char *path; /* NULL for stdout */
	dev_t dev; /* of the open file */
	ino_t ino;
};

/* Creates the missing directories above path, mode 0750. */
static int
make_parents(const char *path)
{
	char *p = strdup(path);
	int r = 0;

	if (p == NULL)
		return -ENOMEM;
	for (char *s = strchr(p + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0750) == -1 && errno != EEXIST) {
			r = -errno;
			break;
		}
		*s = '/';
	}
	free(p);
	return r;
}

/* Opens path for appending, creating it mode 0640; never through a
 * symbolic link, and only a regular file. */
static int
open_trail(const char *path, struct stat *st)
{
	int fd, r;

	if ((r = make_parents(path)) < 0)
		return r;
	/* O_NONBLOCK: a FIFO planted at the path must not hang the agent. */
	fd = open(path,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
	    0640);
	if (fd == -1)
		return -errno;
	errno = 0;
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode)) {
		r = errno != 0 ? -errno : -EINVAL;
		close(fd);
		return r;
	}
	return fd;
}

int
audit_open(const char *path, struct audit **ret)
{
	struct audit *a;
	struct stat st;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -ENOMEM;
	if (strcmp(path, "-") == 0) {
		a->fd = STDOUT_FILENO;
	} else if ((a->path = strdup(path)) == NULL ||
	    (a->fd = open_trail(path, &st)) < 0) {
		int r = a->path == NULL ? -ENOMEM : a->fd;

		free(a->path);
		free(a);
		return r;
	} else {
		a->dev = st.st_dev;
		a->ino = st.st_ino;
	}
	*ret = a;
	return 0;
}

int
audit_reopen(struct audit *a)
{
	struct stat st;
	int fd;

	if (a == NULL || a->path == NULL)
		return 0;
	if ((fd = open_trail(a->path, &st)) < 0)
		return fd;
	close(a->fd);
	a->fd = fd;
	a->dev = st.st_dev;
	a->ino = st.st_ino;
	return 0;
}

/* Whether the path still names the open file; not after a rotation. */
static int
still_there(const struct audit *a)
{
	struct stat st;

	return a->path == NULL ||
	    (stat(a->path, &st) == 0 && st.st_dev == a->dev &&
		st.st_ino == a->ino);
}

void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	if (a->path != NULL)
		close(a->fd);
	free(a->path);
	free(a);
}

static void
set_str(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, v != NULL ? json_string(v) : json_null());
}

/*
 * jansson escapes the bytes below 0x20 but writes DEL as it is: JSON allows
 * it, terminals do not. It occurs only inside strings, so \u007f is the same
 * value. Takes and returns a malloc'd string.
 */
static char *
escape_del(char *s)
{
	size_t n = 0, len = strlen(s);
	char *out, *o;

	for (const char *p = s; *p != '\0'; p++)
		n += *p == 0x7f;
	if (n == 0)
		return s;
	if ((out = malloc(len + 5 * n + 1)) == NULL) {
		free(s);
		return NULL;
	}
	o = out;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == 0x7f) {
			memcpy(o, "\\u007f", 6);
			o += 6;
		} else
			*o++ = *p;
	}
	*o = '\0';
	free(s);
	return out;
}

char *
audit_format(const struct audit_record *r)
{
	json_t *o = json_object();
	char *line;

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "time", json_integer(r->time_ms));
	set_str(o, "id", r->id);
	set_str(o, "caller", r->caller);
	set_str(o, "agent", r->agent);
	set_str(o, "action", r->action);
	json_object_set_new(o, "arguments",
	    r->arguments != NULL ? json_deep_copy(r->arguments)
				 : json_object());
	set_str(o, "decision", r->decision);
	json_object_set_new(o, "status", json_integer(r->status));
	if (r->reason != NULL)
		set_str(o, "reason", r->reason);
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return line != NULL ? escape_del(line) : NULL;
}

int
audit_write(struct audit *a, const struct audit_record *r)
{
	char *line;
	size_t n;
	ssize_t w;
	int ret = 0;

	if (a == NULL)
		return 0;
	/* Moved away by logrotate: a new file at the path, then the record.
	 * Should that fail, the record still goes to the old file. */
	if (!still_there(a))
		ret = audit_reopen(a);
	if ((line = audit_format(r)) == NULL)
		return -ENOMEM;
	n = strlen(line);
	line[n] = '\n'; /* json_dumps leaves room: replace the NUL */
	w = write(a->fd, line, n + 1);
	if (w == -1)
		ret = -errno;
	else if ((size_t)w != n + 1)
		ret = -EIO;

	free(line);
	return ret;
}
