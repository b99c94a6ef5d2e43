/*
 * svcstate.h: what systemd, SMF and Upstart say of a daemon, read into
 * struct svc_state (backend.h). Each parser takes the standard output of
 * the backend's status plan, concatenated, and returns 0, or -EINVAL when
 * the output is not what the tool prints (st then says "unknown").
 */
#ifndef METACTL_SERVICE_SVCSTATE_H
#define METACTL_SERVICE_SVCSTATE_H

#include "plugins/service/backend.h"

/*
 * `systemctl show --property=...`: KEY=value lines in any order. since_s
 * comes from StateChangeTimestampMonotonic (or, when absent,
 * ActiveEnterTimestampMonotonic) against this machine's CLOCK_MONOTONIC.
 */
int svcstate_systemd(const struct svc_node *n, const struct svc_unit *u,
    const char *out, struct svc_state *st);

/*
 * `svcs -H -o state,stime,ctid FMRI` then `svcs -H -p FMRI`: the first
 * line gives the state and its start time (HH:MM:SS today, or a date:
 * since_s -1), the process lines of the second the pid (the first one
 * listed, the daemon itself under startd/duration=child).
 */
int svcstate_smf(const struct svc_node *n, const struct svc_unit *u,
    const char *out, struct svc_state *st);

/*
 * `initctl status JOB`: "JOB GOAL/STATE[, process PID]". Upstart keeps
 * no start time and no exit status: since_s and last_exit are unknown.
 */
int svcstate_upstart(const struct svc_node *n, const struct svc_unit *u,
    const char *out, struct svc_state *st);

#endif
