/*
 * fuzz_config.c: INI parsing and interpolation on arbitrary bytes. The
 * input is split at the first form feed into two layers, so that merging
 * is fuzzed too; every value is then read through each typed getter.
 */
#include "buildconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
read_all(const struct config *c)
{
	struct error err;

	for (size_t i = 0; i < config_nsections(c); i++) {
		const char *s = config_section(c, i);

		for (size_t k = 0; k < config_nkeys(c, s); k++) {
			const char *key = config_key(c, s, k), *file;
			long long ll;
			size_t sz, n;
			char **list;
			int b, line;

			(void)config_get_int(c, s, key, 0, &ll, &err);
			(void)config_get_bool(c, s, key, 0, &b, &err);
			(void)config_get_size(c, s, key, 0, &sz, &err);
			(void)config_get_duration_ms(c, s, key, 0, &ll, &err);
			if (config_get_list(c, s, key, &list, &n) == 0)
				strv_free(list);
			if (config_origin(c, s, key, &file, &line) != 0)
				abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *ff = memchr(text, '\f', size);
	size_t n1 = ff != NULL ? (size_t)(ff - text) : size;
	struct config *c = config_new();
	struct error err;
	json_t *j;

	if (c == NULL)
		return 0;
	if (config_load_string(c, "layer1", text, n1, &err) == 0 && ff != NULL)
		(void)config_load_string(
		    c, "layer2", ff + 1, size - n1 - 1, &err);
	(void)config_interpolate(c, "env", &err);
	read_all(c);
	if ((j = config_to_json(c)) == NULL)
		abort(); /* every value is UTF-8, so this cannot fail */
	json_decref(j);
	config_free(c);
	return 0;
}
