/*
 * service_units.c: writes the systemd unit of every test case
 * (service_cases.c) that systemd can take into DIR, as install would, and
 * prints the programs the units run, one a line, so that
 * tests/service_verify.sh can give them to `systemd-analyze verify`.
 *
 * Usage: service_units DIR
 */
#include "buildconf.h"

#include <stdio.h>
#include <string.h>

#include "plugins/service/backend.h"
#include "service_cases.h"

static int
write_unit(const char *dir, const struct svc_unit *u)
{
	struct svc_node n = service_node;
	struct plan p = {0};
	size_t i;
	FILE *f;
	int r;

	n.service_dir = dir;
	if ((r = svc_backend_systemd.install(&n, u, &p)) < 0) {
		fprintf(stderr, "service_units: %s: error %d\n", u->unit, r);
		return 1;
	}
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
	size_t i;
	int bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: service_units DIR\n");
		return 64;
	}
	for (i = 0; i < service_ncases; i++)
		bad |= write_unit(argv[1], &service_cases[i].unit);
	return bad;
}
