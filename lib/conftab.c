/* conftab.c: configuration files described by a table. See conftab.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conftab.h"
#include "strv.h"

static const char *const build_vars[] = {"sysconfdir", SYSCONFDIR,
    "localstatedir", LOCALSTATEDIR, "runstatedir", RUNSTATEDIR, "pkgdatadir",
    PKGDATADIR, "pkglibexecdir", PKGLIBEXECDIR, NULL};

const char *
conftab_default_with(const struct conftab_key *k, const char *const *vars,
    char *buf, size_t size)
{
	const char *s = k->def;
	size_t n = 0;

	if (s == NULL)
		return NULL;
	while (*s != '\0' && n + 1 < size) {
		size_t i, len = 0;

		for (i = 0; *s == '@' && vars[i] != NULL; i += 2) {
			len = strlen(vars[i]);
			if (strncmp(s + 1, vars[i], len) == 0 &&
			    s[len + 1] == '@')
				break;
		}
		if (*s == '@' && vars[i] != NULL) {
			n += (size_t)snprintf(
			    buf + n, size - n, "%s", vars[i + 1]);
			s += len + 2;
		} else
			buf[n++] = *s++;
	}
	buf[n < size ? n : size - 1] = '\0';
	return buf;
}

const char *
conftab_default(const struct conftab_key *k, char *buf, size_t size)
{
	return conftab_default_with(k, build_vars, buf, size);
}

const char *
conftab_name(const struct conftab_key *k, char *buf, size_t size)
{
	if (k->section[0] == '\0')
		snprintf(buf, size, "%s", k->key);
	else
		snprintf(buf, size, "[%s] %s", k->section, k->key);
	return buf;
}

int
conftab_error(const struct config *cfg, const char *section, const char *key,
    struct error *err, const char *fmt, ...)
{
	const char *file = NULL;
	char why[200];
	int line = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (cfg != NULL &&
	    config_origin(cfg, section, key, &file, &line) == 0 && file != NULL)
		snprintf(err->source, sizeof(err->source), "%s", file);
	if (section[0] == '\0')
		error_set(err, line, 0, "%s: %s", key, why);
	else
		error_set(err, line, 0, "[%s] %s: %s", section, key, why);
	return MCE_CONFIG;
}

static const struct conftab_key *
lookup(const struct conftab_key *tab, const char *section, const char *key)
{
	for (; tab->key != NULL; tab++)
		if (strcmp(tab->section, section) == 0 &&
		    strcmp(tab->key, key) == 0)
			return tab;
	return NULL;
}

static void
store_int(void *p, size_t size, long long v)
{
	if (size == sizeof(int)) {
		int i = (int)v;

		memcpy(p, &i, sizeof(i));
	} else if (size == sizeof(long long)) {
		memcpy(p, &v, sizeof(v));
	} else if (size == sizeof(short)) {
		short s = (short)v;

		memcpy(p, &s, sizeof(s));
	}
}

/* A number as the file would write it, for messages. */
static const char *
fmt_num(const struct conftab_key *k, long long v, char *buf, size_t size)
{
	static const struct {
		const char *unit;
		long long mult;
	} sizes[] = {{"G", 1LL << 30}, {"M", 1LL << 20}, {"k", 1LL << 10},
	    {"", 1}},
	  times[] = {{"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
	size_t i, n = 4;

	for (i = 0; i < n && v != 0; i++) {
		long long m = k->type == CONFTAB_SIZE ? sizes[i].mult
		    : k->type == CONFTAB_DURATION     ? times[i].mult
						      : 1;
		const char *u = k->type == CONFTAB_SIZE ? sizes[i].unit
		    : k->type == CONFTAB_DURATION       ? times[i].unit
							: "";

		if (v % m == 0) {
			snprintf(buf, size, "%lld%s", v / m, u);
			return buf;
		}
	}
	snprintf(buf, size, "%lld", v);
	return buf;
}

static int
check_range(const struct conftab_key *k, const struct config *cfg, long long v,
    struct error *err)
{
	char a[32], b[32];
	const char *zero = k->flags & CONFTAB_ZERO ? ", or 0 to disable" : "";

	if ((k->min == 0 && k->max == 0) || (v == 0 && k->flags & CONFTAB_ZERO))
		return 0;
	if (v >= k->min && (k->max == 0 || v <= k->max))
		return 0;
	if (k->max == 0)
		return conftab_error(cfg, k->section, k->key, err,
		    "out of range: at least %s%s", fmt_num(k, k->min, a, 32),
		    zero);
	return conftab_error(cfg, k->section, k->key, err,
	    "out of range: between %s and %s%s", fmt_num(k, k->min, a, 32),
	    fmt_num(k, k->max, b, 32), zero);
}

/* A copy of v with a leading "~/" replaced by $HOME; NULL: no memory. */
static char *
expand_home(const char *v, int *ret_nohome)
{
	const char *home = getenv("HOME");
	char *s;

	*ret_nohome = 0;
	if (strncmp(v, "~/", 2) != 0)
		return strdup(v);
	if (home == NULL || home[0] == '\0') {
		*ret_nohome = 1;
		return NULL;
	}
	if (asprintf(&s, "%s/%s", home, v + 2) < 0)
		return NULL;
	return s;
}

static int
fill_string(const struct conftab_key *k, char **dst, const char *v,
    const struct config *cfg, struct error *err)
{
	char *s = NULL;
	int nohome;

	if (k->flags & CONFTAB_OFF) {
		if (*v == '\0')
			return conftab_error(cfg, k->section, k->key, err,
			    "empty: give a path, or \"off\"");
		if (strcmp(v, "off") == 0)
			v = NULL;
	} else if (*v == '\0' && !(k->flags & CONFTAB_EMPTY))
		v = NULL;
	if (v != NULL && k->flags & CONFTAB_HOME) {
		if ((s = expand_home(v, &nohome)) == NULL && nohome)
			return conftab_error(
			    cfg, k->section, k->key, err, "~/ needs $HOME");
	} else if (v != NULL)
		s = strdup(v);
	if (v != NULL && s == NULL)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

static int
fill_number(const struct conftab_key *k, char *p, const char *v,
    const struct config *cfg, struct error *err)
{
	long long n = 0;
	size_t sz;
	int r = 0;

	switch (k->type) {
	case CONFTAB_INT:
		r = config_get_int(cfg, k->section, k->key, 0, &n, err);
		break;
	case CONFTAB_SIZE:
		r = config_get_size(cfg, k->section, k->key, 0, &sz, err);
		if (r == 0 && sz > (size_t)k->max && k->max != 0)
			n = k->max + 1;
		else
			n = (long long)sz;
		break;
	case CONFTAB_DURATION:
		r = config_get_duration_ms(cfg, k->section, k->key, 0, &n, err);
		break;
	case CONFTAB_MODE: {
		char *end;
		unsigned long m = strtoul(v, &end, 8);

		if (*v == '\0' || *end != '\0' || m > 07777)
			return conftab_error(cfg, k->section, k->key, err,
			    "an octal mode such as 0666");
		n = (long long)m;
		break;
	}
	case CONFTAB_ENUM: {
		size_t i;

		for (i = 0; k->names[i] != NULL; i++)
			if (strcmp(v, k->names[i]) == 0)
				break;
		if (k->names[i] == NULL) {
			char all[200] = "";

			for (size_t j = 0; k->names[j] != NULL; j++)
				snprintf(all + strlen(all),
				    sizeof(all) - strlen(all), "%s%s",
				    j > 0 ? ", " : "", k->names[j]);
			return conftab_error(
			    cfg, k->section, k->key, err, "one of %s", all);
		}
		n = (long long)i;
		break;
	}
	default:
		return -EINVAL;
	}
	if (r < 0 || (r = check_range(k, cfg, n, err)) < 0)
		return r;
	if (k->type == CONFTAB_DURATION && k->scale > 1)
		n /= k->scale;
	store_int(p, k->size, n);
	return 0;
}

static int
fill_key(const struct conftab_key *k, void *obj, const struct config *cfg,
    struct error *err)
{
	char *p = (char *)obj + k->offset;
	const char *v = config_get(cfg, k->section, k->key);
	const char *why;
	int b, r;

	if (v == NULL)
		return 0;
	switch (k->type) {
	case CONFTAB_STRING:
		r = fill_string(k, (char **)(void *)p, v, cfg, err);
		break;
	case CONFTAB_LIST: {
		char **l = NULL;
		size_t n = 0;

		if ((r = config_get_list(cfg, k->section, k->key, &l, &n)) < 0)
			break;
		strv_free(*(char ***)(void *)p);
		*(char ***)(void *)p = l;
		memcpy((char *)obj + k->count, &n, sizeof(n));
		break;
	}
	case CONFTAB_BOOL:
		if ((r = config_get_bool(
			 cfg, k->section, k->key, 0, &b, err)) == 0)
			memcpy(p, &b, sizeof(b));
		break;
	default:
		r = fill_number(k, p, v, cfg, err);
		break;
	}
	if (r < 0)
		return r;
	if (k->check != NULL && (why = k->check(p)) != NULL)
		return conftab_error(cfg, k->section, k->key, err, "%s", why);
	return 0;
}

int
conftab_fill(const struct conftab_key *tab, void *obj, const struct config *cfg,
    struct error *err)
{
	int r;

	for (size_t s = 0; s < config_nsections(cfg); s++) {
		const char *sec = config_section(cfg, s);

		for (size_t i = 0; i < config_nkeys(cfg, sec); i++) {
			const char *key = config_key(cfg, sec, i);

			if (lookup(tab, sec, key) == NULL)
				return conftab_error(
				    cfg, sec, key, err, "unknown setting");
		}
	}
	for (const struct conftab_key *k = tab; k->key != NULL; k++)
		if ((r = fill_key(k, obj, cfg, err)) < 0)
			return r;
	return 0;
}

int
conftab_defaults(const struct conftab_key *tab, void *obj)
{
	struct config *cfg;
	struct error err;
	char *text = NULL, def[4096];
	size_t len = 0;
	FILE *f;
	int r;

	if ((f = open_memstream(&text, &len)) == NULL)
		return -ENOMEM;
	/* Keys of the global section come before any header. */
	for (int pass = 0; pass < 2; pass++)
		for (const struct conftab_key *k = tab; k->key != NULL; k++) {
			if ((k->section[0] == '\0') != (pass == 0) ||
			    conftab_default(k, def, sizeof(def)) == NULL)
				continue;
			if (pass == 1)
				fprintf(f, "[%s]\n", k->section);
			fprintf(f, "%s = \"%s\"\n", k->key, def);
		}
	if (fclose(f) != 0 || (cfg = config_new()) == NULL) {
		free(text);
		return -ENOMEM;
	}
	error_init(&err, "defaults");
	r = config_load_string(cfg, "defaults", text, len, &err);
	if (r == 0)
		r = conftab_fill(tab, obj, cfg, &err);
	config_free(cfg);
	free(text);
	return r;
}

static int
same(const struct conftab_key *k, const void *a, const void *b, const void *ca,
    const void *cb)
{
	if (k->type == CONFTAB_STRING) {
		const char *x = *(char *const *)a, *y = *(char *const *)b;

		return (x == NULL && y == NULL) ||
		    (x != NULL && y != NULL && strcmp(x, y) == 0);
	}
	if (k->type == CONFTAB_LIST) {
		char *const *x = *(char **const *)a,
			    *const *y = *(char **const *)b;

		if (memcmp(ca, cb, sizeof(size_t)) != 0)
			return 0;
		for (; x != NULL && y != NULL && *x != NULL && *y != NULL;
		     x++, y++)
			if (strcmp(*x, *y) != 0)
				return 0;
		return (x == NULL || *x == NULL) && (y == NULL || *y == NULL);
	}
	return memcmp(a, b, k->size) == 0;
}

static void
swap(void *a, void *b, size_t size)
{
	unsigned char t[16];

	if (size > sizeof(t))
		return;
	memcpy(t, a, size);
	memcpy(a, b, size);
	memcpy(b, t, size);
}

void
conftab_keep(const struct conftab_key *tab, void *nobj, void *oobj,
    void (*changed)(const struct conftab_key *k))
{
	for (const struct conftab_key *k = tab; k->key != NULL; k++) {
		char *n = (char *)nobj + k->offset,
		     *o = (char *)oobj + k->offset;
		char *nc = (char *)nobj + k->count,
		     *oc = (char *)oobj + k->count;

		if (!(k->flags & (CONFTAB_RESTART | CONFTAB_START)))
			continue;
		if (k->flags & CONFTAB_RESTART && !same(k, n, o, nc, oc) &&
		    changed != NULL)
			changed(k);
		swap(n, o, k->size);
		if (k->type == CONFTAB_LIST)
			swap(nc, oc, sizeof(size_t));
	}
}

void
conftab_clear(const struct conftab_key *tab, void *obj)
{
	for (const struct conftab_key *k = tab; k->key != NULL; k++) {
		char *p = (char *)obj + k->offset;

		if (k->type == CONFTAB_STRING)
			free(*(char **)(void *)p);
		else if (k->type == CONFTAB_LIST) {
			strv_free(*(char ***)(void *)p);
			memset((char *)obj + k->count, 0, sizeof(size_t));
		}
		memset(p, 0, k->size);
	}
}

static long long
load_int(const void *p, size_t size)
{
	if (size == sizeof(int)) {
		int i;

		memcpy(&i, p, sizeof(i));
		return i;
	}
	if (size == sizeof(short)) {
		short h;

		memcpy(&h, p, sizeof(h));
		return h;
	}
	long long v;

	memcpy(&v, p, sizeof(v));
	return v;
}

void
conftab_print(const struct conftab_key *tab, const void *obj, FILE *f)
{
	const char *sec = NULL;
	char buf[64];

	for (const struct conftab_key *k = tab; k->key != NULL; k++) {
		const char *p = (const char *)obj + k->offset;
		long long v = k->type >= CONFTAB_INT ? load_int(p, k->size) : 0;

		if (sec == NULL || strcmp(sec, k->section) != 0) {
			if (k->section[0] != '\0')
				fprintf(f, "%s[%s]\n", sec != NULL ? "\n" : "",
				    k->section);
			sec = k->section;
		}
		fprintf(f, "%s = ", k->key);
		if (k->flags & CONFTAB_SECRET &&
		    *(char *const *)(const void *)p != NULL)
			fputs("***", f);
		else if (k->type == CONFTAB_STRING) {
			const char *str = *(char *const *)(const void *)p;

			fputs(str != NULL                ? str
				: k->flags & CONFTAB_OFF ? "off"
							 : "",
			    f);
		} else if (k->type == CONFTAB_LIST) {
			char *const *l = *(char **const *)(const void *)p;

			for (size_t i = 0; l != NULL && l[i] != NULL; i++)
				fprintf(f, "%s%s", i > 0 ? " " : "", l[i]);
		} else if (k->type == CONFTAB_BOOL)
			fputs(*(const int *)(const void *)p ? "yes" : "no", f);
		else if (k->type == CONFTAB_MODE)
			fprintf(f, "%04llo", v);
		else if (k->type == CONFTAB_ENUM)
			fputs(k->names[v], f);
		else
			fputs(
			    fmt_num(k,
				v *
				    (k->type == CONFTAB_DURATION && k->scale > 1
					    ? k->scale
					    : 1),
				buf, sizeof(buf)),
			    f);
		fputc('\n', f);
	}
}
