/* cmd_policy.c: see cmd_policy.h. */
#include "buildconf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "filter.h"
#include "orchestrator/cmd_policy.h"
#include "policy/policy.h"

#define EXIT_ALLOW 0
#define EXIT_DENY 1
#define EXIT_USAGE 2
#define CLASSES_MAX 256

static const char usage_policy[] =
    "usage: metactl policy check [options]\n"
    "       metactl policy lint FILE...\n"
    "\n"
    "Checks action policies (metactl-policy(5)) without an agent.\n"
    "Run 'metactl policy check --help' or 'metactl policy lint --help'.\n";

static const char usage_check[] =
    "usage: metactl policy check --policy-dir DIR --agent AGENT\n"
    "           --action ACTION --caller ID [--arg KEY=VALUE]...\n"
    "           [--fact KEY=VALUE]... [--class NAME]... [--identity NAME]\n"
    "           [--default-name NAME] [--no-default]\n"
    "           [--allow-unconfigured] [--json]\n"
    "\n"
    "Decides one request as an agent with that policy directory would and\n"
    "prints the decision and what decided it: FILE:LINE for a rule,\n"
    "\"FILE: policy default\" or \"allow_unconfigured\".\n"
    "\n"
    "  --policy-dir DIR        the policy directory\n"
    "  --agent AGENT           agent of the request\n"
    "  --action ACTION         action of the request\n"
    "  --caller ID             caller, cert=NAME or uid=N\n"
    "  --arg KEY=VALUE         an argument of the action (repeatable)\n"
    "  --fact KEY=VALUE        a fact of the node (repeatable)\n"
    "  --class NAME            a class of the node (repeatable)\n"
    "  --identity NAME         identity of the node\n"
    "  --default-name NAME     default policy file name (default: "
    "default)\n"
    "  --no-default            do not fall back to the default policy file\n"
    "  --allow-unconfigured    allow when no policy file applies\n"
    "  --json                  print the decision as JSON\n"
    "\n"
    "Exit status: 0 allowed, 1 denied, 2 usage or policy error.\n";

static const char usage_lint[] =
    "usage: metactl policy lint FILE...\n"
    "\n"
    "Parses each policy file (or groups file) and reports every mistake\n"
    "of each, one line each, as FILE:LINE:COLUMN: message. Caller groups\n"
    "are taken from the groups file next to each policy file.\n"
    "\n"
    "Exit status: 0 all files valid, 1 some file invalid, 2 usage error.\n";

/* Sets obj[key] = value from "key=value"; -1 when there is no '='. */
static int
set_pair(json_t *obj, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char *key;
	int rc;

	if (eq == NULL || eq == kv)
		return -1;
	if ((key = strndup(kv, (size_t)(eq - kv))) == NULL)
		return -1;
	rc = json_object_set_new(obj, key, json_string(eq + 1));
	free(key);
	return rc;
}

static void
print_decision(const struct policy_decision *d, int as_json)
{
	json_t *j;
	char *s;

	/* Run where the files are: the full path helps, and hides nothing. */
	if (!as_json && d->file[0] != '\0' && d->line > 0) {
		printf("%s %s:%d\n", d->allowed ? "allow" : "deny", d->file,
		    d->line);
		return;
	}
	if (!as_json && d->file[0] != '\0') {
		printf("%s %s: policy default\n", d->allowed ? "allow" : "deny",
		    d->file);
		return;
	}
	if (!as_json) {
		printf("%s %s\n", d->allowed ? "allow" : "deny", d->origin);
		return;
	}
	j = json_pack("{s:s, s:b, s:o, s:i, s:s}", "decision",
	    d->allowed ? "allow" : "deny", "allowed", d->allowed, "file",
	    d->file[0] != '\0' ? json_string(d->file) : json_null(), "line",
	    d->line, "origin", d->origin);
	if (j != NULL && (s = json_dumps(j, JSON_COMPACT)) != NULL) {
		printf("%s\n", s);
		free(s);
	}
	json_decref(j);
}

static void
print_error(const struct error *err, int rc)
{
	char buf[512];

	if (err->text[0] != '\0')
		fprintf(stderr, "metactl policy: %s\n",
		    error_format(err, buf, sizeof(buf)));
	else
		fprintf(stderr, "metactl policy: %s\n", error_str(rc));
}

