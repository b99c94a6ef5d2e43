/* file.c: see file.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"

int
file_read_all(const char *path, size_t max, char **ret, size_t *ret_len,
    struct error *err)
{
	FILE *f;
	char *buf = NULL, *q;
	size_t len = 0, cap = 0, n;
	int r = 0;

	if ((f = fopen(path, "r")) == NULL) {
		r = -errno;
		error_set(err, 0, 0, "cannot open: %s", strerror(-r));
		return r;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= max) {
				error_set(err, 0, 0,
				    "file larger than %zu bytes", max);
				r = -EFBIG;
				break;
			}
			cap = cap != 0 ? cap * 2 : 8192;
			if ((q = realloc(buf, cap + 1)) == NULL) {
				error_set(err, 0, 0, "out of memory");
				r = -ENOMEM;
				break;
			}
			buf = q;
		}
		if ((n = fread(buf + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	if (r == 0 && ferror(f)) {
		error_set(err, 0, 0, "read error");
		r = -EIO;
	}
	fclose(f);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}
