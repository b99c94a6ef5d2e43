/*
 * mcsend: a small client for the integration tests. It makes a CA and
 * certificates, builds, signs and sends one request over the broker or the
 * local socket (or sends raw bytes, or a saved envelope again), and prints
 * one JSON line per reply:
 *   {"sender":..,"statuscode":..,"statusmsg":..,"request":..,"digest":..,
 *    "data":..,"verified":true|false,"cert":..,"follow":true|false}
 *
 *   mcsend ca DIR                       DIR/ca.key, DIR/ca.pub
 *   mcsend issue DIR NAME caller|node [VALID_SECONDS]
 *                                       DIR/NAME.key, .pub, .crt (by DIR/ca)
 *   mcsend send [options] AGENT ACTION [key=value ...]
 *
 * send options:
 *   -u URL | -s SOCKET      broker, or the agent's local socket
 *   -k KEY -c CERT          sign with this key and certificate
 *   -a CA.pub               verify replies against this CA
 *   -C COLLECTIVE           default "metactl"
 *   -I IDENTITY             direct request to one node, its audience
 *                           (repeatable filter with -i instead)
 *   -i IDENTITY  -F FACT  -K CLASS  -X COMPOUND   filters
 *   -G JSON                 the filter object as is (no checks)
 *   -t MS                   wait this long for replies (default 5000)
 *   -n COUNT                stop after COUNT replies
 *   -T TTL   -O OFFSET_MS   request ttl, and time shifted by OFFSET_MS
 *   -D                      dry run (the request's dry_run)
 *   -j JSON                 the data object (key=value are added to it)
 *   -r FILE                 send FILE's bytes instead of a request
 *   -w FILE                 also write the envelope sent to FILE
 *   -Q ID                   broker: receive replies on the queue
 *                           metactl.node.ID (bound to metactl.direct with
 *                           ID only) instead of metactl.reply.<random>: a
 *                           reply_to without that prefix, as clients before
 *                           the reply exchange sent (amq.gen-...), which
 *                           nodes answer on the default exchange
 *   -f N                    broker: then broadcast a signed rpcutil ping
 *                           and stop once N nodes answered it. Each node
 *                           answers in the order it receives, so whatever
 *                           it answers to the first message has arrived
 *                           by then: "no reply" needs no timeout. Replies
 *                           to the ping are printed with "follow":true.
 * Exit: 0 when at least one reply came (or -n 0), 1 when none, 2 on error;
 * replies to -f's ping do not count.
 */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filter.h"
#include "message.h"
#include "sign.h"
#include "transport.h"

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mcsend: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* DIR/NAME.EXT in one of a few static buffers (enough for one call). */
static const char *
path_in(const char *dir, const char *name, const char *ext)
{
	static char bufs[4][4096];
	static unsigned next;
	char *p = bufs[next++ % 4];

	if ((size_t)snprintf(p, sizeof(bufs[0]), "%s/%s%s", dir, name, ext) >=
	    sizeof(bufs[0]))
		die("%s/%s%s: path too long", dir, name, ext);
	return p;
}

static int
cmd_ca(int argc, char **argv)
{
	struct sign_key *k;
	unsigned char pk[SIGN_PUBLICKEYBYTES];
	int r;

	if (argc != 2)
		die("usage: mcsend ca DIR");
	if ((r = sign_key_generate(&k)) < 0 ||
	    (r = sign_key_save(k, path_in(argv[1], "ca", ".key"))) < 0)
		die("ca: %s", error_str(r));
	sign_key_public(k, pk);
	if ((r = sign_pubkey_save(pk, path_in(argv[1], "ca", ".pub"))) < 0)
		die("ca: %s", error_str(r));
	sign_key_free(k);
	return 0;
}

