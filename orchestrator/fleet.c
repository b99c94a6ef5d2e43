/* fleet.c: see fleet.h. */
#include "buildconf.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sign.h"
#include "orchestrator/cli.h"
#include "orchestrator/fleet.h"
#include "orchestrator/link.h"
#include "orchestrator/output.h"

#define NODES_LINE_MAX 1024

int
fleet_init(struct fleet *f, int argc, char *argv[], unsigned allowed)
{
	struct error err;
	char msg[512];
	int r;

	memset(f, 0, sizeof(*f));
	if (orch_opts_parse(&f->o, argc, argv, allowed, msg, sizeof(msg)) < 0) {
		cli_errx("%s (metactl help %s)", msg, argv[0]);
		return MC_EXIT_USAGE;
	}
	if ((r = client_conf_load(&f->conf, f->o.config, &err)) < 0) {
		cli_errx("%s", error_format(&err, msg, sizeof(msg)));
		return MC_EXIT_USAGE;
	}
	f->collective =
	    f->o.collective != NULL ? f->o.collective : f->conf.collective;
	f->timeout_ms =
	    f->o.timeout_ms > 0 ? f->o.timeout_ms : f->conf.timeout_ms;
	f->discovery_ms =
	    f->o.discovery_ms > 0 ? f->o.discovery_ms : f->conf.discovery_ms;
	f->progress.f = stderr;
	return -1;
}

int
fleet_connect(struct fleet *f)
{
	struct error err;
	char msg[512];
	int r;

	if ((r = link_open(&f->conf, &f->link, &err)) < 0) {
		cli_errx("%s", error_format(&err, msg, sizeof(msg)));
		return MC_EXIT_USAGE;
	}
	f->start_ms = message_now_ms();
	cli_catch_interrupt();
	f->col.link = f->link;
	f->col.rs = &f->rs;
	f->col.on_other = fleet_on_other;
	f->col.other_arg = f;
	if (f->o.format == OUT_JSONL) {
		f->col.on_result = fleet_print_jsonl;
		f->col.arg = f;
	}
	if (!link_is_local(f->link))
		registry_load(&f->reg, f->conf.cache);
	if (progress_wanted(stderr, f->o.progress && f->o.format != OUT_JSONL))
		f->col.progress = &f->progress;
	return 0;
}

void
fleet_clear(struct fleet *f)
{
	link_close(f->link);
	json_decref(f->discovery);
	json_decref(f->disc_ids);
	json_decref(f->inv_pending);
	json_decref(f->inv_new);
	json_decref(f->inv_seen);
	registry_clear(&f->reg);
	results_clear(&f->disc);
	collector_clear(&f->col);
	results_clear(&f->rs);
	client_conf_clear(&f->conf);
	orch_opts_clear(&f->o);
	free(f->caller);
}

static char *
caller_name(const struct fleet *f)
{
	struct passwd *pw = getpwuid(getuid());
	json_t *doc = NULL;
	struct cert *c = NULL;
	char *s = NULL;

	if (f->conf.certificate != NULL &&
	    cert_load(f->conf.certificate, &doc, NULL) == 0 &&
	    cert_parse(doc, &c, NULL) == 0)
		s = strdup(c->name);
	cert_free(c);
	json_decref(doc);
	if (s != NULL)
		return s;
	if (pw != NULL)
		return strdup(pw->pw_name);
	if (asprintf(&s, "uid=%u", (unsigned)getuid()) < 0)
		return NULL;
	return s;
}

struct request *
fleet_request(
    struct fleet *f, const char *agent, const char *action, json_t *data)
{
	struct request *req = request_new();
	long ttl = (f->timeout_ms + 999) / 1000 + 30;

	if (req == NULL) {
		json_decref(data);
		return NULL;
	}
	/* One run sends several requests (discovery, a refresh, the
	 * confirmation, the action): the certificate is read once. */
	if (f->caller == NULL)
		f->caller = caller_name(f);
	req->caller = f->caller != NULL ? strdup(f->caller) : NULL;
	req->collective = strdup(f->collective);
	req->agent = strdup(agent);
	req->action = strdup(action);
	if (data != NULL) {
		json_decref(req->data);
		req->data = data;
	}
	json_decref(req->filter);
	req->filter = json_deep_copy(f->o.filter);
	if (ttl > MESSAGE_TTL_DEFAULT)
		req->ttl = ttl;
	if (f->o.ttl_s > 0)
		req->ttl = f->o.ttl_s;
	if (req->caller == NULL || req->collective == NULL ||
	    req->agent == NULL || req->action == NULL || req->filter == NULL) {
		request_free(req);
		return NULL;
	}
	return req;
}

int
fleet_read_nodes(struct fleet *f, struct strv *ret)
{
	const char *path = f->o.nodes;
	char line[NODES_LINE_MAX];
	int lineno = 0, stdin_in = strcmp(path, "-") == 0;
	FILE *in = stdin_in ? stdin : fopen(path, "re");

	if (in == NULL) {
		cli_errx("--nodes %s: %s", path, strerror(errno));
		return MC_EXIT_USAGE;
	}
	while (fgets(line, sizeof(line), in) != NULL) {
		char *s = line, *e;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(in)) {
			cli_errx("%s:%d: line too long",
			    stdin_in ? "<stdin>" : path, lineno);
			goto fail;
		}
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strcspn(s, "\r\n");
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		/* Each becomes a name of a request's audience. */
		if (!message_identity_ok(s)) {
			cli_errx("%s:%d: '%s' is not a node identity",
			    stdin_in ? "<stdin>" : path, lineno, s);
			goto fail;
		}
		if (strv_push(ret, s) < 0)
			goto fail;
	}
	if (!stdin_in)
		fclose(in);
	strv_sort_uniq(ret);
	return 0;
