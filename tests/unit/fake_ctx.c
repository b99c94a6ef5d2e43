/* fake_ctx.c: see fake_ctx.h. */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plugins/plugin.h"
#include "plugins/registry.h"
#include "tests/unit/fake_ctx.h"

struct buf {
	char *p;
	size_t len;
	int truncated;
};

struct pending {
	struct pending *next;
	action_spawn_cb spawn_cb;
	void (*lock_cb)(struct action_ctx *, void *);
	void *arg;
	struct buf out, err;
	struct spawn_result result;
};

struct action_ctx {
	const char *agent;
	const char *action;
	const char *caller;
	const struct node_info *node;
	void *plugin_data;
	int dry_run;
	size_t cap;
	int default_timeout_ms;

	struct pending *pending; /* FIFO */

	int done_count;
	int status;
	char *msg;
	json_t *data;

	int spawn_count;
	char **last_argv;
	char *last_input;
	json_t *commands;
};

struct action_ctx *
fake_ctx_new(const char *agent, const char *action,
    const struct node_info *node, void *plugin_data)
{
	struct action_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL)
		abort();
	/* A child that stops reading its stdin must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	c->agent = agent;
	c->action = action;
	c->caller = "uid=1000";
	c->node = node;
	c->plugin_data = plugin_data;
	c->cap = 1024 * 1024;
	c->default_timeout_ms = 10000;
	c->status = -1;
	c->commands = json_array();
	return c;
}

static void
free_argv(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static void
free_pending(struct pending *p)
{
	free(p->out.p);
	free(p->err.p);
	free(p);
}

void
fake_ctx_free(struct action_ctx *c)
{
	struct pending *p;

	if (c == NULL)
		return;
	while ((p = c->pending) != NULL) {
		c->pending = p->next;
		free_pending(p);
	}
	free(c->msg);
	json_decref(c->data);
	free_argv(c->last_argv);
	free(c->last_input);
	json_decref(c->commands);
	free(c);
}

void
fake_ctx_set_dry_run(struct action_ctx *c, int dry_run)
{
	c->dry_run = dry_run;
}

void
fake_ctx_set_caller(struct action_ctx *c, const char *caller)
{
	c->caller = caller;
}

void
fake_ctx_set_output_cap(struct action_ctx *c, size_t cap)
{
	c->cap = cap;
}

void
fake_ctx_set_default_timeout(struct action_ctx *c, int timeout_ms)
{
	c->default_timeout_ms = timeout_ms;
}

int
fake_ctx_run(struct action_ctx *c)
{
	struct pending *p;
	int n = 0;

	while ((p = c->pending) != NULL) {
		c->pending = p->next;
		if (p->spawn_cb != NULL)
			p->spawn_cb(c, &p->result, p->arg);
		else
			p->lock_cb(c, p->arg);
		free_pending(p);
		n++;
	}
	return n;
}

struct action_ctx *
fake_ctx_call(const struct registry *r, const char *agent, const char *action,
    const json_t *input, const struct node_info *node, int dry_run)
{
	const struct plugin_action *a;
	struct action_ctx *c;
	json_t *data = input != NULL ? json_deep_copy(input) : json_object();
	void *pd;

	if (registry_lookup(r, agent, action, &a, &pd) != 0) {
		fprintf(
		    stderr, "fake_ctx_call: no action %s.%s\n", agent, action);
		abort();
	}
	c = fake_ctx_new(agent, action, node, pd);
	c->dry_run = dry_run;
	a->run(c, data);
	fake_ctx_run(c);
	json_decref(data);
	return c;
}

int
fake_ctx_done_count(const struct action_ctx *c)
{
	return c->done_count;
}

int
fake_ctx_status(const struct action_ctx *c)
{
	return c->status;
}

const char *
fake_ctx_msg(const struct action_ctx *c)
{
	return c->msg;
}

const json_t *
fake_ctx_data(const struct action_ctx *c)
{
	return c->data;
}

int
fake_ctx_spawn_count(const struct action_ctx *c)
{
	return c->spawn_count;
}

const char *const *
fake_ctx_last_argv(const struct action_ctx *c)
{
	return (const char *const *)c->last_argv;
}

const char *
fake_ctx_last_input(const struct action_ctx *c)
{
	return c->last_input;
}

const json_t *
fake_ctx_commands(const struct action_ctx *c)
{
	return c->commands;
}

/* The plugin.h side. */

