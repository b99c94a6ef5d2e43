/* savefile.c: see savefile.h. */
#include "buildconf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "orchestrator/savefile.h"

static int
mkdir_parents(const char *path)
{
	char buf[PATH_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

int
savefile_json(const char *path, const json_t *doc, int parents)
{
	char tmp[PATH_MAX];
	int fd, r;

	if (parents && (r = mkdir_parents(path)) < 0)
		return r;
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	/* mkstemp() creates the file 0600. */
	if ((fd = mkstemp(tmp)) < 0)
		return -errno;
	errno = 0;
	if (json_dumpfd(doc, fd, JSON_COMPACT | JSON_SORT_KEYS) < 0 ||
	    fsync(fd) < 0) {
		r = errno != 0 ? -errno : -EIO;
		close(fd);
		unlink(tmp);
		return r;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		return r;
	}
	return 0;
}
