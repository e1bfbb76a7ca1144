// SPDX-License-Identifier: GPL-2.0
/*
 * bench-restart: restart a "container" (its volatile overlay) and time it.
 *
 *   bench-restart populate KIND MIB DIR
 *	write MIB of KIND (small|large) content under DIR/data (untimed)
 *   bench-restart restart MODE KIND MIB LOWER CDIR MERGED UPPERFS
 *	one timed restart of the container CDIR (upper, work) mounted on
 *	MERGED; prints total_us,umount_us,prep_us,mount_us,content_us,
 *	read_us,reused,dirty_before_kib,dirty_after_kib
 *   bench-restart loop MODE SECONDS WRITE_MIB PERIOD_MS LOWER CDIR MERGED UPPERFS [START_NS]
 *	for SECONDS: write WRITE_MIB into MERGED/state, restart, wait for the
 *	next period; prints restarts,mean_restart_us,max_restart_us. MODE
 *	idle writes on the same schedule and never restarts. The first
 *	period starts at a random point of the next PERIOD_MS, or at
 *	START_NS (CLOCK_MONOTONIC) when given: containers given the same
 *	START_NS restart all at once, a storm.
 *   bench-restart now DELAY_MS
 *	print CLOCK_MONOTONIC in ns, DELAY_MS from now (a START_NS)
 *
 * MODE: reuse (unmount, mount volatile: this series), sync (unmount,
 * syncfs the upper fs, delete the marker, mount), loopfs (the same as
 * sync, for a container whose upper is on a filesystem of its own:
 * UPPERFS is that small filesystem), unchecked (unmount, delete the
 * marker, mount), floor (unmount, mount a plain volatile overlay over a
 * work dir without incompat/: the marker is deleted untimed, between the
 * two, so the restart is the two syscalls and the read), discard
 * (unmount, delete upper and work, mount, write the content again).
 * Every restart ends with the first read: 4 KiB of LOWER's "app" and of
 * the first content file.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

enum mode { REUSE, SYNC, UNCHECKED, DISCARD, LOOPFS, FLOOR };

static enum mode parse_mode(const char *s)
{
	static const char *const names[] = { "reuse", "sync", "unchecked", "discard", "loopfs", "floor" };
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i]))
			return i;
	die("mode must be reuse, sync, unchecked, discard, loopfs or floor, not '%s'", s);
}

struct phases {
	uint64_t umount, prep, mount, content, read;
};

static void restart(const struct container *c, enum mode mode, const char *kind,
		    long mib, struct phases *p)
{
	char app[4096], first[4096];
	uint64_t t0, t1, t2, t3, t4, t5, untimed = 0;

	snprintf(app, sizeof(app), "%s/app", c->merged);
	first_content_file(first, sizeof(first), c->merged, kind, mib);

	t0 = now_ns();
	container_umount(c);
	t1 = now_ns();
	switch (mode) {
	case SYNC:
	case LOOPFS:
		sync_upper_fs(c);
		container_delete_marker(c);
		break;
	case FLOOR:
		container_delete_marker(c);
		untimed = now_ns() - t1;
		break;
	case UNCHECKED:
		container_delete_marker(c);
		break;
	case DISCARD:
		container_discard(c);
		break;
	case REUSE:
		break;
	}
	t2 = now_ns();
	/*
	 * Every mode but the floor opts in, so that a later reuse finds a
	 * checkpoint; the floor is upstream's volatile mount.
	 */
	container_mount(c, mode == FLOOR ? MOUNT_VOLATILE : MOUNT_REUSE);
	t3 = now_ns();
	if (mode == DISCARD && mib)
		write_content(c->merged, kind, mib);
	t4 = now_ns();
	read_head(app);
	if (first[0])
		read_head(first);
	t5 = now_ns();
	p->umount = t1 - t0;
	p->prep = t2 - t1 - untimed;
	p->mount = t3 - t2;
	p->content = t4 - t3;
	p->read = t5 - t4;
}

