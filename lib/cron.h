/*
 * cron.h: the schedule of a cron(8) line, checked before it is written.
 *
 * "MINUTE HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK COMMAND", each field a list
 * of '*' or N or N-M, each optionally followed by /STEP; months and days
 * of the week also by name (jan..dec, sun..sat, any case; 0 and 7 are
 * Sunday). Or one of @reboot @hourly @daily @weekly @monthly @yearly
 * @annually @midnight, then COMMAND. What Debian's cron reads.
 */
#ifndef METACTL_CRON_H
#define METACTL_CRON_H

#include <stddef.h>

/*
 * Splits s into its schedule (*ret_schedule: the fields single-spaced,
 * malloc'd) and its command (*ret_command: the rest of s, borrowed, not
 * empty). 0; -EINVAL with *ret_at the offset in s of the fault and why
 * holding it in words ("minute: 61 is not in 0-59"); -ENOMEM.
 */
int cron_parse(const char *s, char **ret_schedule, const char **ret_command,
    size_t *ret_at, char *why, size_t why_size);

#endif
