/* groups.c: see groups.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "groups.h"
#include "source.h"

struct group {
	char *name;
	char **members;
	size_t n;
};

struct groups {
	struct group *v;
	size_t n;
};

void
groups_free(struct groups *g)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < g->n; i++) {
		for (size_t j = 0; j < g->v[i].n; j++)
			free(g->v[i].members[j]);
		free(g->v[i].members);
		free(g->v[i].name);
	}
	free(g->v);
	free(g);
}

const char *const *
groups_find(const struct groups *g, const char *name, size_t *ret_n)
{
	static const char *const none[1] = {NULL};

	*ret_n = 0;
	if (g == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->v[i].name, name) == 0) {
			*ret_n = g->v[i].n;
			return g->v[i].n > 0
			    ? (const char *const *)g->v[i].members
			    : none;
		}
	return NULL;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
name_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
			s[i] == '-' || s[i] == '.'))
			return 0;
	return n > 0;
}

static int
add_word(char ***v, size_t *n, const char *s, size_t len)
{
	char **p = realloc(*v, (*n + 1) * sizeof(**v));

	if (p == NULL)
		return -ENOMEM;
	*v = p;
	if ((p[*n] = strndup(s, len)) == NULL)
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* One line "name member ..." at [s, e); lineno for errors. */
static int
parse_line(struct groups *g, const char *text, size_t s, size_t e, int lineno,
    struct error *err)
{
	struct group *grp, *v;
	size_t i = s, w;
	size_t dummy;

	while (i < e && is_blank(text[i]))
		i++;
	if (i == e || text[i] == '#')
		return 0;
	for (w = i; i < e && !is_blank(text[i]); i++)
		;
	if (!name_ok(text + w, i - w)) {
		error_set(err, lineno, (int)(w - s) + 1,
		    "bad group name '%.*s' (letters, digits, _ - . only)",
		    (int)(i - w > 64 ? 64 : i - w), text + w);
		return MCE_CONFIG;
	}
	if ((v = realloc(g->v, (g->n + 1) * sizeof(*v))) == NULL)
		return -ENOMEM;
	g->v = v;
	grp = &g->v[g->n];
	memset(grp, 0, sizeof(*grp));
	if ((grp->name = strndup(text + w, i - w)) == NULL)
		return -ENOMEM;
	if (groups_find(g, grp->name, &dummy) != NULL) {
		error_set(err, lineno, (int)(w - s) + 1,
		    "group '%s' is defined twice", grp->name);
		free(grp->name);
		return MCE_CONFIG;
	}
	g->n++;
	for (;;) {
		while (i < e && is_blank(text[i]))
			i++;
		if (i == e)
			break;
		for (w = i; i < e && !is_blank(text[i]); i++)
			;
		if (memchr(text + w, '=', i - w) == NULL || text[w] == '=') {
			error_set(err, lineno, (int)(w - s) + 1,
			    "member '%.*s' is not a caller (cert=NAME or "
			    "uid=N)",
			    (int)(i - w > 64 ? 64 : i - w), text + w);
			return MCE_CONFIG;
		}
		if (add_word(&grp->members, &grp->n, text + w, i - w) != 0)
			return -ENOMEM;
	}
	return 0;
}

static int
parse_one(void *ctx, const char *text, size_t s, size_t e, int lineno,
    struct error *err)
{
	for (size_t i = s; i < e; i++)
		if ((unsigned char)text[i] < 0x20 && text[i] != '\t') {
			error_set(err, lineno, (int)(i - s) + 1,
			    "control character in line");
			return MCE_CONFIG;
		}
	return parse_line(ctx, text, s, e, lineno, err);
}

static int
parse_all(const char *source, const char *text, size_t len,
    const struct policy_report *report, struct groups **ret, struct error *err)
{
	struct groups *g = calloc(1, sizeof(*g));
	int rc;

	error_init(err, source);
	*ret = NULL;
	if (g == NULL) {
		error_set(err, 0, 0, "out of memory");
		return -ENOMEM;
	}
	rc = source_each_line(source, text, len, parse_one, g, report, err);
	if (rc != 0) {
		groups_free(g);
		return rc;
	}
	*ret = g;
	return 0;
}

int
groups_parse(const char *source, const char *text, size_t len,
    struct groups **ret, struct error *err)
{
	return parse_all(source, text, len, NULL, ret, err);
}

int
groups_load(const char *path, const struct policy_report *report,
    struct groups **ret, struct error *err)
{
	char *text;
	size_t len;
	int rc;

	*ret = NULL;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return -ENOENT;
	if ((rc = source_read(path, &text, &len, err)) != 0)
		return rc;
	rc = parse_all(path, text, len, report, ret, err);
	free(text);
	return rc;
}