const char *
action_agent(const struct action_ctx *c)
{
	return c->agent;
}

const char *
action_name(const struct action_ctx *c)
{
	return c->action;
}

const char *
action_request_id(const struct action_ctx *c)
{
	return "0123456789abcdef0123456789abcdef";
}

const char *
action_caller(const struct action_ctx *c)
{
	return c->caller;
}

int
action_dry_run(const struct action_ctx *c)
{
	return c->dry_run;
}

const struct node_info *
action_node(const struct action_ctx *c)
{
	return c->node;
}

void *
action_plugin_data(const struct action_ctx *c)
{
	return c->plugin_data;
}

void
action_done(struct action_ctx *c, int status, const char *msg, json_t *data)
{
	c->done_count++;
	c->status = status;
	free(c->msg);
	c->msg = strdup(msg != NULL ? msg : "");
	json_decref(c->data);
	c->data = data != NULL ? data : json_object();
}

static void
enqueue(struct action_ctx *c, struct pending *p)
{
	struct pending **tail = &c->pending;

	while (*tail != NULL)
		tail = &(*tail)->next;
	*tail = p;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads what fd has; returns 0 at end of file, 1 otherwise. */
static int
drain(int fd, struct buf *b, size_t cap)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof(chunk));
	size_t keep;

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return 0;
	keep = (size_t)n;
	if (b->len + keep > cap) {
		keep = cap - b->len;
		b->truncated = 1;
	}
	memcpy(b->p + b->len, chunk, keep);
	b->len += keep;
	b->p[b->len] = '\0';
	return 1;
}

static void
child(const struct spawn_options *o, int in, int out, int err, int status)
{
	static const char *const minimal_env[] = {
	    "PATH=/usr/local/bin:/usr/bin:/bin",
	    NULL,
	};
	int e;

	setpgid(0, 0);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0 ||
	    chdir(o->cwd != NULL ? o->cwd : "/") < 0) {
		e = errno;
		(void)!write(status, &e, sizeof(e));
		_exit(127);
	}
	signal(SIGPIPE, SIG_DFL);
	execve(o->argv[0], (char *const *)o->argv,
	    (char *const *)(o->env != NULL ? o->env : minimal_env));
	e = errno;
	(void)!write(status, &e, sizeof(e));
	_exit(127);
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Runs the program to its end (or the timeout) and fills p->result. */
static int
run(struct action_ctx *c, const struct spawn_options *o, struct pending *p)
{
	int in[2], out[2], err[2], st[2], e, wstatus;
	int timeout = o->timeout_ms > 0 ? o->timeout_ms : c->default_timeout_ms;
	int64_t deadline = mono_ms() + timeout;
	size_t written = 0;
	struct pollfd fds[3];
	pid_t pid;
	ssize_t n;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    pipe2(err, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0)
		abort();
	if ((pid = fork()) < 0)
		abort();
	if (pid == 0)
		child(o, in[0], out[1], err[1], st[1]);
	setpgid(pid, pid);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	close(st[1]);
	/* exec failed: an error now, like the agent's spawn. */
	n = read(st[0], &e, sizeof(e));
	close(st[0]);
	if (n == (ssize_t)sizeof(e)) {
		close(in[1]);
		close(out[0]);
		close(err[0]);
		waitpid(pid, &wstatus, 0);
		return -e;
	}
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	if (o->input == NULL || o->input_len == 0)
		close_fd(&in[1]);
	while (out[0] >= 0 || err[0] >= 0) {
		int64_t left = deadline - mono_ms();

		if (left <= 0) {
			kill(-pid, SIGKILL);
			p->result.timed_out = 1;
			break;
		}
		fds[0] = (struct pollfd){.fd = out[0], .events = POLLIN};
		fds[1] = (struct pollfd){.fd = err[0], .events = POLLIN};
		fds[2] = (struct pollfd){.fd = in[1], .events = POLLOUT};
		if (poll(fds, 3, (int)left) < 0 && errno != EINTR)
			abort();
		if (fds[0].revents != 0 && !drain(out[0], &p->out, c->cap))
			close_fd(&out[0]);
		if (fds[1].revents != 0 && !drain(err[0], &p->err, c->cap))
			close_fd(&err[0]);
		if (fds[2].revents & (POLLERR | POLLHUP))
			close_fd(&in[1]);
		else if (fds[2].revents & POLLOUT) {
			n = write(
			    in[1], o->input + written, o->input_len - written);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				close_fd(&in[1]);
			else if (n > 0 &&
			    (written += (size_t)n) == o->input_len)
				close_fd(&in[1]);
		}
	}
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&err[0]);
	/* A program may close its output and go on: the timeout still holds. */
	while (!p->result.timed_out && waitpid(pid, &wstatus, WNOHANG) == 0) {
		if (mono_ms() >= deadline) {
			kill(-pid, SIGKILL);
			p->result.timed_out = 1;
		} else
			usleep(5000);
	}
	if (p->result.timed_out)
		waitpid(pid, &wstatus, 0);
	if (WIFSIGNALED(wstatus))
		p->result.term_signal = WTERMSIG(wstatus);
	else
		p->result.exit_status = WEXITSTATUS(wstatus);
	return 0;
}

