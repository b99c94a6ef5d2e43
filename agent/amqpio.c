/*
 * amqpio.c: the broker link's I/O thread. See amqpio.h.
 *
 * The thread's life: connect (declare, bind, consume), then serve until
 * the link is lost or a stop is asked; after a loss, one immediate
 * attempt, then attempts spaced by a jittered exponential backoff. Each
 * attempt tries every URL once, in turn: the first time from the one the
 * node's identity picks (transport_url_pick), so that a fleet spreads
 * over the nodes of a cluster; after a loss from the URL after the lost
 * one, whose node is likely down. Serving
 * is: apply a re-binding asked for, publish what the outgoing queue holds
 * (unless the broker said it is blocked), read what the socket has (unless
 * the incoming queue is full), then sleep in poll() on the socket and the
 * wake-up pipe. The loss and the recovery of the link are logged once
 * each.
 */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "log.h"
#include "strv.h"
#include "amqpio.h"

/* The incoming queue stops the reading at this many deliveries or bytes
 * (then at most one more message is read): the broker keeps the rest. */
#define IN_MAX_COUNT 64
#define IN_MAX_BYTES(io) (2 * (io)->message_max)

struct outmsg {
	struct outmsg *next;
	char *routing_key;
	size_t len;
	char body[];
};

struct inmsg {
	struct inmsg *next;
	struct transport_delivery d;
};

struct amqpio {
	/* Fixed at start: the settings as given, and owned copies of the
	 * strings (set's own string pointers are cleared). */
	struct amqpio_options set;
	char **urls;
	char *cafile;
	char *identity;
	pthread_t thread;
	int wake[2]; /* the loop writes [1], the I/O thread polls [0] */

	/* Shared, under mu. */
	pthread_mutex_t mu;
	int stopping;
	struct outmsg *out_head, *out_tail;
	struct inmsg *in_head, *in_tail;
	size_t in_count, in_bytes;
	int in_full; /* the I/O thread stopped reading: wake it on take */
	size_t message_max;
	char **collectives, **agents; /* what to bind */
	size_t ncollectives, nagents;
	int rebind; /* they changed since the last binding */
	struct amqpio_stats st;

	/* The I/O thread's own. */
	struct transport_amqp *t;
	char **bound; /* broadcast routing keys bound now */
	size_t nbound;
	unsigned attempts; /* failed attempts since the link was lost */
	size_t first; /* the URL the next attempt starts at */
	int ever_connected;
	int rebinding; /* binds sent, answers awaited */
	int blocked;
};

static void
wake(struct amqpio *io)
{
	ssize_t w;

	/* A full pipe already holds a wake-up. */
	do
		w = write(io->wake[1], "", 1);
	while (w < 0 && errno == EINTR);
}

static void
drain_wake(struct amqpio *io)
{
	char buf[64];

	while (read(io->wake[0], buf, sizeof(buf)) > 0)
		;
}

/* "collective.agent" for every pair, the node queue's broadcast keys. */
static char **
routing_keys(char *const *coll, size_t ncoll, char *const *agents,
    size_t nagents, size_t *ret_n)
{
	struct strv sv = STRV_INIT;
	char **v, key[300];

	*ret_n = 0;
	for (size_t c = 0; c < ncoll; c++)
		for (size_t a = 0; a < nagents; a++) {
			snprintf(key, sizeof(key), "%s.%s", coll[c], agents[a]);
			if (strv_push(&sv, key) < 0) {
				strv_clear(&sv);
				return NULL;
			}
		}
	*ret_n = sv.n;
	if ((v = strv_steal(&sv)) == NULL)
		strv_clear(&sv);
	return v;
}

static int
has_key(char *const *v, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], key) == 0)
			return 1;
	return 0;
}

static void
on_refused(void *arg, size_t size, const char *exchange, const char *key)
{
	struct amqpio *io = arg;
	size_t max;

	pthread_mutex_lock(&io->mu);
	io->st.refused++;
	max = io->message_max;
	pthread_mutex_unlock(&io->mu);
	log_warnx("broker: message of %zu bytes from %s with key %s exceeds "
		  "[limits] message_size (%zu): discarded unread",
	    size, exchange[0] != '\0' ? exchange : "the default exchange", key,
	    max);
}

