/* config.c: see config.h. */
#include "buildconf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "strv.h"
#include "file.h"

#define CONFIG_LINE_MAX (64 * 1024) /* bytes of one line */
#define CONFIG_FILE_MAX (16 * 1024 * 1024) /* bytes of one file */
#define CONFIG_DEPTH_MAX 32 /* %(VAR) nesting */
#define CONFIG_VALUE_MAX (1024 * 1024) /* bytes of an interpolated value */
#define CONFIG_TOTAL_MAX (32 * 1024 * 1024) /* of all interpolated values */

struct value {
	char *key;
	char *raw; /* as written */
	char *val; /* interpolated, or NULL */
	const char *file; /* interned in the config */
	int line;
	int column; /* of the first byte of raw */
	int key_column;
	int state; /* interpolation: 0 new, 1 in progress, 2 done */
};

struct section {
	char *name;
	const char *file; /* where the section was first opened, or NULL */
	int line;
	int column; /* of the name */
	struct value *vals;
	size_t n, cap;
	size_t *slots; /* hash table of index + 1, 0 is empty */
	size_t nslots;
};

struct config {
	struct section *secs;
	size_t n, cap;
	size_t *slots;
	size_t nslots;
	char **files; /* interned source names */
	size_t nfiles;
};

/* FNV-1a. */
static size_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return (size_t)h;
}

/*
 * An open-addressing index over an array of structs whose first member is
 * the name. Returns the slot that holds name or the empty slot for it.
 */
static size_t
slot_find(const size_t *slots, size_t nslots, const void *items, size_t size,
    const char *name)
{
	size_t i = hash_str(name) & (nslots - 1);

	while (slots[i] != 0) {
		const char *const *it =
		    (const char *const *)((const char *)items +
			(slots[i] - 1) * size);
		if (strcmp(*it, name) == 0)
			break;
		i = (i + 1) & (nslots - 1);
	}
	return i;
}

