/*
 * main.c: metactl's command table and dispatch.
 *
 * Start-up does nothing but look up the command: no configuration, DDL or
 * crypto is loaded before a command asks for it, so `metactl --help` and
 * `metactl help CMD` stay instant.
 */
#include "buildconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orchestrator/cli.h"
#include "orchestrator/opts.h"
#include "orchestrator/usage.h"

#include "orchestrator/cmd_policy.h"

struct command {
	const char *name;
	int (*fn)(int argc, char *argv[]);
	const char *summary;
};

static const struct command commands[] = {
    {"ping", cmd_ping, "list the nodes that answer, with round-trip times"},
    {"rpc", cmd_rpc, "run an action of an agent on the matching nodes"},
    {"service", cmd_service,
	"start, stop, restart, reload an app's daemons, or its status"},
    {"logs", cmd_logs, "show an app's logs on this machine"},
    {"deploy", cmd_deploy,
	"deploy an app's tag, roll it back, its status, or remove it"},
    {"rollout", cmd_rollout,
	"run an action or a deploy batch by batch, failing fast"},
    {"schedule", cmd_schedule,
	"run an action on every node at its own time in each interval"},
    {"find", cmd_find, "print the identities of the matching nodes"},
    {"discover", cmd_find, "the same as find"},
    {"inventory", cmd_inventory, "show a node's agents, classes and version"},
    {"facts", cmd_facts, "count the fleet's values of a fact"},
    {"forget", cmd_forget, "remove nodes from the node registry"},
    {"doc", cmd_doc, "describe agents and actions from their DDL"},
    {"config", cmd_config, "show an app's merged configuration"},
    {"keygen", cmd_keygen, "create an ed25519 key pair"},
    {"ca", cmd_ca, "create a fleet CA or sign a certificate"},
    {"cert", cmd_cert, "show a certificate"},
    {"policy", cmd_policy, "check or lint action policy files"},
    {"help", NULL, "describe a command"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: metactl [--help | --version] COMMAND [ARGS...]\n\n"
	    "commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(
		    f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
	    "\nmetactl help COMMAND describes a command's options; "
	    "see metactl(1).\n");
}

static const struct command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int
help(int argc, char *argv[])
{
	const struct command *c;

	if (argc < 2) {
		usage(stdout);
		return MC_EXIT_OK;
	}
	c = find_command(argv[1]);
	if (c == NULL) {
		fprintf(
		    stderr, "metactl: help: unknown command '%s'\n", argv[1]);
		return MC_EXIT_USAGE;
	}
	if (c->fn != NULL && !usage_print(NULL, c->name)) {
		char *args[] = {(char *)c->name, "--help", NULL};

		cli_command = c->name;
		return c->fn(2, args);
	}
	printf("metactl %s: %s\n\n", c->name, c->summary);
	usage_print(stdout, c->name);
	return MC_EXIT_OK;
}

/* The commands whose options are the fleet commands' (opts.c). */
static int
uses_fleet_opts(const char *name)
{
	static const char *const names[] = {"ping", "rpc", "service", "find",
	    "discover", "inventory", "facts", "doc", NULL};
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

/*
 * -h or --help anywhere before "--" asks for the command's help: 1 after
 * printing it, 0 when it was not asked for. rpc AGENT ACTION adds the
 * action's inputs when its DDL loads; policy's subcommands describe
 * themselves.
 */
static int
help_anywhere(const struct command *c, int argc, char *argv[])
{
	struct orch_opts o;
	int i, asked = 0;

	if (uses_fleet_opts(c->name)) {
		asked = orch_opts_help(&o, argc, argv);
		if (asked && strcmp(c->name, "rpc") == 0 && o.nargs >= 2) {
			usage_print(stdout, c->name);
			printf("\n");
			doc_action_help(o.config, o.args[0], o.args[1]);
		} else if (asked && strcmp(c->name, "service") == 0 &&
		    o.nargs >= 1 && service_is_action(o.args[0])) {
			usage_print(stdout, c->name);
			printf("\n");
			doc_action_help(o.config, "service", o.args[0]);
		} else if (asked)
			help(2, (char *[]){"help", (char *)c->name, NULL});
		orch_opts_clear(&o);
		return asked;
	}
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			break;
	if (i == argc || strcmp(argv[i], "--") == 0)
		return 0;
	if (strcmp(c->name, "policy") == 0 && argc > 2 &&
	    (strcmp(argv[1], "check") == 0 || strcmp(argv[1], "lint") == 0))
		c->fn(3, (char *[]){argv[0], argv[1], "--help", NULL});
	else
		help(2, (char *[]){"help", (char *)c->name, NULL});
	return 1;
}

int
main(int argc, char *argv[])
{
	const struct command *c;
	int r;

	if (argc < 2) {
		usage(stderr);
		return MC_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return MC_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("metactl %s\n", PACKAGE_VERSION);
		return MC_EXIT_OK;
	}
	c = find_command(argv[1]);
	if (c == NULL && argc >= 3 && strcmp(argv[2], "logs") == 0) {
		/* metactl APP logs [DAEMON] is metactl logs APP [DAEMON]. */
		argv[2] = argv[1];
		argv[1] = "logs";
		c = find_command("logs");
	}
	if (c == NULL && argc >= 3 &&
	    (strcmp(argv[2], "tcpdump") == 0 || strcmp(argv[2], "exec") == 0))
		return cmd_sandbox_local(argv[1], argc - 2, argv + 2);
	if (c == NULL) {
		fprintf(stderr,
		    "metactl: unknown command '%s' (metactl --help lists "
		    "them)\n",
		    argv[1]);
		return MC_EXIT_USAGE;
	}
	cli_command = c->name;
	if (c->fn == NULL)
		return help(argc - 1, argv + 1);
	if (help_anywhere(c, argc - 1, argv + 1))
		return MC_EXIT_OK;
	r = c->fn(argc - 1, argv + 1);
	if (cli_interrupted && r != MC_EXIT_INTERRUPTED) {
		/* What came back has been printed; say it is not all. */
		cli_errx("interrupted");
		r = MC_EXIT_INTERRUPTED;
	}
	return r;
}
