/*
 * units.h: numbers as people read them in tables: durations, sizes and
 * times (a DDL output's "unit"), and an aggregate's checked format. Pure:
 * JSON output never goes through here, it keeps the raw numbers.
 */
#ifndef METACTL_ORCH_UNITS_H
#define METACTL_ORCH_UNITS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "ddl.h"

/* "340 ms", "4.5 s", "43 s", "5m 43s", "2h 03m", "3d 04h"; negative
 * durations as "-" followed by the same. */
void units_duration(char *buf, size_t size, int64_t ms);
/* "512 B", "12.3 KiB", "12.3 MiB", ... up to PiB. */
void units_bytes(char *buf, size_t size, double bytes);
/* Local ISO-8601 time, "2026-12-02T10:47:15+01:00", with ".123" before
 * the offset when with_ms. */
void units_time(char *buf, size_t size, int64_t ms, int with_ms);
/* v in unit u; -1 (buf untouched) when u is DDL_UNIT_NONE or v is not a
 * number, else 0. */
int units_format(char *buf, size_t size, enum ddl_unit u, const json_t *v);
/* v printed with fmt when ddl_format_kind() accepts it, else with "%g". */
void units_number(char *buf, size_t size, const char *fmt, double v);

#endif
