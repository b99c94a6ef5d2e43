/*
 * policy_stub.h: the action-policy API of policy/policy.h, implemented by
 * a built-in default-deny rule (only rpcutil.ping passes) until the policy
 * evaluator is linked in. Same names and types as the real API, so the
 * switch is one include line.
 */
#ifndef METACTLD_POLICY_STUB_H
#define METACTLD_POLICY_STUB_H

#include <jansson.h>

#include "error.h"
#include "filter.h"

struct policy_options {
	const char *dir;
	const char *default_name;
	int enable_default;
	int allow_unconfigured;
};

struct policy_request {
	const char *caller;
	const char *agent;
	const char *action;
	const json_t *data;
	const struct filter_subject *node;
};

struct policy_decision {
	int allowed;
	char file[256];
	int line;
	char origin[320];
};

struct policy_set;
int policy_set_load(
    const struct policy_options *o, struct policy_set **ret, struct error *err);
int policy_check(const struct policy_set *s, const struct policy_request *r,
    struct policy_decision *d);
void policy_set_free(struct policy_set *s);

#endif
