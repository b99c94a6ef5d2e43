/* spawn.c: running programs. See spawn.h. */
#include "buildconf.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "spawn.h"

/* How long to wait for the pipes to close once the group was killed. */
#define SPAWN_GRACE_MS 1000

struct capture {
	char *buf; /* max + 1 bytes, NUL-terminated */
	size_t len, max;
	int truncated;
};

struct spawn {
	spawn_cb cb;
	void *arg;
	char what[96];
	uv_process_t proc;
	uv_pipe_t in, out, err;
	uv_timer_t timer;
	uv_write_t wreq;
	char *input;
	size_t input_len;
	struct capture cout, cerr;
	int open_handles; /* handles initialised and not yet closed */
	int started, exited, out_eof, err_eof, timed_out;
	int finished; /* cb ran, or never will */
	int dry;
	int64_t status;
	int term_signal;
};

static const char *const default_env[] = {SPAWN_DEFAULT_PATH, NULL};

static void
spawn_free(struct spawn *s)
{
	free(s->cout.buf);
	free(s->cerr.buf);
	free(s->input);
	free(s);
}

static void
handle_closed(uv_handle_t *h)
{
	struct spawn *s = h->data;

	if (--s->open_handles == 0)
		spawn_free(s);
}

static void
close_handle(struct spawn *s, uv_handle_t *h)
{
	if (h->data == s && !uv_is_closing(h))
		uv_close(h, handle_closed);
}

/* Closes every handle but the process, which is closed once it exited:
 * libuv reaps only the children whose handle is open. */
static void
close_all(struct spawn *s)
{
	close_handle(s, (uv_handle_t *)&s->in);
	close_handle(s, (uv_handle_t *)&s->out);
	close_handle(s, (uv_handle_t *)&s->err);
	close_handle(s, (uv_handle_t *)&s->timer);
	if (!s->started || s->exited)
		close_handle(s, (uv_handle_t *)&s->proc);
}

static void
kill_group(struct spawn *s)
{
	if (s->started && !s->exited)
		uv_kill(-s->proc.pid, SIGKILL);
}

static void
finish(struct spawn *s)
{
	struct spawn_result r;

	if (s->finished)
		return;
	s->finished = 1;
	memset(&r, 0, sizeof(r));
	if (s->term_signal != 0)
		r.term_signal = s->term_signal;
	else
		r.exit_status = (int)s->status;
	r.timed_out = s->timed_out;
	r.out = s->cout.buf != NULL ? s->cout.buf : "";
	r.out_len = s->cout.len;
	r.out_truncated = s->cout.truncated;
	r.err = s->cerr.buf != NULL ? s->cerr.buf : "";
	r.err_len = s->cerr.len;
	r.err_truncated = s->cerr.truncated;
	close_all(s);
	/* Last: cb may cancel other runs or free what arg points to. */
	s->cb(&r, s->arg);
}

static void
check_done(struct spawn *s)
{
	if (s->exited && s->out_eof && s->err_eof)
		finish(s);
}

static void
proc_exited(uv_process_t *p, int64_t status, int sig)
{
	struct spawn *s = p->data;

	s->exited = 1;
	s->status = status;
	s->term_signal = sig;
	if (s->finished)
		close_handle(s, (uv_handle_t *)&s->proc);
	else
		check_done(s);
}

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct spawn *s = h->data;
	struct capture *c = h == (uv_handle_t *)&s->out ? &s->cout : &s->cerr;
	/* Bytes past the cap are read and dropped: nobody reads this. */
	static char discard[4096];

	if (c->len < c->max)
		*b = uv_buf_init(c->buf + c->len, (unsigned)(c->max - c->len));
	else
		*b = uv_buf_init(discard, sizeof(discard));
}

static void
on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct spawn *s = st->data;
	int is_out = st == (uv_stream_t *)&s->out;
	struct capture *c = is_out ? &s->cout : &s->cerr;

	if (n > 0) {
		if (b->base == c->buf + c->len && c->len < c->max) {
			c->len += (size_t)n;
			c->buf[c->len] = '\0';
		} else {
			c->truncated = 1;
		}
		return;
	}
	if (n == 0)
		return;
	uv_read_stop(st);
	if (is_out)
		s->out_eof = 1;
	else
		s->err_eof = 1;
	check_done(s);
}

static void
on_timer(uv_timer_t *t)
{
	struct spawn *s = t->data;

	if (s->dry) {
		finish(s);
		return;
	}
	if (!s->exited && !s->timed_out) {
		s->timed_out = 1;
		log_warnx("%s: pid %d timed out, killing its process group",
		    s->what, s->proc.pid);
		kill_group(s);
		/* Give the group a moment to go, then stop waiting for EOF. */
		uv_timer_start(&s->timer, on_timer, SPAWN_GRACE_MS, 0);
		return;
	}
	if (!s->exited) {
		/* SIGKILLed: its exit is on the way. */
		uv_timer_start(&s->timer, on_timer, SPAWN_GRACE_MS, 0);
		return;
	}
	/* Exited, but a descendant outside the group holds a pipe open. */
	s->out_eof = s->err_eof = 1;
	finish(s);
}

static void
on_written(uv_write_t *w, int status)
{
	struct spawn *s = w->data;

	close_handle(s, (uv_handle_t *)&s->in);
}

