/* svcstate.c: see svcstate.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plugins/service/svcstate.h"

static void
state_init(struct svc_state *st)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->state, sizeof(st->state), "unknown");
	st->since_s = -1;
	st->ready = -1;
	st->last_exit = -1;
}

static void
state_set(struct svc_state *st, const char *state, int ready)
{
	snprintf(st->state, sizeof(st->state), "%s", state);
	st->ready = ready;
}

/* The value of KEY= in KEY=value lines, copied into buf; NULL if absent. */
static const char *
show_value(const char *out, const char *key, char *buf, size_t size)
{
	size_t kl = strlen(key), n;
	const char *p = out, *end;

	while (*p != '\0') {
		end = strchr(p, '\n');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (n > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
			n -= kl + 1;
			if (n >= size)
				n = size - 1;
			memcpy(buf, p + kl + 1, n);
			buf[n] = '\0';
			return buf;
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	return NULL;
}

static long long
show_number(const char *out, const char *key)
{
	char buf[32], *end;
	long long v;

	if (show_value(out, key, buf, sizeof(buf)) == NULL)
		return -1;
	v = strtoll(buf, &end, 10);
	return end == buf || *end != '\0' ? -1 : v;
}

static void
systemd_since(const char *out, struct svc_state *st)
{
	struct timespec ts;
	long long at, now;

	if ((at = show_number(out, "StateChangeTimestampMonotonic")) <= 0)
		at = show_number(out, "ActiveEnterTimestampMonotonic");
	if (at <= 0 || clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return;
	now = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	if (now >= at)
		st->since_s = (now - at) / 1000000;
}

/* ExecMainCode is a CLD_* code: 1 exited, 2 killed, 3 dumped core. */
static void
systemd_exit(const char *out, struct svc_state *st)
{
	long long code = show_number(out, "ExecMainCode");
	long long status = show_number(out, "ExecMainStatus");

	if (code == 1 && status >= 0)
		st->last_exit = (int)status;
	else if ((code == 2 || code == 3) && status > 0)
		st->last_signal = (int)status;
}

int
svcstate_systemd(const struct svc_node *n, const struct svc_unit *u,
    const char *out, struct svc_state *st)
{
	char load[32], active[32], sub[32], result[32];
	long long pid;

	(void)n;
	(void)u;
	state_init(st);
	if (show_value(out, "LoadState", load, sizeof(load)) == NULL ||
	    show_value(out, "ActiveState", active, sizeof(active)) == NULL)
		return -EINVAL;
	if (show_value(out, "SubState", sub, sizeof(sub)) == NULL)
		snprintf(sub, sizeof(sub), "?");
	if (strcmp(load, "loaded") != 0) {
		state_set(st, "down", 0);
		snprintf(st->detail, sizeof(st->detail),
		    "not installed (LoadState=%s)", load);
		return 0;
	}
	if (strcmp(active, "active") == 0 || strcmp(active, "reloading") == 0)
		state_set(st, "up", 1);
	else if (strcmp(active, "activating") == 0)
		state_set(st, "starting", 0);
	else if (strcmp(active, "deactivating") == 0)
		state_set(st, "stopping", 0);
	else if (strcmp(active, "failed") == 0)
		state_set(st, "failed", 0);
	else
		state_set(st, "down", 0);
	if ((pid = show_number(out, "MainPID")) > 0)
		st->pid = (long)pid;
	systemd_since(out, st);
	systemd_exit(out, st);
	if (show_value(out, "Result", result, sizeof(result)) != NULL &&
	    strcmp(result, "success") != 0)
		snprintf(st->detail, sizeof(st->detail), "%s (%s), result %s",
		    active, sub, result);
	else
		snprintf(
		    st->detail, sizeof(st->detail), "%s (%s)", active, sub);
	return 0;
}

/* Seconds since HH:MM:SS today (local time), or -1. */
static long long
since_clock(const char *stime)
{
	int h, m, s, n = 0;
	struct tm tm;
	time_t now = time(NULL);
	long long d;

	if (sscanf(stime, "%2d:%2d:%2d%n", &h, &m, &s, &n) != 3 ||
	    stime[n] != '\0' || localtime_r(&now, &tm) == NULL)
		return -1;
	d = (long long)(tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) -
	    (h * 3600 + m * 60 + s);
	return d < 0 ? d + 86400 : d;
}

static void
smf_state(const char *state, struct svc_state *st)
{
	size_t n = strlen(state);
	int moving = n > 0 && state[n - 1] == '*';

	if (strncmp(state, "online", 6) == 0 ||
	    strncmp(state, "degraded", 8) == 0)
		state_set(st, moving ? "stopping" : "up", moving ? 0 : 1);
	else if (strncmp(state, "maintenance", 11) == 0)
		state_set(st, "failed", 0);
	else if (strncmp(state, "offline", 7) == 0)
		state_set(st, "starting", 0);
	else
		state_set(st, moving ? "starting" : "down", 0);
	snprintf(st->detail, sizeof(st->detail), "%s", state);
}

int
svcstate_smf(const struct svc_node *n, const struct svc_unit *u,
    const char *out, struct svc_state *st)
{
	char state[32], stime[32], word[64];
	const char *line;
	long pid;

	(void)n;
	(void)u;
	state_init(st);
	if (sscanf(out, "%31s %31s", state, stime) != 2)
		return -EINVAL;
	smf_state(state, st);
	st->since_s = since_clock(stime);
	/* svcs -p: process lines are indented "STIME PID COMMAND". */
	for (line = out; (line = strchr(line, '\n')) != NULL;) {
		line++;
		if (*line != ' ' && *line != '\t')
			continue;
		if (sscanf(line, "%63s %ld", word, &pid) == 2 && pid > 0) {
			st->pid = pid;
			break;
		}
	}
	return 0;
}

int
svcstate_upstart(const struct svc_node *n, const struct svc_unit *u,
    const char *out, struct svc_state *st)
{
	char job[256], gs[64], *slash;
	const char *proc;
	long pid;

	(void)n;
	(void)u;
	state_init(st);
	if (sscanf(out, "%255s %63[^, \n]", job, gs) != 2 ||
	    (slash = strchr(gs, '/')) == NULL)
		return -EINVAL;
	*slash = '\0';
	if (strcmp(gs, "start") == 0)
		state_set(st,
		    strcmp(slash + 1, "running") == 0 ? "up" : "starting",
		    strcmp(slash + 1, "running") == 0);
	else if (strcmp(gs, "stop") == 0)
		state_set(st,
		    strcmp(slash + 1, "waiting") == 0 ? "down" : "stopping", 0);
	else
		return -EINVAL;
	if ((proc = strstr(out, ", process ")) != NULL &&
	    sscanf(proc, ", process %ld", &pid) == 1 && pid > 0)
		st->pid = pid;
	snprintf(st->detail, sizeof(st->detail), "%s/%s", gs, slash + 1);
	return 0;
}
