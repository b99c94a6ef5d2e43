/*
 * policy_cli.c: "metactl policy" alone, so that tests/policy_cli.sh can
 * drive cmd_policy() before metactl's main links it.
 */
#include "buildconf.h"

#include "orchestrator/cmd_policy.h"

int
main(int argc, char *argv[])
{
	static char name[] = "policy";

	argv[0] = name;
	return cmd_policy(argc, argv);
}