static int
cmd_issue(int argc, char **argv)
{
	struct sign_key *ca, *k;
	unsigned char pk[SIGN_PUBLICKEYBYTES];
	json_t *doc;
	int64_t now = message_now_ms() / 1000, valid = 86400;
	enum cert_role role;
	int r;

	if (argc != 4 && argc != 5)
		die("usage: mcsend issue DIR NAME caller|node [VALID_SECONDS]");
	if (strcmp(argv[3], "caller") == 0)
		role = CERT_ROLE_CALLER;
	else if (strcmp(argv[3], "node") == 0)
		role = CERT_ROLE_NODE;
	else
		die("role: caller or node");
	if (argc == 5)
		valid = strtoll(argv[4], NULL, 10);
	if ((r = sign_key_load(path_in(argv[1], "ca", ".key"), &ca)) < 0)
		die("ca key: %s", error_str(r));
	if ((r = sign_key_generate(&k)) < 0 ||
	    (r = sign_key_save(k, path_in(argv[1], argv[2], ".key"))) < 0)
		die("key: %s", error_str(r));
	sign_key_public(k, pk);
	if ((r = sign_pubkey_save(pk, path_in(argv[1], argv[2], ".pub"))) < 0)
		die("pub: %s", error_str(r));
	/* A negative validity makes a certificate that already expired. */
	if ((r = cert_issue(ca, "test-ca", argv[2], role, pk,
		 valid < 0 ? now + 2 * valid : now - 60, now + valid, &doc)) <
		0 ||
	    (r = cert_save(doc, path_in(argv[1], argv[2], ".crt"), 1)) < 0)
		die("cert: %s", error_str(r));
	json_decref(doc);
	sign_key_free(k);
	sign_key_free(ca);
	return 0;
}

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	*len = 0;
	do {
		if (cap - *len < 65536 &&
		    (buf = realloc(buf, cap = cap * 2 + 65536)) == NULL)
			die("out of memory");
		n = fread(buf + *len, 1, cap - *len - 1, f);
		*len += n;
	} while (n > 0);
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

struct opts {
	const char *url, *socket, *key, *cert, *ca, *collective, *direct;
	const char *raw, *save, *json, *filter_json, *queue;
	int timeout_ms, count, dry_run, follow;
	int64_t ttl, offset_ms;
	json_t *filter;
	unsigned char ca_pk[SIGN_PUBLICKEYBYTES];
};

static void
print_reply(
    const struct opts *o, const char *buf, size_t len, const char *follow_id)
{
	struct envelope *env = NULL;
	struct reply *rep = NULL;
	struct cert *cert = NULL;
	struct error err;
	json_t *out;
	char *s;
	int verified = 0;

	if (envelope_decode(buf, len, 64 << 20, &env, &err) < 0 ||
	    reply_decode(env->body, env->body_len, &rep, &err) < 0) {
		out = json_pack("{s:s}", "error", err.text);
	} else {
		if (o->ca != NULL)
			verified = sign_envelope_verify(env, o->ca_pk, NULL,
				       CERT_ROLE_NODE, message_now_ms() / 1000,
				       &cert, &err) == 0;
		out = json_pack("{s:s,s:i,s:s,s:s,s:s,s:O,s:b,s:s?,s:b}",
		    "sender", rep->sender, "statuscode", rep->statuscode,
		    "statusmsg", rep->statusmsg, "request", rep->request_id,
		    "digest", rep->digest, "data", rep->data, "verified",
		    verified, "cert", cert ? cert->name : NULL, "follow",
		    follow_id != NULL &&
			strcmp(follow_id, rep->request_id) == 0);
	}
	s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	printf("%s\n", s);
	fflush(stdout);
	free(s);
	json_decref(out);
	cert_free(cert);
	reply_free(rep);
	envelope_free(env);
}

/* The bytes to send: a raw file, or a new request, signed when asked; its
 * id in ret_id (when not raw). */
static char *
build(struct opts *o, const char *agent, const char *action, int nkv, char **kv,
    size_t *ret_len, char ret_id[MESSAGE_ID_LEN + 1])
{
	struct request *req;
	struct envelope *env = NULL;
	struct sign_key *k = NULL;
	json_t *cert = NULL;
	struct error err;
	char *body, *out;
	size_t blen;
	int r;

	if (o->raw != NULL)
		return read_all(o->raw, ret_len);
	if ((req = request_new()) == NULL)
		die("out of memory");
	if (ret_id != NULL)
		memcpy(ret_id, req->id, MESSAGE_ID_LEN + 1);
	req->time_ms += o->offset_ms;
	if (o->ttl > 0)
		req->ttl = o->ttl;
	req->caller = strdup(o->cert ? "test" : "local");
	req->collective = strdup(o->collective);
	req->agent = strdup(agent);
	req->action = strdup(action);
	if (o->json != NULL) {
		json_decref(req->data);
		if ((req->data = json_loads(o->json, 0, NULL)) == NULL ||
		    !json_is_object(req->data))
			die("-j: not a JSON object");
	}
	for (int i = 0; i < nkv; i++) {
		char *eq = strchr(kv[i], '=');
		json_t *v;

		if (eq == NULL)
			die("%s: expected key=value", kv[i]);
		*eq = '\0';
		v = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
		if (v == NULL)
			v = json_string(eq + 1);
		json_object_set_new(req->data, kv[i], v);
	}
	req->dry_run = o->dry_run;
	json_decref(req->filter);
	req->filter = json_incref(o->filter);
	if (o->filter_json != NULL) {
		json_decref(req->filter);
		if ((req->filter = json_loads(o->filter_json, 0, NULL)) ==
			NULL ||
		    !json_is_object(req->filter))
			die("-G: not a JSON object");
	}
	if (o->direct != NULL &&
	    (r = request_set_audience(req, &o->direct, 1)) < 0)
		die("-I %s: %s", o->direct, error_str(r));
	if ((r = request_encode(req, &body, &blen)) < 0)
		die("encode: %s", error_str(r));
	if (o->key != NULL) {
		if ((r = sign_key_load(o->key, &k)) < 0)
			die("%s: %s", o->key, error_str(r));
		if ((r = cert_load(o->cert, &cert, &err)) < 0)
			die("%s: %s", o->cert, err.text);
		if ((r = sign_envelope(k, cert, body, blen, &env)) < 0)
			die("sign: %s", error_str(r));
	} else if ((env = envelope_new(body, blen)) == NULL) {
		die("out of memory");
	}
	if ((r = envelope_encode(env, &out, ret_len)) < 0)
		die("encode: %s", error_str(r));
	envelope_free(env);
	json_decref(cert);
	sign_key_free(k);
	free(body);
	request_free(req);
	return out;
}

