/*
 * smf.c: daemons as Solaris SMF services (smf(7), service_bundle(5)).
 *
 * Each daemon is svc:/site/metactl/APP/DAEMON:default, described by a
 * manifest SERVICE_DIR/UNIT.xml (default /var/svc/manifest/site), checked
 * with `svccfg validate` and loaded with `svccfg import`. Daemons run in
 * the foreground, so the manifest sets startd/duration=child: svc.startd
 * runs the start method as the daemon itself and restarts it when it
 * exits (SMF has no "never restart"; it puts a service that fails too
 * often into maintenance). The stop method is ":kill" (SIGTERM to the
 * service's contract), refresh ":kill -SIGNAL" when the daemon has a
 * reload signal.
 *
 * start is `svcadm enable -s`, stop `svcadm disable -s`, restart
 * `svcadm restart -s`: -s makes svcadm wait until the service is online
 * (or fails into maintenance, and svcadm exits non-zero). restart -s is
 * Solaris 11.4's svcadm(8); illumos' svcadm has -s only on enable and
 * disable. The start grace
 * is SMF's: a daemon that dies at start is restarted by svc.startd and,
 * when that repeats, put into maintenance; a death inside the grace that
 * svc.startd restarts successfully is not reported by start.
 *
 * status runs `svcs -H -o state,stime,ctid FMRI` and `svcs -H -p FMRI` for
 * the pid; logs are read with less from /var/svc/log/.
 *
 * Quoting: the exec attribute goes through svc.startd's method tokens
 * ('%' doubled) and /bin/sh -c (each word in single quotes, after "exec"
 * so that the daemon replaces the shell and is the contract's process);
 * every
 * attribute value is XML-escaped. Environment values are set as they are
 * (method_environment/envvar), only XML-escaped.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "plugins/service/backend.h"
#include "plugins/service/svcstate.h"
#include "plugins/service/text.h"

#define SMF_DIR "/var/svc/manifest/site"
#define SMF_MARGIN_MS 10000

static void
fmri(const struct svc_unit *u, char *buf, size_t size)
{
	snprintf(
	    buf, size, "svc:/site/metactl/%s/%s:default", u->app, u->daemon);
}

/* s XML-escaped, for an attribute value or element text. */
static int
add_xml(struct text *t, const char *s)
{
	if (!text_printable(s))
		return -EINVAL;
	for (; *s != '\0'; s++)
		switch (*s) {
		case '&':
			text_add(t, "&amp;");
			break;
		case '<':
			text_add(t, "&lt;");
			break;
		case '>':
			text_add(t, "&gt;");
			break;
		case '"':
			text_add(t, "&quot;");
			break;
		case '\'':
			text_add(t, "&apos;");
			break;
		default:
			text_addc(t, *s);
		}
	return 0;
}

/* The exec attribute: each word in sh single quotes, '%' doubled. */
static int
exec_attr(const char *const *argv, struct text *t)
{
	struct text w = TEXT_INIT;
	const char *p;
	size_t i;
	int r;

	if (argv == NULL || argv[0] == NULL || argv[0][0] != '/')
		return -EINVAL;
	text_add(&w, "exec");
	for (i = 0; argv[i] != NULL; i++) {
		text_add(&w, " '");
		for (p = argv[i]; *p != '\0'; p++)
			if (*p == '\'')
				text_add(&w, "'\\''");
			else if (*p == '%')
				text_add(&w, "%%");
			else
				text_addc(&w, *p);
		text_addc(&w, '\'');
	}
	r = w.err != 0 ? w.err : add_xml(t, w.s);
	text_clear(&w);
	return r;
}

static long long
secs(long long ms, long long dflt)
{
	return ms > 0 ? (ms + 999) / 1000 : dflt;
}

