/*
 * deploy.h: the deploy agent. An app from a tag of its repository to
 * running daemons, one node at a time, atomically, with rollback
 * (schemas/ddl/deploy.json, metactl-app(5)).
 *
 * A deploy fetches the tag into APPS/APP/releases/.TAG.new (scm.h), runs
 * the [build] command there, renames it to releases/TAG, stores the site
 * layer beside it, switches current (a new link renamed over the old) and
 * restarts the daemons through the service manager (release.h), then runs
 * the [health] check. A failure after the switch switches back and
 * restarts the previous release. Each step is journaled first (state.h);
 * the agent's recovery hook finishes or rolls back an interrupted action
 * when metactld starts (recover.h).
 *
 * Every action holds the lock "service:APP" (shared with the service
 * agent); a deploy or rollback of an app already under way is refused at
 * once with "busy: deploy of APP TAG by CALLER since TIME".
 */
#ifndef METACTL_DEPLOY_DEPLOY_H
#define METACTL_DEPLOY_DEPLOY_H

#include "plugins/plugin.h"

extern const struct plugin plugin_deploy;

#endif
