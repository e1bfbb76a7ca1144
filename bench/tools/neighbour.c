// SPDX-License-Identifier: GPL-2.0
/*
 * bench-neighbour FILE SECONDS INTERVAL_MS OUT: the noisy neighbour's victim.
 * Every INTERVAL_MS for SECONDS: write 4 KiB into FILE (rotating over its
 * first MiB) and fsync it; OUT gets each fsync's latency in microseconds,
 * one a line. Prints the number of fsyncs.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

int main(int argc, char **argv)
{
	uint64_t start, end, next, t0, t1;
	long seconds, interval, n = 0;
	struct timespec ts;
	char buf[4096];
	FILE *out;
	int fd;

	if (argc != 5) {
		fprintf(stderr, "usage: bench-neighbour FILE SECONDS INTERVAL_MS OUT\n");
		return 2;
	}
	seconds = parse_long("SECONDS", argv[2]);
	interval = parse_long("INTERVAL_MS", argv[3]) * 1000000;
	fd = open(argv[1], O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		die("open %s: %m", argv[1]);
	out = fopen(argv[4], "w");
	if (!out)
		die("open %s: %m", argv[4]);
	memset(buf, 0xa5, sizeof(buf));
	start = now_ns();
	end = start + seconds * 1000000000ull;
	for (next = start; next < end; next += interval) {
		ts.tv_sec = next / 1000000000;
		ts.tv_nsec = next % 1000000000;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (pwrite(fd, buf, sizeof(buf), (n % 256) * sizeof(buf)) != sizeof(buf))
			die("write %s: %m", argv[1]);
		t0 = now_ns();
		if (fsync(fd))
			die("fsync %s: %m", argv[1]);
		t1 = now_ns();
		fprintf(out, "%.1f\n", us(t1 - t0));
		n++;
		/* A slow fsync does not make the next ones queue up. */
		if (next + interval < t1)
			next = t1 - interval;
	}
	if (fclose(out))
		die("write %s: %m", argv[4]);
	printf("%ld\n", n);
	return 0;
}