/* Makes room in the index for one more item; 0 or -ENOMEM. */
static int
slot_grow(
    size_t **slots, size_t *nslots, size_t n, const void *items, size_t size)
{
	size_t ns, *s;

	if ((n + 1) * 2 <= *nslots)
		return 0;
	ns = *nslots != 0 ? *nslots * 2 : 16;
	if ((s = calloc(ns, sizeof(*s))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *const *it =
		    (const char *const *)((const char *)items + i * size);
		s[slot_find(s, ns, items, size, *it)] = i + 1;
	}
	free(*slots);
	*slots = s;
	*nslots = ns;
	return 0;
}

static struct section *
section_find(const struct config *c, const char *name)
{
	size_t i;

	if (c->nslots == 0 || name == NULL)
		return NULL;
	i = slot_find(c->slots, c->nslots, c->secs, sizeof(*c->secs), name);
	return c->slots[i] != 0 ? &c->secs[c->slots[i] - 1] : NULL;
}

static struct value *
value_find(const struct section *s, const char *key)
{
	size_t i;

	if (s == NULL || s->nslots == 0 || key == NULL)
		return NULL;
	i = slot_find(s->slots, s->nslots, s->vals, sizeof(*s->vals), key);
	return s->slots[i] != 0 ? &s->vals[s->slots[i] - 1] : NULL;
}

/* Makes room for one more item in *items; 0 or -ENOMEM. */
static int
array_grow(void *items, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap != 0 ? *cap * 2 : 8;
	if ((p = realloc(*(void **)items, nc * size)) == NULL)
		return -ENOMEM;
	*(void **)items = p;
	*cap = nc;
	return 0;
}

static struct section *
section_add(struct config *c, const char *name)
{
	struct section *s;

	if ((s = section_find(c, name)) != NULL)
		return s;
	if (array_grow(&c->secs, &c->cap, c->n, sizeof(*c->secs)) < 0 ||
	    slot_grow(&c->slots, &c->nslots, c->n, c->secs, sizeof(*c->secs)) <
		0)
		return NULL;
	s = &c->secs[c->n];
	memset(s, 0, sizeof(*s));
	if ((s->name = strdup(name)) == NULL)
		return NULL;
	c->slots[slot_find(
	    c->slots, c->nslots, c->secs, sizeof(*c->secs), name)] = ++c->n;
	return s;
}

/* Where a value or section header stands. */
struct where {
	const char *file;
	int line;
	int key_column;
	int column;
};

/* Sets key to raw (copied), replacing any value it had. */
static int
value_set(
    struct section *s, const char *key, const char *raw, const struct where *w)
{
	struct value *v;
	char *r;

	if ((r = strdup(raw)) == NULL)
		return -ENOMEM;
	if ((v = value_find(s, key)) == NULL) {
		if (array_grow(&s->vals, &s->cap, s->n, sizeof(*s->vals)) < 0 ||
		    slot_grow(&s->slots, &s->nslots, s->n, s->vals,
			sizeof(*s->vals)) < 0)
			goto nomem;
		v = &s->vals[s->n];
		memset(v, 0, sizeof(*v));
		if ((v->key = strdup(key)) == NULL)
			goto nomem;
		s->slots[slot_find(s->slots, s->nslots, s->vals,
		    sizeof(*s->vals), key)] = ++s->n;
	}
	free(v->raw);
	free(v->val);
	v->raw = r;
	v->val = NULL;
	v->file = w->file;
	v->line = w->line;
	v->key_column = w->key_column;
	v->column = w->column;
	v->state = 0;
	return 0;
nomem:
	free(r);
	return -ENOMEM;
}

static const char *
file_intern(struct config *c, const char *name)
{
	char **p;

	for (size_t i = 0; i < c->nfiles; i++)
		if (strcmp(c->files[i], name) == 0)
			return c->files[i];
	if ((p = realloc(c->files, (c->nfiles + 1) * sizeof(*p))) == NULL)
		return NULL;
	c->files = p;
	if ((p[c->nfiles] = strdup(name)) == NULL)
		return NULL;
	return p[c->nfiles++];
}

struct config *
config_new(void)
{
	return calloc(1, sizeof(struct config));
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++) {
		struct section *s = &c->secs[i];
		for (size_t j = 0; j < s->n; j++) {
			free(s->vals[j].key);
			free(s->vals[j].raw);
			free(s->vals[j].val);
		}
		free(s->vals);
		free(s->slots);
		free(s->name);
	}
	for (size_t i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c->secs);
	free(c->slots);
	free(c);
}

/* Parsing. */

static int
is_blank(int ch)
{
	return ch == ' ' || ch == '\t';
}

static int
is_name_char(int ch)
{
	return isalnum(ch) || ch == '_' || ch == '-' || ch == '.' || ch == ':';
}

static int
is_var_char(int ch)
{
	return isalnum(ch) || ch == '_' || ch == '-' || ch == '.';
}

/*
 * Checks a section or key name from p[0..n): 0 or the offset of the first
 * bad byte plus one.
 */
static size_t
check_name(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!is_name_char((unsigned char)p[i]))
			return i + 1;
		if (p[i] == '.' && (i == 0 || i + 1 == n || p[i + 1] == '.'))
			return i + 1;
	}
	return 0;
}

static const char *
show_char(int ch, char buf[8])
{
	if (ch >= 0x20 && ch < 0x7f)
		snprintf(buf, 8, "'%c'", ch);
	else
		snprintf(buf, 8, "0x%02x", ch & 0xff);
	return buf;
}

struct parser {
	struct config *c; /* the layer being read */
	const char *file;
	struct error *err;
	int line;
};