static int
cmd_check(int argc, char *argv[])
{
	enum {
		OPT_DIR = 256,
		OPT_AGENT,
		OPT_ACTION,
		OPT_CALLER,
		OPT_ARG,
		OPT_FACT,
		OPT_CLASS,
		OPT_IDENTITY,
		OPT_DEFAULT_NAME,
		OPT_NO_DEFAULT,
		OPT_ALLOW_UNCONF,
		OPT_JSON,
		OPT_HELP
	};
	static const struct option opts[] = {
	    {"policy-dir", required_argument, NULL, OPT_DIR},
	    {"agent", required_argument, NULL, OPT_AGENT},
	    {"action", required_argument, NULL, OPT_ACTION},
	    {"caller", required_argument, NULL, OPT_CALLER},
	    {"arg", required_argument, NULL, OPT_ARG},
	    {"fact", required_argument, NULL, OPT_FACT},
	    {"class", required_argument, NULL, OPT_CLASS},
	    {"identity", required_argument, NULL, OPT_IDENTITY},
	    {"default-name", required_argument, NULL, OPT_DEFAULT_NAME},
	    {"no-default", no_argument, NULL, OPT_NO_DEFAULT},
	    {"allow-unconfigured", no_argument, NULL, OPT_ALLOW_UNCONF},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, OPT_HELP},
	    {NULL, 0, NULL, 0},
	};
	struct policy_options o = {
	    .default_name = "default", .enable_default = 1};
	struct policy_request r = {0};
	struct filter_subject node = {0};
	struct policy_decision d;
	struct policy_set *set = NULL;
	const char *classes[CLASSES_MAX];
	json_t *args = json_object(), *facts = json_object();
	struct error err;
	int c, as_json = 0, status = EXIT_USAGE, rc;

	if (args == NULL || facts == NULL)
		goto out;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DIR:
			o.dir = optarg;
			break;
		case OPT_AGENT:
			r.agent = optarg;
			break;
		case OPT_ACTION:
			r.action = optarg;
			break;
		case OPT_CALLER:
			r.caller = optarg;
			break;
		case OPT_ARG:
		case OPT_FACT:
			if (set_pair(c == OPT_ARG ? args : facts, optarg) !=
			    0) {
				fprintf(stderr,
				    "metactl policy: --%s wants KEY=VALUE, "
				    "not '%s'\n",
				    c == OPT_ARG ? "arg" : "fact", optarg);
				goto out;
			}
			break;
		case OPT_CLASS:
			if (node.nclasses == CLASSES_MAX) {
				fprintf(stderr,
				    "metactl policy: more than %d classes\n",
				    CLASSES_MAX);
				goto out;
			}
			classes[node.nclasses++] = optarg;
			break;
		case OPT_IDENTITY:
			node.identity = optarg;
			break;
		case OPT_DEFAULT_NAME:
			o.default_name = optarg;
			break;
		case OPT_NO_DEFAULT:
			o.enable_default = 0;
			break;
		case OPT_ALLOW_UNCONF:
			o.allow_unconfigured = 1;
			break;
		case OPT_JSON:
			as_json = 1;
			break;
		case OPT_HELP:
			fputs(usage_check, stdout);
			status = EXIT_ALLOW;
			goto out;
		default:
			fputs(usage_check, stderr);
			goto out;
		}
	}
	if (optind != argc || o.dir == NULL || r.agent == NULL ||
	    r.action == NULL || r.caller == NULL) {
		fprintf(stderr, "metactl policy check: %s\n%s",
		    optind != argc ? "unexpected argument"
				   : "--policy-dir, --agent, --action and "
				     "--caller are required",
		    usage_check);
		goto out;
	}
	node.classes = classes;
	node.facts = facts;
	r.data = args;
	r.node = &node;
	if ((rc = policy_set_load(&o, &set, &err)) != 0) {
		print_error(&err, rc);
		goto out;
	}
	if ((rc = policy_check(set, &r, &d)) != 0) {
		fprintf(stderr, "metactl policy: %s\n", error_str(rc));
		goto out;
	}
	print_decision(&d, as_json);
	status = d.allowed ? EXIT_ALLOW : EXIT_DENY;
out:
	policy_set_free(set);
	json_decref(args);
	json_decref(facts);
	return status;
}

/* file:line:column: message, as compilers do; counts in *arg. */
static void
print_lint_error(const struct error *err, void *arg)
{
	char buf[512];

	fprintf(stderr, "%s\n", error_format(err, buf, sizeof(buf)));
	(*(int *)arg)++;
}

static int
cmd_lint(int argc, char *argv[])
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, status = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_lint, stdout);
			return 0;
		}
		fputs(usage_lint, stderr);
		return EXIT_USAGE;
	}
	if (optind == argc) {
		fprintf(stderr, "metactl policy lint: no file given\n%s",
		    usage_lint);
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		int reported = 0;
		struct policy_report report = {
		    .fn = print_lint_error, .arg = &reported};
		struct error err;

		if (policy_lint_file(argv[i], &report, &err) == 0) {
			printf("%s: OK\n", argv[i]);
			continue;
		}
		/* an error no line holds: unreadable file, groups */
		if (reported == 0)
			print_lint_error(&err, &reported);
		status = 1;
	}
	return status;
}

int
cmd_policy(int argc, char *argv[])
{
	if (argc < 2) {
		fputs(usage_policy, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_policy, stdout);
		return 0;
	}
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "lint") == 0)
		return cmd_lint(argc - 1, argv + 1);
	fprintf(stderr, "metactl policy: unknown command '%s'\n%s", argv[1],
	    usage_policy);
	return EXIT_USAGE;
}
