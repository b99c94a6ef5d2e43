/* cron.c: see cron.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "plugins/service/cron.h"
#include "plugins/service/text.h"

#define CRON_DIR "/etc/cron.d"

/* CRON_DIR/metactl-APP into buf, once APP is a name cron reads. */
static int
cron_path(const struct svc_node *n, const char *app, char *buf, size_t size,
    struct error *err)
{
	char why[256], name[128];

	if (name_check(NAME_APP, app, why, sizeof(why)) < 0) {
		error_set(err, 0, 0, "%s", why);
		return -EINVAL;
	}
	if (strchr(app, '.') != NULL) {
		error_set(err, 0, 0,
		    "app '%s' cannot have a [crontab]: cron ignores files "
		    "whose name holds a '.' (rename the app)",
		    app);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "metactl-%s", app);
	return text_path(buf, size, n->cron_dir, CRON_DIR, name, "");
}

/* Five fields of digits, letters (jan, mon), '*', ',', '-' and '/'. */
static int
schedule_ok(const char *s)
{
	int fields = 0, in = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ') {
			in = 0;
			continue;
		}
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
			(*s >= 'A' && *s <= 'Z') || strchr("*,-/", *s) != NULL))
			return 0;
		if (!in)
			fields++;
		in = 1;
	}
	return fields == 5;
}

/* Why entry c cannot be written, or NULL. */
static const char *
entry_why(const struct app_cron *c)
{
	if (c->name == NULL || !text_printable(c->name))
		return "the name holds a control character";
	if (c->schedule == NULL || !schedule_ok(c->schedule))
		return "the schedule is not five cron fields";
	if (c->command == NULL || c->command[0] == '\0' ||
	    !text_printable(c->command))
		return "the command is empty or holds a control character "
		       "(a newline?)";
	if (c->description != NULL && !text_printable(c->description))
		return "the description holds a control character";
	if (!text_user_ok(c->user != NULL ? c->user : "nobody"))
		return "the user is not a user name";
	return NULL;
}

static void
add_entry(struct text *t, const struct app_cron *c)
{
	const char *s;

	text_addf(t, "\n# %s: %s\n%s %s ", c->name,
	    c->description != NULL ? c->description : "(no description)",
	    c->schedule, c->user != NULL ? c->user : "nobody");
	for (s = c->command; *s != '\0'; s++) {
		if (*s == '%')
			text_addc(t, '\\');
		text_addc(t, *s);
	}
	text_addc(t, '\n');
}

int
cron_install(const struct svc_node *n, const char *app,
    const struct app_cron *crons, size_t ncrons, struct plan *p,
    struct error *err)
{
	struct text t = TEXT_INIT;
	char path[4096];
	const char *why;
	size_t i;
	int r;

	if (ncrons == 0)
		return cron_remove(n, app, p, err);
	if ((r = cron_path(n, app, path, sizeof(path), err)) < 0)
		return r;
	for (i = 0; i < ncrons; i++)
		if ((why = entry_why(&crons[i])) != NULL) {
			error_set(err, 0, 0, "[crontab] %s of app %s: %s",
			    crons[i].name != NULL ? crons[i].name : "?", app,
			    why);
			return -EINVAL;
		}
	text_addf(&t,
	    "# metactl-generated from the [crontab] of app %s. metactl "
	    "rewrites this\n# file; change the app's configuration instead.\n"
	    "SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
	    "/usr/bin:/sbin:/bin\n",
	    app);
	for (i = 0; i < ncrons; i++)
		add_entry(&t, &crons[i]);
	if ((r = t.err) == 0)
		r = plan_write(p, path, t.s, t.len, 0644);
	text_clear(&t);
	return r;
}

int
cron_remove(const struct svc_node *n, const char *app, struct plan *p,
    struct error *err)
{
	char path[4096];
	int r;

	/* An app whose name has a '.' never had a crontab to remove. */
	if (name_ok(NAME_APP, app) && strchr(app, '.') != NULL)
		return 0;
	if ((r = cron_path(n, app, path, sizeof(path), err)) < 0)
		return r;
	return plan_remove(p, path);
}
