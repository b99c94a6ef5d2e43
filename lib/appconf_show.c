/* appconf_show.c: appconf_to_json() and appconf_show() of appconf.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "appconf_check.h"

static json_t *
value_json(const struct appconf *a, const char *sec, const char *key)
{
	enum appconf_layer l;
	const char *file;
	int line;

	appconf_origin(a, sec, key, &l, &file, &line);
	return json_pack("{s:s, s:s, s:s, s:i}", "value",
	    config_get(a->c, sec, key), "layer", appconf_layer_name(l), "file",
	    file, "line", line);
}

static json_t *
layers_json(const struct appconf *a)
{
	json_t *v = json_array();

	for (int l = 0; v != NULL && l < APPCONF_NLAYERS; l++) {
		json_t *o = json_pack("{s:s, s:s?}", "layer",
		    appconf_layer_name((enum appconf_layer)l), "file",
		    a->paths[l]);

		if (json_array_append_new(v, o) < 0) {
			json_decref(v);
			return NULL;
		}
	}
	return v;
}

json_t *
appconf_to_json(const struct appconf *a)
{
	json_t *secs = json_object(), *o;

	for (size_t i = 0; secs != NULL && i < config_nsections(a->c); i++) {
		const char *s = config_section(a->c, i);
		json_t *so = json_object();

		if (json_object_set_new(secs, s, so) < 0)
			goto fail;
		for (size_t j = 0; j < config_nkeys(a->c, s); j++) {
			const char *k = config_key(a->c, s, j);

			if (json_object_set_new(so, k, value_json(a, s, k)) < 0)
				goto fail;
		}
	}
	o = json_pack("{s:s, s:o*, s:o*}", "app", a->app, "layers",
	    layers_json(a), "sections", secs);
	return o;
fail:
	json_decref(secs);
	return NULL;
}

/* value as the INI syntax reads it back: quoted when it must be. */
static void
show_value(FILE *out, const char *v)
{
	size_t n = strlen(v);

	if (n > 0 && v[0] != ' ' && v[0] != '\t' && v[0] != '"' &&
	    v[n - 1] != ' ' && v[n - 1] != '\t' && strpbrk(v, "\n\r") == NULL) {
		fputs(v, out);
		return;
	}
	fputc('"', out);
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			fprintf(out, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", out);
		else if (*v == '\t')
			fputs("\\t", out);
		else
			fputc(*v, out);
	}
	fputc('"', out);
}

int
appconf_show(const struct appconf *a, FILE *out)
{
	fprintf(out, "# app %s\n", a->app);
	for (int l = 0; l < APPCONF_NLAYERS; l++)
		fprintf(out, "# layer %s: %s\n",
		    appconf_layer_name((enum appconf_layer)l),
		    a->paths[l] != NULL ? a->paths[l] : "none");
	for (size_t i = 0; i < config_nsections(a->c); i++) {
		const char *s = config_section(a->c, i);

		fprintf(out, "\n[%s]\n", s);
		for (size_t j = 0; j < config_nkeys(a->c, s); j++) {
			const char *k = config_key(a->c, s, j), *file;
			enum appconf_layer l;
			int line;

			appconf_origin(a, s, k, &l, &file, &line);
			fprintf(out, "%s = ", k);
			show_value(out, config_get(a->c, s, k));
			fprintf(out, "  # %s %s:%d\n", appconf_layer_name(l),
			    file, line);
		}
	}
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}
