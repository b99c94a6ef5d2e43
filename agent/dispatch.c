/*
 * dispatch.c: the pipeline every message goes through, in this order (the
 * numbers are the steps below and in docs/PROTOCOL.md section 6):
 *
 *   1 size limit, 2 envelope, 3 certificate and signature, 4 request body,
 *   5 audience, 6 collective, 7 filter, 8 shutdown, 9 agent, action and
 *   DDL input, 10 policy, 11 time window and replay cache, 12 the action.
 *
 * The signature is verified over the body bytes before the body is parsed:
 * nothing an unauthenticated sender writes reaches the request decoder, and
 * no answer can quote it. Over the broker, nothing is answered before the
 * signature verified, nor when the request is not for this node (audience,
 * collective, filter), and such messages get no reply at all. What did not
 * verify, and a request on this node's own queue whose audience does not
 * name it (a copy), is logged and audited, rate-limited (struct
 * dispatch_quiet); an audience miss on the broadcast exchange, and
 * collective and filter misses, are dropped with a debug line. Every later
 * refusal is
 * answered once, signed, with the digest of the request, logged once and
 * audited once. On the local socket the caller is the peer's uid, so
 * refusals of malformed messages are answered there too, unsigned; replies
 * on the local socket are never signed.
 *
 * The replay cache only takes ids of requests that will run: a request that
 * is denied, refused or for other nodes leaves no entry behind.
 */
#include "buildconf.h"

#include <inttypes.h>
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
#include "metrics.h"

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

/* The id of a local body that did not decode as a request, if it holds one
 * that looks right, else 32 zeros: the local caller can still match the
 * refusal. Never used on bodies from the broker, which are not parsed
 * before their signature verified. */
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
	metrics_request(d->metrics, d->registry,
	    req != NULL ? req->agent : NULL, req != NULL ? req->action : NULL,
	    code == MCE_DENIED ? METRICS_DENIED : METRICS_REFUSED, code);
	log_warnx("request %s from %s for %s.%s refused: %s", id,
	    caller != NULL ? caller : "?", req != NULL ? req->agent : "?",
	    req != NULL ? req->action : "?", msg);
	agentd_audit(d, id, caller, req != NULL ? req->agent : NULL,
	    req != NULL ? req->action : NULL, req != NULL ? req->data : NULL,
	    decision, status, msg);
	dispatch_reply(d, sink, id, status, msg, NULL);
}

/*
 * A refusal that gets no reply: logged and audited through the rate limit
 * of struct dispatch_quiet, whatever the sender does. Counted as outcome o
 * with code as its reason.
 */
static void __attribute__((format(printf, 7, 8))) refuse_quietly(
    struct agentd *d, const struct request *req, enum metrics_outcome o,
    int code, const char *what, const char *caller, const char *fmt, ...)
{
	struct dispatch_quiet *q = &d->quiet;
	int64_t now = message_now_ms();
	char msg[512], more[96] = "";
	va_list ap;

	d->stats.refused++;
	d->stats.unanswered++;
	metrics_request(d->metrics, d->registry,
	    req != NULL ? req->agent : NULL, req != NULL ? req->action : NULL,
	    o, code);
	if (now - q->window_ms >= DISPATCH_QUIET_WINDOW_MS ||
	    now < q->window_ms) {
		q->window_ms = now;
		q->written = 0;
	}
	if (q->written >= DISPATCH_QUIET_MAX) {
		q->left_out++;
		return;
	}
	q->written++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (q->left_out > 0)
		snprintf(more, sizeof(more),
		    " (%" PRIu64 " more unanswered refusals were not logged)",
		    q->left_out);
	q->left_out = 0;
	log_warnx("%s from %s refused without a reply: %s%s", what, caller, msg,
	    more);
	agentd_audit(d, req != NULL ? req->id : NULL, caller,
	    req != NULL ? req->agent : NULL, req != NULL ? req->action : NULL,
	    NULL, "rejected", -1, msg);
}

static int
has_collective(const struct agentd *d, const char *c)
{
	for (size_t i = 0; i < d->conf.ncollectives; i++)
		if (strcmp(d->conf.collectives[i], c) == 0)
			return 1;
	return 0;
}

/* "message 1a2b3c4d5e6f" in logs: a digest prefix names a message whose
 * body nobody vouched for. */
