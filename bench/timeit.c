/*
 * timeit.c: runs a command ROUNDS times (output discarded unless -v) and
 * prints the wall time of each run in ms, one per line, then
 * "median MIN MAX" on a last line starting with '#'. A failing run stops
 * it with the command's status.
 *
 *   timeit ROUNDS COMMAND [ARGS...]
 */
#include "buildconf.h"

#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char *argv[])
{
	long rounds;
	double *t;

	if (argc < 3 || (rounds = strtol(argv[1], NULL, 10)) < 1) {
		fprintf(stderr, "usage: timeit ROUNDS COMMAND [ARGS...]\n");
		return 64;
	}
	if ((t = calloc(rounds, sizeof(*t))) == NULL)
		return 71;
	for (long i = 0; i < rounds; i++) {
		double start = now_ms();
		int status;
		pid_t pid = fork();

		if (pid == 0) {
			int fd = open("/dev/null", O_WRONLY);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			execvp(argv[2], &argv[2]);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0)
			return 71;
		t[i] = now_ms() - start;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "timeit: %s failed (status %d)\n",
			    argv[2],
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			return WIFEXITED(status) ? WEXITSTATUS(status) : 70;
		}
		printf("%.3f\n", t[i]);
	}
	qsort(t, rounds, sizeof(*t), cmp);
	printf("# %.3f %.3f %.3f\n", t[rounds / 2], t[0], t[rounds - 1]);
	free(t);
	return 0;
}
