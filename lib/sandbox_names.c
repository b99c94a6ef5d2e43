/* sandbox_names.c: an app's sandbox names. See sandbox_names.h. */
#include "buildconf.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "sandbox_names.h"

void
sandbox_netns(const char *app, char *buf, size_t size)
{
	snprintf(buf, size, "metactl-%s", app);
}

void
sandbox_hostif(const char *app, char *buf, size_t size)
{
	unsigned h = 2166136261u;

	if (strlen(app) <= 13) {
		snprintf(buf, size, "mc%s", app);
		return;
	}
	for (const char *p = app; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	snprintf(buf, size, "mc%.8s-%04x", app, h & 0xffff);
}

void
sandbox_table(const char *app, char *buf, size_t size)
{
	snprintf(buf, size, "metactl_%s", app);
	for (char *p = buf; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p))
			*p = '_';
}