static int
capture_init(struct capture *c, size_t max)
{
	c->max = max;
	c->len = 0;
	if ((c->buf = malloc(max + 1)) == NULL)
		return -ENOMEM;
	c->buf[0] = '\0';
	return 0;
}

static void
init_handle(struct spawn *s, uv_handle_t *h)
{
	h->data = s;
	s->open_handles++;
}

int
spawn_start(uv_loop_t *loop, const struct spawn_params *p, spawn_cb cb,
    void *arg, struct spawn **ret)
{
	struct spawn *s;
	uv_process_options_t po;
	uv_stdio_container_t stdio[3];
	size_t argc = 0;
	int r;

	if (p == NULL || p->argv == NULL || p->argv[0] == NULL || cb == NULL)
		return -EINVAL;
	while (p->argv[argc] != NULL)
		if (++argc > SPAWN_ARGV_MAX)
			return -E2BIG;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->cb = cb;
	s->arg = arg;
	snprintf(s->what, sizeof(s->what), "%s",
	    p->what != NULL ? p->what : p->argv[0]);
	if (capture_init(&s->cout, p->dry_run ? 0 : p->out_max) < 0 ||
	    capture_init(&s->cerr, p->dry_run ? 0 : p->err_max) < 0 ||
	    (p->input != NULL && p->input_len > 0 && !p->dry_run &&
		(s->input = malloc(p->input_len)) == NULL)) {
		spawn_free(s);
		return -ENOMEM;
	}
	if (s->input != NULL) {
		memcpy(s->input, p->input, p->input_len);
		s->input_len = p->input_len;
	}
	uv_timer_init(loop, &s->timer);
	init_handle(s, (uv_handle_t *)&s->timer);
	if (p->dry_run) {
		s->dry = 1;
		uv_timer_start(&s->timer, on_timer, 0, 0);
		*ret = s;
		return 0;
	}

	memset(stdio, 0, sizeof(stdio));
	if (s->input != NULL) {
		uv_pipe_init(loop, &s->in, 0);
		init_handle(s, (uv_handle_t *)&s->in);
		stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
		stdio[0].data.stream = (uv_stream_t *)&s->in;
	} else {
		stdio[0].flags = UV_IGNORE;
	}
	uv_pipe_init(loop, &s->out, 0);
	init_handle(s, (uv_handle_t *)&s->out);
	uv_pipe_init(loop, &s->err, 0);
	init_handle(s, (uv_handle_t *)&s->err);
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&s->out;
	stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[2].data.stream = (uv_stream_t *)&s->err;
	memset(&po, 0, sizeof(po));
	po.file = p->argv[0];
	po.args = (char **)p->argv;
	po.env = (char **)(p->env != NULL ? p->env : default_env);
	po.cwd = p->cwd != NULL ? p->cwd : "/";
	/* setsid(): the child leads its own process group. */
	po.flags = UV_PROCESS_DETACHED;
	if (p->set_ids) {
		po.flags |= UV_PROCESS_SETUID | UV_PROCESS_SETGID;
		po.uid = p->uid;
		po.gid = p->gid;
	}
	po.stdio = stdio;
	po.stdio_count = 3;
	po.exit_cb = proc_exited;
	if ((r = uv_spawn(loop, &s->proc, &po)) < 0) {
		/* libuv initialised the handle: it is closed like the rest. */
		init_handle(s, (uv_handle_t *)&s->proc);
		s->finished = 1;
		close_all(s);
		return r;
	}
	init_handle(s, (uv_handle_t *)&s->proc);
	s->started = 1;
	log_debug("%s: running %s (pid %d)", s->what, p->argv[0], s->proc.pid);
	if (p->timeout_ms > 0)
		uv_timer_start(&s->timer, on_timer, p->timeout_ms, 0);
	uv_read_start((uv_stream_t *)&s->out, on_alloc, on_read);
	uv_read_start((uv_stream_t *)&s->err, on_alloc, on_read);
	if (s->input != NULL) {
		uv_buf_t b = uv_buf_init(s->input, (unsigned)s->input_len);

		s->wreq.data = s;
		if (uv_write(
			&s->wreq, (uv_stream_t *)&s->in, &b, 1, on_written) < 0)
			close_handle(s, (uv_handle_t *)&s->in);
	}
	*ret = s;
	return 0;
}

const char *
spawn_result_errline(const struct spawn_result *r, char *buf, size_t size)
{
	size_t i, n = 0;

	for (i = 0; r->err != NULL && i < r->err_len && n + 1 < size; i++) {
		unsigned char c = (unsigned char)r->err[i];

		if (c == '\n' && n > 0)
			break;
		if (c >= 0x20 && c != 0x7f)
			buf[n++] = (char)c;
	}
	if (size > 0)
		buf[n] = '\0';
	return buf;
}

void
spawn_cancel(struct spawn *s)
{
	if (s == NULL || s->finished)
		return;
	s->finished = 1;
	kill_group(s);
	close_all(s);
}

void
spawn_kill(struct spawn *s)
{
	if (s != NULL && !s->finished)
		kill_group(s);
}

pid_t
spawn_pid(const struct spawn *s)
{
	return s->started ? s->proc.pid : 0;
}
