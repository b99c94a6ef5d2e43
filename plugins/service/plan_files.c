/* plan_files.c: the file steps of a plan, performed. See plan_files.h. */
#include "buildconf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugins/service/plan_files.h"

/* Says "path: why" in errbuf; returns err (a negated errno). */
static int
fail(char *errbuf, size_t size, const char *path, int err)
{
	if (size > 0)
		snprintf(errbuf, size, "%s: %s", path, strerror(-err));
	return err;
}

/* The directory part of path into buf ("." when it has none). */
static int
dir_of(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL)
		return snprintf(buf, size, ".") < (int)size ? 0 : -ENAMETOOLONG;
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(buf, path, n);
	buf[n] = '\0';
	return 0;
}

/* A name beside path: "DIR/.BASE.TAG" into buf. */
static int
beside(const char *path, const char *tag, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	int dlen = slash == NULL ? 0 : (int)(slash - path + 1);
	const char *base = path + dlen;
	int n;

	n = snprintf(buf, size, "%.*s.%s.%s", dlen, path, base, tag);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Syncs the directory holding path, so that a rename in it lasts. */
static int
sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	int fd, r = 0;

	if ((r = dir_of(path, dir, sizeof(dir))) < 0)
		return r;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL)
		r = -errno;
	close(fd);
	return r;
}

static int
mkdir_p(const struct plan_step *s, char *errbuf, size_t size)
{
	char buf[PATH_MAX];
	struct stat st;
	char *p;

	if (strlen(s->path) >= sizeof(buf))
		return fail(errbuf, size, s->path, -ENAMETOOLONG);
	strcpy(buf, s->path);
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return fail(errbuf, size, buf, -errno);
		*p = '/';
	}
	if (mkdir(buf, s->mode & 07777) < 0 && errno != EEXIST)
		return fail(errbuf, size, s->path, -errno);
	if (stat(s->path, &st) < 0)
		return fail(errbuf, size, s->path, -errno);
	if (!S_ISDIR(st.st_mode))
		return fail(errbuf, size, s->path, -ENOTDIR);
	if (chmod(s->path, s->mode & 07777) < 0)
		return fail(errbuf, size, s->path, -errno);
	return 0;
}

/* 1 when the regular file at path holds exactly content with mode. */
static int
same_file(const char *path, const char *content, size_t len, mode_t mode)
{
	char buf[4096];
	struct stat st;
	size_t off = 0;
	ssize_t n;
	int fd, same = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 07777) != (mode & 07777) || (size_t)st.st_size != len)
		goto out;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if ((size_t)n > len - off ||
		    memcmp(buf, content + off, (size_t)n) != 0)
			goto out;
		off += (size_t)n;
	}
	same = n == 0 && off == len;
out:
	close(fd);
	return same;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
write_file(const struct plan_step *s, char *errbuf, size_t size)
{
	char tmp[PATH_MAX];
	int fd, r;

	if (same_file(s->path, s->content, s->len, s->mode))
		return 0;
	if ((r = beside(s->path, "XXXXXX", tmp, sizeof(tmp))) < 0)
		return fail(errbuf, size, s->path, r);
	if ((fd = mkstemp(tmp)) < 0)
		return fail(errbuf, size, s->path, -errno);
	r = write_all(fd, s->content, s->len);
	if (r == 0 && fchmod(fd, s->mode & 07777) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, s->path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return fail(errbuf, size, s->path, r);
	}
	if ((r = sync_dir_of(s->path)) < 0)
		return fail(errbuf, size, s->path, r);
	return 0;
}

static int
make_symlink(const struct plan_step *s, char *errbuf, size_t size)
{
	char tmp[PATH_MAX], tag[48];
	int r, i;

	if (s->target == NULL)
		return fail(errbuf, size, s->path, -EINVAL);
	for (i = 0;; i++) {
		snprintf(tag, sizeof(tag), "link%ld.%d", (long)getpid(), i);
		if ((r = beside(s->path, tag, tmp, sizeof(tmp))) < 0)
			return fail(errbuf, size, s->path, r);
		if (symlink(s->target, tmp) == 0)
			break;
		if (errno != EEXIST || i == 100)
			return fail(errbuf, size, s->path, -errno);
	}
	if (rename(tmp, s->path) < 0) {
		r = -errno;
		unlink(tmp);
		return fail(errbuf, size, s->path, r);
	}
	if ((r = sync_dir_of(s->path)) < 0)
		return fail(errbuf, size, s->path, r);
	return 0;
}

static int empty_dir(int fd, const char *path, char *errbuf, size_t size);

/* Removes name (path, for errors) in the directory dfd, never following
 * a link: a directory is emptied through descriptors opened O_NOFOLLOW. */
static int
remove_at(
    int dfd, const char *name, const char *path, char *errbuf, size_t size)
{
	struct stat st;
	int fd, r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : fail(errbuf, size, path, -errno);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			return fail(errbuf, size, path, -errno);
		return 0;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail(errbuf, size, path, -errno);
	if ((r = empty_dir(fd, path, errbuf, size)) < 0)
		return r;
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return fail(errbuf, size, path, -errno);
	return 0;
}

/* Removes everything in the directory open on fd (closed here). */
static int
empty_dir(int fd, const char *path, char *errbuf, size_t size)
{
	char child[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int r = 0;

	if ((d = fdopendir(fd)) == NULL) {
		r = -errno;
		close(fd);
		return fail(errbuf, size, path, r);
	}
	while (r == 0 && (errno = 0, e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
		r = remove_at(dirfd(d), e->d_name, child, errbuf, size);
	}
	if (r == 0 && errno != 0)
		r = fail(errbuf, size, path, -errno);
	closedir(d);
	return r;
}

int
plan_file_step(const struct plan_step *s, char *errbuf, size_t size)
{
	if (size > 0)
		errbuf[0] = '\0';
	if (s->path == NULL || s->path[0] == '\0')
		return fail(errbuf, size, "(no path)", -EINVAL);
	switch (s->kind) {
	case PLAN_MKDIR:
		return mkdir_p(s, errbuf, size);
	case PLAN_WRITE:
		return write_file(s, errbuf, size);
	case PLAN_SYMLINK:
		return make_symlink(s, errbuf, size);
	case PLAN_REMOVE:
		return remove_at(AT_FDCWD, s->path, s->path, errbuf, size);
	case PLAN_RUN:
		break;
	}
	return fail(errbuf, size, s->path, -EINVAL);
}
