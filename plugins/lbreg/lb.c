/*
 * lb.c: an app's [lb] section and the plan steps that register, drain,
 * deregister or read its server (lb.h).
 */
#include "buildconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "strv.h"
#include "plugins/lbreg/lb.h"
#include "plugins/sandbox/sbxconf.h"

#define LB_WAIT_SLACK_MS 5000 /* the helper's own exit after its wait */

/* An error at [lb] key, at its file:line. */
static int
lb_err(const struct config *c, const char *key, struct error *err,
    const char *what)
{
	const char *file = NULL;
	int line = 0;

	if (config_origin(c, "lb", key, &file, &line) == 0 && file != NULL)
		error_init(err, file);
	error_set(err, line, 0, "[lb] %s: %s", key, what);
	return -EINVAL;
}

static int
lb_numbers(const struct config *c, struct lb_conf *lb, struct error *err)
{
	int r;

	if ((r = config_get_int(c, "lb", "port", 0, &lb->port, err)) < 0 ||
	    (r = config_get_int(c, "lb", "weight", 1, &lb->weight, err)) < 0 ||
	    (r = config_get_bool(c, "lb", "check", 0, &lb->check, err)) < 0 ||
	    (r = config_get_duration_ms(
		 c, "lb", "timeout", 30000, &lb->timeout_ms, err)) < 0)
		return -EINVAL;
	if (lb->port < 1 || lb->port > 65535)
		return lb_err(c, "port", err, "required, 1 to 65535");
	if (lb->weight < 0 || lb->weight > 256)
		return lb_err(c, "weight", err, "0 to 256");
	return 0;
}

/* A word HAProxy takes as a name or an address: no blank, no '/'. */
static int
word_ok(const char *s)
{
	return s[0] != '\0' && strpbrk(s, " \t\r\n/;#") == NULL;
}

static int
lb_haproxy(const struct config *c, struct lb_conf *lb, struct error *err)
{
	lb->socket = config_get(c, "lb", "socket");
	if (lb->socket == NULL)
		lb->socket = LB_SOCKET;
	if (lb->socket[0] != '/')
		return lb_err(c, "socket", err, "an absolute path");
	if ((lb->backend = config_get(c, "lb", "backend")) == NULL ||
	    !word_ok(lb->backend))
		return lb_err(c, "backend", err,
		    "required: the HAProxy backend (a name, no blank or '/')");
	if (!word_ok(lb->server))
		return lb_err(c, "server", err, "a name, no blank or '/'");
	return 0;
}

static int
lb_file(const struct config *c, struct lb_conf *lb, struct error *err)
{
	if ((lb->file = config_get(c, "lb", "file")) == NULL ||
	    lb->file[0] != '/')
		return lb_err(c, "file", err,
		    "required with type = file: an absolute path");
	if ((lb->reload = config_get(c, "lb", "reload")) == NULL)
		return lb_err(c, "reload", err,
		    "required with type = file: the command that reloads the "
		    "load balancer");
	return 0;
}

/* The helpers live beside metactl-svwait (pkglibexecdir). */
static void
helper_path(
    const struct node_info *node, const char *name, char *buf, size_t size)
{
	const char *sv = node->apps != NULL ? node->apps->svwait : NULL;
	const char *slash = sv != NULL ? strrchr(sv, '/') : NULL;

	if (slash == NULL)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "%.*s/%s", (int)(slash - sv), sv, name);
}

/*
 * server and address, from [lb] or else from the app's sandbox: its DNS
 * name and its IP when [sandbox.net] is enabled, the node's identity and
 * 127.0.0.1 when not.
 */
static int
lb_where(const struct appconf *a, const struct node_info *node,
    struct lb_conf *lb, struct error *err)
{
	const struct config *c = appconf_config(a);
	const char *s = config_get(c, "lb", "server");
	const char *name = config_get(c, "sandbox.net", "name");
	struct sbx *sb;
	int r = 0;

	lb->address = config_get(c, "lb", "address");
	snprintf(lb->server, sizeof(lb->server), "%s",
	    s != NULL ? s : node->identity);
	if ((sb = malloc(sizeof(*sb))) == NULL)
		return -ENOMEM;
	if (sbx_from_conf(a, appconf_app(a), node->identity, sb, err) < 0)
		r = -EINVAL;
	else if (sb->enabled && s == NULL)
		snprintf(lb->server, sizeof(lb->server), "%s",
		    sb->dns            ? sb->dnsname
			: name != NULL ? name
				       : node->identity);
	if (r == 0 && sb->enabled)
		snprintf(
		    lb->netns, sizeof(lb->netns), "/run/netns/%s", sb->netns);
	if (r == 0 && lb->address == NULL && sb->enabled) {
		snprintf(lb->ip, sizeof(lb->ip), "%s", sb->ip);
		lb->address = lb->ip;
	}
	free(sb);
	if (lb->address == NULL)
		lb->address = "127.0.0.1";
	return r;
}

