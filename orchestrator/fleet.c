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
#include "orchestrator/nodecache.h"
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
	if (progress_wanted(stderr, f->o.progress && f->o.format != OUT_JSONL))
		f->col.progress = &f->progress;
	return 0;
}

void
fleet_clear(struct fleet *f)
{
	link_close(f->link);
	json_decref(f->discovery);
	collector_clear(&f->col);
	results_clear(&f->rs);
	client_conf_clear(&f->conf);
	orch_opts_clear(&f->o);
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
	req->caller = caller_name(f);
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

static int
link_failed(struct error *err)
{
	char msg[512];

	cli_errx("%s", error_format(err, msg, sizeof(msg)));
	return MC_EXIT_USAGE;
}

static void
print_jsonl(void *arg, const struct result *r)
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
fleet_named_nodes(const json_t *filter, struct strv *ret)
{
	const json_t *ids = json_object_get(filter, "identity"), *v;
	size_t i;

	if (json_object_size(filter) != 1 || json_array_size(ids) == 0)
		return 0;
	json_array_foreach(ids, i, v) if (!json_is_string(v) ||
	    json_string_value(v)[0] == '/') return 0;
	if (ret == NULL)
		return 1;
	json_array_foreach(ids, i,
	    v) if (strv_push(ret, json_string_value(v)) < 0) return -ENOMEM;
	strv_sort_uniq(ret);
	return 1;
}

/*
 * Sends req to targets (NULL: broadcast) with the audience that says so,
 * and fills digest with the digest of the body sent, which every reply
 * must carry. 0 or a negative code (err says why).
 */
static int
send_request(struct fleet *f, struct request *req, char *const *targets,
    size_t n, char digest[MESSAGE_DIGEST_LEN + 1], struct error *err)
{
	char *body = NULL;
	size_t len;
	int r;

	error_init(err, "request");
	if ((r = request_set_audience(req, (const char *const *)targets,
		 targets != NULL ? n : 0)) < 0 ||
	    (r = request_encode(req, &body, &len)) < 0) {
		error_set(
		    err, 0, 0, "cannot encode the request: %s", error_str(r));
		return r;
	}
	/* link_send() encodes the same request to the same bytes: the
	 * encoding is compact with sorted keys. */
	message_digest(body, len, digest);
	free(body);
	return link_send(f->link, req, targets, n, err);
}

int
fleet_discover(struct fleet *f, struct strv *nodes, struct results *rs)
{
	struct results local = {0};
	struct results *target = rs != NULL ? rs : &local;
	struct strv expected = STRV_INIT;
	struct nodecache nc = {NULL};
	struct request *req = NULL;
	struct collector col = f->col;
	struct error err;
	char *key = NULL, digest[MESSAGE_DIGEST_LEN + 1];
	int64_t sent;
	size_t i;
	int r, cached = 0, full;

	if (f->o.nodes != NULL && (r = fleet_read_nodes(f, &expected)) != 0)
		return r;
	if (f->o.nodes == NULL && !link_is_local(f->link)) {
		nodecache_load(&nc, f->conf.cache);
		key = nodecache_key(f->collective, f->o.filter);
		if (key != NULL && !f->o.no_cache)
			cached = nodecache_expected(&nc, key, message_now_ms(),
			    f->conf.cache_ttl_ms, &expected);
		if (!cached && !f->o.no_cache &&
		    (r = fleet_named_nodes(f->o.filter, &expected)) != 0)
			cached = r > 0;
	}
	if ((req = fleet_request(f, "rpcutil", "ping", NULL)) == NULL) {
		r = MC_EXIT_USAGE;
		cli_errx("out of memory");
		goto out;
	}
	json_decref(f->discovery);
	f->discovery = fleet_request_json(req);
	col.rs = target;
	/* ping --jsonl streams the discovery replies themselves. */
	col.on_result =
	    rs != NULL && f->o.format == OUT_JSONL ? print_jsonl : NULL;
	memset(&col.old_ids, 0, sizeof(col.old_ids));
	memset(&col.old_digests, 0, sizeof(col.old_digests));
	sent = message_now_ms();
	r = send_request(f, req, f->o.nodes != NULL ? expected.v : NULL,
	    expected.n, digest, &err);
	if (r == 0)
		r = collect_wait(&col, req->id, digest, sent, &expected,
		    sent +
			(f->o.nodes != NULL ? f->timeout_ms : f->discovery_ms),
		    &err);
	target->elapsed_ms = message_now_ms() - sent;
	target->addressed = expected.n;
	full = message_now_ms() >= sent + f->discovery_ms;
	/* Later replies to the discovery are not results of the command:
	 * its id stays out of f->col, so collect_wait() drops them. */
	collector_clear(&col);
	if (r < 0) {
		r = link_failed(&err);
		goto out;
	}
	for (i = 0; i < target->n; i++)
		if (target->v[i].kind == RES_OK ||
		    target->v[i].kind == RES_FAILED)
			strv_push(nodes, target->v[i].identity);
	strv_sort_uniq(nodes);
	if (key != NULL && (nodes->n > 0 || !cached)) {
		nodecache_record(&nc, key, nodes, full, message_now_ms());
		nodecache_save(&nc, f->conf.cache);
	}
	r = 0;
	if (f->o.verbose) {
		const char *why = "the window ended (no cache entry)";

		if (f->o.nodes != NULL)
			why = "nodes from --nodes";
		else if (link_is_local(f->link))
			why = "the local agent";
		else if (!full)
			why = "every expected node answered";
		else if (cached)
			why = "the window ended before every expected node "
			      "answered";
		fprintf(stderr,
		    "metactl: discovery: %zu node%s in %lld ms, %s\n", nodes->n,
		    nodes->n == 1 ? "" : "s", (long long)target->elapsed_ms,
		    why);
	}
out:
	request_free(req);
	free(key);
	nodecache_clear(&nc);
	strv_clear(&expected);
	results_clear(&local);
	return r;
}

int
fleet_call(struct fleet *f, struct request *req, char *const *targets,
    size_t ntargets, const struct strv *expected)
{
	struct error err;
	char digest[MESSAGE_DIGEST_LEN + 1];
	int64_t sent;
	int r;

	if (f->o.format == OUT_JSONL) {
		f->col.on_result = print_jsonl;
		f->col.arg = f;
	}
	sent = message_now_ms();
	if ((r = send_request(f, req, targets, ntargets, digest, &err)) < 0 ||
	    (r = collect_wait(&f->col, req->id, digest, sent, expected,
		 sent + f->timeout_ms, &err)) < 0)
		return link_failed(&err);
	return 0;
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
			json_t *missing = json_array();
			size_t i;

			for (i = 0; i < f->rs.n; i++)
				if (f->rs.v[i].kind == RES_MISSING)
					json_array_append_new(missing,
					    json_string(f->rs.v[i].identity));
			json_object_set_new(doc, "missing", missing);
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
