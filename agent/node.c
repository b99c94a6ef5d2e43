/* node.c: facts and classes. See node.h. */
#include "buildconf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "message.h"
#include "file.h"
#include "node.h"
#include "strv.h"

#define NODE_FILE_MAX (4 * 1024 * 1024)
/* Facts and classes decide which requests a node runs: only root or the
 * agent's own user may write them. */
#define NODE_FILE_FLAGS (FILE_REGULAR | FILE_TRUSTED | FILE_TEXT)
#define NODE_ARGV_MAX 64

static json_t *
scalar_value(const char *v)
{
	char *end;

	if (*v == '\0')
		return json_string("");
	if (strcmp(v, "true") == 0)
		return json_true();
	if (strcmp(v, "false") == 0)
		return json_false();
	errno = 0;
	long long ll = strtoll(v, &end, 10);
	if (*end == '\0' && errno == 0 &&
	    (isdigit((unsigned char)*v) ||
		(*v == '-' && isdigit((unsigned char)v[1]))))
		return json_integer(ll);
	double d = strtod(v, &end);
	if (*end == '\0' && errno == 0 &&
	    (isdigit((unsigned char)*v) ||
		(*v == '-' && isdigit((unsigned char)v[1]))))
		return json_real(d);
	return json_string(v);
}

/* Sets facts["a"]["b"]["c"] = value for key "a.b.c"; steals value. */
static int
set_dotted(json_t *facts, char *key, json_t *value)
{
	json_t *obj = facts;
	char *dot;

	while ((dot = strchr(key, '.')) != NULL) {
		json_t *sub;

		*dot = '\0';
		if (*key == '\0')
			break;
		sub = json_object_get(obj, key);
		if (sub == NULL || !json_is_object(sub)) {
			sub = json_object();
			if (json_object_set_new(obj, key, sub) != 0) {
				json_decref(value);
				return -1;
			}
		}
		obj = sub;
		key = dot + 1;
	}
	if (*key == '\0') {
		json_decref(value);
		return -1;
	}
	return json_object_set_new(obj, key, value);
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

json_t *
node_parse_facts(
    const char *text, size_t len, const char *source, struct error *err)
{
	json_t *facts;
	char *copy, *line, *next;
	int lineno = 0;
	size_t i = 0;

	error_init(err, source);
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	if (i < len && text[i] == '{') {
		struct error jerr;

		error_init(&jerr, source);
		facts = message_parse_json(text, len, &jerr);
		if (facts == NULL) {
			*err = jerr;
			return NULL;
		}
		if (!json_is_object(facts)) {
			error_set(err, 1, 1, "facts must be a JSON object");
			json_decref(facts);
			return NULL;
		}
		return facts;
	}
	if (memchr(text, '\0', len) != NULL) {
		error_set(err, 0, 0, "NUL byte in facts");
		return NULL;
	}
	if ((copy = strndup(text, len)) == NULL)
		return NULL;
	facts = json_object();
	for (line = copy; line != NULL && facts != NULL; line = next) {
		char *colon, *key, *val;
		size_t vl;

		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		key = trim(line);
		if (*key == '\0' || *key == '#' || strcmp(key, "---") == 0)
			continue;
		if ((colon = strchr(key, ':')) == NULL) {
			error_set(err, lineno, 1, "expected \"key: value\"");
			goto fail;
		}
		*colon = '\0';
		val = trim(colon + 1);
		key = trim(key);
		if (*key == '\0' || strchr(key, ' ') != NULL) {
			error_set(err, lineno, 1, "malformed fact name");
			goto fail;
		}
		vl = strlen(val);
		if (vl >= 2 &&
		    ((val[0] == '"' && val[vl - 1] == '"') ||
			(val[0] == '\'' && val[vl - 1] == '\''))) {
			val[vl - 1] = '\0';
			if (set_dotted(facts, key, json_string(val + 1)) != 0)
				goto badkey;
		} else if (set_dotted(facts, key, scalar_value(val)) != 0) {
			goto badkey;
		}
	}
	free(copy);
	return facts;
badkey:
	error_set(err, lineno, 1, "malformed fact name or value");
fail:
	json_decref(facts);
	free(copy);
	return NULL;
}

int
node_parse_classes(
    const char *text, size_t len, char ***ret, size_t *ret_n, struct error *err)
{
	struct strv v = STRV_INIT;
	size_t i = 0;
	int lineno = 0;

	while (i < len) {
		size_t j = i;
		char buf[256], *c;

		lineno++;
		while (j < len && text[j] != '\n')
			j++;
		if (j - i >= sizeof(buf)) {
			error_set(err, lineno, 1, "class name too long");
			strv_clear(&v);
			return MCE_CONFIG;
		}
		memcpy(buf, text + i, j - i);
		buf[j - i] = '\0';
		i = j + 1;
		c = trim(buf);
		if (*c == '\0' || *c == '#')
			continue;
		for (char *p = c; *p != '\0'; p++)
			if (isspace((unsigned char)*p) ||
			    !isprint((unsigned char)*p)) {
				error_set(err, lineno, (int)(p - buf) + 1,
				    "blank or control character in class name");
				strv_clear(&v);
				return MCE_CONFIG;
			}
		if (strv_push(&v, c) < 0) {
			strv_clear(&v);
			return -ENOMEM;
		}
	}
	*ret_n = v.n;
	/* Fails only for an empty v, which holds nothing to free. */
	return (*ret = strv_steal(&v)) != NULL ? 0 : -ENOMEM;
}

/* node_run_command(): a private loop, so start-up and reload stay simple. */
struct cmd_run {
	uv_process_t proc;
	uv_pipe_t out;
	uv_timer_t timer;
	char *buf;
	size_t len, max;
	int exited, eof, timed_out, truncated;
	int64_t status;
	int signal;
};

static void
cmd_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct cmd_run *c = h->data;
	size_t room = c->max + 1 - c->len;
	static char sink[4096];

	if (room <= 1) {
		*b = uv_buf_init(sink, sizeof(sink));
		return;
	}
	*b = uv_buf_init(c->buf + c->len, (unsigned)(room - 1));
}

