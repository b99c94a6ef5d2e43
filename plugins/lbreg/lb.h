/*
 * lb.h: an app's server in its load balancer, from the app's [lb] section
 * (metactl-app(5)), as plan steps (plugins/service/plan.h).
 *
 * Two kinds of load balancer:
 *   haproxy  HAProxy's runtime API on its admin UNIX socket, spoken by the
 *            helper metactl-lbctl (beside metactl-svwait) run as a plan's
 *            RUN step, so that the agent never blocks on the socket and a
 *            dry_run lists the exact runtime-API lines in its argv;
 *   file     a server-list file written atomically in a fixed format, then
 *            the configured reload command (nginx and others); a drain
 *            then waits, through the helper metactl-connwait, until no
 *            established TCP connection to the server is left on the
 *            node.
 *
 * The lbreg agent uses these for its actions; the service agent's restart
 * and the deploy agent drain an app that has [lb] first and register it
 * again once its daemons are up.
 */
#ifndef METACTL_LBREG_LB_H
#define METACTL_LBREG_LB_H

#include "appconf.h"
#include "error.h"
#include "plugins/plugin.h"
#include "plugins/service/plan.h"

enum lb_op {
	LB_REGISTER, /* add when missing, address, weight, ready */
	LB_READY, /* the same after a restart: with [lb] check, marked down
		     first, so that only a passing check brings it back */
	LB_DRAIN, /* drain, then wait until no session is left; nothing
		     when the server is not registered */
	LB_DEREGISTER, /* maint, no session left, delete */
	LB_STATUS /* what the load balancer says (haproxy), what the
		     server-list file and the node's connections say (file) */
};

enum lb_type {
	LB_HAPROXY,
	LB_FILE
};

/* [lb], checked, with its defaults; strings borrowed from the appconf. */
struct lb_conf {
	enum lb_type type;
	const char *socket; /* haproxy: the admin socket */
	const char *backend; /* haproxy: required */
	char server[256]; /* default: the app's DNS name when sandboxed
			     ([sandbox.net]), else the node's identity */
	const char *address; /* default: the sandbox's IP, else 127.0.0.1 */
	char ip[16]; /* the sandbox's IP, when address is it */
	long long port; /* required */
	long long weight; /* 0..256, default 1 */
	int check; /* haproxy: the backend's health check on the server */
	long long timeout_ms; /* a drain or a ready wait, default 30s */
	const char *file; /* file: the server-list file */
	const char *reload; /* file: the reload command, split */
	char netns[128]; /* the sandbox's network namespace, or "" */
	char lbctl[4096]; /* the helpers */
	char connwait[4096];
};

/* Default of [lb] socket: Debian's haproxy.cfg. */
#define LB_SOCKET "/run/haproxy/admin.sock"

/*
 * [lb] of c into lb: 0, -ENOENT when the app has no [lb], or -EINVAL
 * with err set (file:line of the value at fault).
 */
int lb_conf_get(const struct appconf *c, const struct node_info *node,
    struct lb_conf *lb, struct error *err);

/* Appends op's steps to p: 0, -ENOMEM, -EINVAL (err: the reload command). */
int lb_plan(
    const struct lb_conf *lb, enum lb_op op, struct plan *p, struct error *err);

/*
 * What the server-list file says of lb's server, into st (the file
 * backend's status): "file", "listed" (the file has the server's line)
 * and "down" (the line marks it down). 0 or -ENOMEM.
 */
int lb_file_status(const struct lb_conf *lb, json_t *st);

/*
 * For the service and deploy agents: appends op's steps when c has [lb].
 * 1 when it has (steps appended), 0 when it has not, or a negative code
 * with err set.
 */
int lb_plan_app(const struct appconf *c, const struct node_info *node,
    enum lb_op op, struct plan *p, struct error *err);

#endif
