/*
 * detect.c: which service manager runs this machine (backend.h), from the
 * marks each leaves:
 *   systemd  the directory /run/systemd/system (sd_booted(3)'s test)
 *   smf      /etc/svc/volatile, svc.startd's runtime directory
 *   upstart  /sbin/initctl and /run/upstart or /var/run/upstart
 *   s6       an s6-svscan process scanning service_dir, and the
 *            directory service_dir/.s6-svscan it keeps there
 *   runit    a runsvdir process scanning service_dir
 * Processes are read from /proc/PID/cmdline. Every path is under root.
 */
#include "buildconf.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugins/service/backend.h"

#define RUNIT_SCAN "/etc/service"
#define S6_SCAN "/run/service"

static int
exists(const char *root, const char *path, int want_dir)
{
	char buf[4096];
	struct stat st;
	int n = snprintf(buf, sizeof(buf), "%s%s", root, path);

	if (n < 0 || (size_t)n >= sizeof(buf) || stat(buf, &st) < 0)
		return 0;
	return want_dir ? S_ISDIR(st.st_mode) : 1;
}

/* a and b name the same directory, trailing slashes aside. */
static int
same_dir(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (lb > 1 && b[lb - 1] == '/')
		lb--;
	return la == lb && strncmp(a, b, la) == 0;
}

/*
 * 1 when the command line cmd (len bytes, NUL-separated) runs prog (by
 * the base name of argv[0]) with dir as an argument that is not an option.
 */
static int
cmdline_runs(const char *cmd, size_t len, const char *prog, const char *dir)
{
	const char *arg = cmd, *base, *end = cmd + len;

	base = strrchr(arg, '/');
	base = base != NULL ? base + 1 : arg;
	if (strcmp(base, prog) != 0)
		return 0;
	for (arg += strlen(arg) + 1; arg < end; arg += strlen(arg) + 1)
		if (arg[0] != '-' && same_dir(arg, dir))
			return 1;
	return 0;
}

static int
read_cmdline(const char *root, const char *pid, char *buf, size_t size)
{
	char path[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/proc/%s/cmdline", root, pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

/* 1 when a process of /proc under root runs prog on dir. */
static int
running(const char *root, const char *prog, const char *dir)
{
	char path[4096], cmd[4096];
	struct dirent *de;
	int found = 0, n;
	DIR *d;

	snprintf(path, sizeof(path), "%s/proc", root);
	if ((d = opendir(path)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		if ((n = read_cmdline(root, de->d_name, cmd, sizeof(cmd))) > 0)
			found = cmdline_runs(cmd, (size_t)n, prog, dir);
	}
	closedir(d);
	return found;
}

const char *
svc_backend_detect(const char *root, const char *service_dir)
{
	char mark[4096];
	const char *s6 = service_dir != NULL ? service_dir : S6_SCAN;
	const char *runit = service_dir != NULL ? service_dir : RUNIT_SCAN;

	if (root == NULL || strcmp(root, "/") == 0)
		root = "";
	if (exists(root, "/run/systemd/system", 1))
		return "systemd";
	if (exists(root, "/etc/svc/volatile", 1))
		return "smf";
	if (exists(root, "/sbin/initctl", 0) &&
	    (exists(root, "/run/upstart", 1) ||
		exists(root, "/var/run/upstart", 1)))
		return "upstart";
	snprintf(mark, sizeof(mark), "%s/.s6-svscan", s6);
	if (exists(root, mark, 1) && running(root, "s6-svscan", s6))
		return "s6";
	if (running(root, "runsvdir", runit))
		return "runit";
	return NULL;
}
