/* unit.c: a daemon's section -> what its manager runs. See unit.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox_names.h"
#include "strv.h"
#include "plugins/service/unit.h"

/* path if absolute, else release/path; malloc'd, NULL out of memory. */
static char *
resolve(const char *release, const char *path)
{
	char *s;

	if (path[0] == '/')
		return strdup(path);
	if (asprintf(&s, "%s/%s", release, path) < 0)
		return NULL;
	return s;
}

static int
push_words(struct strv *sv, char **words)
{
	for (; words != NULL && *words != NULL; words++)
		if (strv_push(sv, *words) < 0)
			return -ENOMEM;
	return 0;
}

/* Appends the words of s (NULL: none) to sv. */
static int
push_split(struct strv *sv, const char *s, struct error *err)
{
	char **w;
	int r;

	if (s == NULL)
		return 0;
	if ((w = appconf_split(s, err)) == NULL)
		return MCE_CONFIG;
	r = push_words(sv, w);
	strv_free(w);
	return r;
}

/*
 * Appends the words of s, the value of key: the first resolved against
 * the release, then the others. MCE_CONFIG when s is missing, empty or
 * does not split.
 */
static int
push_program(struct strv *sv, const struct unit *u, const char *release,
    const char *key, const char *s, struct error *err)
{
	char **w = NULL, *first;
	int r;

	if (s != NULL && (w = appconf_split(s, err)) == NULL)
		return MCE_CONFIG;
	if (w == NULL || w[0] == NULL) {
		strv_free(w);
		error_set(err, 0, 0, "daemon %s: no %s", u->u.daemon, key);
		return MCE_CONFIG;
	}
	if ((first = resolve(release, w[0])) == NULL)
		r = -ENOMEM;
	else
		r = strv_push(sv, first);
	free(first);
	if (r == 0)
		r = push_words(sv, w + 1);
	strv_free(w);
	return r;
}

static int
push_opt(struct strv *sv, const char *prefix, const char *value)
{
	char *s;
	int r;

	if (value == NULL)
		return 0;
	if (asprintf(&s, "%s%s", prefix, value) < 0)
		return -ENOMEM;
	r = strv_push(sv, s);
	free(s);
	return r;
}

static int
argv_jvm(const struct svc_node *n, const struct unit *u, const char *release,
    const struct app_daemon *d, struct strv *sv, struct error *err)
{
	int r;

	r = strv_push(sv, n->java);
	if (r == 0)
		r = push_opt(sv, "-Xms", d->jvm_heap_min);
	if (r == 0)
		r = push_opt(sv, "-Xmx", d->jvm_heap_max);
	if (r == 0)
		r = push_split(sv, d->jvm_opts, err);
	if (r == 0)
		r = strv_push(sv, "-jar");
	if (r == 0)
		r = push_program(sv, u, release, "jvm.jar", d->jvm_jar, err);
	return r;
}

static int
argv_jetty(const struct svc_node *n, struct unit *u, const char *release,
    const struct app_daemon *d, struct strv *sv, struct error *err)
{
	char port[32];
	int r;

	if (d->jetty_war == NULL || d->jetty_port <= 0) {
		error_set(err, 0, 0,
		    "daemon %s: jetty needs jetty.war and "
		    "jetty.port",
		    u->u.daemon);
		return MCE_CONFIG;
	}
	if (asprintf(&u->jetty_base, "%s/%s/state/jetty/%s", n->apps_dir,
		u->u.app, u->u.daemon) < 0) {
		u->jetty_base = NULL;
		return -ENOMEM;
	}
	if ((u->jetty_war = resolve(release, d->jetty_war)) == NULL ||
	    (u->jetty_context = strdup(
		 d->jetty_context != NULL ? d->jetty_context : "/")) == NULL)
		return -ENOMEM;
	snprintf(port, sizeof(port), "%lld", d->jetty_port);
	r = strv_push(sv, n->java);
	if (r == 0)
		r = push_split(sv, d->jvm_opts, err);
	if (r == 0)
		r = push_opt(sv, "-Xms", d->jvm_heap_min);
	if (r == 0)
		r = push_opt(sv, "-Xmx", d->jvm_heap_max);
	if (r == 0)
		r = push_opt(sv, "-Djetty.home=", n->jetty_home);
	if (r == 0)
		r = push_opt(sv, "-Djetty.base=", u->jetty_base);
	if (r == 0)
		r = strv_push(sv, "-jar");
	if (r == 0)
		r = push_opt(sv, n->jetty_home, "/start.jar");
	if (r == 0)
		r = strv_push(sv, "--module=http,deploy");
	if (r == 0)
		r = push_opt(sv, "jetty.http.host=",
		    d->jetty_host != NULL ? d->jetty_host : "127.0.0.1");
	if (r == 0)
		r = push_opt(sv, "jetty.http.port=", port);
	return r;
}

int
unit_build(const struct svc_node *n, const char *app, const char *release,
    const struct app_daemon *d, const char *const *env, struct unit *ret,
    struct error *err)
{
	struct strv sv = STRV_INIT;
	int r;