static char **
copy_argv(const char *const *argv)
{
	size_t n = 0, i;
	char **v;

	while (argv[n] != NULL)
		n++;
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		abort();
	for (i = 0; i < n; i++)
		if ((v[i] = strdup(argv[i])) == NULL)
			abort();
	return v;
}

int
action_spawn(struct action_ctx *c, const struct spawn_options *o,
    action_spawn_cb cb, void *arg)
{
	struct pending *p;
	json_t *cmd;
	size_t i;
	int rc = 0;

	if (o == NULL || o->argv == NULL || o->argv[0] == NULL || cb == NULL)
		return -EINVAL;
	c->spawn_count++;
	free_argv(c->last_argv);
	c->last_argv = copy_argv(o->argv);
	free(c->last_input);
	c->last_input = strndup(o->input != NULL ? o->input : "",
	    o->input != NULL ? o->input_len : 0);
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->out.p = calloc(1, c->cap + 1)) == NULL ||
	    (p->err.p = calloc(1, c->cap + 1)) == NULL)
		abort();
	if (c->dry_run) {
		cmd = json_array();
		for (i = 0; o->argv[i] != NULL; i++)
			json_array_append_new(cmd, json_string(o->argv[i]));
		json_array_append_new(c->commands, cmd);
	} else if ((rc = run(c, o, p)) < 0) {
		free_pending(p);
		return rc;
	}
	p->spawn_cb = cb;
	p->arg = arg;
	p->result.out = p->out.p;
	p->result.out_len = p->out.len;
	p->result.out_truncated = p->out.truncated;
	p->result.err = p->err.p;
	p->result.err_len = p->err.len;
	p->result.err_truncated = p->err.truncated;
	enqueue(c, p);
	return 0;
}

int
action_lock(struct action_ctx *c, const char *key,
    void (*cb)(struct action_ctx *ctx, void *arg), void *arg)
{
	struct pending *p = calloc(1, sizeof(*p));

	if (p == NULL)
		abort();
	p->lock_cb = cb;
	p->arg = arg;
	enqueue(c, p);
	return 0;
}
