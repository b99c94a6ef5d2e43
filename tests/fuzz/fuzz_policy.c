/*
 * fuzz_policy.c: the policy file parser on arbitrary bytes, then a few
 * requests checked against whatever parsed. The bytes are also read as a
 * groups file, and linted (every line, past errors). Nothing may crash, leak or recurse without bound.
 */
#include "buildconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/groups.h"
#include "policy/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t nreported;

static void
count_error(const struct error *err, void *arg)
{
	(void)arg;
	if (err->text[0] == '\0')
		abort();
	nreported++;
}

static const char groups_text[] = "admins cert=alice cert=bob\nshop uid=7\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const classes[] = {"web", "acme::devserver"};
	static const char *const callers[] = {"uid=500", "cert=alice", "x"};
	static const char *const actions[] = {"restart", "status", ""};
	struct filter_subject node = {
	    .identity = "web1", .classes = classes, .nclasses = 2};
	struct groups *g = NULL, *g2 = NULL;
	struct rules *r = NULL;
	struct policy_report report = {.fn = count_error};
	struct error err;
	json_t *facts, *args;
	char *text;
	int line;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	groups_parse("fuzz", groups_text, strlen(groups_text), &g, &err);
	facts = json_pack("{s:s, s:i}", "customer", "acme", "cpus", 8);
	args = json_pack("{s:s, s:i}", "app", "shop-web", "count", 3);
	node.facts = facts;
	if (rules_parse("fuzz", text, size, g, &r, &err) == 0) {
		for (size_t i = 0; i < 3; i++) {
			struct policy_request req = {.caller = callers[i],
			    .agent = "service",
			    .action = actions[i],
			    .data = i == 2 ? NULL : args,
			    .node = i == 1 ? NULL : &node};

			rules_check(r, &req, &line);
		}
		rules_free(r);
	}
	if (groups_parse("fuzz", text, size, &g2, &err) == 0)
		groups_free(g2);
	/* lint goes on past errors: the same bytes, every line */
	rules_lint("fuzz", text, size, g, &report, &err);
	groups_free(g);
	json_decref(facts);
	json_decref(args);
	free(text);
	return 0;
}
