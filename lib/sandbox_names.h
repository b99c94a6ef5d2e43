/*
 * sandbox_names.h: the names of an app's network sandbox on a node,
 * shared by the sandbox agent (plugins/sandbox/) and `metactl APP tcpdump`
 * and `metactl APP exec`.
 *
 *   namespace   metactl-APP (/run/netns/metactl-APP)
 *   host veth   "mc" + APP when that fits the kernel's 15 characters
 *               (IFNAMSIZ - 1); else "mc" + the first 8 characters of APP
 *               + "-" + 4 hex digits of a hash (FNV-1a) of the whole name,
 *               so that two long names sharing a beginning differ
 *   nft table   inet metactl_APP, every byte of APP that is not a letter
 *               or a digit written '_'
 */
#ifndef METACTL_SANDBOX_NAMES_H
#define METACTL_SANDBOX_NAMES_H

#include <stddef.h>

#define SANDBOX_IFNAME_MAX 16 /* with the terminating NUL */

void sandbox_netns(const char *app, char *buf, size_t size);
void sandbox_hostif(const char *app, char *buf, size_t size);
void sandbox_table(const char *app, char *buf, size_t size);

#endif
