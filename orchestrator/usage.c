/* usage.c: synopsis and options of each command, for metactl help. */
#include "buildconf.h"

#include <string.h>

#include "orchestrator/usage.h"

#define FILTER_HELP \
	"filters (repeatable, on every fleet command):\n" \
	"  -F, --wf FACT OP VALUE  fact filter: = == != < > <= >= =~ or " \
	"/re/\n" \
	"  -C, --wc CLASS          class name or /regex/\n" \
	"  -I, --wi IDENTITY       identity or /regex/; several are OR'd\n" \
	"  -A, --wa AGENT          nodes that host AGENT\n" \
	"  -S, --select EXPR       compound filter, e.g. 'role=web and !db'\n" \
	"  -T, --target COLL       collective (default from client.conf)\n"

#define DISCOVERY_HELP \
	"discovery and collection:\n" \
	"  --nodes FILE|-          address the identities in FILE (or " \
	"stdin)\n" \
	"  --dt, --discovery-timeout SECONDS  discovery window\n" \
	"  -t, --timeout SECONDS   wait at most this long for replies\n" \
	"  --no-cache              wait the whole window, ignore the node " \
	"registry\n" \
	"  --refresh               rebuild the node registry's inventories\n" \
	"  -c, --config FILE       client configuration file\n"

#define OUTPUT_HELP \
	"output:\n" \
	"  --json                  one JSON document\n" \
	"  --jsonl                 one JSON line per reply, then a stats " \
	"line\n" \
	"  --np, --no-progress     no progress bar on stderr\n"

static const struct {
	const char *name;
	const char *text;
} usages[] = {
    {"ping",
	"usage: metactl ping [filters] [options]\n\n" FILTER_HELP
	"\n" DISCOVERY_HELP "\n" OUTPUT_HELP},
    {"rpc",
	"usage: metactl rpc AGENT ACTION [key=value ...] [filters] [options]\n"
	"\n"
	"Inputs are checked against the action's DDL before anything is sent.\n"
	"\n" FILTER_HELP "\n" DISCOVERY_HELP "batches and limits:\n"
	"  --batch N|N%            address N nodes (or N% of them) at a time\n"
	"  --batch-sleep SECONDS   pause between batches\n"
	"  --limit-nodes N|N%      address only N (or N%) of the matching "
	"nodes\n"
	"  --limit-seed SEED       seed of the random choice of --limit-nodes\n"
	"  -1                      address one node (--limit-nodes 1)\n"
	"  --dry-run               the nodes check everything, run nothing "
	"and\n"
	"                          show the commands they would run\n"
	"  --preview               print the request and the nodes, send "
	"nothing\n\n" OUTPUT_HELP "  --display ok|failed|all which replies to "
	"list (default: the DDL's)\n"},
    {"find",
	"usage: metactl find [filters] [options]\n\n"
	"Prints the identities of the matching nodes, one per "
	"line.\n\n" FILTER_HELP "\n" DISCOVERY_HELP},
    {"discover",
	"usage: metactl discover [filters] [options]\n\n"
	"The same as metactl find.\n\n" FILTER_HELP "\n" DISCOVERY_HELP},
    {"inventory",
	"usage: metactl inventory [options] NODE\n\n"
	"Shows the agents, classes and facts of one node.\n\n"
	"  --json                  the raw reply data\n"
	"  -t, --timeout SECONDS   wait at most this long\n"
	"  -c, --config FILE       client configuration file\n"},
    {"facts",
	"usage: metactl facts [filters] [options] FACT\n\n"
	"Counts the nodes that have each value of FACT.\n\n" FILTER_HELP
	"\n" DISCOVERY_HELP "\n" OUTPUT_HELP},
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