static int perr(struct parser *p, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
perr(struct parser *p, size_t col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(p->err, p->line, (int)col, fmt, ap);
	va_end(ap);
	return MCE_CONFIG;
}

static int
nomem(struct parser *p)
{
	error_set(p->err, p->line, 0, "out of memory");
	return -ENOMEM;
}

/* A quoted value starting at s[i] == '"'; writes the unquoted text to out. */
static int
parse_quoted(struct parser *p, const char *s, size_t len, size_t i, char *out)
{
	size_t q = i, o = 0;
	char buf[8];

	for (i++; i < len; i++) {
		char ch = s[i];

		if (ch == '"')
			break;
		if (ch == '\\') {
			if (++i == len)
				break;
			switch (s[i]) {
			case '"':
			case '\\':
				ch = s[i];
				break;
			case 'n':
				ch = '\n';
				break;
			case 't':
				ch = '\t';
				break;
			default:
				return perr(p, i,
				    "unknown escape \"\\%c\" in "
				    "quoted value (use \\\\, \\\", "
				    "\\n or \\t)",
				    isprint((unsigned char)s[i]) ? s[i] : '?');
			}
		}
		out[o++] = ch;
	}
	if (i >= len)
		return perr(p, q + 1, "unterminated quoted value");
	out[o] = '\0';
	for (i++; i < len && is_blank(s[i]); i++)
		;
	if (i < len)
		return perr(p, i + 1, "unexpected %s after quoted value",
		    show_char((unsigned char)s[i], buf));
	return 0;
}

/* 0, or the offset plus one of the first byte that is not UTF-8. */
static size_t
utf8_check(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;

	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t len;
		unsigned cp, min;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return i + 1;
		}
		if (i + len > n)
			return i + 1;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i + 1;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
			return i + 1;
		i += len;
	}
	return 0;
}

static int
parse_line(struct parser *p, const char *s, size_t len, struct section **cur)
{
	size_t i = 0, j, k, bad;
	char buf[8], *name, *val;
	struct value *old;
	struct where w = {p->file, p->line, 0, 0};
	int r;

	while (i < len && is_blank(s[i]))
		i++;
	if (i == len || s[i] == '#' || s[i] == ';')
		return 0;
	if (s[i] == '[') {
		size_t open = i;

		for (j = i + 1; j < len && s[j] != ']'; j++)
			;
		if (j == len)
			return perr(
			    p, open + 1, "missing ']' in section header");
		for (i++; i < j && is_blank(s[i]); i++)
			;
		for (k = j; k > i && is_blank(s[k - 1]); k--)
			;
		if (k == i)
			return perr(p, open + 1, "empty section name");
		if ((bad = check_name(s + i, k - i)) != 0)
			return perr(p, i + bad,
			    "bad character %s in section name",
			    show_char((unsigned char)s[i + bad - 1], buf));
		for (j++; j < len && is_blank(s[j]); j++)
			;
		if (j < len && s[j] != '#' && s[j] != ';')
			return perr(p, j + 1,
			    "unexpected %s after section header",
			    show_char((unsigned char)s[j], buf));
		if ((name = strndup(s + i, k - i)) == NULL)
			return nomem(p);
		*cur = section_add(p->c, name);
		free(name);
		if (*cur == NULL)
			return nomem(p);
		if ((*cur)->file == NULL) {
			(*cur)->file = p->file;
			(*cur)->line = p->line;
			(*cur)->column = (int)i + 1;
		}
		return 0;
	}
	for (j = i; j < len && s[j] != '='; j++)
		;
	if (j == len)
		return perr(p, i + 1,
		    "expected \"key = value\", \"[section]\" or a comment");
	for (k = j; k > i && is_blank(s[k - 1]); k--)
		;
	if (k == i)
		return perr(p, j + 1, "missing key before '='");
	if ((bad = check_name(s + i, k - i)) != 0)
		return perr(p, i + bad, "bad character %s in key",
		    show_char((unsigned char)s[i + bad - 1], buf));
	w.key_column = (int)i + 1;
	if ((name = strndup(s + i, k - i)) == NULL)
		return nomem(p);
	if (*cur == NULL && (*cur = section_add(p->c, "")) == NULL) {
		free(name);
		return nomem(p);
	}
	if ((old = value_find(*cur, name)) != NULL) {
		r = perr(p, i + 1, "key \"%s\" already set at line %d", name,
		    old->line);
		free(name);
		return r;
	}
	for (i = j + 1; i < len && is_blank(s[i]); i++)
		;
	for (k = len; k > i && is_blank(s[k - 1]); k--)
		;
	if ((val = malloc(k - i + 1)) == NULL) {
		free(name);
		return nomem(p);
	}
	if (i < k && s[i] == '"') {
		r = parse_quoted(p, s, k, i, val);
		i++; /* the value's column is after the quote */
	} else {
		memcpy(val, s + i, k - i);
		val[k - i] = '\0';
		r = 0;
	}
	w.column = (int)i + 1;
	if (r == 0 && value_set(*cur, name, val, &w) < 0)
		r = nomem(p);
	free(name);
	free(val);
	return r;
}