static int
send_local(const struct opts *o, const char *buf, size_t len)
{
	int fd = transport_unix_connect(o->socket), replies = 0;
	/* One line answers one request: by default wait for that one. */
	int count = o->count < 0 ? 1 : o->count;
	char *in = NULL;
	size_t inlen = 0, cap = 0;
	int64_t deadline = message_now_ms() + o->timeout_ms;

	if (fd < 0)
		die("%s: %s", o->socket, error_str(fd));
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n < 0 && errno == EPIPE)
			break;
		if (n < 0)
			die("write: %s", strerror(errno));
		off += (size_t)n;
	}
	if (write(fd, "\n", 1) < 0 && errno != EPIPE)
		die("write: %s", strerror(errno));
	while (replies < count) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - message_now_ms();
		char *nl;
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		if (cap - inlen < 65536 &&
		    (in = realloc(in, cap = cap * 2 + 65536)) == NULL)
			die("out of memory");
		if ((n = read(fd, in + inlen, cap - inlen)) <= 0)
			break;
		inlen += (size_t)n;
		while ((nl = memchr(in, '\n', inlen)) != NULL) {
			print_reply(o, in, (size_t)(nl - in), NULL);
			replies++;
			inlen -= (size_t)(nl - in) + 1;
			memmove(in, nl + 1, inlen);
		}
	}
	free(in);
	close(fd);
	return replies;
}

static int
send_broker(struct opts *o, const char *agent, const char *buf, size_t len)
{
	const char *urls[] = {o->url};
	/* Replies through the reply exchange, as metactl's reply_exchange. */
	struct transport_amqp_options to = {
	    .urls = urls, .nurls = 1, .timeout_ms = 5000, .reply_exchange = 1};
	struct transport_amqp *t;
	struct transport_delivery dv;
	struct error err;
	char *queue, key[300], follow_id[MESSAGE_ID_LEN + 1] = "";
	int64_t deadline;
	int replies = 0, followed = 0, r;

	error_init(&err, "broker");
	if (transport_amqp_open(&to, &t, &err) < 0 ||
	    transport_amqp_declare(t, &err) < 0)
		die("%s", err.text);
	if (o->queue != NULL) {
		if (transport_amqp_subscribe_node(
			t, o->queue, NULL, 0, NULL, 0, &err) < 0 ||
		    asprintf(&queue, "%s%s", TRANSPORT_NODE_QUEUE_PREFIX,
			o->queue) < 0)
			die("%s", err.text);
	} else if (transport_amqp_subscribe_replies(t, &queue, &err) < 0)
		die("%s", err.text);
	if (o->direct != NULL)
		r = transport_amqp_publish(t, TRANSPORT_EXCHANGE_DIRECT,
		    o->direct, queue, buf, len, 0, &err);
	else {
		snprintf(key, sizeof(key), "%s.%s", o->collective, agent);
		r = transport_amqp_publish(t, TRANSPORT_EXCHANGE_BROADCAST, key,
		    queue, buf, len, 0, &err);
	}
	if (r < 0)
		die("%s", err.text);
	if (o->follow > 0) {
		struct opts p = *o;
		char *ping;
		size_t plen;

		if (o->key == NULL)
			die("-f needs -k and -c");
		p.raw = NULL;
		p.json = NULL;
		p.filter_json = NULL;
		p.direct = NULL;
		p.dry_run = 0;
		p.filter = json_object();
		ping = build(&p, "rpcutil", "ping", 0, NULL, &plen, follow_id);
		json_decref(p.filter);
		snprintf(key, sizeof(key), "%s.rpcutil", o->collective);
		if (transport_amqp_publish(t, TRANSPORT_EXCHANGE_BROADCAST, key,
			queue, ping, plen, 0, &err) < 0)
			die("%s", err.text);
		free(ping);
	}
	deadline = message_now_ms() + o->timeout_ms;
	while ((o->count < 0 || replies < o->count) &&
	    (o->follow == 0 || followed < o->follow)) {
		int64_t left = deadline - message_now_ms();

		if (left <= 0)
			break;
		r = transport_amqp_next(t, &dv, (int)left, &err);
		if (r < 0)
			die("%s", err.text);
		if (r == 0)
			continue;
		print_reply(o, dv.body, dv.len, follow_id);
		if (follow_id[0] != '\0' &&
		    memmem(dv.body, dv.len, follow_id, MESSAGE_ID_LEN) != NULL)
			followed++;
		else
			replies++;
		transport_delivery_clear(&dv);
	}
	free(queue);
	transport_amqp_close(t);
	return replies;
}

