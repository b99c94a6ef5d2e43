/*
 * dispatch.c: the pipeline every message goes through, in this order:
 * size limit, decode, certificate and signature, time window and replay
 * cache, filter, DDL input validation, policy, then the action.
 *
 * Every refusal is answered (except a filter miss, which is dropped), logged
 * once and audited once. Nothing here trusts the bytes it is given.
 */
#include "buildconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddl.h"
#include "filter.h"
#include "message.h"
#include "replay.h"
#include "sign.h"
#include "policy/policy.h"
#include "plugins/registry.h"
#include "agentd.h"

/* The request data key that asks for a dry run; stripped before the DDL. */
#define DISPATCH_DRY_RUN_KEY "_dry_run"

void
agentd_subject(const struct agentd *d, struct filter_subject *s)
{
	memset(s, 0, sizeof(*s));
	s->identity = d->conf.identity;
	s->facts = d->node->facts;
	s->classes = (const char *const *)d->node->classes;
	s->nclasses = d->node->nclasses;
	s->agents = d->agents;
	s->nagents = d->nagents;
}

/* The id of a body that did not decode as a request, if it holds one that
 * looks right, else 32 zeros: the caller can still match the refusal. */
static void
guess_id(const struct envelope *env, char id[MESSAGE_ID_LEN + 1])
{
	struct error err;
	json_t *body = NULL;
	const char *s;

	memset(id, '0', MESSAGE_ID_LEN);
	id[MESSAGE_ID_LEN] = '\0';
	if (env == NULL)
		return;
	body = message_parse_json(env->body, env->body_len, &err);
	s = json_string_value(json_object_get(body, "id"));
	if (s != NULL && strlen(s) == MESSAGE_ID_LEN &&
	    strspn(s, "0123456789abcdef") == MESSAGE_ID_LEN)
		memcpy(id, s, MESSAGE_ID_LEN);
	json_decref(body);
}

/*
 * A refusal: one log line, one audit record, one reply. code is an MCE_*
 * or negated errno; the reply's status follows from it.
 */
static void __attribute__((format(printf, 9, 10)))
refuse(struct agentd *d, struct reply_sink *sink, const struct request *req,
    const char *noreq_id, const char *caller, const char *decision, int code,
    int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	const char *id = req != NULL ? req->id : noreq_id;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (status < 0)
		status = message_status_for_error(code);
	d->stats.refused++;
	log_warnx("request %s from %s for %s.%s refused: %s", id,
	    caller != NULL ? caller : "?", req != NULL ? req->agent : "?",
	    req != NULL ? req->action : "?", msg);
	agentd_audit(d, id, caller, req != NULL ? req->agent : NULL,
	    req != NULL ? req->action : NULL, req != NULL ? req->data : NULL,
	    decision, status, msg);
	dispatch_reply(d, sink, id, status, msg, NULL);
}

static int
has_collective(const struct agentd *d, const char *c)
{
	for (size_t i = 0; i < d->conf.ncollectives; i++)
		if (strcmp(d->conf.collectives[i], c) == 0)
			return 1;
	return 0;
}