/* Puts every value of the layer l on top of c. */
static int
merge(struct config *c, const struct config *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct section *ls = &l->secs[i];
		struct section *s = section_add(c, ls->name);

		if (s == NULL)
			return -ENOMEM;
		if (s->file == NULL && ls->file != NULL) {
			if ((s->file = file_intern(c, ls->file)) == NULL)
				return -ENOMEM;
			s->line = ls->line;
			s->column = ls->column;
		}
		for (size_t j = 0; j < ls->n; j++) {
			const struct value *v = &ls->vals[j];
			struct where w = {file_intern(c, v->file), v->line,
			    v->key_column, v->column};

			if (w.file == NULL ||
			    value_set(s, v->key, v->raw, &w) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

int
config_load_string(struct config *c, const char *source, const char *text,
    size_t len, struct error *err)
{
	struct parser p = {.err = err};
	struct section *cur = NULL;
	size_t pos = 0, bad;
	int r = 0;

	error_init(err, source);
	if (c == NULL || (text == NULL && len > 0)) {
		error_set(err, 0, 0, "no configuration");
		return -EINVAL;
	}
	if ((p.c = config_new()) == NULL)
		return nomem(&p);
	p.file = file_intern(p.c, source != NULL ? source : "<string>");
	if (p.file == NULL) {
		config_free(p.c);
		return nomem(&p);
	}
	while (pos < len && r == 0) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - s) : len - pos;
		const char *nul = memchr(s, '\0', n);

		p.line++;
		pos += n + (nl != NULL);
		if (n > CONFIG_LINE_MAX) {
			r = perr(&p, CONFIG_LINE_MAX + 1,
			    "line longer than %d bytes", CONFIG_LINE_MAX);
			break;
		}
		if (nul != NULL) {
			r = perr(&p, (size_t)(nul - s) + 1, "NUL byte in line");
			break;
		}
		if ((bad = utf8_check(s, n)) != 0) {
			r = perr(&p, bad, "invalid UTF-8");
			break;
		}
		if (n > 0 && s[n - 1] == '\r')
			n--;
		r = parse_line(&p, s, n, &cur);
	}
	if (r == 0 && (r = merge(c, p.c)) < 0)
		error_set(err, 0, 0, "out of memory");
	config_free(p.c);
	return r;
}

int
config_load_file(struct config *c, const char *path, struct error *err)
{
	char *buf;
	size_t len;
	int r;

	error_init(err, path);
	r = file_read(path, FILE_REGULAR | FILE_TRUSTED, CONFIG_FILE_MAX, &buf,
	    &len, err);
	if (r < 0)
		return r == -EFBIG || r == -EINVAL ? MCE_CONFIG : r;
	r = config_load_string(c, path, buf, len, err);
	free(buf);
	return r;
}

/* Interpolation. */

struct interp {
	struct config *c;
	struct section *env;
	const char *env_name;
	struct error *err;
	const char *chain[CONFIG_DEPTH_MAX + 1]; /* env keys being expanded */
	int depth;
	size_t total; /* bytes of interpolated values so far */
};

static int ierr(struct interp *in, const struct value *v, size_t off,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
ierr(struct interp *in, const struct value *v, size_t off, const char *fmt, ...)
{
	va_list ap;

	error_init(in->err, v->file);
	va_start(ap, fmt);
	error_vset(in->err, v->line, v->column + (int)off, fmt, ap);
	va_end(ap);
	return MCE_CONFIG;
}

struct buf {
	char *p;
	size_t n, cap;
};

static int
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap != 0 ? b->cap : 64;
		char *p;

		while (cap < b->n + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

static int expand(struct interp *in, struct value *v);

/* The loop as "A -> B -> A", starting where name entered the chain. */
static void
loop_text(const struct interp *in, const char *name, char *out, size_t size)
{
	size_t o = 0;
	int i = 0;

	while (i < in->depth && strcmp(in->chain[i], name) != 0)
		i++;
	out[0] = '\0';
	for (; i < in->depth && o < size; i++)
		o +=
		    (size_t)snprintf(out + o, size - o, "%s -> ", in->chain[i]);
	if (o < size)
		snprintf(out + o, size - o, "%s", name);
}

/* Expands v->raw into v->val, expanding the env values it refers to. */
static int
expand(struct interp *in, struct value *v)
{
	const char *s = v->raw;
	struct buf b = {NULL, 0, 0};
	size_t i = 0;
	int r = 0;

	if (v->state == 2)
		return 0;
	v->state = 1;
	while (s[i] != '\0' && r == 0) {
		size_t start = i, j;
		struct value *ev;
		char name[256], loop[512];

		if (s[i] != '%') {
			while (s[i] != '\0' && s[i] != '%')
				i++;
			if (buf_add(&b, s + start, i - start) < 0)
				r = -ENOMEM;
			continue;
		}
		if (s[i + 1] == '%') {
			if (buf_add(&b, "%", 1) < 0)
				r = -ENOMEM;
			i += 2;
			continue;
		}
		if (s[i + 1] != '(') {
			r = ierr(in, v, i,
			    "'%%' must be followed by '(' or '%%' "
			    "(write %%%% for a literal '%%')");
			break;
		}
		for (j = i + 2; is_var_char((unsigned char)s[j]); j++)
			;
		if (s[j] != ')') {
			if (s[j] == '\0' ||
			    memchr(s + j, ')', strlen(s + j)) == NULL)
				r = ierr(in, v, i, "unterminated \"%%(\"");
			else
				r = ierr(
				    in, v, j, "bad character in variable name");
			break;
		}
		if (j == i + 2 || j - i - 2 >= sizeof(name)) {
			r = ierr(in, v, i, "%s variable name",
			    j == i + 2 ? "empty" : "too long a");
			break;
		}
		memcpy(name, s + i + 2, j - i - 2);
		name[j - i - 2] = '\0';
		if ((ev = value_find(in->env, name)) == NULL) {
			r = ierr(in, v, i,
			    "unknown variable \"%s\" (no such key in [%s])",
			    name, in->env_name);
			break;
		}
		if (ev->state == 1) {
			loop_text(in, name, loop, sizeof(loop));
			r = ierr(in, v, i, "interpolation loop: %s", loop);
			break;
		}
		if (ev->state == 0) {
			if (in->depth >= CONFIG_DEPTH_MAX) {
				r = ierr(in, v, i,
				    "interpolation nested deeper than %d",
				    CONFIG_DEPTH_MAX);
				break;
			}
			in->chain[in->depth++] = ev->key;
			r = expand(in, ev);
			in->depth--;
			if (r < 0)
				break;
		}
		if (b.n + strlen(ev->val) > CONFIG_VALUE_MAX) {
			r = ierr(in, v, i,
			    "value longer than %d bytes after interpolation",
			    CONFIG_VALUE_MAX);
			break;
		}
		if (buf_add(&b, ev->val, strlen(ev->val)) < 0)
			r = -ENOMEM;
		i = j + 1;
	}
	if (r == 0 && b.p == NULL && buf_add(&b, "", 0) < 0)
		r = -ENOMEM;
	if (r == 0 && (in->total += b.n) > CONFIG_TOTAL_MAX)
		r = ierr(in, v, 0,
		    "configuration longer than %d bytes after interpolation",
		    CONFIG_TOTAL_MAX);
	if (r == -ENOMEM)
		ierr(in, v, 0, "out of memory");
	if (r < 0) {
		free(b.p);
		v->state = 0;
		return r;
	}
	free(v->val);
	v->val = b.p;
	v->state = 2;
	return 0;
}

int
config_interpolate(struct config *c, const char *env_section, struct error *err)
{
	struct interp in = {.c = c, .err = err};
	int r = 0;

	if (c == NULL)
		return -EINVAL;
	in.env_name = env_section != NULL ? env_section : "env";
	in.env = section_find(c, in.env_name);
	for (size_t i = 0; i < c->n; i++)
		for (size_t j = 0; j < c->secs[i].n; j++)
			c->secs[i].vals[j].state = 0;
	/* The env section first, so that its loops name env keys. */
	if (in.env != NULL) {
		for (size_t j = 0; j < in.env->n && r == 0; j++) {
			in.chain[0] = in.env->vals[j].key;
			in.depth = 1;
			r = expand(&in, &in.env->vals[j]);
		}
	}
	for (size_t i = 0; i < c->n && r == 0; i++) {
		for (size_t j = 0; j < c->secs[i].n && r == 0; j++) {
			in.depth = 0;
			r = expand(&in, &c->secs[i].vals[j]);
		}
	}
	return r;
}

/* Lookups. */

static const struct value *
lookup(const struct config *c, const char *section, const char *key)
{
	if (c == NULL)
		return NULL;
	return value_find(section_find(c, section != NULL ? section : ""), key);
}

static const char *
value_str(const struct value *v)
{
	return v->val != NULL ? v->val : v->raw;
}

const char *
config_get(const struct config *c, const char *section, const char *key)
{
	const struct value *v = lookup(c, section, key);

	return v != NULL ? value_str(v) : NULL;
}

int
config_origin(const struct config *c, const char *section, const char *key,
    const char **ret_file, int *ret_line)
{
	const struct value *v = lookup(c, section, key);

	if (v == NULL)
		return -ENOENT;
	if (ret_file != NULL)
		*ret_file = v->file;
	if (ret_line != NULL)
		*ret_line = v->line;
	return 0;
}

int
config_where(const struct config *c, const char *section, const char *key,
    struct config_where *ret)
{
	const struct value *v;
	const struct section *s;

	if (key == NULL) {
		if (c == NULL ||
		    (s = section_find(c, section != NULL ? section : "")) ==
			NULL ||
		    s->file == NULL)
			return -ENOENT;
		*ret = (struct config_where){s->file, s->line, s->column, 0};
		return 0;
	}
	if ((v = lookup(c, section, key)) == NULL)
		return -ENOENT;
	*ret =
	    (struct config_where){v->file, v->line, v->key_column, v->column};
	return 0;
}

static int
bad_value(const struct value *v, const char *section, const char *what,
    struct error *err)
{
	error_init(err, v->file);
	error_set(err, v->line, v->column, "[%s] %s: \"%.64s\" is not %s",
	    section != NULL ? section : "", v->key, value_str(v), what);
	return MCE_CONFIG;
}

/*
 * Parses a decimal integer prefix of s; *ret_end points after it. 0, or -1
 * when there are no digits or the value overflows.
 */
static int
parse_ll(const char *s, long long *ret, const char **ret_end)
{
	char *end;

	if (!isdigit((unsigned char)s[s[0] == '-' || s[0] == '+']))
		return -1;
	errno = 0;
	*ret = strtoll(s, &end, 10);
	if (errno != 0)
		return -1;
	*ret_end = end;
	return 0;
}

int
config_get_int(const struct config *c, const char *section, const char *key,
    long long def, long long *ret, struct error *err)
{
	const struct value *v = lookup(c, section, key);
	const char *end;
	long long n;

	if (v == NULL) {
		*ret = def;
		return 0;
	}
	if (parse_ll(value_str(v), &n, &end) < 0 || *end != '\0')
		return bad_value(v, section, "an integer", err);
	*ret = n;
	return 0;
}

int
config_get_bool(const struct config *c, const char *section, const char *key,
    int def, int *ret, struct error *err)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	const struct value *v = lookup(c, section, key);

	if (v == NULL) {
		*ret = def;
		return 0;
	}
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value_str(v), yes[i]) == 0) {
			*ret = 1;
			return 0;
		}
		if (strcasecmp(value_str(v), no[i]) == 0) {
			*ret = 0;
			return 0;
		}
	}
	return bad_value(
	    v, section, "a boolean (yes/no, true/false, on/off, 1/0)", err);
}