static void
cmd_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct cmd_run *c = s->data;

	if (n > 0) {
		if (b->base >= c->buf && b->base < c->buf + c->max + 1)
			c->len += (size_t)n;
		else
			c->truncated = 1;
	} else if (n < 0) {
		c->eof = 1;
		uv_close((uv_handle_t *)s, NULL);
		if (c->exited)
			uv_close((uv_handle_t *)&c->timer, NULL);
	}
}

static void
cmd_exit(uv_process_t *p, int64_t status, int sig)
{
	struct cmd_run *c = p->data;

	c->exited = 1;
	c->status = status;
	c->signal = sig;
	uv_close((uv_handle_t *)p, NULL);
	if (c->eof)
		uv_close((uv_handle_t *)&c->timer, NULL);
}

static void
cmd_timeout(uv_timer_t *t)
{
	struct cmd_run *c = t->data;

	c->timed_out = 1;
	if (!c->exited) {
		uv_kill(-c->proc.pid, SIGKILL);
	} else if (!c->eof) {
		/* A descendant outside the group holds the pipe open. */
		c->eof = 1;
		uv_close((uv_handle_t *)&c->out, NULL);
		uv_close((uv_handle_t *)t, NULL);
	}
}

int
node_run_command(const char *cmdline, long long timeout_ms, size_t max,
    char **ret_out, size_t *ret_len, struct error *err)
{
	uv_loop_t loop;
	struct cmd_run c;
	uv_process_options_t o;
	uv_stdio_container_t stdio[3];
	char *argv[NODE_ARGV_MAX + 1], *copy, *tok, *save = NULL;
	char *env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
		       "/sbin:/bin",
	    NULL};
	int argc = 0, r;

	if ((copy = strdup(cmdline)) == NULL)
		return -ENOMEM;
	for (tok = strtok_r(copy, " \t", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (argc == NODE_ARGV_MAX) {
			error_set(err, 0, 0, "too many arguments");
			free(copy);
			return MCE_CONFIG;
		}
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	if (argc == 0) {
		free(copy);
		error_set(err, 0, 0, "empty command");
		return MCE_CONFIG;
	}
	memset(&c, 0, sizeof(c));
	c.max = max;
	if ((c.buf = malloc(max + 1)) == NULL) {
		free(copy);
		return -ENOMEM;
	}
	if ((r = uv_loop_init(&loop)) < 0) {
		free(copy);
		free(c.buf);
		return r;
	}
	uv_pipe_init(&loop, &c.out, 0);
	c.out.data = &c;
	memset(&o, 0, sizeof(o));
	memset(stdio, 0, sizeof(stdio));
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&c.out;
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = 2;
	o.file = argv[0];
	o.args = argv;
	o.env = env;
	o.cwd = "/";
	o.flags = UV_PROCESS_DETACHED;
	o.stdio = stdio;
	o.stdio_count = 3;
	o.exit_cb = cmd_exit;
	c.proc.data = &c;
	if ((r = uv_spawn(&loop, &c.proc, &o)) < 0) {
		error_set(
		    err, 0, 0, "cannot run %s: %s", argv[0], uv_strerror(r));
		uv_close((uv_handle_t *)&c.out, NULL);
		uv_close((uv_handle_t *)&c.proc, NULL);
		uv_run(&loop, UV_RUN_DEFAULT);
		uv_loop_close(&loop);
		free(copy);
		free(c.buf);
		return MCE_CONFIG;
	}
	uv_timer_init(&loop, &c.timer);
	c.timer.data = &c;
	uv_timer_start(&c.timer, cmd_timeout, (uint64_t)timeout_ms, 0);
	uv_read_start((uv_stream_t *)&c.out, cmd_alloc, cmd_read);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	c.buf[c.len] = '\0';
	r = 0;
	if (c.timed_out) {
		error_set(err, 0, 0, "%s timed out after %lld ms", argv[0],
		    timeout_ms);
		r = MCE_TIMEOUT;
	} else if (c.signal != 0 || c.status != 0) {
		error_set(err, 0, 0, "%s failed (%s %d)", argv[0],
		    c.signal ? "signal" : "exit status",
		    c.signal ? c.signal : (int)c.status);
		r = MCE_CONFIG;
	} else if (c.truncated) {
		error_set(
		    err, 0, 0, "%s printed more than %zu bytes", argv[0], max);
		r = MCE_TOOBIG;
	}
	free(copy);
	if (r < 0) {
		free(c.buf);
		return r;
	}
	*ret_out = c.buf;
	*ret_len = c.len;
	return 0;
}

struct node *
node_hold(struct node *n)
{
	n->refs++;
	return n;
}

void
node_free(struct node *n)
{
	if (n == NULL || --n->refs > 0)
		return;
	json_decref(n->facts);
	strv_free(n->classes);
	free(n);
}

/* Parses text (freed here) and adds its facts over those in facts. */
static int
merge_facts(json_t *facts, char *text, size_t len, const char *source,
    struct error *err)
{
	json_t *f = node_parse_facts(text, len, source, err);

	free(text);
	if (f == NULL)
		return MCE_CONFIG;
	json_object_update(facts, f);
	json_decref(f);
	return 0;
}

int
node_load(const struct node_sources *s, struct node **ret, struct error *err)
{
	struct node *n = calloc(1, sizeof(*n));
	char *text = NULL;
	size_t len;
	int r;

	if (n == NULL)
		return -ENOMEM;
	n->refs = 1;
	n->facts = json_object();
	if (s->facts_file != NULL) {
		error_init(err, s->facts_file);
		if ((r = file_read(s->facts_file, NODE_FILE_FLAGS,
			 NODE_FILE_MAX, &text, &len, err)) < 0 ||
		    (r = merge_facts(n->facts, text, len, s->facts_file, err)) <
			0)
			goto fail;
	}
	if (s->facts_command != NULL) {
		error_init(err, "facts_command");
		if ((r = node_run_command(s->facts_command,
			 s->command_timeout_ms, NODE_FILE_MAX, &text, &len,
			 err)) < 0 ||
		    (r = merge_facts(
			 n->facts, text, len, "facts_command", err)) < 0)
			goto fail;
	}
	if (s->classes_file != NULL) {
		error_init(err, s->classes_file);
		if ((r = file_read(s->classes_file, NODE_FILE_FLAGS,
			 NODE_FILE_MAX, &text, &len, err)) < 0)
			goto fail;
		r = node_parse_classes(
		    text, len, &n->classes, &n->nclasses, err);
		free(text);
		if (r < 0)
			goto fail;
	} else if ((n->classes = calloc(1, sizeof(char *))) == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	*ret = n;
	return 0;
fail:
	node_free(n);
	return r;
}
