/* policy_stub.c: see policy_stub.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_stub.h"

struct policy_set {
	int unused;
};

int
policy_set_load(
    const struct policy_options *o, struct policy_set **ret, struct error *err)
{
	struct policy_set *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int
policy_check(const struct policy_set *s, const struct policy_request *r,
    struct policy_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->allowed =
	    strcmp(r->agent, "rpcutil") == 0 && strcmp(r->action, "ping") == 0;
	snprintf(d->origin, sizeof(d->origin), "built-in default: %s",
	    d->allowed ? "rpcutil.ping allowed" : "deny");
	return 0;
}

void
policy_set_free(struct policy_set *s)
{
	free(s);
}
