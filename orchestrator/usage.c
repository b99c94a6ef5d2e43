/* usage.c: synopsis and options of each command, for metactl help. */
#include "buildconf.h"

#include <stdarg.h>
#include <string.h>

#include "appconf.h"
#include "orchestrator/cli.h"
#include "orchestrator/usage.h"

#define FILTER_HELP \
	"filters (repeatable, on every fleet command):\n" \
	"  -F, --wf, --with-fact FACT OP VALUE\n" \
	"                          fact filter: = == != < > <= >= =~ or " \
	"/re/\n" \
	"  -C, --wc, --with-class CLASS  class name or /regex/\n" \
	"  -I, --wi, --with-identity IDENTITY\n" \
	"                          identity or /regex/; several are OR'd\n" \
	"  -A, --wa, --with-agent AGENT  nodes that host AGENT\n" \
	"  -S, --select EXPR       compound filter, e.g. 'role=web and !db'\n" \
	"  -T, --target COLL       collective (default from client.conf)\n"

#define DISCOVERY_HELP \
	"discovery and collection:\n" \
	"  --nodes FILE|-          address the identities in FILE (or " \
	"stdin)\n" \
	"  --dt, --discovery-timeout SECONDS  discovery window\n" \
	"  --no-cache              wait the whole window, ignore the node " \
	"registry\n" \
	"  --refresh               rebuild the node registry's inventories\n" \
	"  -t, --timeout SECONDS   wait at most this long for replies\n" \
	"  --ttl SECONDS           how long the request stays valid on the " \
	"nodes\n" \
	"  -c, --config FILE       client configuration file\n" \
	"  -v, --verbose           say how discovery ended\n"

#define OUTPUT_HELP \
	"output:\n" \
	"  --json                  one JSON document\n" \
	"  --jsonl                 one JSON line per reply, then a stats " \
	"line\n" \
	"  --np, --no-progress     no progress bar on stderr\n" \
	"  -q, --quiet             no progress, only the rows that need " \
	"attention\n" \
	"                          and the summary\n" \
	"  --display ok|failed|all which replies to list (default: the " \
	"DDL's)\n" \
	"  --sort status|identity|time  order of the rows (default: " \
	"status)\n" \
	"  --ids, --identities ok|failed|silent|not-ok|all\n" \
	"                          print only these identities, one per " \
	"line,\n" \
	"                          for --nodes -\n" \
	"  -h, --help              this help\n"

#define FLEET_HELP FILTER_HELP "\n" DISCOVERY_HELP "\n" OUTPUT_HELP

#define BATCH_HELP \
	"batches and limits:\n" \
	"  --batch N|N%            address N nodes (or N% of them) at a " \
	"time\n" \
	"  --batch-sleep SECONDS   pause between batches\n" \
	"  --limit-nodes N|N%      address only N (or N%) of the matching " \
	"nodes\n" \
	"  --limit-seed SEED       seed of the random choice of " \
	"--limit-nodes\n" \
	"  -1                      address one node (--limit-nodes 1)\n" \
	"  --dry-run               the nodes check everything, run nothing " \
	"and\n" \
	"                          show the commands they would run\n" \
	"  --preview               print the request and the nodes, send " \
	"nothing\n"

