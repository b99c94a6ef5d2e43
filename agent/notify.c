/*
 * notify.c: readiness for service managers, without their libraries.
 * systemd: one datagram to $NOTIFY_SOCKET (sd_notify(3) documents the
 * protocol as stable; '@' names an abstract socket). s6: a newline written
 * to the notification-fd, which is then closed.
 */
#include "buildconf.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agentd.h"

static void
sd_notify_send(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t salen;
	size_t plen;
	int fd;

	if (path == NULL || *path == '\0')
		return;
	plen = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sa.sun_path)) {
		log_warnx("NOTIFY_SOCKET %s: not a socket path", path);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, plen);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen +
	    (path[0] == '@' ? 0 : 1));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
		log_warn("NOTIFY_SOCKET: socket");
		return;
	}
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		salen) < 0)
		log_warn("NOTIFY_SOCKET %s", path);
	close(fd);
}

void
notify_ready(struct agentd *d)
{
	int fd = d->conf.notification_fd;

	sd_notify_send("READY=1\nSTATUS=answering requests");
	if (fd >= 0) {
		ssize_t n;

		do
			n = write(fd, "\n", 1);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			log_warn("notification_fd %d", fd);
		close(fd);
		d->conf.notification_fd = -1;
	}
}

void
notify_stopping(void)
{
	sd_notify_send("STOPPING=1");
}

void
notify_reloading(void)
{
	sd_notify_send("RELOADING=1");
}

void
notify_reloaded(void)
{
	sd_notify_send("READY=1");
}
