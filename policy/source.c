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