int
lb_conf_get(const struct appconf *a, const struct node_info *node,
    struct lb_conf *lb, struct error *err)
{
	const struct config *c = appconf_config(a);
	const char *type;
	int r;

	memset(lb, 0, sizeof(*lb));
	if (config_nkeys(c, "lb") == 0)
		return -ENOENT;
	type = config_get(c, "lb", "type");
	if (type == NULL || strcmp(type, "haproxy") == 0)
		lb->type = LB_HAPROXY;
	else if (strcmp(type, "file") == 0)
		lb->type = LB_FILE;
	else
		return lb_err(c, "type", err, "haproxy or file");
	if ((r = lb_where(a, node, lb, err)) < 0)
		return r;
	if (!word_ok(lb->address))
		return lb_err(c, "address", err, "an IP address or host name");
	helper_path(node, "metactl-lbctl", lb->lbctl, sizeof(lb->lbctl));
	helper_path(
	    node, "metactl-connwait", lb->connwait, sizeof(lb->connwait));
	if ((r = lb_numbers(c, lb, err)) < 0)
		return r;
	return lb->type == LB_HAPROXY ? lb_haproxy(c, lb, err)
				      : lb_file(c, lb, err);
}

/* Pushes each string up to NULL. */
static int
pushv(struct strv *sv, ...)
{
	const char *s;
	va_list ap;
	int r = 0;

	va_start(ap, sv);
	while (r == 0 && (s = va_arg(ap, const char *)) != NULL)
		r = strv_push(sv, s);
	va_end(ap);
	return r;
}

