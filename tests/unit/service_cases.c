/* service_cases.c: see service_cases.h. */
#include "buildconf.h"

#include "service_cases.h"

const struct svc_node service_node = {
    .manager = NULL,
    .service_dir = NULL,
    .supervise_dir = "/var/lib/metactl/services",
    .apps_dir = "/srv/metactl",
    .cron_dir = NULL,
    .java = "/usr/bin/java",
    .jetty_home = "/usr/share/jetty9",
    .svwait = "/usr/libexec/metactl/metactl-svwait",
    .start_timeout_ms = 30000,
    .start_grace_ms = 1000,
};

static const char *const plain_argv[] = {
    "/srv/metactl/shop/current/bin/web", "--port", "8080", NULL};
static const char *const plain_env[] = {
    "PORT=8080", "DB_URL=postgres://db/shop", NULL};

/* Every character the managers' syntaxes treat specially. */
static const char *const tricky_argv[] = {"/usr/bin/java", "-Dmsg=hello world",
    "-Dq=\"quoted\" 'single'", "100%", "%n", "$HOME", "${PATH}",
    "back\\slash\\", "na\xc3\xafve-\xe6\x97\xa5\xe6\x9c\xac", ";",
    "#not-a-comment", "", "-jar", "/srv/metactl/shop/current/worker.jar", NULL};
static const char *const tricky_env[] = {"GREETING=hello world",
    "QUOTE=say \"hi\" 'there'", "PCT=100% %n", "DOLLAR=$HOME ${X}",
    "BACKSLASH=C:\\temp\\", "UTF8=h\xc3\xa9llo w\xc3\xb6rld",
    "EMPTY=", "HASH=# not a comment", NULL};

static const char *const bare_argv[] = {"/bin/true", NULL};

/* A newline and a tab in an argument: systemd escapes them, the others
 * refuse. */
static const char *const control_argv[] = {
    "/usr/bin/printf", "line1\nline2", "a\tb", NULL};

const struct service_case service_cases[] = {
    {"plain",
	{.app = "shop",
	    .daemon = "web",
	    .unit = "metactl-shop-web",
	    .description = "shop web",
	    .argv = plain_argv,
	    .env = plain_env,
	    .user = "shop",
	    .group = NULL,
	    .cwd = "/srv/metactl/shop/current",
	    .notify = 0,
	    .restart = "always",
	    .stop_timeout_ms = 10000,
	    .reload_signal = "HUP"}},
    {"tricky",
	{.app = "shop",
	    .daemon = "worker",
	    .unit = "metactl-shop-worker",
	    .description = "shop worker: 100% \"busy\" $HOME",
	    .argv = tricky_argv,
	    .env = tricky_env,
	    .user = "nobody",
	    .group = "nogroup",
	    .cwd = "/srv/metactl/shop/current/dir with space",
	    .notify = 1,
	    .restart = "on-failure",
	    .stop_timeout_ms = 1500,
	    .reload_signal = NULL}},
    {"bare",
	{.app = "tools",
	    .daemon = "noop",
	    .unit = "metactl-tools-noop",
	    .description = NULL,
	    .argv = bare_argv,
	    .env = NULL,
	    .user = "nobody",
	    .group = NULL,
	    .cwd = NULL,
	    .notify = 0,
	    .restart = "never",
	    .stop_timeout_ms = 0,
	    .reload_signal = "USR1"}},
    {"control",
	{.app = "tools",
	    .daemon = "ctl",
	    .unit = "metactl-tools-ctl",
	    .description = "control characters",
	    .argv = control_argv,
	    .env = NULL,
	    .user = "nobody",
	    .group = NULL,
	    .cwd = "/",
	    .notify = 0,
	    .restart = "always",
	    .stop_timeout_ms = 5000,
	    .reload_signal = NULL}},
    /* A daemon of a sandboxed app: it runs in the app's namespace. */
    {"sandboxed",
	{.app = "shop",
	    .daemon = "api",
	    .unit = "metactl-shop-api",
	    .description = "shop api",
	    .argv = plain_argv,
	    .env = NULL,
	    .user = "shop",
	    .group = NULL,
	    .cwd = "/srv/metactl/shop/current",
	    .notify = 0,
	    .restart = "always",
	    .stop_timeout_ms = 10000,
	    .reload_signal = NULL,
	    .netns = "metactl-shop"}},
};

const size_t service_ncases = sizeof(service_cases) / sizeof(service_cases[0]);