/* The routing keys wanted now; under no lock. */
static char **
wanted_keys(struct amqpio *io, size_t *ret_n)
{
	char **v;

	pthread_mutex_lock(&io->mu);
	io->rebind = 0;
	v = routing_keys(
	    io->collectives, io->ncollectives, io->agents, io->nagents, ret_n);
	transport_amqp_set_max_body(io->t, io->message_max, on_refused, io);
	pthread_mutex_unlock(&io->mu);
	return v;
}

static void
set_link_state(struct amqpio *io, int connected, int blocked)
{
	pthread_mutex_lock(&io->mu);
	io->st.connected = connected;
	io->st.blocked = blocked;
	pthread_mutex_unlock(&io->mu);
}

static void
link_close(struct amqpio *io)
{
	transport_amqp_close(io->t);
	io->t = NULL;
	strv_free(io->bound);
	io->bound = NULL;
	io->nbound = 0;
	io->rebinding = 0;
	io->blocked = 0;
	set_link_state(io, 0, 0);
}

static int
try_open(struct amqpio *io, struct error *err)
{
	struct transport_amqp_options o;
	char **coll, **agents;
	size_t ncoll, nagents;
	int r;

	memset(&o, 0, sizeof(o));
	o.urls = (const char *const *)io->urls;
	o.nurls = io->set.nurls;
	o.cafile = io->cafile;
	o.heartbeat = io->set.heartbeat;
	o.timeout_ms = io->set.connect_timeout_ms;
	o.first = io->first;
	if ((r = transport_amqp_open(&o, &io->t, err)) < 0)
		return r;
	pthread_mutex_lock(&io->mu);
	transport_amqp_set_max_body(io->t, io->message_max, on_refused, io);
	coll =
	    strv_copy((const char *const *)io->collectives, io->ncollectives);
	agents = strv_copy((const char *const *)io->agents, io->nagents);
	ncoll = io->ncollectives;
	nagents = io->nagents;
	io->rebind = 0;
	pthread_mutex_unlock(&io->mu);
	if (coll == NULL || agents == NULL ||
	    (io->bound = routing_keys(
		 coll, ncoll, agents, nagents, &io->nbound)) == NULL)
		r = -ENOMEM;
	else if ((r = transport_amqp_declare(io->t, err)) == 0)
		r = transport_amqp_subscribe_node(io->t, io->identity,
		    (const char *const *)coll, ncoll,
		    (const char *const *)agents, nagents, err);
	strv_free(coll);
	strv_free(agents);
	if (r < 0)
		link_close(io);
	return r;
}

/* One attempt; 0 when the link is up. */
static int
connect_link(struct amqpio *io)
{
	struct error err;
	int r;

	error_init(&err, "broker");
	if ((r = try_open(io, &err)) == 0) {
		if (!io->ever_connected)
			log_info("broker %s: connected as %s",
			    transport_amqp_url(io->t), io->identity);
		else
			log_warnx("broker %s: connection restored after %u "
				  "attempts",
			    transport_amqp_url(io->t), io->attempts + 1);
		if (io->ever_connected) {
			pthread_mutex_lock(&io->mu);
			io->st.reconnects++;
			pthread_mutex_unlock(&io->mu);
		}
		io->ever_connected = 1;
		io->attempts = 0;
		set_link_state(io, 1, 0);
		return 0;
	}
	if (err.text[0] == '\0')
		error_set(&err, 0, 0, "%s", error_str(r));
	io->attempts++;
	if (io->attempts == 1 && !io->ever_connected)
		log_warnx("broker: cannot connect: %s; retrying", err.text);
	else
		log_debug(
		    "broker: attempt %u failed: %s", io->attempts, err.text);
	return r;
}

static uint64_t
backoff_ms(const struct amqpio *io)
{
	uint64_t delay = (uint64_t)io->set.reconnect_min_ms;

	for (unsigned i = 1;
	     i < io->attempts && delay < (uint64_t)io->set.reconnect_max_ms;
	     i++)
		delay *= 2;
	if (delay > (uint64_t)io->set.reconnect_max_ms)
		delay = (uint64_t)io->set.reconnect_max_ms;
	/* Jitter: between half and all of it, so a fleet does not stampede. */
	return delay / 2 + randombytes_uniform((uint32_t)(delay / 2 + 1));
}

