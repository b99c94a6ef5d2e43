/*
 * replay.c: runs a fuzz target over its seed corpus without libFuzzer, so
 * that make check exercises every target with every build. Prints TAP.
 * The corpus is $top_srcdir/tests/fuzz/corpus/<program name>/.
 */
#include "buildconf.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
read_file(const char *path, uint8_t **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return -1;
	for (;;) {
		if (len == cap) {
			uint8_t *p;
			cap = cap ? cap * 2 : 4096;
			if ((p = realloc(buf, cap)) == NULL)
				break;
			buf = p;
		}
		if ((n = fread(buf + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	fclose(f);
	*ret = buf;
	*ret_len = len;
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *top = getenv("top_srcdir");
	const char *name = strrchr(argv[0], '/');
	char dir[4096], path[8192];
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	(void)argc;
	name = name != NULL ? name + 1 : argv[0];
	if (strncmp(name, "lt-", 3) == 0)
		name += 3;
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s",
	    top != NULL ? top : ".", name);
	if ((d = opendir(dir)) == NULL) {
		printf(
		    "1..0 # SKIP no corpus at %s: %s\n", dir, strerror(errno));
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			if (names == NULL)
				return 99;
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	printf("1..%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		uint8_t *buf = NULL;
		size_t len = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (read_file(path, &buf, &len) != 0) {
			printf(
			    "not ok %zu - %s: unreadable\n", i + 1, names[i]);
			continue;
		}
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		printf("ok %zu - %s\n", i + 1, names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}
