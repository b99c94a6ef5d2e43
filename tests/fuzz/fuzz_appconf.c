/*
 * fuzz_appconf.c: the app configuration (lib/appconf.h) on arbitrary
 * bytes. The input is split at form feeds into the app, site and node
 * layers, so that merging, interpolation and every check are fuzzed; a
 * configuration that loads is then read through every accessor.
 */
#include "buildconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appconf.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
split_check(const char *s)
{
	struct error err;
	char **v;

	if (s == NULL)
		return;
	if ((v = appconf_split(s, &err)) == NULL)
		abort(); /* every command was checked by appconf_load() */
	strv_free(v);
}

static void
read_all(const struct appconf *a)
{
	FILE *null = fopen("/dev/null", "w");
	json_t *j;

	for (size_t i = 0; i < appconf_ndaemons(a); i++) {
		const struct app_daemon *d = appconf_daemon(a, i);

		if (appconf_daemon_find(a, d->name) != d)
			abort();
		split_check(d->command);
		split_check(d->jvm_opts);
		split_check(d->jvm_jar);
	}
	for (size_t i = 0; i < appconf_ncrons(a); i++)
		if (appconf_cron(a, i)->command[0] == '\0')
			abort();
	for (const char *const *e = appconf_env(a); *e != NULL; e++)
		if (strchr(*e, '=') == NULL)
			abort();
	if ((j = appconf_to_json(a)) == NULL)
		abort();
	json_decref(j);
	if (null != NULL) {
		(void)appconf_show(a, null);
		fclose(null);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
	    ".metactl", "site.conf", "node.conf"};
	struct appconf_src src[APPCONF_NLAYERS];
	const char *p = (const char *)data, *end = p + size;
	struct appconf *a;
	struct error err;

	memset(src, 0, sizeof(src));
	for (int l = 0; l < APPCONF_NLAYERS && p != NULL; l++) {
		const char *ff = memchr(p, '\f', (size_t)(end - p));

		src[l].path = names[l];
		src[l].text = p;
		src[l].len = ff != NULL ? (size_t)(ff - p) : (size_t)(end - p);
		p = ff != NULL ? ff + 1 : NULL;
	}
	if (appconf_load("fuzz", src, &a, &err) == 0) {
		read_all(a);
		appconf_free(a);
	}
	return 0;
}
