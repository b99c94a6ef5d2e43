/* source.c: see source.h. */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source.h"

int
source_read(const char *path, char **ret, size_t *ret_len, struct error *err)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	ssize_t n;
	int fd, rc;

	error_init(err, path);
	*ret = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		rc = -errno;
		error_set(err, 0, 0, "%s", error_str(rc));
		return rc;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		error_set(err, 0, 0, "not a regular file");
		return MCE_CONFIG;
	}
	if (st.st_size > SOURCE_MAX) {
		close(fd);
		error_set(err, 0, 0, "larger than %d bytes", SOURCE_MAX);
		return MCE_CONFIG;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		error_set(err, 0, 0, "out of memory");
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size &&
	    (n = read(fd, buf + len, (size_t)st.st_size - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = -errno;
			close(fd);
			free(buf);
			error_set(err, 0, 0, "%s", error_str(rc));
			return rc;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		size_t at = strlen(buf), line = 1, col = 1;

		for (size_t i = 0; i < at; i++, col++)
			if (buf[i] == '\n')
				line++, col = 0;
		free(buf);
		error_set(err, (int)line, (int)col, "NUL byte in file");
		return MCE_CONFIG;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

int
source_next_line(const char *text, size_t len, size_t *pos, size_t *ret_start,
    size_t *ret_end)
{
	size_t i = *pos, end;

	if (i >= len)
		return 0;
	*ret_start = i;
	while (i < len && text[i] != '\n')
		i++;
	end = i;
	*pos = i < len ? i + 1 : i;
	while (end > *ret_start &&
	    (text[end - 1] == '\r' || text[end - 1] == ' ' ||
		text[end - 1] == '\t'))
		end--;
	*ret_end = end;
	return 1;
}

int
source_each_line(const char *source, const char *text, size_t len,
    int (*fn)(void *ctx, const char *text, size_t start, size_t end, int lineno,
	struct error *err),
    void *ctx, const struct policy_report *report, struct error *err)
{
	size_t pos = 0, s, e;
	int lineno = 0, first = 0, rc;
	struct error line_err;

	error_init(err, source);
	while (source_next_line(text, len, &pos, &s, &e)) {
		error_init(&line_err, source);
		if ((rc = fn(ctx, text, s, e, ++lineno, &line_err)) == 0)
			continue;
		if (rc == -ENOMEM)
			error_set(&line_err, lineno, 0, "out of memory");
		if (first == 0)
			*err = line_err;
		if (report == NULL || rc == -ENOMEM)
			return rc;
		report->fn(&line_err, report->arg);
		if (first == 0)
			first = rc;
	}
	return first;
}
