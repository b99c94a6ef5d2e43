/*
 * file.h: reading a whole file into memory.
 */
#ifndef METACTL_FILE_H
#define METACTL_FILE_H

#include <stddef.h>

#include "error.h"

/*
 * Reads the file at path into a new buffer with a NUL after its last byte:
 * *ret (the caller frees it) and *ret_len (the bytes read, NUL excluded).
 * Refuses a file of max bytes or more. Returns 0, or a negative code with
 * *ret untouched and err's text (err may be NULL) saying why: -EFBIG for
 * a file too large, -ENOMEM, -EIO for a failed read, or fopen's negated
 * errno.
 */
int file_read_all(const char *path, size_t max, char **ret, size_t *ret_len,
    struct error *err);

#endif
