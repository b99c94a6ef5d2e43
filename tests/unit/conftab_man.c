/* conftab_man.c: see conftab_man.h. */
#include "buildconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conftab_man.h"

/* The directories of this build, as man/local.mk writes them into the
 * pages. */
static const char *const man_vars[] = {"sysconfdir", SYSCONFDIR,
    "localstatedir", LOCALSTATEDIR, "runstatedir", RUNSTATEDIR, "pkgdatadir",
    PKGDATADIR, "pkglibexecdir", PKGLIBEXECDIR, NULL};

struct item {
	char section[64];
	char key[64];
	char text[4096]; /* the item's words, macros left out */
};

/* rel under $top_srcdir, or under $top_builddir when built is 1. */
static FILE *
open_src(const char *rel, int built)
{
	const char *top = getenv(built ? "top_builddir" : "top_srcdir");
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top != NULL ? top : ".", rel);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	return f;
}

/* Whether tok is an mdoc macro that may appear inside a line. */
static int
is_macro(const char *tok)
{
	static const char *const m[] = {"Li", "Pa", "Ns", "Pq", "Cm", "Dq",
	    "Ql", "Sq", "Ar", "No", "Xr", "Ev", "Dv", "Fl", "Ic", "Em", "Sy",
	    "Op", "Bq", "Qq", NULL};

	for (size_t i = 0; m[i] != NULL; i++)
		if (strcmp(tok, m[i]) == 0)
			return 1;
	return 0;
}

/* Appends the words of one line of the page to text. */
static void
add_words(char *text, size_t size, char *line)
{
	char *save = NULL, *tok;
	int first = 1;

	for (tok = strtok_r(line, " \t\n", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t\n", &save), first = 0) {
		size_t n = strlen(text);

		if ((line[0] == '.' && first) || is_macro(tok))
			continue;
		if (strchr(".,;:)", tok[0]) != NULL && tok[1] == '\0' &&
		    n > 0 && text[n - 1] == ' ')
			text[--n] = '\0';
		snprintf(text + n, size - n, "%s ", tok);
	}
}

/* The items of the page's key lists; returns how many. */
static size_t
read_items(
    const char *page, const char *global_from, struct item *items, size_t max)
{
	FILE *f = open_src(page, 1);
	char line[4096], section[64] = "";
	int in = 0, depth = 0;
	size_t n = 0;
	struct item *cur = NULL;

	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, ".Ss Bq ", 7) == 0) {
			snprintf(section, sizeof(section), "%.63s", line + 7);
			in = 1, depth = 0, cur = NULL;
			continue;
		}
		if (global_from != NULL && strcmp(line, global_from) == 0) {
			section[0] = '\0';
			in = 1, depth = 0, cur = NULL;
			continue;
		}
		if (strncmp(line, ".Sh", 3) == 0 ||
		    strncmp(line, ".Ss", 3) == 0) {
			in = 0, cur = NULL;
			continue;
		}
		if (!in)
			continue;
		if (strncmp(line, ".Bl", 3) == 0)
			depth++;
		else if (strncmp(line, ".El", 3) == 0 && --depth == 0)
			cur = NULL;
		else if (depth == 1 && strncmp(line, ".It Cm ", 7) == 0) {
			ck_assert_msg(n < max, "%s: too many items", page);
			cur = &items[n++];
			memset(cur, 0, sizeof(*cur));
			snprintf(
			    cur->section, sizeof(cur->section), "%s", section);
			ck_assert_msg(strstr(line + 7, "Cm") == NULL,
			    "%s: one key per item: %s", page, line);
			snprintf(cur->key, sizeof(cur->key), "%.63s", line + 7);
		} else if (cur != NULL)
			add_words(cur->text, sizeof(cur->text), line);
	}
	fclose(f);
	return n;
}

void
conftab_man_check(
    const struct conftab_key *tab, const char *page, const char *global_from)
{
	static struct item items[256];
	size_t n = read_items(page, global_from, items, 256);
	char def[512], want[600], name[128];

	ck_assert_msg(n > 0, "%s: no keys found", page);
	for (const struct conftab_key *k = tab; k->key != NULL; k++) {
		const struct item *it = NULL;
		const char *d;

		conftab_name(k, name, sizeof(name));
		for (size_t i = 0; i < n; i++)
			if (strcmp(items[i].section, k->section) == 0 &&
			    strcmp(items[i].key, k->key) == 0)
				it = &items[i];
		ck_assert_msg(
		    it != NULL, "%s does not describe %s", page, name);
		ck_assert_msg((strstr(it->text, "Changes on restart only") !=
				  NULL) == ((k->flags & CONFTAB_RESTART) != 0),
		    "%s: %s %s \"Changes on restart only.\"", page, name,
		    k->flags & CONFTAB_RESTART ? "lacks" : "should not say");
		d = k->def_doc != NULL
		    ? k->def_doc
		    : conftab_default_with(k, man_vars, def, sizeof(def));
		if (d == NULL) {
			ck_assert_msg(strstr(it->text, "Default:") == NULL,
			    "%s gives %s a default the program does not have: "
			    "%s",
			    page, name, it->text);
			continue;
		}
		snprintf(want, sizeof(want), "Default: %s", d);
		ck_assert_msg(strstr(it->text, want) != NULL,
		    "%s: %s should say \"%s\": %s", page, name, want, it->text);
	}
	for (size_t i = 0; i < n; i++) {
		const struct conftab_key *k;

		for (k = tab; k->key != NULL; k++)
			if (strcmp(items[i].section, k->section) == 0 &&
			    strcmp(items[i].key, k->key) == 0)
				break;
		ck_assert_msg(k->key != NULL, "%s describes [%s] %s, unknown",
		    page, items[i].section, items[i].key);
	}
}

void
conftab_sample_check(const struct conftab_key *tab, const char *sample)
{
	for (const struct conftab_key *k = tab; k->key != NULL; k++) {
		FILE *f = open_src(sample, 0);
		char line[4096], section[64] = "", name[128];
		int found = 0;

		while (!found && fgets(line, sizeof(line), f) != NULL) {
			const char *p = line + (line[0] == '#');
			size_t len = strlen(k->key);

			if (p[0] == '[') {
				snprintf(section, sizeof(section), "%.*s",
				    (int)strcspn(p + 1, "]"), p + 1);
				continue;
			}
			found = strcmp(section, k->section) == 0 &&
			    strncmp(p, k->key, len) == 0 &&
			    p[len + strspn(p + len, " ")] == '=';
		}
		fclose(f);
		ck_assert_msg(found, "%s does not mention %s", sample,
		    conftab_name(k, name, sizeof(name)));
	}
}
