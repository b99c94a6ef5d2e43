/*
 * cmd_sandbox.c: `metactl APP tcpdump [ARGS...]` and `metactl APP exec
 * CMD [ARGS...]`, on this machine, for an app the sandbox agent applied:
 * tcpdump on the host end of the app's veth pair, or a command inside the
 * app's network namespace (ip netns exec). Each prints the command it
 * runs on stderr, then becomes it.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "names.h"
#include "sandbox_names.h"
#include "orchestrator/cli.h"

static int
become(char **argv)
{
	fputs("metactl: running:", stderr);
	for (char **v = argv; *v != NULL; v++)
		fprintf(stderr, " %s", *v);
	fputc('\n', stderr);
	fflush(stderr);
	execvp(argv[0], argv);
	cli_errx("%s: %s", argv[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

int
cmd_sandbox_local(const char *app, int argc, char *argv[])
{
	char name[96], **v;
	int tcpdump = strcmp(argv[0], "tcpdump") == 0, k = 0;

	if (!name_ok(NAME_APP, app)) {
		cli_errx("%s: %s", app, name_why(NAME_APP, app));
		return MC_EXIT_USAGE;
	}
	if (!tcpdump && argc < 2) {
		cli_errx("usage: metactl APP exec CMD [ARGS...]");
		return MC_EXIT_USAGE;
	}
	if ((v = calloc((size_t)argc + 5, sizeof(*v))) == NULL) {
		cli_errx("out of memory");
		return MC_EXIT_FAILED;
	}
	if (tcpdump) {
		sandbox_hostif(app, name, sizeof(name));
		v[k++] = "tcpdump";
		v[k++] = "-i";
	} else {
		sandbox_netns(app, name, sizeof(name));
		v[k++] = "ip";
		v[k++] = "netns";
		v[k++] = "exec";
	}
	v[k++] = name;
	for (int i = 1; i < argc; i++)
		v[k++] = argv[i];
	k = become(v);
	free(v);
	return k;
}
