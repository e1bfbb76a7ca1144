// SPDX-License-Identifier: GPL-2.0
/*
 * poll-attr: read a sysfs attribute, then wait up to SECONDS for sysfs to
 * notify a change (poll POLLPRI), and print its value before and after.
 * Prints "ready" once armed, so that a caller knows when to act.
 * Exit status: 0 when woken, 1 on timeout, 2 on error.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int read_attr(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

int main(int argc, char **argv)
{
	char before[64], after[64];
	struct pollfd pfd;
	int ret;

	if (argc != 3) {
		fprintf(stderr, "usage: %s ATTRIBUTE SECONDS\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	pfd.fd = open(argv[1], O_RDONLY);
	pfd.events = POLLPRI | POLLERR;
	/* sysfs arms the notification on read */
	if (pfd.fd < 0 || read_attr(pfd.fd, before, sizeof(before))) {
		perror(argv[1]);
		return 2;
	}
	printf("ready, value %s", before);
	ret = poll(&pfd, 1, atoi(argv[2]) * 1000);
	if (ret < 0) {
		perror("poll");
		return 2;
	}
	if (ret == 0) {
		printf("timeout\n");
		return 1;
	}
	if (read_attr(pfd.fd, after, sizeof(after)))
		return 2;
	printf("woke, value %s", after);
	return 0;
}