/* A runtime-API line, "VERB BACKEND/SERVER REST". */
static int line(struct strv *sv, const struct lb_conf *lb, const char *verb,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
line(struct strv *sv, const struct lb_conf *lb, const char *verb,
    const char *fmt, ...)
{
	char rest[512], buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	snprintf(buf, sizeof(buf), "%s %s/%s%s", verb, lb->backend, lb->server,
	    rest);
	return strv_push(sv, buf);
}

/* The helper's argv for op, the runtime-API lines in order. */
static int
haproxy_argv(const struct lb_conf *lb, enum lb_op op, struct strv *sv)
{
	char srv[600], owner[300], ms[32], add[1024];
	int r;

	snprintf(srv, sizeof(srv), "%s/%s", lb->backend, lb->server);
	snprintf(owner, sizeof(owner), "%s:%lld", lb->address, lb->port);
	snprintf(ms, sizeof(ms), "%lld", lb->timeout_ms);
	snprintf(add, sizeof(add), "add server %s %s weight %lld%s", srv, owner,
	    lb->weight, lb->check ? " check" : "");
	r = pushv(sv, lb->lbctl, "--socket", lb->socket, "--server", srv,
	    "--owner", owner, NULL);
	switch (op) {
	case LB_REGISTER:
	case LB_READY:
		if (r == 0)
			r = pushv(sv, "--if-missing", add, NULL);
		if (r == 0)
			r = line(sv, lb, "set server", " addr %s port %lld",
			    lb->address, lb->port);
		if (r == 0)
			r = line(
			    sv, lb, "set server", " weight %lld", lb->weight);
		if (r == 0 && lb->check)
			r = line(sv, lb, "enable health", "%s", "");
		if (r == 0 && lb->check && op == LB_READY)
			r = line(sv, lb, "set server", " health down");
		if (r == 0)
			r = line(sv, lb, "set server", " state ready");
		if (r == 0 && lb->check)
			r = pushv(sv, "--wait-up", ms, NULL);
		break;
	case LB_DRAIN:
		/* A server not registered has nothing to drain (a first
		 * deploy registers it once it is up). */
		if (r == 0)
			r = pushv(sv, "--if-present", NULL);
		if (r == 0)
			r = line(sv, lb, "set server", " state drain");
		if (r == 0)
			r = pushv(sv, "--wait-idle", ms, NULL);
		break;
	case LB_DEREGISTER:
		if (r == 0)
			r = pushv(sv, "--if-present", NULL);
		if (r == 0)
			r = line(sv, lb, "set server", " state maint");
		if (r == 0)
			r = pushv(sv, "--wait-idle", ms, NULL);
		if (r == 0)
			r = line(sv, lb, "del server", "%s", "");
		break;
	case LB_STATUS:
		if (r == 0)
			r = pushv(sv, "--status", NULL);
		break;
	}
	return r;
}

/* A step that may wait up to [lb] timeout (and a little more); status
 * keeps its output for the reply. */
static int
plan_wait_step(const struct lb_conf *lb, enum lb_op op, struct plan *p,
    const struct strv *sv, const char *what)
{
	return plan_run(p, (const char *const *)sv->v,
	    (int)(lb->timeout_ms + LB_WAIT_SLACK_MS),
	    op == LB_STATUS ? PLAN_OUTPUT : 0, what);
}

static int
haproxy_plan(const struct lb_conf *lb, enum lb_op op, struct plan *p)
{
	static const char *const what[] = {[LB_REGISTER] = "register",
	    [LB_READY] = "make ready",
	    [LB_DRAIN] = "drain",
	    [LB_DEREGISTER] = "deregister",
	    [LB_STATUS] = "read"};
	struct strv sv = STRV_INIT;
	char w[600];
	int r;

	snprintf(w, sizeof(w), "%s server %s/%s in HAProxy", what[op],
	    lb->backend, lb->server);
	if ((r = haproxy_argv(lb, op, &sv)) == 0)
		r = plan_wait_step(lb, op, p, &sv, w);
	strv_clear(&sv);
	return r;
}

/*
 * metactl-connwait on the server's address and port (and the sandbox's
 * network namespace): its connections counted (LB_STATUS), or waited
 * for until none is left.
 */
static int
connwait_plan(const struct lb_conf *lb, enum lb_op op, struct plan *p)
{
	struct strv sv = STRV_INIT;
	char port[32], ms[32], w[600];
	int r;

	snprintf(port, sizeof(port), "%lld", lb->port);
	snprintf(ms, sizeof(ms), "%lld", lb->timeout_ms);
	snprintf(w, sizeof(w), "%s established connections to %s:%lld",
	    op == LB_STATUS ? "count the" : "wait until no", lb->address,
	    lb->port);
	r = pushv(&sv, lb->connwait, lb->address, port, NULL);
	if (r == 0 && lb->netns[0] != '\0')
		r = pushv(&sv, "--netns", lb->netns, NULL);
	if (r == 0)
		r = op == LB_STATUS ? pushv(&sv, "--count", NULL)
				    : pushv(&sv, "--wait-idle", ms, NULL);
	if (r == 0)
		r = plan_wait_step(lb, op, p, &sv, w);
	strv_clear(&sv);
	return r;
}

/*
 * The server-list file: one line, "server ADDRESS:PORT weight=W;", with
 * " down" before the ';' while drained (nginx's upstream syntax; include
 * it inside an upstream block). A drain or a deregister then waits for
 * the server's connections to end.
 */
static int
file_plan(
    const struct lb_conf *lb, enum lb_op op, struct plan *p, struct error *err)
{
	char text[512], w[600];
	char **argv;
	int r;

	if (op == LB_STATUS)
		return connwait_plan(lb, op, p);
	snprintf(text, sizeof(text), "server %s:%lld weight=%lld%s;\n",
	    lb->address, lb->port, lb->weight > 0 ? lb->weight : 1,
	    op == LB_DRAIN ? " down" : "");
	r = op == LB_DEREGISTER
	    ? plan_remove(p, lb->file)
	    : plan_write(p, lb->file, text, strlen(text), 0644);
	if (r < 0)
		return r;
	if ((argv = appconf_split(lb->reload, err)) == NULL)
		return err->text[0] != '\0' ? -EINVAL : -ENOMEM;
	snprintf(w, sizeof(w), "reload the load balancer after %s", lb->file);
	r = plan_run(p, (const char *const *)argv, 0, 0, w);
	strv_free(argv);
	if (r == 0 && (op == LB_DRAIN || op == LB_DEREGISTER))
		r = connwait_plan(lb, op, p);
	return r;
}

int
lb_file_status(const struct lb_conf *lb, json_t *st)
{
	char want[300], line[512];
	int listed = 0, down = 0;
	FILE *f = fopen(lb->file, "re");

	snprintf(want, sizeof(want), "server %s:%lld ", lb->address, lb->port);
	while (f != NULL && !listed && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, want, strlen(want)) == 0) {
			listed = 1;
			down = strstr(line, " down;") != NULL;
		}
	if (f != NULL)
		fclose(f);
	if (json_object_set_new(st, "file", json_string(lb->file)) < 0 ||
	    json_object_set_new(st, "listed", json_boolean(listed)) < 0 ||
	    json_object_set_new(st, "down", json_boolean(down)) < 0)
		return -ENOMEM;
	return 0;
}

int
lb_plan(
    const struct lb_conf *lb, enum lb_op op, struct plan *p, struct error *err)
{
	return lb->type == LB_HAPROXY ? haproxy_plan(lb, op, p)
				      : file_plan(lb, op, p, err);
}

int
lb_plan_app(const struct appconf *c, const struct node_info *node,
    enum lb_op op, struct plan *p, struct error *err)
{
	struct lb_conf lb;
	int r;

	if ((r = lb_conf_get(c, node, &lb, err)) == -ENOENT)
		return 0;
	if (r < 0 || (r = lb_plan(&lb, op, p, err)) < 0)
		return r;
	return 1;
}
