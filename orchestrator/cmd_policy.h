/*
 * cmd_policy.h: "metactl policy check|lint", for operators writing and
 * debugging action policies without a running agent.
 */
#ifndef METACTL_CMD_POLICY_H
#define METACTL_CMD_POLICY_H

/*
 * argv[0] is "policy", argv[1] the subcommand. Returns the exit status:
 * check: 0 allowed, 1 denied, 2 usage or parse error;
 * lint: 0 every file is valid, 1 some file is not, 2 usage error.
 */
int cmd_policy(int argc, char *argv[]);

#endif
