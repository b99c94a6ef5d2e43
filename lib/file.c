/* file.c: see file.h. */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"

/* First allocation for a file whose size fstat does not tell (/proc). */
#define FILE_CHUNK 8192

int
file_check_trusted(const struct stat *st, struct error *err)
{
	uid_t me = geteuid();

	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		error_set(err, 0, 0, "mode %04o is writable by group or others",
		    (unsigned)(st->st_mode & 07777));
		return MCE_FILEPERM;
	}
	if (st->st_uid != 0 && st->st_uid != me) {
		error_set(err, 0, 0,
		    "owned by uid %u, neither root nor uid %u who reads it "
		    "(mode %04o)",
		    (unsigned)st->st_uid, (unsigned)me,
		    (unsigned)(st->st_mode & 07777));
		return MCE_FILEPERM;
	}
	return 0;
}

/* The checks flags ask for on an open file's status. */
static int
check_status(const struct stat *st, int flags, size_t max, struct error *err)
{
	if ((flags & FILE_REGULAR) != 0 && !S_ISREG(st->st_mode)) {
		error_set(err, 0, 0, "not a regular file");
		return -EINVAL;
	}
	if ((flags & FILE_PRIVATE) != 0 && (st->st_mode & 077) != 0) {
		error_set(err, 0, 0,
		    "mode %04o is accessible by group or others (at most "
		    "0600)",
		    (unsigned)(st->st_mode & 07777));
		return MCE_KEYPERM;
	}
	if ((flags & FILE_TRUSTED) != 0 && file_check_trusted(st, err) < 0)
		return MCE_FILEPERM;
	if (S_ISREG(st->st_mode) && (size_t)st->st_size >= max) {
		error_set(err, 0, 0, "file larger than %zu bytes", max - 1);
		return -EFBIG;
	}
	return 0;
}

/* Refuses a NUL byte in buf, naming its line and column. */
static int
check_text(const char *buf, size_t len, struct error *err)
{
	size_t at = strlen(buf), line = 1, col = 1;

	if (at == len)
		return 0;
	for (size_t i = 0; i < at; i++, col++)
		if (buf[i] == '\n')
			line++, col = 0;
	error_set(err, (int)line, (int)col, "NUL byte in file");
	return MCE_CONFIG;
}

/* Reads fd to its end into *buf (capacity *cap <= max, grown when the file
 * is longer than fstat said), refusing max bytes or more. */
static int
read_to_end(int fd, size_t max, char **buf, size_t *cap, size_t *ret_len,
    struct error *err)
{
	size_t len = 0;
	ssize_t n;
	char *q;

	for (;;) {
		if (len == *cap) {
			size_t ncap = *cap * 2 < max ? *cap * 2 : max;

			if (*cap >= max)
				break;
			if ((q = realloc(*buf, ncap + 1)) == NULL) {
				error_set(err, 0, 0, "out of memory");
				return -ENOMEM;
			}
			*buf = q;
			*cap = ncap;
		}
		n = read(fd, *buf + len, *cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;

			error_set(err, 0, 0, "cannot read: %s", strerror(-r));
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len >= max) {
		error_set(err, 0, 0, "file larger than %zu bytes", max - 1);
		return -EFBIG;
	}
	*ret_len = len;
	return 0;
}

int
file_read(const char *path, int flags, size_t max, char **ret, size_t *ret_len,
    struct error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t cap, len = 0;
	int fd, r;

	error_init(err, path);
	fd = open(path,
	    O_RDONLY | O_CLOEXEC | O_NOCTTY |
		((flags & FILE_REGULAR) != 0 ? O_NONBLOCK : 0));
	if (fd < 0) {
		r = -errno;
		error_set(err, 0, 0, "cannot open: %s", strerror(-r));
		return r;
	}
	if (fstat(fd, &st) != 0) {
		r = -errno;
		error_set(err, 0, 0, "cannot stat: %s", strerror(-r));
	} else
		r = check_status(&st, flags, max, err);
	if (r == 0) {
		/* One byte more than the size, to see the end at once. */
		cap = S_ISREG(st.st_mode) && st.st_size > 0
		    ? (size_t)st.st_size + 1
		    : FILE_CHUNK;
		if (cap > max)
			cap = max;
		if ((buf = malloc(cap + 1)) == NULL) {
			error_set(err, 0, 0, "out of memory");
			r = -ENOMEM;
		} else
			r = read_to_end(fd, max, &buf, &cap, &len, err);
	}
	close(fd);
	if (r == 0) {
		buf[len] = '\0';
		if ((flags & FILE_TEXT) != 0)
			r = check_text(buf, len, err);
	}
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}