/* A non-negative number with a unit from units; 0 or -1. */
struct unit {
	const char *name;
	long long mult;
};

static int
parse_unit(
    const char *s, const struct unit *units, long long bare, long long *ret)
{
	const char *end;
	long long n;

	if (s[0] == '-' || parse_ll(s, &n, &end) < 0)
		return -1;
	if (*end == '\0') {
		if (n > LLONG_MAX / bare)
			return -1;
		*ret = n * bare;
		return 0;
	}
	for (; units->name != NULL; units++) {
		if (strcmp(end, units->name) != 0)
			continue;
		if (n > LLONG_MAX / units->mult)
			return -1;
		*ret = n * units->mult;
		return 0;
	}
	return -1;
}

int
config_get_size(const struct config *c, const char *section, const char *key,
    size_t def, size_t *ret, struct error *err)
{
	static const struct unit units[] = {{"k", 1LL << 10}, {"K", 1LL << 10},
	    {"M", 1LL << 20}, {"m", 1LL << 20}, {"G", 1LL << 30},
	    {"g", 1LL << 30}, {NULL, 0}};
	const struct value *v = lookup(c, section, key);
	long long n;

	if (v == NULL) {
		*ret = def;
		return 0;
	}
	if (parse_unit(value_str(v), units, 1, &n) < 0 ||
	    (unsigned long long)n > SIZE_MAX)
		return bad_value(v, section, "a size (bytes, or k, M, G)", err);
	*ret = (size_t)n;
	return 0;
}

