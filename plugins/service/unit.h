/*
 * unit.h: one daemon of an app, as the service manager will run it.
 *
 * unit_build() turns a [daemon.NAME] section (lib/appconf.h) and the
 * node's settings (struct svc_node) into a struct svc_unit: the unit name
 * metactl-APP-NAME, the absolute argv of its platform, the environment of
 * the app's [env], the user and the working directory. Relative paths
 * (a jar, a war, a command) resolve against the release directory.
 *
 *   exec   appconf_split(command)
 *   jvm    JAVA [-Xms..] [-Xmx..] <jvm.opts> -jar JAR <args>
 *   jetty  JAVA -Djetty.home=H -Djetty.base=B -jar H/start.jar
 *          --module=http,deploy jetty.http.host=.. jetty.http.port=..
 *
 * A jetty daemon runs in a Jetty base of its own,
 * APPS/APP/state/jetty/NAME, whose webapps/ holds one context file that
 * points at the release's war; unit_setup() appends the steps that lay it
 * down.
 */
#ifndef METACTL_SERVICE_UNIT_H
#define METACTL_SERVICE_UNIT_H

#include "appconf.h"
#include "error.h"
#include "plugins/service/backend.h"
#include "plugins/service/plan.h"

/* A struct svc_unit with the storage it points into. */
struct unit {
	struct svc_unit u;
	char name[128]; /* metactl-APP-DAEMON */
	char *description;
	char *cwd;
	char **argv;
	char *jetty_base; /* jetty: APPS/APP/state/jetty/NAME */
	char *jetty_war; /* jetty: the war, absolute */
	char *jetty_context;
	char netns[96]; /* metactl-APP when the app is sandboxed */
};

/*
 * Fills ret for daemon d of app, whose release directory is release and
 * whose merged [env] is env (borrowed, kept by reference). Strings of d
 * are borrowed too: ret lives no longer than d's appconf. 0, -ENOMEM, or
 * MCE_CONFIG with err saying what is wrong (a command that does not
 * split, a jvm daemon without jvm.jar).
 */
int unit_build(const struct svc_node *n, const char *app, const char *release,
    const struct app_daemon *d, const char *const *env, struct unit *ret,
    struct error *err);
void unit_clear(struct unit *u);

/*
 * The daemon runs in the app's network namespace, metactl-APP, when c has
 * [sandbox.net] with an ip (or address) and not enabled = no: the sandbox
 * agent (plugins/sandbox/) makes that namespace.
 */
void unit_sandbox(struct unit *u, const struct appconf *c);

/* The files the daemon needs before its manager can start it (a jetty
 * base); nothing for the other platforms. 0 or -ENOMEM. */
int unit_setup(const struct unit *u, struct plan *p);

#endif
