/*
 * fuzz_ddl.c: DDL parsing and request validation on arbitrary bytes. The
 * input up to the first NUL byte is the DDL document; what follows is
 * validated as request data against every action, and also given to
 * ddl_parse_argument() as a CLI "key=value".
 */
#include "buildconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size);
	size_t n = nul != NULL ? (size_t)(nul - text) : size;
	const char *rest = nul != NULL ? nul + 1 : "";
	size_t rlen = nul != NULL ? size - n - 1 : 0;
	struct error err;
	struct ddl *d;
	json_t *req;
	char *kv;

	if (ddl_parse(text, n, "fuzz", &d, &err) != 0)
		return 0;
	req = json_loadb(rest, rlen, 0, NULL);
	if ((kv = malloc(rlen + 1)) == NULL)
		abort();
	memcpy(kv, rest, rlen);
	kv[rlen] = '\0';
	for (size_t i = 0; i < d->nactions; i++) {
		const struct ddl_action *a = &d->actions[i];
		json_t *copy = json_deep_copy(req), *args = json_object();

		for (size_t k = 0; k < a->ninputs; k++) {
			(void)ddl_input_name(a, k);
			(void)ddl_input_description(a, k);
			(void)ddl_input_optional(a, k);
			(void)ddl_type_str(ddl_input_type(a, k));
		}
		(void)ddl_validate(a, copy, &err);
		(void)ddl_parse_argument(a, kv, args, &err);
		(void)ddl_validate(a, args, &err);
		json_decref(copy);
		json_decref(args);
		if (ddl_find_action(d, a->name) != a)
			abort();
	}
	free(kv);
	json_decref(req);
	ddl_free(d);
	return 0;
}
