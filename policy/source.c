/* source.c: see source.h. */
#include "buildconf.h"

#include <errno.h>

#include "file.h"
#include "source.h"

int
source_read(const char *path, char **ret, size_t *ret_len, struct error *err)
{
	int rc;

	*ret = NULL;
	rc = file_read(path, FILE_REGULAR | FILE_TRUSTED | FILE_TEXT,
	    SOURCE_MAX + 1, ret, ret_len, err);
	return rc == -EINVAL || rc == -EFBIG ? MCE_CONFIG : rc;
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
