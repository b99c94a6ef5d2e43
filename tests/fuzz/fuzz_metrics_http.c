/*
 * fuzz_metrics_http.c: the request head of the metrics listener
 * (agent/metrics_http.c) from arbitrary bytes. The oracle: every answer is
 * one of the documented ones, GET /metrics is the only 200, nothing is
 * answered before an end of head unless the head is too large, and no
 * byte beyond len is read (ASan sees the copy's end).
 */
#include "buildconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *head = malloc(size > 0 ? size : 1);
	int r, ended;

	if (head == NULL)
		return 0;
	memcpy(head, data, size);
	r = metrics_http_route(head, size);
	ended = memmem(head, size, "\r\n\r\n", 4) != NULL ||
	    memmem(head, size, "\n\n", 2) != NULL;
	if (r != 0 && r != 200 && r != 404 && r != 405 && r != 431)
		abort();
	if (r == 0 && (ended || size >= METRICS_HTTP_HEAD))
		abort();
	if (r == 431 && (ended || size < METRICS_HTTP_HEAD))
		abort();
	if (r == 200 && (size < 13 || memcmp(head, "GET /metrics", 12) != 0))
		abort();
	free(head);
	return 0;
}