int
config_get_duration_ms(const struct config *c, const char *section,
    const char *key, long long def, long long *ret, struct error *err)
{
	static const struct unit units[] = {{"ms", 1}, {"s", 1000},
	    {"m", 60 * 1000}, {"h", 3600 * 1000}, {"d", 86400 * 1000},
	    {NULL, 0}};
	const struct value *v = lookup(c, section, key);
	long long n;

	if (v == NULL) {
		*ret = def;
		return 0;
	}
	if (parse_unit(value_str(v), units, 1000, &n) < 0)
		return bad_value(
		    v, section, "a duration (seconds, or ms, s, m, h, d)", err);
	*ret = n;
	return 0;
}

int
config_get_list(const struct config *c, const char *section, const char *key,
    char ***ret, size_t *ret_n)
{
	const char *s = config_get(c, section, key);
	char **l;
	size_t n = 0, cap = 1;

	if (s != NULL)
		for (const char *p = s; *p != '\0'; p++)
			cap += *p == ',' || is_blank(*p);
	if (s != NULL)
		cap++;
	if ((l = calloc(cap, sizeof(*l))) == NULL)
		return -ENOMEM;
	while (s != NULL && *s != '\0') {
		size_t len = strcspn(s, ", \t");

		if (len > 0 && (l[n++] = strndup(s, len)) == NULL) {
			strv_free(l);
			return -ENOMEM;
		}
		s += len;
		s += strspn(s, ", \t");
	}
	*ret = l;
	if (ret_n != NULL)
		*ret_n = n;
	return 0;
}

size_t
config_nsections(const struct config *c)
{
	return c != NULL ? c->n : 0;
}

const char *
config_section(const struct config *c, size_t i)
{
	return c != NULL && i < c->n ? c->secs[i].name : NULL;
}

size_t
config_nkeys(const struct config *c, const char *section)
{
	const struct section *s;

	if (c == NULL || (s = section_find(c, section)) == NULL)
		return 0;
	return s->n;
}

const char *
config_key(const struct config *c, const char *section, size_t i)
{
	const struct section *s;

	if (c == NULL || (s = section_find(c, section)) == NULL || i >= s->n)
		return NULL;
	return s->vals[i].key;
}

json_t *
config_to_json(const struct config *c)
{
	json_t *o = json_object();

	if (o == NULL || c == NULL)
		return o;
	for (size_t i = 0; i < c->n; i++) {
		const struct section *s = &c->secs[i];
		json_t *so = json_object();

		if (so == NULL || json_object_set_new(o, s->name, so) < 0)
			goto fail;
		for (size_t j = 0; j < s->n; j++)
			if (json_object_set_new(so, s->vals[j].key,
				json_string(value_str(&s->vals[j]))) < 0)
				goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}
