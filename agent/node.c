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
#include "spawn.h"
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
node_build(const struct node_sources *s, const char *cmd_out, size_t cmd_len,
    struct node **ret, struct error *err)
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
	if (cmd_out != NULL) {
		error_init(err, "facts_command");
		if ((text = malloc(cmd_len + 1)) == NULL) {
			r = -ENOMEM;
			goto fail;
		}
		memcpy(text, cmd_out, cmd_len);
		text[cmd_len] = '\0';
		if ((r = merge_facts(
			 n->facts, text, cmd_len, "facts_command", err)) < 0)
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

/* The facts command running: what it needs once done. */
struct node_load {
	char *facts_file;
	char *classes_file;
	char *cmdline; /* cut into argv */
	const char *argv[NODE_ARGV_MAX + 1];
	long long timeout_ms;
	struct spawn *spawn;
	node_load_cb cb;
	void *arg;
};

static void
load_free(struct node_load *l)
{
	free(l->facts_file);
	free(l->classes_file);
	free(l->cmdline);
	free(l);
}

static char *
dup_or_null(const char *s, int *failed)
{
	char *d = NULL;

	if (s != NULL && (d = strdup(s)) == NULL)
		*failed = 1;
	return d;
}

/* Says how the command failed in err; 0 when it did not. */
static int
command_failed(
    const struct node_load *l, const struct spawn_result *r, struct error *err)
{
	const char *prog = l->argv[0];
	char line[160];

	spawn_result_errline(r, line, sizeof(line));
	if (r->timed_out) {
		error_set(err, 0, 0, "%s timed out after %lld ms", prog,
		    l->timeout_ms);
		return MCE_TIMEOUT;
	}
	if (r->term_signal != 0 || r->exit_status != 0) {
		error_set(err, 0, 0, "%s failed with %s %d%s%s", prog,
		    r->term_signal ? "signal" : "exit status",
		    r->term_signal ? r->term_signal : r->exit_status,
		    line[0] != '\0' ? ": " : "", line);
		return MCE_CONFIG;
	}
	if (r->out_truncated) {
		error_set(err, 0, 0, "%s printed more than %d bytes", prog,
		    NODE_FILE_MAX);
		return MCE_TOOBIG;
	}
	return 0;
}

static void
command_done(const struct spawn_result *res, void *arg)
{
	struct node_load *l = arg;
	struct node_sources s = {
	    .facts_file = l->facts_file,
	    .classes_file = l->classes_file,
	};
	struct node *n = NULL;
	struct error err;
	int r;

	error_init(&err, "facts_command");
	if ((r = command_failed(l, res, &err)) == 0)
		r = node_build(&s, res->out, res->out_len, &n, &err);
	l->cb(r, n, &err, l->arg);
	load_free(l);
}

void
node_load_start(uv_loop_t *loop, const struct node_sources *s, node_load_cb cb,
    void *arg, struct node_load **ret)
{
	struct node_load *l;
	struct node *n = NULL;
	struct error err;
	char *tok, *save = NULL;
	size_t argc = 0;
	int r, failed = 0;

	*ret = NULL;
	error_init(&err, "facts_command");
	if (s->facts_command == NULL) {
		r = node_build(s, NULL, 0, &n, &err);
		cb(r, n, &err, arg);
		return;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		cb(-ENOMEM, NULL, &err, arg);
		return;
	}
	l->facts_file = dup_or_null(s->facts_file, &failed);
	l->classes_file = dup_or_null(s->classes_file, &failed);
	l->cmdline = dup_or_null(s->facts_command, &failed);
	l->timeout_ms = s->command_timeout_ms;
	l->cb = cb;
	l->arg = arg;
	if (failed) {
		load_free(l);
		cb(-ENOMEM, NULL, &err, arg);
		return;
	}
	for (tok = strtok_r(l->cmdline, " \t", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (argc == NODE_ARGV_MAX) {
			error_set(&err, 0, 0, "too many arguments");
			break;
		}
		l->argv[argc++] = tok;
	}
	if (tok == NULL && argc == 0)
		error_set(&err, 0, 0, "empty command");
	if (err.text[0] == '\0') {
		struct spawn_params p = {
		    .argv = l->argv,
		    .out_max = NODE_FILE_MAX,
		    .err_max = 4096,
		    .timeout_ms = (uint64_t)l->timeout_ms,
		    .what = "facts",
		};

		if ((r = spawn_start(loop, &p, command_done, l, &l->spawn)) ==
		    0) {
			*ret = l;
			return;
		}
		error_set(&err, 0, 0, "cannot run %s: %s", l->argv[0],
		    uv_strerror(r));
	}
	load_free(l);
	cb(MCE_CONFIG, NULL, &err, arg);
}

void
node_load_cancel(struct node_load *l)
{
	if (l == NULL)
		return;
	spawn_cancel(l->spawn);
	load_free(l);
}

/* node_load(): where the outcome of the load goes. */
struct load_wait {
	int done;
	int r;
	struct node *n;
	struct error *err;
};

static void
load_waited(int r, struct node *n, const struct error *err, void *arg)
{
	struct load_wait *w = arg;

	w->done = 1;
	w->r = r;
	w->n = n;
	*w->err = *err;
}

int
node_load(uv_loop_t *loop, const struct node_sources *s, struct node **ret,
    struct error *err)
{
	struct load_wait w = {.err = err};
	struct node_load *l;

	node_load_start(loop, s, load_waited, &w, &l);
	while (!w.done)
		uv_run(loop, UV_RUN_ONCE);
	if (w.r == 0)
		*ret = w.n;
	return w.r;
}
