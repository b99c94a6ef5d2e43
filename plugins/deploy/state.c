/* state.c: the journal and deploys.json. See state.h. */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "plugins/deploy/state.h"
#include "plugins/service/plan_files.h"

static const char *const steps_after_switch[] = {
    "switch", "restart", "health", "rollback", NULL};

static int
write_whole(const char *path, const char *text, char *err, size_t size)
{
	struct plan_step s = {.kind = PLAN_WRITE,
	    .path = (char *)path,
	    .content = (char *)text,
	    .len = strlen(text),
	    .mode = 0644};

	return plan_file_step(&s, err, size);
}

int
journal_write(
    const char *state, const struct journal *j, char *err, size_t size)
{
	char path[4200], text[1024];

	snprintf(path, sizeof(path), "%s/journal", state);
	snprintf(text, sizeof(text),
	    "action %s\ntag %s\nprevious %s\ncaller %s\nsince %lld\nstep "
	    "%s\n",
	    j->action, j->tag, j->previous, j->caller, j->since, j->step);
	return write_whole(path, text, err, size);
}

/* Copies the value of "KEY VALUE" into dst when line starts with key. */
static void
field(const char *line, const char *key, char *dst, size_t size)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n) == 0 && line[n] == ' ')
		snprintf(dst, size, "%s", line + n + 1);
}

int
journal_read(const char *state, struct journal *j)
{
	char path[4200], line[512], since[32] = "";
	FILE *f;

	memset(j, 0, sizeof(*j));
	snprintf(path, sizeof(path), "%s/journal", state);
	if ((f = fopen(path, "re")) == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		field(line, "action", j->action, sizeof(j->action));
		field(line, "tag", j->tag, sizeof(j->tag));
		field(line, "previous", j->previous, sizeof(j->previous));
		field(line, "caller", j->caller, sizeof(j->caller));
		field(line, "since", since, sizeof(since));
		field(line, "step", j->step, sizeof(j->step));
	}
	fclose(f);
	j->since = atoll(since);
	return j->action[0] != '\0' && j->step[0] != '\0' ? 0 : -EINVAL;
}

int
journal_clear(const char *state, char *err, size_t size)
{
	char path[4200];
	struct plan_step s = {.kind = PLAN_REMOVE, .path = path};
	int fd, r;

	snprintf(path, sizeof(path), "%s/journal", state);
	if ((r = plan_file_step(&s, err, size)) < 0)
		return r;
	if ((fd = open(state, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

int
journal_switched(const struct journal *j)
{
	for (size_t i = 0; steps_after_switch[i] != NULL; i++)
		if (strcmp(j->step, steps_after_switch[i]) == 0)
			return 1;
	return 0;
}

json_t *
records_load(const char *state)
{
	char path[4200];
	json_t *o;

	snprintf(path, sizeof(path), "%s/deploys.json", state);
	o = json_load_file(path, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	return o;
}

int
records_save(const char *state, const json_t *rec, char *err, size_t size)
{
	char path[4200], *text;
	int r;

	snprintf(path, sizeof(path), "%s/deploys.json", state);
	if ((text = json_dumps(rec, JSON_INDENT(1) | JSON_SORT_KEYS)) == NULL)
		return -ENOMEM;
	r = write_whole(path, text, err, size);
	free(text);
	return r;
}

void
time_iso(long long t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