void
dispatch_message(struct agentd *d, const char *buf, size_t len,
    const struct dispatch_origin *o, struct reply_sink *sink)
{
	struct envelope *env = NULL;
	struct request *req = NULL;
	struct cert *cert = NULL;
	struct error err;
	struct filter_subject subj;
	struct policy_request preq;
	struct policy_decision dec;
	const struct plugin_action *impl = NULL;
	const struct ddl *ddl;
	const struct ddl_action *da;
	void *pdata = NULL;
	json_t *args = NULL, *dry;
	char caller[168], gid[MESSAGE_ID_LEN + 1];
	int r, dry_run = 0;
	int64_t now = message_now_ms();

	d->stats.received++;
	guess_id(NULL, gid);
	if (o->local)
		snprintf(caller, sizeof(caller), "uid=%u", (unsigned)o->uid);
	else
		snprintf(caller, sizeof(caller), "unverified");

	/* 1. Size, before anything looks at the bytes. */
	if (len > d->conf.message_max) {
		refuse(d, sink, NULL, gid, caller, "rejected", MCE_TOOBIG, -1,
		    "message of %zu bytes exceeds the limit of %zu bytes", len,
		    d->conf.message_max);
		return;
	}
	if (d->stopping) {
		refuse(d, sink, NULL, gid, caller, "rejected", MCE_BUSY,
		    STATUS_ABORTED, "agent is shutting down");
		return;
	}

	/* 2. Decode the envelope and the request it carries. */
	error_init(&err, "message");
	if ((r = envelope_decode(buf, len, d->conf.message_max, &env, &err)) <
	    0) {
		refuse(d, sink, NULL, gid, caller, "rejected", r, -1,
		    "malformed message: %s", err.text);
		return;
	}
	error_init(&err, "request");
	if ((r = request_decode(env->body, env->body_len, &req, &err)) < 0) {
		guess_id(env, gid);
		refuse(d, sink, NULL, gid, caller, "rejected", r, -1,
		    "malformed request: %s", err.text);
		goto out;
	}

	/* 3. Certificate and signature (the local socket needs neither). */
	if (!o->local) {
		if (!trust_has_ca(d->trust)) {
			refuse(d, sink, req, NULL, caller, "rejected",
			    MCE_UNTRUSTED, -1,
			    "no CA configured: cannot verify requests");
			goto out;
		}
		error_init(&err, "certificate");
		r = trust_verify(
		    d->trust, env, CERT_ROLE_CALLER, now / 1000, &cert, &err);
		if (r < 0) {
			refuse(d, sink, req, NULL, caller, "rejected", r, -1,
			    "%s%s%s", error_str(r), err.text[0] ? ": " : "",
			    err.text);
			goto out;
		}
		/* The one caller string everything sees: policy, action,
		 * logs and audit. */
		snprintf(caller, sizeof(caller), "cert=%s", cert->name);
	}

	/* 4. Time window and replay cache. Unsigned local ids go to a cache
	 * of their own: a local user must not be able to fill the one that
	 * guards signed requests, nor claim an id before its request. */
	if ((r = replay_check(o->local ? d->replay_local : d->replay, caller,
		 req->id, req->time_ms, req->ttl, now)) < 0) {
		refuse(d, sink, req, NULL, caller, "rejected", r, -1, "%s",
		    error_str(r));
		goto out;
	}

	/* 5. Filter: a request for other nodes is dropped without a word. */
	agentd_subject(d, &subj);
	if ((!o->local && !has_collective(d, req->collective)) ||
	    filter_match(req->filter, &subj) != 1) {
		d->stats.dropped++;
		log_debug("request %s from %s: filter does not match, dropped",
		    req->id, caller);
		goto out;
	}

	/* 6. The agent and action exist, and the input fits the DDL. */
	if ((dry = json_object_get(req->data, DISPATCH_DRY_RUN_KEY)) != NULL) {
		if (!json_is_boolean(dry)) {
			refuse(d, sink, req, NULL, caller, "rejected",
			    MCE_INVALID, -1, "%s must be true or false",
			    DISPATCH_DRY_RUN_KEY);
			goto out;
		}
		dry_run = json_is_true(dry);
		json_object_del(req->data, DISPATCH_DRY_RUN_KEY);
	}
	args = json_deep_copy(req->data);
	if ((r = registry_lookup(
		 d->registry, req->agent, req->action, &impl, &pdata)) < 0) {
		refuse(d, sink, req, NULL, caller, "rejected", r, -1, "%s %s",
		    error_str(r), r == MCE_UNKAGENT ? req->agent : req->action);
		goto out;
	}
	ddl = registry_ddl(d->registry, req->agent);
	if (ddl == NULL || (da = ddl_find_action(ddl, req->action)) == NULL) {
		refuse(d, sink, req, NULL, caller, "rejected", MCE_UNKACTION,
		    -1, "unknown action %s", req->action);
		goto out;
	}
	error_init(&err, "input");
	if ((r = ddl_validate(da, req->data, &err)) < 0) {
		refuse(d, sink, req, NULL, caller, "rejected", r, -1, "%s",
		    err.text);
		goto out;
	}

	/* 7. Policy. */
	memset(&preq, 0, sizeof(preq));
	preq.caller = caller;
	preq.agent = req->agent;
	preq.action = req->action;
	preq.data = req->data;
	preq.node = &subj;
	memset(&dec, 0, sizeof(dec));
	if ((r = policy_check(d->policy, &preq, &dec)) < 0 || !dec.allowed) {
		refuse(d, sink, req, NULL, caller, "denied", MCE_DENIED, -1,
		    "%s may not run %s.%s%s%s%s", caller, req->agent,
		    req->action, dec.origin[0] ? " (" : "",
		    dec.origin[0] ? dec.origin : "", dec.origin[0] ? ")" : "");
		goto out;
	}

	/* 8. The action. */
	{
		struct action_start s = {
		    .id = req->id,
		    .caller = caller,
		    .agent = req->agent,
		    .action = req->action,
		    .input = req->data,
		    .dry_run = dry_run,
		    .impl = impl,
		    .plugin_data = pdata,
		    .sink = sink,
		    .audit_args = args,
		};

		log_info("request %s from %s: %s.%s%s (%s)", req->id, caller,
		    req->agent, req->action, dry_run ? " dry-run" : "",
		    dec.origin[0] ? dec.origin : "allowed");
		json_incref(req->data);
		action_submit(d, &s);
	}
out:
	json_decref(args);
	cert_free(cert);
	request_free(req);
	envelope_free(env);
}