static int
add_context(struct text *t, const struct svc_unit *u)
{
	const char *const *e;
	const char *eq;
	int r = 0;

	text_add(t, "      <method_context");
	if (u->cwd != NULL) {
		text_add(t, " working_directory=\"");
		if ((r = add_xml(t, u->cwd)) < 0)
			return r;
		text_addc(t, '"');
	}
	text_addf(t, ">\n        <method_credential user=\"%s\"", u->user);
	if (u->group != NULL)
		text_addf(t, " group=\"%s\"", u->group);
	text_add(t, "/>\n");
	if (u->env != NULL && u->env[0] != NULL) {
		text_add(t, "        <method_environment>\n");
		for (e = u->env; *e != NULL; e++) {
			if ((eq = strchr(*e, '=')) == NULL || eq == *e)
				return -EINVAL;
			text_add(t, "          <envvar name=\"");
			text_addn(t, *e, (size_t)(eq - *e));
			text_add(t, "\" value=\"");
			if ((r = add_xml(t, eq + 1)) < 0)
				return r;
			text_add(t, "\"/>\n");
		}
		text_add(t, "        </method_environment>\n");
	}
	text_add(t, "      </method_context>\n");
	return 0;
}

static int
add_methods(struct text *t, const struct svc_node *n, const struct svc_unit *u)
{
	int r;

	text_add(t, "    <exec_method type=\"method\" name=\"start\" exec=\"");
	if ((r = exec_attr(u->argv, t)) < 0)
		return r;
	text_addf(
	    t, "\" timeout_seconds=\"%lld\">\n", secs(n->start_timeout_ms, 60));
	if ((r = add_context(t, u)) < 0)
		return r;
	text_add(t, "    </exec_method>\n");
	text_addf(t,
	    "    <exec_method type=\"method\" name=\"stop\" exec=\":kill\" "
	    "timeout_seconds=\"%lld\"/>\n",
	    secs(u->stop_timeout_ms, 60));
	if (u->reload_signal != NULL) {
		if (!text_user_ok(u->reload_signal))
			return -EINVAL;
		text_addf(t,
		    "    <exec_method type=\"method\" name=\"refresh\" "
		    "exec=\":kill -%s\" timeout_seconds=\"60\"/>\n",
		    u->reload_signal);
	}
	return 0;
}

static int
render(const struct svc_node *n, const struct svc_unit *u, struct text *t)
{
	int r;

	if (!text_user_ok(u->user) ||
	    (u->group != NULL && !text_user_ok(u->group)))
		return -EINVAL;
	/* illumos and Solaris have no Linux network namespace to enter. */
	if (u->netns != NULL)
		return -ENOTSUP;
	text_add(t,
	    "<?xml version=\"1.0\"?>\n<!DOCTYPE service_bundle SYSTEM "
	    "\"/usr/share/lib/xml/dtd/service_bundle.dtd.1\">\n");
	text_addf(t,
	    "<!-- metactl-generated: daemon %s of app %s. metactl rewrites "
	    "this file; change the app's configuration instead. -->\n",
	    u->daemon, u->app);
	text_addf(
	    t, "<service_bundle type=\"manifest\" name=\"%s\">\n", u->unit);
	text_addf(t,
	    "  <service name=\"site/metactl/%s/%s\" type=\"service\" "
	    "version=\"1\">\n",
	    u->app, u->daemon);
	text_add(t,
	    "    <create_default_instance enabled=\"false\"/>\n"
	    "    <single_instance/>\n"
	    "    <dependency name=\"network\" grouping=\"require_all\" "
	    "restart_on=\"error\" type=\"service\">\n"
	    "      <service_fmri value=\"svc:/milestone/network:default\"/>\n"
	    "    </dependency>\n");
	if ((r = add_methods(t, n, u)) < 0)
		return r;
	text_add(t,
	    "    <property_group name=\"startd\" type=\"framework\">\n"
	    "      <propval name=\"duration\" type=\"astring\" "
	    "value=\"child\"/>\n"
	    "    </property_group>\n"
	    "    <stability value=\"Unstable\"/>\n"
	    "    <template>\n      <common_name>\n"
	    "        <loctext xml:lang=\"C\">");
	if ((r = add_xml(
		 t, u->description != NULL ? u->description : u->unit)) < 0)
		return r;
	text_add(t,
	    "</loctext>\n      </common_name>\n    </template>\n"
	    "  </service>\n</service_bundle>\n");
	return t->err;
}

