// SPDX-License-Identifier: GPL-2.0
/*
 * bench-cost OP N LOWER CDIR MERGED: the cost of the series on the
 * operations it touches; prints the mean of N timed operations in
 * microseconds.
 *   mount-volatile  mount a fresh volatile overlay and unmount it (the
 *                   marker is deleted between iterations, untimed)
 *   mount-durable   mount a non-volatile overlay and unmount it
 *   fsync           fsync a file of a volatile overlay after a 4 KiB write
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static uint64_t time_mounts(const struct container *c, long n, int volatile_mount)
{
	uint64_t total = 0, t0;
	long i;

	for (i = 0; i < n; i++) {
		if (volatile_mount)
			container_delete_marker(c);
		t0 = now_ns();
		container_mount(c, volatile_mount ? MOUNT_VOLATILE : MOUNT_DURABLE);
		container_umount(c);
		total += now_ns() - t0;
	}
	return total;
}

static uint64_t time_fsyncs(const struct container *c, long n)
{
	uint64_t total = 0, t0;
	char path[4096], buf[4096];
	long i;
	int fd;

	container_delete_marker(c);
	container_mount(c, MOUNT_VOLATILE);
	snprintf(path, sizeof(path), "%s/fsync-file", c->merged);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		die("open %s: %m", path);
	memset(buf, 0x3c, sizeof(buf));
	for (i = 0; i < n; i++) {
		if (pwrite(fd, buf, sizeof(buf), (i % 256) * sizeof(buf)) != sizeof(buf))
			die("write %s: %m", path);
		t0 = now_ns();
		if (fsync(fd))
			die("fsync %s: %m", path);
		total += now_ns() - t0;
	}
	close(fd);
	container_umount(c);
	return total;
}

int main(int argc, char **argv)
{
	struct container c;
	uint64_t total;
	long n;

	if (argc != 6) {
		fprintf(stderr, "usage: bench-cost mount-volatile|mount-durable|fsync N LOWER CDIR MERGED\n");
		return 2;
	}
	n = parse_long("N", argv[2]);
	if (n <= 0)
		die("N must be positive");
	container_init(&c, argv[3], argv[4], argv[5], "");
	if (!strcmp(argv[1], "mount-volatile"))
		total = time_mounts(&c, n, 1);
	else if (!strcmp(argv[1], "mount-durable"))
		total = time_mounts(&c, n, 0);
	else if (!strcmp(argv[1], "fsync"))
		total = time_fsyncs(&c, n);
	else
		die("unknown operation '%s'", argv[1]);
	printf("%.3f\n", us(total) / n);
	return 0;
}
