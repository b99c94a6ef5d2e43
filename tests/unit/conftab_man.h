/*
 * conftab_man.h: holds a configuration table (lib/conftab.h) against its
 * manual page and its sample file, for the Check suites of both programs.
 */
#ifndef METACTL_CONFTAB_MAN_H
#define METACTL_CONFTAB_MAN_H

#include "conftab.h"

/*
 * Fails the test unless the page at $top_builddir/page (as man/local.mk
 * builds it from page.in) documents exactly the
 * keys of tab, one ".It Cm key" item each, in the list of their section
 * (".Ss Bq section"; the keys of the global section are the items after
 * the line global_from, up to the next ".Sh"), and each item says
 * "Default: VALUE" for a key with a default (VALUE with the directories
 * this build was configured with: SYSCONFDIR, LOCALSTATEDIR, ...) and
 * claims none for a key without; and "Changes on restart only." exactly
 * for the keys flagged CONFTAB_RESTART.
 */
void conftab_man_check(
    const struct conftab_key *tab, const char *page, const char *global_from);
/* Fails the test unless the sample file at $top_srcdir/sample sets or
 * mentions ("#key = ...") every key of tab in its section. */
void conftab_sample_check(const struct conftab_key *tab, const char *sample);

#endif