static int
manifest_path(
    const struct svc_node *n, const struct svc_unit *u, char *buf, size_t size)
{
	return text_path(buf, size, n->service_dir, SMF_DIR, u->unit, ".xml");
}

/* `TOOL VERB [OPTION] FMRI`. */
static int
adm(struct plan *p, const struct svc_unit *u, const char *tool,
    const char *verb, const char *option, const char *what, int timeout_ms,
    unsigned flags)
{
	char f[300];

	fmri(u, f, sizeof(f));
	return text_cmd(p, u, tool, verb, option, f, what, timeout_ms, flags);
}

static int
smf_install(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	struct text t = TEXT_INIT;
	char path[4096];
	const char *validate[] = {"svccfg", "validate", path, NULL};
	const char *import[] = {"svccfg", "import", path, NULL};
	int r;

	if ((r = manifest_path(n, u, path, sizeof(path))) < 0)
		return r;
	if ((r = render(n, u, &t)) == 0 &&
	    (r = plan_write(p, path, t.s, t.len, 0644)) == 0 &&
	    (r = text_run(p, u, "check the manifest of", 0, 0, validate)) == 0)
		r = text_run(p, u, "import the manifest of", 0, 0, import);
	text_clear(&t);
	return r;
}

static int
smf_stop(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	(void)n;
	return adm(p, u, "svcadm", "disable", "-s", "stop",
	    text_timeout(u->stop_timeout_ms, SMF_MARGIN_MS), 0);
}

static int
smf_uninstall(
    const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	char path[4096];
	int r;

	if ((r = manifest_path(n, u, path, sizeof(path))) < 0)
		return r;
	if ((r = adm(p, u, "svcadm", "disable", "-s", "stop",
		 text_timeout(u->stop_timeout_ms, SMF_MARGIN_MS),
		 PLAN_MAY_FAIL)) < 0 ||
	    (r = adm(p, u, "svccfg", "delete", NULL, "delete the service of", 0,
		 PLAN_MAY_FAIL)) < 0)
		return r;
	return plan_remove(p, path);
}

static int
smf_start(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	return adm(p, u, "svcadm", "enable", "-s", "start",
	    text_timeout(n->start_timeout_ms, SMF_MARGIN_MS), 0);
}

static int
smf_restart(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	return adm(p, u, "svcadm", "restart", "-s", "restart",
	    text_timeout(
		u->stop_timeout_ms + n->start_timeout_ms, SMF_MARGIN_MS),
	    0);
}

static int
smf_reload(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	(void)n;
	if (u->reload_signal == NULL)
		return -ENOTSUP;
	return adm(p, u, "svcadm", "refresh", NULL, "reload", 0, 0);
}

static int
smf_status(const struct svc_node *n, const struct svc_unit *u, struct plan *p)
{
	char f[300];
	const char *state[] = {"svcs", "-H", "-o", "state,stime,ctid", f, NULL};
	const char *procs[] = {"svcs", "-H", "-p", f, NULL};
	int r;

	(void)n;
	fmri(u, f, sizeof(f));
	if ((r = text_run(p, u, "read the state of", 0, PLAN_OUTPUT, state)) <
	    0)
		return r;
	return text_run(p, u, "read the processes of", 0, PLAN_OUTPUT, procs);
}

static char **
smf_logs(const struct svc_node *n, const struct svc_unit *u)
{
	char path[4096];
	const char *argv[] = {"less", path, NULL};

	(void)n;
	snprintf(path, sizeof(path),
	    "/var/svc/log/site-metactl-%s-%s:default.log", u->app, u->daemon);
	return strv_copy(argv, 2);
}

const struct svc_backend svc_backend_smf = {
    .name = "smf",
    .install = smf_install,
    .uninstall = smf_uninstall,
    .start = smf_start,
    .stop = smf_stop,
    .restart = smf_restart,
    .reload = smf_reload,
    .status = smf_status,
    .status_parse = svcstate_smf,
    .logs = smf_logs,
};
