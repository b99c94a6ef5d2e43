/*
 * fuzz_filter_expr.c: the filter language on arbitrary bytes. The input
 * is parsed as a compound expression and as a fact comparison, each
 * evaluated against a fixed node; and, when it is JSON, as a wire filter.
 * Nothing may crash, leak or recurse without bound.
 */
#include "buildconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *facts;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const classes[] = {"web", "acme::devserver"};
	static const char *const agents[] = {"rpcutil", "service"};
	struct filter_subject s = {.identity = "web1.example.net",
	    .classes = classes,
	    .nclasses = 2,
	    .agents = agents,
	    .nagents = 2};
	struct filter_expr *e;
	struct filter_fact *f;
	struct error err;
	json_t *filter;
	char *text;

	if (facts == NULL)
		facts = json_loads("{\"role\":\"web\",\"cpus\":8,\"load\":0.5,"
				   "\"virtual\":true,\"os\":{\"release\":"
				   "{\"major\":\"12\"}},\"nics\":[\"eth0\"]}",
		    0, NULL);
	s.facts = facts;
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (filter_expr_parse(text, &e, &err) == 0) {
		filter_expr_eval(e, &s);
		filter_expr_free(e);
	}
	if (filter_fact_parse(text, &f, &err) == 0) {
		filter_fact_eval(f, &s);
		filter_fact_free(f);
	}
	filter_class_match(text, &s);
	filter_fact_lookup(facts, text);
	if ((filter = json_loadb(text, size, 0, NULL)) != NULL) {
		filter_validate(filter, &err);
		filter_match(filter, &s);
		json_decref(filter);
	}
	free(text);
	return 0;
}