static int
stopping(struct amqpio *io)
{
	int s;

	pthread_mutex_lock(&io->mu);
	s = io->stopping;
	pthread_mutex_unlock(&io->mu);
	return s;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Sleeps ms, or less when asked to stop. */
static void
pause_ms(struct amqpio *io, uint64_t ms)
{
	struct pollfd p = {.fd = io->wake[0], .events = POLLIN};
	uint64_t end = now_ms() + ms;

	while (!stopping(io)) {
		uint64_t now = now_ms();

		if (now >= end)
			return;
		if (poll(&p, 1, (int)(end - now)) > 0)
			drain_wake(io);
	}
}

/* Binds what is wanted and not bound, unbinds the reverse. */
static int
apply_rebind(struct amqpio *io, struct error *err)
{
	size_t n, added = 0, removed = 0;
	char **want = wanted_keys(io, &n);
	int r = 0;

	if (want == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n && r == 0; i++)
		if (!has_key(io->bound, io->nbound, want[i]) &&
		    (r = transport_amqp_rebind(io->t, want[i], 1, err)) == 0)
			added++;
	for (size_t i = 0; i < io->nbound && r == 0; i++)
		if (!has_key(want, n, io->bound[i]) &&
		    (r = transport_amqp_rebind(io->t, io->bound[i], 0, err)) ==
			0)
			removed++;
	strv_free(io->bound);
	io->bound = want;
	io->nbound = n;
	if (added + removed > 0) {
		log_info("broker: re-binding on the live connection: %zu "
			 "added, %zu removed",
		    added, removed);
		io->rebinding = 1;
	}
	return r;
}

/* Publishes the outgoing queue, unless the broker is blocked. */
static int
publish_queued(struct amqpio *io, struct error *err)
{
	struct outmsg *m;
	int r;

	for (;;) {
		if (transport_amqp_blocked(io->t))
			return 0;
		pthread_mutex_lock(&io->mu);
		if ((m = io->out_head) != NULL) {
			io->out_head = m->next;
			if (io->out_head == NULL)
				io->out_tail = NULL;
			io->st.queued--;
			io->st.queued_bytes -= m->len;
		}
		pthread_mutex_unlock(&io->mu);
		if (m == NULL)
			return 0;
		r = transport_amqp_publish(io->t,
		    transport_reply_exchange(m->routing_key), m->routing_key,
		    NULL, m->body, m->len, 0, err);
		free(m->routing_key);
		free(m);
		if (r < 0)
			return r;
		pthread_mutex_lock(&io->mu);
		io->st.published++;
		pthread_mutex_unlock(&io->mu);
	}
}

/* Reads until the socket has nothing more (0) or the incoming queue is
 * full (1). */
static int
read_available(struct amqpio *io, struct error *err)
{
	struct inmsg *m;
	int r, full, notify;

	for (;;) {
		pthread_mutex_lock(&io->mu);
		full = io->in_count >= IN_MAX_COUNT ||
		    io->in_bytes >= IN_MAX_BYTES(io);
		io->in_full = full;
		pthread_mutex_unlock(&io->mu);
		if (full)
			return 1;
		if ((m = calloc(1, sizeof(*m))) == NULL)
			return -ENOMEM;
		if ((r = transport_amqp_next(io->t, &m->d, 0, err)) != 1) {
			free(m);
			return r;
		}
		pthread_mutex_lock(&io->mu);
		notify = io->in_head == NULL;
		if (io->in_tail != NULL)
			io->in_tail->next = m;
		else
			io->in_head = m;
		io->in_tail = m;
		io->in_count++;
		io->in_bytes += m->d.len;
		pthread_mutex_unlock(&io->mu);
		if (notify)
			io->set.notify(io->set.arg);
	}
}

/* Serves the link until it is lost (logged) or a stop is asked. */
static void
serve(struct amqpio *io)
{
	struct pollfd p[2];
	struct error err;
	int r = 0, full, rebind, timeout;

	timeout = io->set.heartbeat > 0 ? io->set.heartbeat * 1000 / 2 : -1;
	for (;;) {
		error_init(&err, "broker");
		drain_wake(io);
		pthread_mutex_lock(&io->mu);
		rebind = io->rebind;
		pthread_mutex_unlock(&io->mu);
		if (stopping(io)) {
			/* The replies of the last actions, which the stop
			 * follows at once, leave first (unless blocked). */
			publish_queued(io, &err);
			return;
		}
		if ((rebind && (r = apply_rebind(io, &err)) < 0) ||
		    (r = publish_queued(io, &err)) < 0 ||
		    (r = read_available(io, &err)) < 0)
			break;
		full = r == 1;
		if (io->rebinding && transport_amqp_pending(io->t) == 0) {
			log_info("broker: bindings updated: %zu routing keys",
			    io->nbound);
			io->rebinding = 0;
		}
		if (transport_amqp_blocked(io->t) != io->blocked) {
			io->blocked = !io->blocked;
			if (io->blocked)
				log_warnx("broker %s: blocked by the broker "
					  "(short of memory or disk): replies "
					  "wait in the outgoing queue",
				    transport_amqp_url(io->t));
			else
				log_warnx("broker %s: unblocked",
				    transport_amqp_url(io->t));
			set_link_state(io, 1, io->blocked);
			/* Unblocked: publish what waited. */
			if (!io->blocked)
				continue;
		}
		p[0].fd = io->wake[0];
		p[0].events = POLLIN;
		p[1].fd = transport_amqp_fd(io->t);
		p[1].events = full ? 0 : POLLIN;
		if (poll(p, 2, timeout) < 0 && errno != EINTR) {
			error_set(&err, 0, 0, "poll: %s", strerror(errno));
			r = -errno;
			break;
		}
	}
	if (err.text[0] == '\0')
		error_set(&err, 0, 0, "%s", error_str(r));
	log_warnx("broker %s: connection lost: %s; reconnecting",
	    transport_amqp_url(io->t), err.text);
	io->first = (transport_amqp_index(io->t) + 1) % io->set.nurls;
	link_close(io);
}

/* Tells the loop, once, that the node is subscribed or could not be:
 * what a service manager may call ready. */
static void
first_attempt_over(struct amqpio *io)
{
	int first;

	pthread_mutex_lock(&io->mu);
	first = !io->st.attempted;
	io->st.attempted = 1;
	pthread_mutex_unlock(&io->mu);
	if (first)
		io->set.notify(io->set.arg);
}

static void *
io_main(void *arg)
{
	struct amqpio *io = arg;

	while (!stopping(io)) {
		if (io->t == NULL) {
			int r = connect_link(io);

			first_attempt_over(io);
			if (r < 0) {
				pause_ms(io, backoff_ms(io));
				continue;
			}
		}
		serve(io);
	}
	if (io->t != NULL)
		link_close(io);
	return NULL;
}

static void
amqpio_free(struct amqpio *io)
{
	struct outmsg *o;
	struct inmsg *i;

	while ((o = io->out_head) != NULL) {
		io->out_head = o->next;
		free(o->routing_key);
		free(o);
	}
	while ((i = io->in_head) != NULL) {
		io->in_head = i->next;
		transport_delivery_clear(&i->d);
		free(i);
	}
	for (size_t k = 0; k < io->set.nurls; k++) {
		explicit_bzero(io->urls[k], strlen(io->urls[k]));
	}
	strv_free(io->urls);
	strv_free(io->collectives);
	strv_free(io->agents);
	strv_free(io->bound);
	free(io->cafile);
	free(io->identity);
	if (io->wake[0] >= 0)
		close(io->wake[0]);
	if (io->wake[1] >= 0)
		close(io->wake[1]);
	pthread_mutex_destroy(&io->mu);
	free(io);
}

int
amqpio_start(const struct amqpio_options *o, struct amqpio **ret)
{
	struct amqpio *io = calloc(1, sizeof(*io));
	int r;

	if (io == NULL)
		return -ENOMEM;
	pthread_mutex_init(&io->mu, NULL);
	io->wake[0] = io->wake[1] = -1;
	io->set = *o;
	io->set.urls = io->set.collectives = io->set.agents = NULL;
	io->set.cafile = io->set.identity = NULL;
	io->message_max = o->message_max;
	io->ncollectives = o->ncollectives;
	io->nagents = o->nagents;
	if ((io->urls = strv_copy(o->urls, o->nurls)) == NULL ||
	    (io->identity = strdup(o->identity)) == NULL ||
	    (o->cafile != NULL && (io->cafile = strdup(o->cafile)) == NULL) ||
	    (io->collectives = strv_copy(o->collectives, o->ncollectives)) ==
		NULL ||
	    (io->agents = strv_copy(o->agents, o->nagents)) == NULL) {
		amqpio_free(io);
		return -ENOMEM;
	}
	io->first = transport_url_pick(o->identity, o->nurls);
	if (pipe2(io->wake, O_CLOEXEC | O_NONBLOCK) == -1) {
		r = -errno;
		amqpio_free(io);
		return r;
	}
	if ((r = pthread_create(&io->thread, NULL, io_main, io)) != 0) {
		amqpio_free(io);
		return -r;
	}
	*ret = io;
	return 0;
}

void
amqpio_stop(struct amqpio *io)
{
	if (io == NULL)
		return;
	pthread_mutex_lock(&io->mu);
	io->stopping = 1;
	pthread_mutex_unlock(&io->mu);
	wake(io);
	pthread_join(io->thread, NULL);
	amqpio_free(io);
}

int
amqpio_take(struct amqpio *io, struct transport_delivery *ret)
{
	struct inmsg *m;
	int resume = 0;

	pthread_mutex_lock(&io->mu);
	if ((m = io->in_head) != NULL) {
		io->in_head = m->next;
		if (io->in_head == NULL)
			io->in_tail = NULL;
		io->in_count--;
		io->in_bytes -= m->d.len;
		if (io->in_full && io->in_count < IN_MAX_COUNT / 2 &&
		    io->in_bytes < IN_MAX_BYTES(io) / 2) {
			io->in_full = 0;
			resume = 1;
		}
	}
	pthread_mutex_unlock(&io->mu);
	if (resume)
		wake(io);
	if (m == NULL)
		return 0;
	*ret = m->d;
	free(m);
	return 1;
}

int
amqpio_publish(
    struct amqpio *io, const char *routing_key, const char *body, size_t len)
{
	struct outmsg *m;
	size_t count, bytes;
	uint64_t dropped;

	if ((m = malloc(sizeof(*m) + len)) == NULL ||
	    (m->routing_key = strdup(routing_key)) == NULL) {
		free(m);
		log_warnx("reply to %s dropped: out of memory", routing_key);
		return -ENOMEM;
	}
	m->next = NULL;
	m->len = len;
	memcpy(m->body, body, len);
	pthread_mutex_lock(&io->mu);
	count = io->st.queued;
	bytes = io->st.queued_bytes;
	if (count >= io->set.out_count || bytes + len > io->set.out_bytes) {
		dropped = ++io->st.dropped;
		pthread_mutex_unlock(&io->mu);
		log_warnx("reply to %s dropped: the outgoing queue is full "
			  "(%zu replies, %zu bytes; %llu dropped so far)",
		    routing_key, count, bytes, (unsigned long long)dropped);
		free(m->routing_key);
		free(m);
		return -ENOBUFS;
	}
	if (io->out_tail != NULL)
		io->out_tail->next = m;
	else
		io->out_head = m;
	io->out_tail = m;
	io->st.queued++;
	io->st.queued_bytes += len;
	pthread_mutex_unlock(&io->mu);
	wake(io);
	return 0;
}

int
amqpio_rebind(struct amqpio *io, const char *const *collectives,
    size_t ncollectives, const char *const *agents, size_t nagents,
    size_t message_max)
{
	char **c = strv_copy(collectives, ncollectives);
	char **a = strv_copy(agents, nagents);

	if (c == NULL || a == NULL) {
		strv_free(c);
		strv_free(a);
		return -ENOMEM;
	}
	pthread_mutex_lock(&io->mu);
	strv_free(io->collectives);
	strv_free(io->agents);
	io->collectives = c;
	io->ncollectives = ncollectives;
	io->agents = a;
	io->nagents = nagents;
	io->message_max = message_max;
	io->rebind = 1;
	pthread_mutex_unlock(&io->mu);
	wake(io);
	return 0;
}

void
amqpio_stats(struct amqpio *io, struct amqpio_stats *ret)
{
	pthread_mutex_lock(&io->mu);
	*ret = io->st;
	pthread_mutex_unlock(&io->mu);
}
