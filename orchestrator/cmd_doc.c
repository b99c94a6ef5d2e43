/*
 * cmd_doc.c: metactl doc [AGENT[/ACTION]], rendered from the DDLs. Only
 * the DDL asked for is read, except for the list of agents.
 */
#include "buildconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddl.h"
#include "orchestrator/cli.h"
#include "orchestrator/clientconf.h"
#include "orchestrator/opts.h"
#include "orchestrator/output.h"
#include "orchestrator/usage.h"

static const char *
str_or(const char *s, const char *def)
{
	return s != NULL ? s : def;
}

static int
list_agents(const char *dir)
{
	struct ddl_set set = {NULL, 0};
	struct error err;
	char msg[512];
	size_t i;

	error_init(&err, dir);
	if (ddl_set_load_dir(&set, dir, &err) < 0) {
		cli_errx("%s", error_format(&err, msg, sizeof(msg)));
		return MC_EXIT_USAGE;
	}
	if (set.n == 0)
		printf("no agents described in %s\n", dir);
	for (i = 0; i < set.n; i++)
		printf("%-16s %s\n", set.ddls[i]->agent,
		    str_or(set.ddls[i]->description, ""));
	ddl_set_clear(&set);
	return MC_EXIT_OK;
}

static void
print_agent(const struct ddl *d)
{
	size_t i;

	printf("%s %s: %s\n", d->agent, str_or(d->version, ""),
	    str_or(d->description, ""));
	if (d->timeout > 0)
		printf("timeout: %d s\n", d->timeout);
	printf("\nactions:\n");
	for (i = 0; i < d->nactions; i++)
		printf("  %-18s %s\n", d->actions[i].name,
		    str_or(d->actions[i].description, ""));
	printf("\nmetactl doc %s/ACTION describes an action.\n", d->agent);
}

/* The input's rules beyond its type, from the DDL document. */
static void
print_rules(const json_t *in)
{
	const char *keys[] = {
	    "default", "pattern", "maxlength", "enum", "shellsafe"};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const json_t *v = json_object_get(in, keys[i]);
		char *t;

		if (v == NULL || (json_is_false(v)))
			continue;
		t = output_value_text(v);
		printf("      %s: %s\n", keys[i], str_or(t, "?"));
		free(t);
	}
}

static void
print_action(const struct ddl *d, const struct ddl_action *a)
{
	const json_t *inputs = json_object_get(
	    json_object_get(json_object_get(d->doc, "actions"), a->name),
	    "input");
	size_t i;

	printf("%s/%s: %s\n\n", d->agent, a->name, str_or(a->description, ""));
	printf("usage: metactl rpc %s %s", d->agent, a->name);
	for (i = 0; i < a->ninputs; i++)
		printf(ddl_input_optional(a, i) ? " [%s=...]" : " %s=...",
		    ddl_input_name(a, i));
	printf("\n\ninputs:\n");
	if (a->ninputs == 0)
		printf("  (none)\n");
	for (i = 0; i < a->ninputs; i++) {
		printf("  %-16s %s%s\n      %s\n", ddl_input_name(a, i),
		    ddl_type_str(ddl_input_type(a, i)),
		    ddl_input_optional(a, i) ? ", optional" : ", required",
		    str_or(ddl_input_description(a, i), ""));
		print_rules(json_object_get(inputs, ddl_input_name(a, i)));
	}
	printf("\noutputs:\n");
	if (a->noutputs == 0)
		printf("  (none)\n");
	for (i = 0; i < a->noutputs; i++)
		printf("  %-16s %s%s%s, shown as \"%s\"\n      %s\n",
		    a->outputs[i].name, ddl_type_str(a->outputs[i].type),
		    a->outputs[i].unit != DDL_UNIT_NONE ? " in " : "",
		    str_or(ddl_unit_str(a->outputs[i].unit), ""),
		    str_or(a->outputs[i].display_as, a->outputs[i].name),
		    str_or(a->outputs[i].description, ""));
	printf("\ndisplay: %s\n", str_or(a->display, "always"));
	if (json_array_size(a->aggregate) > 0) {
		const json_t *x;

		printf("aggregates:\n");
		json_array_foreach(a->aggregate, i, x) printf("  %s of %s\n",
		    str_or(
			json_string_value(json_object_get(x, "function")), "?"),
		    str_or(
			json_string_value(json_object_get(x, "output")), "?"));
	}
}

void
doc_action_help(const char *config, const char *agent, const char *action)
{
	struct client_conf conf;
	struct ddl *d = NULL;
	const struct ddl_action *a;
	struct error err;

	if (client_conf_load(&conf, config, &err) < 0)
		return;
	/* What does not load is said on stderr: the help is printed. */
	if (orch_load_ddl(conf.ddl_dir, agent, &d) == 0 &&
	    (a = orch_find_action(d, action)) != NULL)
		print_action(d, a);
	ddl_free(d);
	client_conf_clear(&conf);
}

int
cmd_doc(int argc, char *argv[])
{
	struct client_conf conf;
	struct orch_opts o;
	struct ddl *d = NULL;
	const struct ddl_action *a;
	struct error err;
	char msg[512], *agent = NULL, *slash;
	int r = MC_EXIT_USAGE;

	if (orch_opts_parse(&o, argc, argv, 0, msg, sizeof(msg)) < 0) {
		usage_errx("%s", msg);
		orch_opts_clear(&o);
		return MC_EXIT_USAGE;
	}
	if (client_conf_load(&conf, o.config, &err) < 0) {
		cli_errx("%s", error_format(&err, msg, sizeof(msg)));
		orch_opts_clear(&o);
		return MC_EXIT_USAGE;
	}
	if (o.nargs > 1) {
		usage_errx("one AGENT or AGENT/ACTION only");
		goto out;
	}
	if (o.nargs == 0) {
		r = list_agents(conf.ddl_dir);
		goto out;
	}
	if ((agent = strdup(o.args[0])) == NULL)
		goto out;
	if ((slash = strchr(agent, '/')) != NULL)
		*slash++ = '\0';
	if ((r = orch_load_ddl(conf.ddl_dir, agent, &d)) != 0)
		goto out;
	r = MC_EXIT_USAGE;
	if (slash == NULL)
		print_agent(d);
	else if ((a = orch_find_action(d, slash)) == NULL)
		goto out;
	else
		print_action(d, a);
	r = MC_EXIT_OK;
out:
	free(agent);
	ddl_free(d);
	client_conf_clear(&conf);
	orch_opts_clear(&o);
	return r;
}