static int cmd_restart(char **argv)
{
	enum mode mode = parse_mode(argv[0]);
	long mib = parse_long("MIB", argv[2]), before, after;
	struct container c;
	struct phases p;
	int reused;

	container_init(&c, argv[3], argv[4], argv[5], argv[6]);
	before = dirty_kib();
	restart(&c, mode, argv[1], mib, &p);
	after = dirty_kib();
	reused = container_reused(&c);
	printf("%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%d,%ld,%ld\n",
	       us(p.umount + p.prep + p.mount + p.content + p.read), us(p.umount),
	       us(p.prep), us(p.mount), us(p.content), us(p.read), reused, before, after);
	return 0;
}

/* Overwrite MERGED/state in place: the dirty data stays bounded at MIB. */
static void write_state(const char *merged, long mib)
{
	static char *buf;
	char path[4096];
	long i;
	int fd;

	if (!buf) {
		buf = malloc(1 << 20);
		if (!buf)
			die("out of memory");
		memset(buf, 0x5a, 1 << 20);
	}
	snprintf(path, sizeof(path), "%s/state", merged);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		die("open %s: %m", path);
	for (i = 0; i < mib; i++)
		if (pwrite(fd, buf, 1 << 20, i << 20) != 1 << 20)
			die("write %s: %m", path);
	close(fd);
}

static int cmd_loop(char **argv)
{
	int idle = !strcmp(argv[0], "idle");
	enum mode mode = idle ? REUSE : parse_mode(argv[0]);
	long seconds = parse_long("SECONDS", argv[1]);
	long mib = parse_long("WRITE_MIB", argv[2]);
	long period = parse_long("PERIOD_MS", argv[3]) * 1000000;
	uint64_t start = now_ns(), end, next, t;
	uint64_t total = 0, max = 0;
	struct container c;
	struct phases p;
	struct timespec ts;
	long n = 0;

	if (mode == DISCARD || mode == FLOOR || period <= 0)
		die("loop: mode reuse, sync, loopfs or unchecked and a period > 0");
	container_init(&c, argv[4], argv[5], argv[6], argv[7]);
	if (argv[8]) {
		/* A storm: every container starts its periods at START_NS. */
		start = next = parse_long("START_NS", argv[8]);
	} else {
		/* Containers start out of step: a random phase in the period. */
		srand(getpid());
		next = start + (uint64_t)(rand() % (period / 1000000 + 1)) * 1000000;
	}
	end = start + seconds * 1000000000ull;
	while (next < end) {
		ts.tv_sec = next / 1000000000;
		ts.tv_nsec = next % 1000000000;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		write_state(c.merged, mib);
		if (!idle) {
			restart(&c, mode, "small", 0, &p);
			t = p.umount + p.prep + p.mount + p.content + p.read;
			total += t;
			if (t > max)
				max = t;
			n++;
		}
		next += period;
		if (next < now_ns())
			next = now_ns();
	}
	printf("%ld,%.1f,%.1f\n", n, n ? us(total / n) : 0.0, us(max));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "populate")) {
		write_content(argv[4], argv[2], parse_long("MIB", argv[3]));
		return 0;
	}
	if (argc == 9 && !strcmp(argv[1], "restart"))
		return cmd_restart(argv + 2);
	if ((argc == 10 || argc == 11) && !strcmp(argv[1], "loop"))
		return cmd_loop(argv + 2);
	if (argc == 3 && !strcmp(argv[1], "now")) {
		printf("%llu\n", (unsigned long long)(now_ns() + parse_long("DELAY_MS", argv[2]) * 1000000ull));
		return 0;
	}
	fprintf(stderr, "usage: bench-restart populate KIND MIB DIR\n"
		"       bench-restart restart MODE KIND MIB LOWER CDIR MERGED UPPERFS\n"
		"       bench-restart loop MODE SECONDS WRITE_MIB PERIOD_MS LOWER CDIR MERGED UPPERFS [START_NS]\n"
		"       bench-restart now DELAY_MS\n");
	return 2;
}
