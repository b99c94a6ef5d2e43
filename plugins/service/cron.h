/*
 * cron.h: an app's [crontab] as one file of cron(8)'s system crontab
 * directory, CRON_DIR/metactl-APP (default /etc/cron.d).
 *
 * The file is written whole (a temporary file renamed over the old one,
 * plan.h), mode 0644, one line per entry in the system crontab format
 * "MIN HOUR DOM MONTH DOW USER COMMAND", each after a "# NAME: description"
 * comment. '%' in a command is written "\%" (cron turns a bare '%' into a
 * newline). Everything is checked again here before it is written: five
 * schedule fields of cron's characters, no control characters, a user
 * name. cron ignores files whose name holds a '.', so an app whose name
 * has one cannot have a [crontab].
 */
#ifndef METACTL_SERVICE_CRON_H
#define METACTL_SERVICE_CRON_H

#include <stddef.h>

#include "appconf.h"
#include "error.h"
#include "plugins/service/backend.h"

/*
 * Appends the step that writes APP's crontab with the ncrons entries of
 * crons; with none, the steps of cron_remove(). 0, -ENOMEM, or -EINVAL
 * with err saying which entry is wrong and why (the plan is then
 * unchanged).
 */
int cron_install(const struct svc_node *n, const char *app,
    const struct app_cron *crons, size_t ncrons, struct plan *p,
    struct error *err);

/*
 * Appends the step that removes APP's crontab (absent is fine); nothing
 * for an app whose name has a '.', which cannot have one.
 */
int cron_remove(const struct svc_node *n, const char *app, struct plan *p,
    struct error *err);

#endif