	memset(ret, 0, sizeof(*ret));
	snprintf(ret->name, sizeof(ret->name), "metactl-%s-%s", app, d->name);
	ret->u.app = app;
	ret->u.daemon = d->name;
	ret->u.unit = ret->name;
	ret->u.env = env;
	ret->u.user = d->user != NULL ? d->user : "nobody";
	ret->u.group = d->group;
	ret->u.notify = d->notify;
	ret->u.restart = d->restart != NULL ? d->restart : "always";
	ret->u.stop_timeout_ms = d->stop_timeout_ms;
	ret->u.reload_signal = d->reload_signal;
	if (d->description != NULL)
		ret->description = strdup(d->description);
	else if (asprintf(&ret->description, "%s %s", app, d->name) < 0)
		ret->description = NULL;
	ret->cwd = resolve(release, d->cwd != NULL ? d->cwd : ".");
	if (ret->description == NULL || ret->cwd == NULL) {
		unit_clear(ret);
		return -ENOMEM;
	}
	if (d->cwd == NULL)
		ret->cwd[strlen(ret->cwd) - 2] = '\0'; /* no trailing "/." */
	switch (d->platform) {
	case APP_PLATFORM_EXEC:
		r = push_program(&sv, ret, release, "command", d->command, err);
		break;
	case APP_PLATFORM_JVM:
		r = argv_jvm(n, ret, release, d, &sv, err);
		break;
	case APP_PLATFORM_JETTY:
		r = argv_jetty(n, ret, release, d, &sv, err);
		break;
	default:
		r = -EINVAL;
	}
	ret->argv = sv.v;
	if (r < 0) {
		unit_clear(ret);
		return r;
	}
	ret->u.description = ret->description;
	ret->u.cwd = ret->cwd;
	ret->u.argv = (const char *const *)ret->argv;
	return 0;
}

void
unit_clear(struct unit *u)
{
	free(u->description);
	free(u->cwd);
	strv_free(u->argv);
	free(u->jetty_base);
	free(u->jetty_war);
	free(u->jetty_context);
	memset(u, 0, sizeof(*u));
}

void
unit_sandbox(struct unit *u, const struct appconf *c)
{
	const struct config *cf = appconf_config(c);
	const char *on = config_get(cf, "sandbox.net", "enabled");

	if (config_get(cf, "sandbox.net", "ip") == NULL &&
	    config_get(cf, "sandbox.net", "address") == NULL)
		return;
	if (on != NULL &&
	    (strcmp(on, "no") == 0 || strcmp(on, "false") == 0 ||
		strcmp(on, "off") == 0 || strcmp(on, "0") == 0))
		return;
	sandbox_netns(u->u.app, u->netns, sizeof(u->netns));
	u->u.netns = u->netns;
}

/* s with &, <, > and " as XML entities, into a malloc'd string. */
static char *
xml_escape(const char *s)
{
	size_t n = 1;
	char *d, *p;

	for (const char *q = s; *q != '\0'; q++)
		n += strchr("&<>\"", *q) != NULL ? 6 : 1;
	if ((p = d = malloc(n)) == NULL)
		return NULL;
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			p = stpcpy(p, "&amp;");
			break;
		case '<':
			p = stpcpy(p, "&lt;");
			break;
		case '>':
			p = stpcpy(p, "&gt;");
			break;
		case '"':
			p = stpcpy(p, "&quot;");
			break;
		default:
			*p++ = *s;
		}
	}
	*p = '\0';
	return d;
}

/* Jetty's deploy module picks up webapps/NAME.xml: one context for the
 * war of the release, at jetty.context. */
int
unit_setup(const struct unit *u, struct plan *p)
{
	char *dir = NULL, *file = NULL, *xml = NULL, *war, *ctx;
	int r = -ENOMEM, len;

	if (u->jetty_base == NULL)
		return 0;
	war = xml_escape(u->jetty_war);
	ctx = xml_escape(u->jetty_context);
	if (war == NULL || ctx == NULL ||
	    asprintf(&dir, "%s/webapps", u->jetty_base) < 0 ||
	    asprintf(&file, "%s/%s.xml", dir, u->u.daemon) < 0)
		goto out;
	len = asprintf(&xml,
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE Configure PUBLIC \"-//Jetty//Configure//EN\" "
	    "\"http://www.eclipse.org/jetty/configure_9_3.dtd\">\n"
	    "<Configure class=\"org.eclipse.jetty.webapp.WebAppContext\">\n"
	    "  <Set name=\"contextPath\">%s</Set>\n"
	    "  <Set name=\"war\">%s</Set>\n"
	    "</Configure>\n",
	    ctx, war);
	if (len < 0) {
		xml = NULL;
		goto out;
	}
	if ((r = plan_mkdir(p, u->jetty_base, 0755)) == 0 &&
	    (r = plan_mkdir(p, dir, 0755)) == 0)
		r = plan_write(p, file, xml, (size_t)len, 0644);
out:
	free(war);
	free(ctx);
	free(dir);
	free(file);
	free(xml);
	return r;
}
