/*
 * metactl-svwait: waits for a supervised daemon to reach a state, by
 * watching the supervisor's own files with inotify (never a sleep loop),
 * then checks that it stays up for a grace period. See usage() below.
 *
 * Exit status: 0 the state was reached (and the daemon stayed up), 1 the
 * daemon exited (its status or signal on stderr), 2 timed out (what was
 * seen on stderr), 3 any other failure.
 */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
	EXIT_UP = 0,
	EXIT_DIED = 1,
	EXIT_TIMEOUT = 2,
	EXIT_FAIL = 3
};

/* runsv's states (byte 19 of supervise/status). */
enum {
	RUNIT_DOWN = 0,
	RUNIT_RUN = 1,
	RUNIT_FINISH = 2
};

struct opts {
	long long timeout_ms;
	long long grace_ms;
	long new_pid_after;
	const char *mode;
	const char *dir;
};

/* What runsv's 20-byte supervise/status says. */
struct runit_status {
	int valid;
	long pid; /* bytes 12..15, little-endian */
	int paused; /* byte 16 */
	char want; /* byte 17: 'u' or 'd' */
	int state; /* byte 19 */
};

/* The watch on the service directory and on its supervise/. */
struct watch {
	int fd;
	int sup_wd;
	unsigned sup_mask;
	const char *dir;
	char sup[PATH_MAX];
	char last_exit[PATH_MAX];
	ino_t last_exit_ino; /* 0: none counts as an earlier run's */
};

static const char *prog = "metactl-svwait";

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s [--timeout MS] [--grace MS] [--new-pid-after PID] "
	    "MODE DIR\n"
	    "\n"
	    "Waits, with inotify, until the daemon supervised in the service\n"
	    "directory DIR reaches a state. DIR/last-exit is the file the\n"
	    "service's finish script writes (\"EXIT SIGNAL\"): remove it\n"
	    "before starting the daemon; any DIR/last-exit seen then means\n"
	    "the daemon exited (with --new-pid-after: one written during\n"
	    "the wait).\n"
	    "\n"
	    "Modes:\n"
	    "  runit-up DIR          until runsv runs the daemon (with a pid\n"
	    "                        other than --new-pid-after), then for\n"
	    "                        --grace ms until it has stayed up\n"
	    "  runit-down DIR        until the daemon is down and wanted down\n"
	    "  runit-supervised DIR  until runsv listens on DIR/supervise/ok\n"
	    "  s6-supervised DIR     until s6-supervise listens on\n"
	    "                        DIR/supervise/control\n"
	    "  grace DIR             for --grace ms, that the daemon (up,\n"
	    "                        as s6-svwait said) does not exit\n"
	    "  gone DIR              until the supervisor of DIR has exited\n"
	    "                        (its lock on DIR/supervise/lock is free)\n"
	    "\n"
	    "Options:\n"
	    "  --timeout MS   give up after MS milliseconds (default 30000)\n"
	    "  --grace MS     how long a daemon must stay up (default 1000)\n"
	    "  --new-pid-after PID  a daemon running as PID does not count\n"
	    "\n"
	    "Exit status: 0 done; 1 the daemon exited (\"exited with status "
	    "N\"\nor \"killed by signal S\" on stderr); 2 timed out (what "
	    "was seen\non stderr); 3 other failures.\n",
	    prog);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
parse_num(const char *s, long long max, long long *ret)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max)
		return -1;
	*ret = v;
	return 0;
}

/* 0, or EXIT_FAIL after saying why. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	long long v;
	int i;

	o->timeout_ms = 30000;
	o->grace_ms = 1000;
	o->new_pid_after = 0;
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(EXIT_UP);
		}
		if (i + 1 >= argc || parse_num(argv[i + 1], INT_MAX, &v) < 0)
			goto bad;
		if (strcmp(argv[i], "--timeout") == 0)
			o->timeout_ms = v;
		else if (strcmp(argv[i], "--grace") == 0)
			o->grace_ms = v;
		else if (strcmp(argv[i], "--new-pid-after") == 0)
			o->new_pid_after = (long)v;
		else
			goto bad;
	}
	if (argc - i != 2)
		goto bad;
	o->mode = argv[i];
	o->dir = argv[i + 1];
	return 0;
bad:
	usage(stderr);
	return EXIT_FAIL;
}

static int
read_runit_status(const struct watch *w, struct runit_status *st)
{
	char path[PATH_MAX + 16];
	unsigned char b[20];
	ssize_t n;
	int fd;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "%s/status", w->sup);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -errno;
	n = read(fd, b, sizeof(b));
	close(fd);
	if (n != (ssize_t)sizeof(b))
		return 0;
	st->valid = 1;
	st->pid = (long)((unsigned long)b[12] | (unsigned long)b[13] << 8 |
	    (unsigned long)b[14] << 16 | (unsigned long)b[15] << 24);
	st->paused = b[16];
	st->want = (char)b[17];
	st->state = b[19];
	return 0;
}

static const char *
runit_state_name(int state)
{
	switch (state) {
	case RUNIT_DOWN:
		return "down";
	case RUNIT_RUN:
		return "run";
	case RUNIT_FINISH:
		return "finish";
	}
	return "unknown";
}

/* 1 when DIR/last-exit was written since the wait began. */
static int
last_exit_new(const struct watch *w)
{
	struct stat st;

	if (stat(w->last_exit, &st) < 0)
		return 0;
	return st.st_ino != w->last_exit_ino;
}