static const struct {
	const char *name;
	const char *text;
} usages[] = {
    {"ping",
	"usage: metactl ping [filters] [options]\n\n"
	"Lists the nodes that answer, with round-trip times.\n\n" FLEET_HELP},
    {"rpc",
	"usage: metactl rpc AGENT ACTION [key=value ...] [filters] [options]\n"
	"\n"
	"Inputs are checked against the action's DDL before anything is sent;\n"
	"metactl rpc AGENT ACTION --help lists them.\n"
	"\n" FLEET_HELP "\n" BATCH_HELP},
    {"service",
	"usage: metactl service ACTION APP [DAEMON] [filters] [options]\n"
	"\n"
	"ACTION is start, stop, restart, reload, status or config; the same\n"
	"as metactl rpc service ACTION app=APP [daemon=DAEMON], with the same\n"
	"options. Without a broker, the local agent over its socket.\n"
	"metactl service ACTION --help lists the action's inputs and "
	"outputs.\n"
	"\n" FLEET_HELP "\n" BATCH_HELP},
    {"deploy",
	"usage: metactl deploy APP TAG [--site FILE] [filters] [options]\n"
	"       metactl deploy rollback APP [--to TAG] [filters] [options]\n"
	"       metactl deploy status APP [filters] [options]\n"
	"       metactl deploy remove APP [--purge] [filters] [options]\n"
	"\n"
	"The deploy agent's actions (metactl rpc deploy ACTION app=APP ...):\n"
	"fetch TAG from the app's [build] repository, build it, switch\n"
	"current to it and restart the daemons, rolling back on failure. The\n"
	"site layer FILE travels inside the signed request and is stored\n"
	"with the release. On a terminal each node's steps are printed on\n"
	"stderr. An app named rollback, status or remove is reached with\n"
	"metactl rpc deploy.\n"
	"\n"
	"  --site FILE             the site layer of the release (deploy)\n"
	"  --to TAG                the release to return to (rollback; "
	"default\n"
	"                          the previous one)\n"
	"  --purge                 also delete the releases and state "
	"(remove)\n"
	"\n" FLEET_HELP "\n" BATCH_HELP},
    {"logs",
	"usage: metactl logs [-c FILE] APP [DAEMON]\n"
	"       metactl APP logs [-c FILE] [DAEMON]\n"
	"\n"
	"Asks the local agent (over its socket, whatever the broker) how the\n"
	"platform shows the app's logs (journalctl, less on the supervision\n"
	"tree's log), says on stderr which command it runs, and runs it. With\n"
	"several daemons each command runs in turn, until one fails. An APP\n"
	"named like a metactl command is reached with metactl logs APP.\n"
	"\n"
	"  -c, --config FILE       client configuration file\n"
	"  -h, --help              this help\n"},
    {"find",
	"usage: metactl find [filters] [options]\n\n"
	"Prints the identities of the matching nodes, one per line; the "
	"silent\nones are named on stderr.\n\n" FLEET_HELP},
    {"discover",
	"usage: metactl discover [filters] [options]\n\n"
	"The same as metactl find.\n\n" FLEET_HELP},
    {"inventory",
	"usage: metactl inventory [filters] [options] [NODE...]\n\n"
	"Shows the version, uptime, agents, classes and facts of each "
	"matching\nnode (each NODE adds an identity filter).\n\n" FLEET_HELP},
    {"facts",
	"usage: metactl facts [filters] [options] FACT\n\n"
	"Counts the nodes that have each value of FACT, values "
	"sorted.\n\n" FLEET_HELP},
    {"forget",
	"usage: metactl forget [-c FILE] NODE...\n\n"
	"Removes the nodes from the node registry: they are no longer\n"
	"expected. A name the registry does not know is an error.\n"},
    {"doc",
	"usage: metactl doc [AGENT[/ACTION]]\n\n"
	"Without argument lists the agents; with AGENT, its actions; with\n"
	"AGENT/ACTION, the action's inputs and outputs. Read from the DDL\n"
	"directory (ddl_dir in client.conf).\n\n"
	"  -c, --config FILE       client configuration file\n"},
    {"rollout",
	"usage: metactl rollout deploy APP TAG [--site FILE] --batch N|N% "
	"[options]\n"
	"       metactl rollout rpc AGENT ACTION [key=value ...] --batch N|N% "
	"[options]\n"
	"       metactl rollout --resume FILE | --rollback FILE\n"
	"\n"
	"Runs the action on the matching nodes a batch at a time, in the "
	"order of\n"
	"their identities (or --order FACT); after each batch its results "
	"decide:\n"
	"all OK, the next batch; more failed or silent nodes than "
	"--max-failures,\n"
	"stop and leave the rest untouched. The state is written to a file "
	"after\n"
	"each node's result.\n"
	"\n"
	"rollout:\n"
	"  --batch N|N%            nodes per batch (needed)\n"
	"  --batch-sleep SECONDS   pause between batches\n"
	"  --max-failures N|N%     failed or silent nodes tolerated (default "
	"0)\n"
	"  --canary N              a first batch of N nodes that must all "
	"succeed\n"
	"  --pause                 ask on the terminal before each batch\n"
	"  --order FACT            order the nodes by a fact, then identity\n"
	"  --site FILE             deploy: the site layer sent with the "
	"request\n"
	"  --state FILE            the state file (default\n"
	"                          ./metactl-rollout-DATETIME.json)\n"
	"  --resume FILE           continue an interrupted rollout\n"
	"  --rollback FILE         revert the nodes the rollout touched\n"
	"\n" FLEET_HELP},
    {"schedule",
	"usage: metactl schedule --interval DURATION [--max-concurrent N]\n"
	"                        [--skip-recent DURATION] [--once [--window "
	"DURATION]]\n"
	"                        [filters] [options] -- AGENT ACTION "
	"[key=value ...]\n"
	"\n"
	"Runs the action on each matching node at its own offset within "
	"every\n"
	"interval: of n nodes sorted by identity, node i at i * INTERVAL / n "
	"from\n"
	"the interval's start (intervals aligned to the epoch). One log line "
	"per\n"
	"decision: ran, failed, no_reply, skipped_busy, skipped_recent.\n"
	"\n"
	"schedule:\n"
	"  --interval DURATION     the period, e.g. 30m, 12s, 1h (needed)\n"
	"  --max-concurrent N      skip a run while N nodes run the action\n"
	"  --skip-recent DURATION  skip a node that ran it this recently\n"
	"  --once                  run what is due in the current window, "
	"then exit\n"
	"                          (from cron)\n"
	"  --window DURATION       --once's window (default 1m, cron's "
	"minute)\n"
	"\n" FILTER_HELP "\n" DISCOVERY_HELP "\n" OUTPUT_HELP},
    {"config",
	"usage: metactl config show APP [--release DIR] [--site FILE] "
	"[--node FILE]\n"
	"                           [--apps DIR] [--node-dir DIR] [--json]\n"
	"\n"
	"Prints the app's configuration merged from its layers (.metactl of\n"
	"the release < site layer < node layer, metactl-app(5)), each value\n"
	"with the layer and file:line it came from. Without --release, the\n"
	"release is APPS/APP/current and the site layer the one it came with.\n"
	"\n"
	"  --release DIR           the release directory (its .metactl)\n"
	"  --site FILE             the site layer\n"
	"  --node FILE             the node layer (default NODE_DIR/APP.conf)\n"
	"  --apps DIR              the apps directory "
	"(default " APPCONF_APPS_DIR ")\n"
	"  --node-dir DIR          the node layers (default " APPCONF_NODE_DIR
	")\n"
	"  --json                  one JSON document\n"
	"  -h, --help              this help\n"},
    {"keygen",
	"usage: metactl keygen NAME\n\n"
	"Writes NAME.key (mode 0600, the secret key) and NAME.pub. Refuses\n"
	"to replace existing files.\n"},
    {"ca",
	"usage: metactl ca init [--name ISSUER] DIR\n"
	"       metactl ca sign --ca DIR --role caller|node --name NAME\n"
	"                       [--days N] [-o FILE] [--force] PUBKEY\n\n"
	"init creates DIR (0700) with ca.key, ca.pub and ca.name. sign\n"
	"issues a certificate for PUBKEY (a .pub file or base64), valid for\n"
	"N days (default 365), written to NAME.crt or FILE; an existing\n"
	"file is replaced only with --force.\n"},
    {"cert",
	"usage: metactl cert show [--json] [--ca CA.pub] FILE\n\n"
	"Prints a certificate's name, role, issuer, key and validity. With\n"
	"--ca, also checks its signature (exit status 1 when it fails).\n"},
    {"help", "usage: metactl help COMMAND\n"},
};

int
usage_print(FILE *f, const char *command)
{
	size_t i;

	for (i = 0; i < sizeof(usages) / sizeof(usages[0]); i++)
		if (strcmp(usages[i].name, command) == 0) {
			if (f != NULL)
				fputs(usages[i].text, f);
			return 1;
		}
	return 0;
}

void
usage_errx(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_errx("%s (metactl help %s)", msg,
	    cli_command != NULL ? cli_command : "");
}