static int
cmd_send(int argc, char **argv)
{
	struct opts o = {
	    .collective = "metactl", .timeout_ms = 5000, .count = -1};
	struct error err;
	char *buf;
	size_t len;
	int ch, r, replies;

	o.filter = json_object();
	while ((ch = getopt(argc, argv,
		    "u:s:k:c:a:C:I:i:F:K:X:G:t:n:T:O:Dj:r:w:f:Q:")) != -1) {
		error_init(&err, "filter");
		r = 0;
		switch (ch) {
		case 'u':
			o.url = optarg;
			break;
		case 's':
			o.socket = optarg;
			break;
		case 'k':
			o.key = optarg;
			break;
		case 'c':
			o.cert = optarg;
			break;
		case 'a':
			o.ca = optarg;
			break;
		case 'C':
			o.collective = optarg;
			break;
		case 'I':
			o.direct = optarg;
			break;
		case 'i':
			r = filter_add_identity(o.filter, optarg, &err);
			break;
		case 'F':
			r = filter_add_fact(o.filter, optarg, &err);
			break;
		case 'K':
			r = filter_add_class(o.filter, optarg, &err);
			break;
		case 'X':
			r = filter_set_compound(o.filter, optarg, &err);
			break;
		case 'G':
			o.filter_json = optarg;
			break;
		case 'f':
			o.follow = atoi(optarg);
			break;
		case 't':
			o.timeout_ms = atoi(optarg);
			break;
		case 'n':
			o.count = atoi(optarg);
			break;
		case 'T':
			o.ttl = atoll(optarg);
			break;
		case 'O':
			o.offset_ms = atoll(optarg);
			break;
		case 'D':
			o.dry_run = 1;
			break;
		case 'j':
			o.json = optarg;
			break;
		case 'r':
			o.raw = optarg;
			break;
		case 'w':
			o.save = optarg;
			break;
		case 'Q':
			o.queue = optarg;
			break;
		default:
			die("send: see the comment at the top of mcsend.c");
		}
		if (r < 0)
			die("-%c %s: %s", ch, optarg, err.text);
	}
	if (argc - optind < 2)
		die("usage: mcsend send [options] AGENT ACTION [key=value "
		    "...]");
	if ((o.url == NULL) == (o.socket == NULL))
		die("give one of -u URL and -s SOCKET");
	if ((o.key == NULL) != (o.cert == NULL))
		die("-k and -c go together");
	if (o.ca != NULL && (r = sign_pubkey_load(o.ca, o.ca_pk)) < 0)
		die("%s: %s", o.ca, error_str(r));
	buf = build(&o, argv[optind], argv[optind + 1], argc - optind - 2,
	    argv + optind + 2, &len, NULL);
	if (o.save != NULL) {
		FILE *f = fopen(o.save, "wb");

		if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f))
			die("%s: %s", o.save, strerror(errno));
	}
	if (o.socket != NULL)
		replies = send_local(&o, buf, len);
	else
		replies = send_broker(&o, argv[optind], buf, len);
	free(buf);
	json_decref(o.filter);
	return replies > 0 || o.count == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (sign_init() < 0)
		die("libsodium");
	if (argc >= 2 && strcmp(argv[1], "ca") == 0)
		return cmd_ca(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "issue") == 0)
		return cmd_issue(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "send") == 0)
		return cmd_send(argc - 1, argv + 1);
	die("usage: mcsend ca|issue|send ...");
}