/* Says how the daemon exited, from DIR/last-exit; returns EXIT_DIED. */
static int
report_exit(const struct watch *w)
{
	char buf[64] = "";
	int code = -1, sig = 0;
	FILE *f;

	if ((f = fopen(w->last_exit, "re")) != NULL) {
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
	}
	if (sscanf(buf, "%d %d", &code, &sig) < 1)
		fprintf(stderr, "%s: %s: exited (unreadable %s)\n", prog,
		    w->dir, w->last_exit);
	else if (sig > 0)
		fprintf(
		    stderr, "%s: %s: killed by signal %d\n", prog, w->dir, sig);
	else
		fprintf(stderr, "%s: %s: exited with status %d\n", prog, w->dir,
		    code);
	return EXIT_DIED;
}

/* Watches DIR/supervise once it exists; 0 or -errno. */
static int
watch_supervise(struct watch *w)
{
	if (w->sup_wd >= 0)
		return 0;
	w->sup_wd = inotify_add_watch(w->fd, w->sup, w->sup_mask);
	if (w->sup_wd < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/*
 * keep_last_exit: a DIR/last-exit already there when the wait begins is
 * an earlier run's; otherwise any DIR/last-exit is this run's (the caller
 * removed it before asking the supervisor to start the daemon).
 */
static int
watch_open(
    struct watch *w, const char *dir, unsigned sup_extra, int keep_last_exit)
{
	const unsigned mask = IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE |
	    IN_DELETE | IN_MOVED_FROM | IN_ATTRIB;
	struct stat st;

	memset(w, 0, sizeof(*w));
	w->dir = dir;
	w->sup_wd = -1;
	w->sup_mask = mask | sup_extra;
	snprintf(w->sup, sizeof(w->sup), "%s/supervise", dir);
	snprintf(w->last_exit, sizeof(w->last_exit), "%s/last-exit", dir);
	if ((w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0)
		return -errno;
	if (inotify_add_watch(w->fd, dir, mask) < 0)
		return -errno;
	if (keep_last_exit && stat(w->last_exit, &st) == 0)
		w->last_exit_ino = st.st_ino;
	return watch_supervise(w);
}

/*
 * Waits for the next inotify event or until deadline (now_ms() clock).
 * 1 on an event, 0 at the deadline, -errno on failure.
 */
static int
watch_wait(struct watch *w, long long deadline)
{
	char buf[4096] __attribute__((aligned(8)));
	struct pollfd pfd = {.fd = w->fd, .events = POLLIN};
	long long left = deadline - now_ms();
	int r;

	if (left <= 0)
		return 0;
	r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
	if (r < 0)
		return errno == EINTR ? 1 : -errno;
	if (r == 0)
		return 0;
	while (read(w->fd, buf, sizeof(buf)) > 0)
		;
	if ((r = watch_supervise(w)) < 0)
		return r;
	return 1;
}

static int
fail_errno(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(-err));
	return EXIT_FAIL;
}

static int
timed_out(const struct opts *o, const char *want, const struct runit_status *st)
{
	if (st == NULL || !st->valid)
		fprintf(stderr,
		    "%s: %s: timed out after %lld ms waiting for %s: "
		    "no supervisor status\n",
		    prog, o->dir, o->timeout_ms, want);
	else
		fprintf(stderr,
		    "%s: %s: timed out after %lld ms waiting for %s: "
		    "state %s, want %s, pid %ld%s\n",
		    prog, o->dir, o->timeout_ms, want,
		    runit_state_name(st->state),
		    st->want == 'u' ? "up" : "down", st->pid,
		    st->paused ? ", paused" : "");
	return EXIT_TIMEOUT;
}

static int
runit_running(const struct runit_status *st, long not_pid)
{
	return st->valid && st->state == RUNIT_RUN && st->pid > 0 &&
	    st->pid != not_pid;
}

/*
 * Waits for the daemon to stay up until grace_end, or to exit first.
 * pid > 0 (runit): also fails when runsv no longer runs pid at the end.
 */
static int
wait_grace(struct watch *w, long long grace_end, long pid)
{
	struct runit_status st;
	int r;

	for (;;) {
		if (last_exit_new(w))
			return report_exit(w);
		if ((r = watch_wait(w, grace_end)) < 0)
			return fail_errno(w->dir, r);
		if (r == 0)
			break;
	}
	if (last_exit_new(w))
		return report_exit(w);
	if (pid > 0 && (r = read_runit_status(w, &st)) == 0 && st.valid &&
	    !(st.state == RUNIT_RUN && st.pid == pid)) {
		fprintf(stderr, "%s: %s: stopped within %s (state %s)\n", prog,
		    w->dir, "the start grace", runit_state_name(st.state));
		return EXIT_DIED;
	}
	return EXIT_UP;
}

static int
runit_is_down(const struct runit_status *st, long unused)
{
	(void)unused;
	return st->valid && st->state == RUNIT_DOWN && st->want == 'd';
}

/*
 * Reads runsv's status at each event until reached(status, not_pid)
 * holds: -1 then, with *st; otherwise the exit status to return. Up
 * (died): a last-exit written meanwhile ends the wait with EXIT_DIED.
 */
static int
wait_runit(const struct opts *o, struct watch *w, const char *want,
    int (*reached)(const struct runit_status *, long), int died,
    struct runit_status *st)
{
	long long deadline = now_ms() + o->timeout_ms;
	int r;

	for (;;) {
		if ((r = read_runit_status(w, st)) < 0)
			return fail_errno(w->sup, r);
		if (died && last_exit_new(w))
			return report_exit(w);
		if (reached(st, o->new_pid_after))
			return -1;
		if ((r = watch_wait(w, deadline)) < 0)
			return fail_errno(o->dir, r);
		if (r == 0)
			return timed_out(o, want, st);
	}
}

static int
mode_runit_up(const struct opts *o, struct watch *w)
{
	struct runit_status st;
	int r;

	if ((r = wait_runit(o, w, "up", runit_running, 1, &st)) >= 0)
		return r;
	return wait_grace(w, now_ms() + o->grace_ms, st.pid);
}

static int
mode_runit_down(const struct opts *o, struct watch *w)
{
	struct runit_status st;
	int r;

	r = wait_runit(o, w, "down", runit_is_down, 0, &st);
	return r >= 0 ? r : EXIT_UP;
}

/*
 * Until the supervisor reads the FIFO supervise/NAME, that is, takes
 * commands: runsv's "ok" (which sv opens), s6-supervise's "control".
 */
static int
mode_supervised(const struct opts *o, struct watch *w, const char *name)
{
	long long deadline = now_ms() + o->timeout_ms;
	char ok[PATH_MAX + 16];
	int fd, r;

	snprintf(ok, sizeof(ok), "%s/%s", w->sup, name);
	for (;;) {
		fd = open(ok, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			return EXIT_UP;
		}
		if (errno != ENXIO && errno != ENOENT)
			return fail_errno(ok, -errno);
		if ((r = watch_wait(w, deadline)) < 0)
			return fail_errno(o->dir, r);
		if (r == 0) {
			fprintf(stderr,
			    "%s: %s: timed out after %lld ms: no supervisor "
			    "listens on %s\n",
			    prog, o->dir, o->timeout_ms, ok);
			return EXIT_TIMEOUT;
		}
	}
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/*
 * Blocks until no process holds a lock (flock or fcntl) on fd, or until
 * the alarm interrupts: 0, -ETIMEDOUT or -errno.
 */
static int
lock_wait(int fd)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			return -errno;
		if (flock(fd, LOCK_EX) < 0)
			return errno == EINTR ? -ETIMEDOUT : -errno;
	}
	if (fcntl(fd, F_SETLKW, &fl) < 0)
		return errno == EINTR ? -ETIMEDOUT : -errno;
	return 0;
}

static int
mode_gone(const struct opts *o)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	char lock[PATH_MAX];
	int fd, r;

	snprintf(lock, sizeof(lock), "%s/supervise/lock", o->dir);
	if ((fd = open(lock, O_RDWR | O_CLOEXEC)) < 0)
		return errno == ENOENT ? EXIT_UP : fail_errno(lock, -errno);
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)((o->timeout_ms + 999) / 1000));
	r = lock_wait(fd);
	alarm(0);
	close(fd);
	if (r == -ETIMEDOUT) {
		fprintf(stderr,
		    "%s: %s: timed out after %lld ms: the supervisor still "
		    "holds %s\n",
		    prog, o->dir, o->timeout_ms, lock);
		return EXIT_TIMEOUT;
	}
	return r < 0 ? fail_errno(lock, r) : EXIT_UP;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct watch w;
	int r;

	if ((r = parse_args(argc, argv, &o)) != 0)
		return r;
	if (strcmp(o.mode, "gone") == 0)
		return mode_gone(&o);
	r = watch_open(&w, o.dir,
	    strstr(o.mode, "-supervised") != NULL ? IN_OPEN : 0,
	    o.new_pid_after > 0);
	if (r < 0)
		return fail_errno(o.dir, r);
	if (strcmp(o.mode, "runit-up") == 0)
		return mode_runit_up(&o, &w);
	if (strcmp(o.mode, "runit-down") == 0)
		return mode_runit_down(&o, &w);
	if (strcmp(o.mode, "runit-supervised") == 0)
		return mode_supervised(&o, &w, "ok");
	if (strcmp(o.mode, "s6-supervised") == 0)
		return mode_supervised(&o, &w, "control");
	if (strcmp(o.mode, "grace") == 0)
		return wait_grace(&w, now_ms() + o.grace_ms, 0);
	fprintf(stderr, "%s: unknown mode '%s'\n", prog, o.mode);
	usage(stderr);
	return EXIT_FAIL;
}