static const char *
message_name(char buf[32], const struct reply_sink *sink)
{
	snprintf(buf, 32, "message %.12s", sink->digest);
	return buf;
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
	json_t *args = NULL;
	char caller[168], gid[MESSAGE_ID_LEN + 1], name[32];
	int r;
	int64_t now = message_now_ms();

	d->stats.received++;
	guess_id(NULL, gid);
	memset(sink->digest, '0', MESSAGE_DIGEST_LEN);
	sink->digest[MESSAGE_DIGEST_LEN] = '\0';
	sink->sign = 0;
	if (o->local)
		snprintf(caller, sizeof(caller), "uid=%u", (unsigned)o->uid);
	else
		snprintf(caller, sizeof(caller), "unverified");

	/* 1. Size, before anything looks at the bytes. */
	if (len > d->conf.message_max) {
		if (o->local)
			refuse(d, sink, NULL, gid, caller, "rejected",
			    MCE_TOOBIG, -1,
			    "message of %zu bytes exceeds the limit of %zu "
			    "bytes",
			    len, d->conf.message_max);
		else
			refuse_quietly(d, NULL, METRICS_REFUSED, MCE_TOOBIG,
			    "message", caller,
			    "%zu bytes exceed the limit of %zu bytes", len,
			    d->conf.message_max);
		return;
	}

	/* 2. The envelope; replies will carry the digest of its body. */
	error_init(&err, "message");
	if ((r = envelope_decode(buf, len, d->conf.message_max, &env, &err)) <
	    0) {
		if (o->local)
			refuse(d, sink, NULL, gid, caller, "rejected", r, -1,
			    "malformed message: %s", err.text);
		else
			refuse_quietly(d, NULL, METRICS_REFUSED, r, "message",
			    caller, "malformed message: %s", err.text);
		return;
	}
	message_digest(env->body, env->body_len, sink->digest);

	/* 3. Certificate and signature over the body bytes, before the body
	 * is parsed (the local socket needs neither). */
	if (!o->local) {
		if (!trust_has_ca(d->trust)) {
			refuse_quietly(d, NULL, METRICS_REFUSED, MCE_UNTRUSTED,
			    message_name(name, sink), caller,
			    "no CA configured: cannot verify requests");
			goto out;
		}
		error_init(&err, "certificate");
		r = trust_verify(
		    d->trust, env, CERT_ROLE_CALLER, now / 1000, &cert, &err);
		if (r < 0) {
			refuse_quietly(d, NULL, METRICS_REFUSED, r,
			    message_name(name, sink), caller, "%s%s%s",
			    error_str(r), err.text[0] ? ": " : "", err.text);
			goto out;
		}
		/* The one caller string everything sees: policy, action,
		 * logs and audit. */
		snprintf(caller, sizeof(caller), "cert=%s", cert->name);
	}

	/* 4. The request. A signed body that does not decode gets no reply:
	 * its audience cannot be read, so it may be meant for other nodes. */
	error_init(&err, "request");
	if ((r = request_decode(env->body, env->body_len, &req, &err)) < 0) {
		if (o->local) {
			guess_id(env, gid);
			refuse(d, sink, NULL, gid, caller, "rejected", r, -1,
			    "malformed request: %s", err.text);
		} else {
			refuse_quietly(d, NULL, METRICS_REFUSED, r,
			    message_name(name, sink), caller,
			    "malformed request: %s", err.text);
		}
		goto out;
	}
	sink->sign = !o->local;

	/* 5. The audience: a request sent to other nodes is not for this one,
	 * whichever exchange or routing key delivered it. On the broadcast
	 * exchange that is ordinary (metactl sends a large audience once
	 * there) and it is dropped like a filter miss; on this node's own
	 * queue it can only be a copy, refused and audited. */
	if (!request_for_identity(req, d->conf.identity) && o->broadcast) {
		d->stats.dropped++;
		metrics_request(d->metrics, d->registry, req->agent,
		    req->action, METRICS_AUDIENCE_MISS, 0);
		log_debug("request %s for %s.%s from %s: %s is not in its "
			  "audience, dropped",
		    req->id, req->agent, req->action, caller, d->conf.identity);
		goto out;
	}
	if (!request_for_identity(req, d->conf.identity)) {
		refuse_quietly(d, req, METRICS_AUDIENCE_MISS, 0, "request",
		    caller, "request %s for %s.%s: %s is not in its audience",
		    req->id, req->agent, req->action, d->conf.identity);
		goto out;
	}

	/* 6. Collective (the local socket serves every collective). */
	if (!o->local && !has_collective(d, req->collective)) {
		d->stats.dropped++;
		metrics_request(d->metrics, d->registry, req->agent,
		    req->action, METRICS_COLLECTIVE_MISS, 0);
		log_debug("request %s from %s: collective %s not served, "
			  "dropped",
		    req->id, caller, req->collective);
		goto out;
	}

	/* 7. The filter: invalid is refused, a miss is dropped without a
	 * word. */
	error_init(&err, "filter");
	if ((r = filter_validate(req->filter, &err)) < 0) {
		refuse(d, sink, req, NULL, caller, "rejected", MCE_INVALID, -1,
		    "invalid filter: %s", err.text);
		goto out;
	}
	agentd_subject(d, &subj);
	if (filter_match(req->filter, &subj) != 1) {
		d->stats.dropped++;
		metrics_request(d->metrics, d->registry, req->agent,
		    req->action, METRICS_FILTER_MISS, 0);
		log_debug("request %s from %s: filter does not match, dropped",
		    req->id, caller);
		goto out;
	}

	/* 8. Shutting down: what was delivered before the pause is
	 * refused, once it is known to be for this node. */
	if (d->stopping) {
		refuse(d, sink, req, NULL, caller, "rejected", MCE_BUSY,
		    STATUS_ABORTED, "agent is shutting down");
		goto out;
	}

	/* 9. The agent and action exist, and the input fits the DDL. */
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

	/* 10. Policy. */
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

	/* 11. Time window and replay cache, last: only a request that will
	 * run takes an entry. Unsigned local ids go to a cache of their own:
	 * a local user must not be able to fill the one that guards signed
	 * requests, nor claim an id before its request. */
	if ((r = replay_check(o->local ? d->replay_local : d->replay, caller,
		 req->id, req->time_ms, req->ttl, now)) < 0) {
		refuse(d, sink, req, NULL, caller, "rejected", r, -1, "%s",
		    error_str(r));
		goto out;
	}

	/* 12. The action. */
	{
		struct action_start s = {
		    .id = req->id,
		    .caller = caller,
		    .agent = req->agent,
		    .action = req->action,
		    .input = req->data,
		    .dry_run = req->dry_run,
		    .deadline_ms = req->time_ms + req->ttl * 1000,
		    .impl = impl,
		    .plugin_data = pdata,
		    .sink = sink,
		    .audit_args = args,
		};

		log_info("request %s from %s: %s.%s%s (%s)", req->id, caller,
		    req->agent, req->action, req->dry_run ? " dry-run" : "",
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
