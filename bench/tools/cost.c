// SPDX-License-Identifier: GPL-2.0
/*
 * bench-cost OP N LOWER CDIR MERGED: the cost of the series on the
 * operations it touches; prints the median of N timed operations in
 * microseconds (the median leaves out the operations that a timer
 * interrupt, and the softirq work it brings, happened to land in). With BENCH_CLOCK=cpu in the environment, of this thread's
 * CPU time (CLOCK_THREAD_CPUTIME_ID): under vm/run --icount, the
 * instructions it executed, in the kernel and out, and nothing while it
 * sleeps (an unmount waits for timer-driven work, and how long depends on
 * where in the tick the boot left it); else of CLOCK_MONOTONIC. The cost
 * of reading the clock itself (the least of 64 back-to-back reads) is
 * taken off each operation.
 *   mount-volatile  mount a fresh volatile overlay and unmount it (the
 *                   marker is deleted between iterations, untimed)
 *   mount-durable   mount a non-volatile overlay and unmount it
 *   mount-reuse-on  mount a fresh volatile,volatile_reuse=on overlay (it
 *                   writes its checkpoint) and unmount it (the marker is
 *                   deleted between iterations, untimed)
 *   reuse           mount volatile,volatile_reuse=on, reusing the upper
 *                   the previous iteration left, and unmount it: one
 *                   restart (an untimed mount makes the first checkpoint)
 *   unchecked       delete the marker, mount volatile and unmount: what
 *                   a runtime does on a kernel without the series
 *   mount-lower     mount an overlay of two lower layers, no upper (CDIR's
 *                   lower and LOWER), and unmount it: what the series
 *                   adds to every overlay without the work dir's part
 *   fsync           fsync a file of a volatile overlay after a 4 KiB write
 *
 * bench-cost mount-many FROM TO LOWER ROOT volatile|reuse: mount the
 * overlays FROM..TO-1 (ROOT/cI/{upper,work}, on ROOT/cI/m), left mounted:
 * the neighbours of the scale part. Prints nothing.
 *
 * bench-cost read-reusable: read /sys/fs/overlay/<dev>/reusable of every
 * overlay, as a poller of all of them would; prints the time it took in
 * microseconds (BENCH_CLOCK as above).
 *
 * bench-cost run COMMAND [ARG...]: run COMMAND with its output to
 * /dev/null; prints the CPU time it took (user + system, of the guest's
 * clock: its instructions under --icount) in microseconds.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

/* The duration of each timed operation */
static uint64_t *samples;
static long nsamples;

static void record(uint64_t ns)
{
	samples[nsamples++] = ns;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The median of the recorded durations (the mean of the two middle ones) */
static uint64_t median(void)
{
	qsort(samples, nsamples, sizeof(*samples), cmp_u64);
	return (samples[(nsamples - 1) / 2] + samples[nsamples / 2]) / 2;
}

/* What happens to the marker before each timed mount */
enum marker { MARKER_KEEP, MARKER_DELETE, MARKER_DELETE_TIMED };

static void time_mounts(const struct container *c, long n, enum mount_kind kind,
			enum marker marker)
{
	uint64_t t0;
	long i;

	for (i = 0; i < n; i++) {
		if (marker == MARKER_DELETE)
			container_delete_marker(c);
		t0 = now_ns();
		if (marker == MARKER_DELETE_TIMED)
			container_delete_marker(c);
		container_mount(c, kind);
		container_umount(c);
		record(now_ns() - t0);
	}
}

static void time_lower_mounts(const struct container *c, long n)
{
	char lower2[4096 + 8], opts[2 * 4096 + 64];
	uint64_t t0;
	long i;

	snprintf(lower2, sizeof(lower2), "%s/lower", c->cdir);
	if (mkdir(lower2, 0755) && errno != EEXIST)
		die("mkdir %s: %m", lower2);
	snprintf(opts, sizeof(opts), "lowerdir=%s:%s", lower2, c->lower);
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		if (mount("overlay", c->merged, "overlay", 0, opts))
			die("mount overlay on %s (%s): %m", c->merged, opts);
		container_umount(c);
		record(now_ns() - t0);
	}
}

static void mount_many(long from, long to, const char *lower, const char *root,
		       enum mount_kind kind)
{
	char cdir[4096], merged[4096 + 8];
	struct container c;
	long i;

	for (i = from; i < to; i++) {
		snprintf(cdir, sizeof(cdir), "%s/c%ld", root, i);
		snprintf(merged, sizeof(merged), "%s/m", cdir);
		container_init(&c, lower, cdir, merged, "");
		if ((mkdir(cdir, 0755) && errno != EEXIST) || mkdir(c.upper, 0755) ||
		    mkdir(c.work, 0755) || mkdir(merged, 0755))
			die("mkdir in %s: %m", cdir);
		container_mount(&c, kind);
	}
}

