/*
 * file.h: the one way to read a whole file into memory, with the checks
 * that the file's use needs.
 *
 * A daemon running as root acts on what its configuration, policies,
 * DDLs, facts and external agents say: whoever can write one of those
 * files can make it do anything. So they are read with FILE_TRUSTED, and
 * secret keys with FILE_PRIVATE.
 */
#ifndef METACTL_FILE_H
#define METACTL_FILE_H

#include <stddef.h>
#include <sys/stat.h>

#include "error.h"

enum file_flags {
	/* Anything but a regular file (directory, FIFO, device) is refused
	 * with -EINVAL, and opening never blocks. */
	FILE_REGULAR = 1 << 0,
	/* A file with any permission bit for group or others is refused with
	 * MCE_KEYPERM (secret keys: mode 0600 or stricter). */
	FILE_PRIVATE = 1 << 1,
	/* A file writable by group or others, or owned by a user other than
	 * root or the effective user, is refused with MCE_FILEPERM. */
	FILE_TRUSTED = 1 << 2,
	/* A NUL byte is refused with MCE_CONFIG, at its line and column. */
	FILE_TEXT = 1 << 3,
};

/*
 * Reads the file at path into a new buffer with a NUL after its last byte:
 * *ret (the caller frees it) and *ret_len (the bytes read, NUL excluded).
 * Refuses a file of max bytes or more (-EFBIG) and whatever flags (a set
 * of enum file_flags) forbid. Returns 0, or a negative code with *ret
 * untouched and err (may be NULL; its source set to path) saying why:
 * open's or read's negated errno, -ENOMEM, or a code above. A regular
 * file is read without growing the buffer, so a secret read with
 * FILE_PRIVATE leaves no copy behind once the caller wipes *ret.
 */
int file_read(const char *path, int flags, size_t max, char **ret,
    size_t *ret_len, struct error *err);

/*
 * The FILE_TRUSTED rule on the status of a file at path (for files that
 * are not read, such as programs to run): 0 or MCE_FILEPERM with err
 * naming the mode or the owner.
 */
int file_check_trusted(const struct stat *st, struct error *err);

#endif