fail:
	if (!stdin_in)
		fclose(in);
	return MC_EXIT_USAGE;
}

int
fleet_link_failed(struct error *err)
{
	char msg[512];

	cli_errx("%s", error_format(err, msg, sizeof(msg)));
	return MC_EXIT_USAGE;
}

void
fleet_print_jsonl(void *arg, const struct result *r)
{
	json_t *o = output_result_json(r);

	(void)arg;
	if (o == NULL)
		return;
	json_dumpf(o, stdout, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	putchar('\n');
	fflush(stdout);
}

int
fleet_send(struct fleet *f, struct request *req, char *const *targets, size_t n,
    char digest[MESSAGE_DIGEST_LEN + 1], struct error *err)
{
	int r;

	error_init(err, "request");
	if ((r = request_set_audience(req, (const char *const *)targets,
		 targets != NULL ? n : 0)) < 0) {
		error_set(
		    err, 0, 0, "cannot encode the request: %s", error_str(r));
		return r;
	}
	return link_send(f->link, req, targets, n, digest, err);
}

int
fleet_send_each(struct fleet *f, struct request *req, char *const *targets,
    size_t n, json_t *ids, struct error *err)
{
	char digest[MESSAGE_DIGEST_LEN + 1];
	size_t i = 0, k;
	int r;

	do {
		k = targets == NULL            ? 0
		    : n - i > FLEET_FANOUT_MAX ? FLEET_FANOUT_MAX
					       : n - i;
		/* Each part is a request of its own: its id and its
		 * signature name only its nodes. */
		if (i > 0)
			message_new_id(req->id);
		if ((r = fleet_send(f, req,
			 targets != NULL ? targets + i : NULL, k, digest,
			 err)) < 0)
			return r;
		if (json_object_set_new(ids, req->id, json_string(digest)) !=
		    0) {
			error_set(err, 0, 0, "out of memory");
			return -ENOMEM;
		}
		i += k;
	} while (targets != NULL && i < n);
	return 0;
}

int
fleet_call(struct fleet *f, struct request *req, char *const *targets,
    size_t ntargets, const struct strv *expected)
{
	json_t *ids = json_object();
	struct error err;
	int64_t sent;
	int r;

	sent = message_now_ms();
	if (ids == NULL) {
		cli_errx("out of memory");
		return MC_EXIT_USAGE;
	}
	/* The timeout counts from when the last part has left: sending
	 * thousands of parts can take longer than the timeout itself. */
	if ((r = fleet_send_each(f, req, targets, ntargets, ids, &err)) < 0 ||
	    (r = collect_wait_all(&f->col, ids, sent, expected,
		 message_now_ms() + f->timeout_ms, &err)) < 0)
		r = fleet_link_failed(&err);
	json_decref(ids);
	return r;
}

json_t *
fleet_request_json(const struct request *req)
{
	char *body = NULL;
	size_t len;
	json_t *j;

	if (request_encode(req, &body, &len) < 0)
		return NULL;
	j = json_loadb(body, len, 0, NULL);
	free(body);
	return j;
}

int
fleet_finish(
    struct fleet *f, const json_t *request, const struct ddl_action *action)
{
	json_t *agg = NULL, *doc;
	int status;

	fleet_save_registry(f);
	if (f->rs.elapsed_ms == 0 && f->start_ms > 0)
		f->rs.elapsed_ms = message_now_ms() - f->start_ms;
	results_sort(&f->rs);
	if (action != NULL && action->aggregate != NULL)
		agg = aggregate_compute(action->aggregate, &f->rs);
	status = results_exit_status(&f->rs);
	switch (f->o.format) {
	case OUT_IDS:
		output_ids(stdout, &f->rs, f->o.ids);
		break;
	case OUT_JSON:
		doc = output_document(request, &f->rs, agg);
		if (doc != NULL)
			json_dumpf(
			    doc, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(doc);
		break;
	case OUT_JSONL:
		doc = json_pack("{s:s, s:o, s:o}", "type", "stats", "stats",
		    output_stats_json(&f->rs), "aggregates",
		    agg != NULL ? json_incref(agg) : json_array());
		if (doc != NULL) {
			json_t *missing = json_array(), *un = json_array();
			size_t i;

			for (i = 0; i < f->rs.n; i++)
				if (f->rs.v[i].kind == RES_MISSING)
					json_array_append_new(missing,
					    json_string(f->rs.v[i].identity));
				else if (f->rs.v[i].kind == RES_UNADDRESSED)
					json_array_append_new(un,
					    json_string(f->rs.v[i].identity));
			json_object_set_new(doc, "missing", missing);
			json_object_set_new(doc, "not_addressed", un);
			json_dumpf(doc, stdout, JSON_COMPACT | JSON_SORT_KEYS);
			putchar('\n');
		}
		json_decref(doc);
		break;
	default:
		output_human(stdout, &f->rs, action, &f->o,
		    output_color_wanted(stdout), agg);
		break;
	}
	json_decref(agg);
	fflush(stdout);
	if (cli_interrupted) {
		if (f->unsent > 0)
			cli_errx("interrupted: %zu node%s not addressed",
			    f->unsent, f->unsent == 1 ? "" : "s");
		else
			cli_errx("interrupted");
		return MC_EXIT_INTERRUPTED;
	}
	return status;
}
