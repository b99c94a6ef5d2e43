/*
 * service_units.c: writes the definition of every test case
 * (service_cases.c) that BACKEND (systemd or smf) can take into DIR, as
 * install would, and prints the programs they run, one a line, so that
 * tests/service_verify.sh can check them with the platform's tools.
 *
 * Usage: service_units BACKEND DIR
 */
#include "buildconf.h"

#include <stdio.h>
#include <string.h>

#include "plugins/service/backend.h"
#include "service_cases.h"

static int
write_unit(
    const struct svc_backend *b, const char *dir, const struct svc_unit *u)
{
	struct svc_node n = service_node;
	struct plan p = {0};
	size_t i;
	FILE *f;
	int r;

	n.service_dir = dir;
	if ((r = b->install(&n, u, &p)) < 0)
		return 0; /* refused: the unit test checks which and why */
	for (i = 0; i < p.n; i++)
		if (p.steps[i].kind == PLAN_WRITE) {
			if ((f = fopen(p.steps[i].path, "w")) == NULL ||
			    fwrite(p.steps[i].content, 1, p.steps[i].len, f) !=
				p.steps[i].len ||
			    fclose(f) != 0) {
				perror(p.steps[i].path);
				return 1;
			}
		}
	plan_clear(&p);
	printf("%s\n", u->argv[0]);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct svc_backend *b = NULL;
	size_t i;
	int bad = 0;

	if (argc == 3 && strcmp(argv[1], "systemd") == 0)
		b = &svc_backend_systemd;
	else if (argc == 3 && strcmp(argv[1], "smf") == 0)
		b = &svc_backend_smf;
	if (b == NULL) {
		fprintf(stderr, "usage: service_units systemd|smf DIR\n");
		return 64;
	}
	for (i = 0; i < service_ncases; i++)
		bad |= write_unit(b, argv[2], &service_cases[i].unit);
	return bad;
}
