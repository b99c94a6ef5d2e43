/* plan.c: building a plan and showing it. See plan.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "plugins/service/plan.h"

static void
step_clear(struct plan_step *s)
{
	free(s->path);
	free(s->target);
	free(s->content);
	strv_free(s->argv);
	free(s->what);
	memset(s, 0, sizeof(*s));
}

/* A copy of s, or NULL when s is NULL; *bad set when the copy failed. */
static char *
dup_or_null(const char *s, int *bad)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*bad = 1;
	return d;
}

static size_t
argv_len(const char *const *argv)
{
	size_t n = 0;

	while (argv != NULL && argv[n] != NULL)
		n++;
	return n;
}

/* Appends a deep copy of s; 0 or -ENOMEM (p unchanged). */
static int
push(struct plan *p, const struct plan_step *s)
{
	struct plan_step c = {.kind = s->kind,
	    .len = s->len,
	    .mode = s->mode,
	    .timeout_ms = s->timeout_ms,
	    .flags = s->flags};
	struct plan_step *n;
	size_t cap;
	int bad = 0;

	if (p->n == p->cap) {
		cap = p->cap == 0 ? 8 : p->cap * 2;
		if ((n = realloc(p->steps, cap * sizeof(*n))) == NULL)
			return -ENOMEM;
		p->steps = n;
		p->cap = cap;
	}
	c.path = dup_or_null(s->path, &bad);
	c.target = dup_or_null(s->target, &bad);
	c.what = dup_or_null(s->what, &bad);
	if (s->content != NULL) {
		if ((c.content = malloc(s->len + 1)) == NULL)
			bad = 1;
		else {
			memcpy(c.content, s->content, s->len);
			c.content[s->len] = '\0';
		}
	}
	if (s->argv != NULL &&
	    (c.argv = strv_copy((const char *const *)s->argv,
		 argv_len((const char *const *)s->argv))) == NULL)
		bad = 1;
	if (bad) {
		step_clear(&c);
		return -ENOMEM;
	}
	p->steps[p->n++] = c;
	return 0;
}

int
plan_mkdir(struct plan *p, const char *path, mode_t mode)
{
	struct plan_step s = {
	    .kind = PLAN_MKDIR, .path = (char *)path, .mode = mode};

	return push(p, &s);
}

int
plan_write(struct plan *p, const char *path, const char *content, size_t len,
    mode_t mode)
{
	struct plan_step s = {.kind = PLAN_WRITE,
	    .path = (char *)path,
	    .content = (char *)content,
	    .len = len,
	    .mode = mode};

	return push(p, &s);
}

int
plan_symlink(struct plan *p, const char *target, const char *path)
{
	struct plan_step s = {.kind = PLAN_SYMLINK,
	    .path = (char *)path,
	    .target = (char *)target};

	return push(p, &s);
}

int
plan_remove(struct plan *p, const char *path)
{
	struct plan_step s = {.kind = PLAN_REMOVE, .path = (char *)path};

	return push(p, &s);
}

int
plan_run(struct plan *p, const char *const *argv, int timeout_ms,
    unsigned flags, const char *what)
{
	struct plan_step s = {.kind = PLAN_RUN,
	    .argv = (char **)argv,
	    .timeout_ms = timeout_ms,
	    .flags = flags,
	    .what = (char *)what};

	if (argv == NULL || argv[0] == NULL)
		return -EINVAL;
	return push(p, &s);
}

int
plan_append(struct plan *p, const struct plan *src)
{
	size_t n0 = p->n, i;
	int r;

	for (i = 0; i < src->n; i++)
		if ((r = push(p, &src->steps[i])) < 0) {
			while (p->n > n0)
				step_clear(&p->steps[--p->n]);
			return r;
		}
	return 0;
}

void
plan_clear(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		step_clear(&p->steps[i]);
	free(p->steps);
	memset(p, 0, sizeof(*p));
}

static json_t *
mode_str(mode_t mode)
{
	char buf[8];

	snprintf(buf, sizeof(buf), "%04o", (unsigned)(mode & 07777));
	return json_string(buf);
}

static json_t *
step_json(const struct plan_step *s)
{
	json_t *o = json_object(), *a;
	char **v;

	switch (s->kind) {
	case PLAN_MKDIR:
		json_object_set_new(o, "mkdir", json_string(s->path));
		json_object_set_new(o, "mode", mode_str(s->mode));
		break;
	case PLAN_WRITE:
		json_object_set_new(o, "write", json_string(s->path));
		json_object_set_new(o, "mode", mode_str(s->mode));
		json_object_set_new(
		    o, "content", json_stringn(s->content, s->len));
		break;
	case PLAN_SYMLINK:
		json_object_set_new(o, "symlink", json_string(s->path));
		json_object_set_new(o, "target", json_string(s->target));
		break;
	case PLAN_REMOVE:
		json_object_set_new(o, "remove", json_string(s->path));
		break;
	case PLAN_RUN:
		a = json_array();
		for (v = s->argv; v != NULL && *v != NULL; v++)
			json_array_append_new(a, json_string(*v));
		json_object_set_new(o, "run", a);
		if (s->what != NULL)
			json_object_set_new(o, "what", json_string(s->what));
		break;
	}
	return o;
}

json_t *
plan_to_json(const struct plan *p)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < p->n; i++)
		json_array_append_new(a, step_json(&p->steps[i]));
	return a;
}
