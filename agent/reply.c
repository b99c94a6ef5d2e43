/*
 * reply.c: what leaves the agent about a request: the reply (encoded, with
 * the digest of the request it answers, and signed with the node key when
 * the sink says the request's signature verified) and the audit record.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdlib.h>

#include "message.h"
#include "sign.h"
#include "agentd.h"

void
agentd_audit(struct agentd *d, const char *id, const char *caller,
    const char *agent, const char *action, const json_t *args,
    const char *decision, int status, const char *reason)
{
	struct audit_record r = {
	    .time_ms = message_now_ms(),
	    .id = id != NULL ? id : "",
	    .caller = caller != NULL ? caller : "",
	    .agent = agent != NULL ? agent : "",
	    .action = action != NULL ? action : "",
	    .arguments = args,
	    .decision = decision,
	    .status = status,
	    .reason = reason,
	};
	int e;

	if (d->audit != NULL && (e = audit_write(d->audit, &r)) < 0)
		log_warnx("audit %s: %s", d->conf.audit_path, error_str(e));
}

void
dispatch_reply(struct agentd *d, struct reply_sink *sink,
    const char *request_id, int status, const char *msg, json_t *data)
{
	struct reply *rep;
	struct envelope *env = NULL;
	char *body = NULL, *out = NULL;
	size_t blen, olen;
	int r;

	rep = reply_new(request_id != NULL ? request_id : "", sink->digest,
	    d->conf.identity, status, msg, data);
	if (rep == NULL) {
		log_warnx("reply to %s: out of memory", request_id);
		return;
	}
	if ((r = reply_encode(rep, &body, &blen)) < 0) {
		log_warnx(
		    "reply to %s: cannot encode: %s", request_id, error_str(r));
		goto out;
	}
	if (sink->sign && !trust_can_sign(d->trust))
		r = MCE_CONFIG; /* broker requests need a key: never unsigned */
	else if (sink->sign)
		r = trust_sign(d->trust, body, blen, &env);
	else if ((env = envelope_new(body, blen)) == NULL)
		r = -ENOMEM;
	if (r < 0) {
		log_warnx(
		    "reply to %s: cannot sign: %s", request_id, error_str(r));
		goto out;
	}
	if ((r = envelope_encode(env, &out, &olen)) < 0) {
		log_warnx(
		    "reply to %s: cannot encode: %s", request_id, error_str(r));
		goto out;
	}
	sink->send(sink, out, olen);
	d->stats.replied++;
out:
	free(out);
	envelope_free(env);
	free(body);
	reply_free(rep);
}
