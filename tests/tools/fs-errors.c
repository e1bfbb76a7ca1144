// SPDX-License-Identifier: GPL-2.0
/*
 * fs-errors: listen for fanotify FAN_FS_ERROR events on the filesystem of
 * PATH for SECONDS, and print one line per event: "error=<errno>
 * count=<n>". Prints "ready" once the mark is in place, "events=<n>" at
 * the end. Exit status: 0, or 2 on error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/fanotify.h>

#ifndef FAN_FS_ERROR
#define FAN_FS_ERROR 0x00008000
#endif
#ifndef FAN_EVENT_INFO_TYPE_ERROR
#define FAN_EVENT_INFO_TYPE_ERROR 5
struct fanotify_event_info_error {
	struct fanotify_event_info_header hdr;
	__s32 error;
	__u32 error_count;
};
#endif

int main(int argc, char **argv)
{
	char buf[4096] __attribute__((aligned(8)));
	int fd, events = 0;
	time_t end;

	if (argc != 3) {
		fprintf(stderr, "usage: %s PATH SECONDS\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_FID | FAN_NONBLOCK, O_RDONLY);
	if (fd < 0 || fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				    FAN_FS_ERROR, AT_FDCWD, argv[1]) < 0) {
		fprintf(stderr, "fanotify on %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	printf("ready\n");
	end = time(NULL) + atoi(argv[2]);
	while (time(NULL) < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct fanotify_event_metadata *ev;
		ssize_t len;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		len = read(fd, buf, sizeof(buf));
		if (len <= 0)
			continue;
		for (ev = (void *)buf; FAN_EVENT_OK(ev, len); ev = FAN_EVENT_NEXT(ev, len)) {
			char *info = (char *)(ev + 1);

			if (!(ev->mask & FAN_FS_ERROR))
				continue;
			events++;
			while (info < (char *)ev + ev->event_len) {
				struct fanotify_event_info_header *h = (void *)info;

				if (h->info_type == FAN_EVENT_INFO_TYPE_ERROR) {
					struct fanotify_event_info_error *e = (void *)h;

					printf("error=%d count=%u\n", e->error, e->error_count);
				}
				if (!h->len)
					break;
				info += h->len;
			}
		}
	}
	printf("events=%d\n", events);
	return 0;
}