static void time_fsyncs(const struct container *c, long n)
{
	uint64_t t0;
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
		record(now_ns() - t0);
	}
	close(fd);
	container_umount(c);
}

/* What two back-to-back clock reads measure: the clock's own cost */
static uint64_t clock_overhead(void)
{
	uint64_t least = UINT64_MAX, t0, t;
	int i;

	for (i = 0; i < 64; i++) {
		t0 = now_ns();
		t = now_ns() - t0;
		if (t < least)
			least = t;
	}
	return least;
}

static uint64_t read_reusable(void)
{
	uint64_t t0 = now_ns();
	char path[300], buf[16];
	struct dirent *d;
	int fd, n = 0;
	DIR *dir;

	dir = opendir("/sys/fs/overlay");
	if (!dir)
		die("open /sys/fs/overlay: %m");
	while ((d = readdir(dir))) {
		if (!strchr(d->d_name, ':'))
			continue;
		snprintf(path, sizeof(path), "/sys/fs/overlay/%s/reusable", d->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
			die("read %s: %m", path);
		close(fd);
		n++;
	}
	closedir(dir);
	if (!n)
		die("no overlay in /sys/fs/overlay");
	return now_ns() - t0;
}

static uint64_t run_child(char **argv)
{
	struct rusage ru;
	int status, fd;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		die("fork: %m");
	if (!pid) {
		fd = open("/dev/null", O_WRONLY);
		if (fd < 0 || dup2(fd, 1) < 0)
			die("/dev/null: %m");
		execvp(argv[0], argv);
		die("exec %s: %m", argv[0]);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		die("wait: %m");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("%s failed", argv[0]);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

int main(int argc, char **argv)
{
	const char *clock = getenv("BENCH_CLOCK");
	struct container c;
	long n;

	if (clock && !strcmp(clock, "cpu"))
		bench_clock = CLOCK_THREAD_CPUTIME_ID;
	if (argc == 2 && !strcmp(argv[1], "read-reusable")) {
		printf("%.3f\n", us(read_reusable() - clock_overhead()));
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "run")) {
		printf("%.3f\n", us(run_child(argv + 2)));
		return 0;
	}
	if (argc == 7 && !strcmp(argv[1], "mount-many")) {
		if (strcmp(argv[6], "volatile") && strcmp(argv[6], "reuse"))
			die("mount-many: volatile or reuse, not '%s'", argv[6]);
		mount_many(parse_long("FROM", argv[2]), parse_long("TO", argv[3]), argv[4], argv[5],
			   strcmp(argv[6], "reuse") ? MOUNT_VOLATILE : MOUNT_REUSE);
		return 0;
	}
	if (argc != 6) {
		fprintf(stderr, "usage: bench-cost mount-volatile|mount-durable|mount-lower|mount-reuse-on|reuse|unchecked|fsync N LOWER CDIR MERGED\n"
			"       bench-cost mount-many FROM TO LOWER ROOT volatile|reuse\n"
			"       bench-cost read-reusable\n"
			"       bench-cost run COMMAND [ARG...]\n");
		return 2;
	}
	n = parse_long("N", argv[2]);
	if (n <= 0)
		die("N must be positive");
	samples = calloc(n, sizeof(*samples));
	if (!samples)
		die("out of memory");
	container_init(&c, argv[3], argv[4], argv[5], "");
	if (!strcmp(argv[1], "mount-volatile"))
		time_mounts(&c, n, MOUNT_VOLATILE, MARKER_DELETE);
	else if (!strcmp(argv[1], "mount-durable"))
		time_mounts(&c, n, MOUNT_DURABLE, MARKER_KEEP);
	else if (!strcmp(argv[1], "mount-reuse-on"))
		time_mounts(&c, n, MOUNT_REUSE, MARKER_DELETE);
	else if (!strcmp(argv[1], "mount-lower"))
		time_lower_mounts(&c, n);
	else if (!strcmp(argv[1], "unchecked"))
		time_mounts(&c, n, MOUNT_VOLATILE, MARKER_DELETE_TIMED);
	else if (!strcmp(argv[1], "reuse")) {
		/* The first checkpoint, over a clean work dir */
		container_delete_marker(&c);
		container_mount(&c, MOUNT_REUSE);
		container_umount(&c);
		time_mounts(&c, n, MOUNT_REUSE, MARKER_KEEP);
	} else if (!strcmp(argv[1], "fsync"))
		time_fsyncs(&c, n);
	else
		die("unknown operation '%s'", argv[1]);
	printf("%.3f\n", us(median() - clock_overhead()));
	return 0;
}
