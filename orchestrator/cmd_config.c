/*
 * cmd_config.c: "metactl config show APP", an app's merged configuration
 * with where each value came from (lib/appconf.h, metactl-app(5)).
 */
#include "buildconf.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "appconf.h"
#include "names.h"
#include "orchestrator/cli.h"
#include "orchestrator/usage.h"

struct config_args {
	const char *app, *release, *site, *node, *apps, *node_dir;
	int json;
};

static int
parse_args(int argc, char *argv[], struct config_args *a)
{
	static const struct option longopts[] = {
	    {"release", required_argument, NULL, 'r'},
	    {"site", required_argument, NULL, 's'},
	    {"node", required_argument, NULL, 'n'},
	    {"apps", required_argument, NULL, 'a'},
	    {"node-dir", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	int c;

	*a = (struct config_args){
	    .apps = APPCONF_APPS_DIR, .node_dir = APPCONF_NODE_DIR};
	if (argc < 2 || strcmp(argv[1], "show") != 0) {
		usage_errx("expected \"show\"");
		return MC_EXIT_USAGE;
	}
	optind = 0;
	while (
	    (c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			a->release = optarg;
			break;
		case 's':
			a->site = optarg;
			break;
		case 'n':
			a->node = optarg;
			break;
		case 'a':
			a->apps = optarg;
			break;
		case 'd':
			a->node_dir = optarg;
			break;
		case 'j':
			a->json = 1;
			break;
		default:
			return MC_EXIT_USAGE;
		}
	}
	if (argc - 1 - optind != 1) {
		usage_errx("expected one APP");
		return MC_EXIT_USAGE;
	}
	a->app = argv[1 + optind];
	return MC_EXIT_OK;
}

/* The layers' sources: the node's layout, or --release, then overrides. */
static int
sources(const struct config_args *a, struct appconf_src src[APPCONF_NLAYERS],
    char bufs[APPCONF_NLAYERS][4096])
{
	char why[256];
	int r;

	if (name_check(NAME_APP, a->app, why, sizeof(why)) < 0) {
		cli_errx("%s", why);
		return MC_EXIT_FAILED;
	}
	if (a->release == NULL) {
		r = appconf_node_paths(
		    a->apps, a->node_dir, a->app, src, bufs, NULL, 0);
		if (r == -ENOENT)
			cli_errx("%s/%s/current: no current release (--release "
				 "DIR names one)",
			    a->apps, a->app);
		else if (r == -EINVAL)
			cli_errx("%s/%s/current: not a link to releases/TAG",
			    a->apps, a->app);
		else if (r < 0)
			cli_errx(
			    "%s/%s/current: %s", a->apps, a->app, strerror(-r));
		if (r < 0)
			return MC_EXIT_FAILED;
	} else {
		memset(src, 0, APPCONF_NLAYERS * sizeof(*src));
		snprintf(bufs[APPCONF_APP], 4096, "%s/.metactl", a->release);
		snprintf(bufs[APPCONF_NODE], 4096, "%s/%s.conf", a->node_dir,
		    a->app);
		src[APPCONF_APP].path = bufs[APPCONF_APP];
		src[APPCONF_NODE].path = bufs[APPCONF_NODE];
		src[APPCONF_NODE].optional = 1;
	}
	if (a->site != NULL)
		src[APPCONF_SITE] = (struct appconf_src){.path = a->site};
	if (a->node != NULL)
		src[APPCONF_NODE] = (struct appconf_src){.path = a->node};
	return MC_EXIT_OK;
}

int
cmd_config(int argc, char *argv[])
{
	struct appconf_src src[APPCONF_NLAYERS];
	char bufs[APPCONF_NLAYERS][4096], msg[512];
	struct config_args a;
	struct appconf *ac;
	struct error err;
	int r;

	if ((r = parse_args(argc, argv, &a)) != MC_EXIT_OK ||
	    (r = sources(&a, src, bufs)) != MC_EXIT_OK)
		return r;
	if (appconf_load(a.app, src, &ac, &err) < 0) {
		fprintf(stderr, "metactl: %s\n",
		    error_format(&err, msg, sizeof(msg)));
		return MC_EXIT_FAILED;
	}
	if (a.json) {
		json_t *j = appconf_to_json(ac);

		r = j == NULL || json_dumpf(j, stdout, JSON_INDENT(2)) < 0;
		json_decref(j);
		if (r == 0)
			putchar('\n');
	} else
		r = appconf_show(ac, stdout) < 0;
	appconf_free(ac);
	if (r != 0 || fflush(stdout) != 0) {
		cli_errx("cannot write the configuration");
		return MC_EXIT_FAILED;
	}
	return MC_EXIT_OK;
}
