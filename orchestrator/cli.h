/*
 * cli.h: what the metactl commands share: exit statuses, the command
 * signature and small helpers for messages on stderr.
 *
 * Every command is int cmd_NAME(int argc, char *argv[]) with argv[0] the
 * command name; it returns one of the EXIT_* statuses below and never
 * calls exit() itself.
 */
#ifndef METACTL_ORCH_CLI_H
#define METACTL_ORCH_CLI_H

#include <signal.h>
#include <stdarg.h>

#include <jansson.h>

/* Exit statuses, listed in metactl(1). */
enum {
	MC_EXIT_OK = 0, /* every addressed node replied OK */
	MC_EXIT_FAILED = 1, /* some node replied with an error */
	MC_EXIT_USAGE = 2, /* usage or configuration error */
	MC_EXIT_MISSING = 3, /* some expected nodes did not reply */
	MC_EXIT_NOMATCH = 4, /* no node matched */
	MC_EXIT_INTERRUPTED = 130 /* SIGINT or SIGTERM, after the output */
};

/*
 * Set by SIGINT and SIGTERM once cli_catch_interrupt() armed them: the
 * fleet commands stop waiting and sending, print what came back and
 * exit MC_EXIT_INTERRUPTED. A second signal has its default effect.
 */
extern volatile sig_atomic_t cli_interrupted;
extern int cli_interrupt_armed;
void cli_catch_interrupt(void);

/* "metactl: CMD: message" on stderr. */
void cli_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The command being run, for messages; set by main. */
extern const char *cli_command;

struct ddl;
struct ddl_action;
/* Loads DIR/AGENT.json; 0 or an exit status after reporting. */
int orch_load_ddl(const char *dir, const char *agent, struct ddl **ret);
/* The action, or NULL after listing the agent's actions on stderr. */
const struct ddl_action *orch_find_action(
    const struct ddl *d, const char *action);

struct fleet;
/*
 * The request data from key=value arguments, typed and checked by the
 * action's DDL; new reference. NULL after reporting which argument broke
 * which rule.
 */
json_t *orch_build_data(
    const struct ddl *d, const struct ddl_action *a, char **kv, int n);
/*
 * rpc's work once f is initialised: agent/action with the key=value
 * inputs kv, on the nodes f's options select, printed as f's options say.
 * Returns the exit status.
 */
int orch_rpc_run(
    struct fleet *f, const char *agent, const char *action, char **kv, int nkv);

/* The argument "site=<the text of path>" of a deploy (--site FILE, read
 * as the deploy DDL takes it); NULL after reporting (cmd_deploy.c). */
char *deploy_site_arg(const char *path);

/* 1 when word is an action `metactl service` takes (cmd_service.c). */
int service_is_action(const char *word);

/* Prints the usage line, inputs and outputs of agent/action from the DDL
 * directory of the client configuration (NULL: the default one); prints
 * nothing when that configuration or DDL does not load. */
void doc_action_help(const char *config, const char *agent, const char *action);

/* Commands. */
int cmd_keygen(int argc, char *argv[]);
int cmd_ca(int argc, char *argv[]);
int cmd_cert(int argc, char *argv[]);
int cmd_ping(int argc, char *argv[]);
int cmd_rpc(int argc, char *argv[]);
int cmd_find(int argc, char *argv[]);
int cmd_inventory(int argc, char *argv[]);
int cmd_facts(int argc, char *argv[]);
int cmd_forget(int argc, char *argv[]);
int cmd_doc(int argc, char *argv[]);
int cmd_service(int argc, char *argv[]);
int cmd_logs(int argc, char *argv[]);
int cmd_deploy(int argc, char *argv[]);
int cmd_config(int argc, char *argv[]);
int cmd_rollout(int argc, char *argv[]);
int cmd_schedule(int argc, char *argv[]);
/* metactl APP tcpdump|exec ARGS: argv[0] is "tcpdump" or "exec". */
int cmd_sandbox_local(const char *app, int argc, char *argv[]);

#endif
