// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the benchmark drivers (see ../README.md). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

clockid_t bench_clock = CLOCK_MONOTONIC;

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(bench_clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

double us(uint64_t ns)
{
	return ns / 1000.0;
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", program_invocation_short_name);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

long parse_long(const char *what, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		die("%s: not a number: '%s'", what, s);
	return v;
}

static void join(char *buf, size_t len, const char *a, const char *b)
{
	if ((size_t)snprintf(buf, len, "%s/%s", a, b) >= len)
		die("path too long: %s/%s", a, b);
}

void container_init(struct container *c, const char *lower, const char *cdir,
		    const char *merged, const char *upperfs)
{
	c->lower = lower;
	c->cdir = cdir;
	c->merged = merged;
	c->upperfs = upperfs;
	join(c->upper, sizeof(c->upper), cdir, "upper");
	join(c->work, sizeof(c->work), cdir, "work");
	join(c->incompat, sizeof(c->incompat), c->work, "work/incompat");
}

void container_mount(const struct container *c, enum mount_kind kind)
{
	static const char *const suffix[] = {
		[MOUNT_DURABLE] = "",
		[MOUNT_VOLATILE] = ",volatile",
		[MOUNT_REUSE] = ",volatile,volatile_reuse=on",
	};
	char opts[3 * 4096 + 64];

	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s%s",
		 c->lower, c->upper, c->work, suffix[kind]);
	if (mount("overlay", c->merged, "overlay", 0, opts))
		die("mount overlay on %s (%s): %m (the reason is in dmesg)", c->merged, opts);
}

void container_umount(const struct container *c)
{
	if (umount2(c->merged, 0))
		die("umount %s: %m", c->merged);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) && errno != ENOENT)
		die("remove %s: %m", path);
	return 0;
}

void remove_tree(const char *path)
{
	if (nftw(path, remove_one, 64, FTW_DEPTH | FTW_PHYS) && errno != ENOENT)
		die("remove %s: %m", path);
}

void container_delete_marker(const struct container *c)
{
	remove_tree(c->incompat);
}

void container_discard(const struct container *c)
{
	remove_tree(c->upper);
	remove_tree(c->work);
	if (mkdir(c->upper, 0755) || mkdir(c->work, 0755))
		die("mkdir in %s: %m", c->cdir);
}

int container_reused(const struct container *c)
{
	char path[128], val[8] = "";
	struct stat st;
	FILE *f;

	if (stat(c->merged, &st))
		die("stat %s: %m", c->merged);
	snprintf(path, sizeof(path), "/sys/fs/overlay/%u:%u/reused",
		 major(st.st_dev), minor(st.st_dev));
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(val, sizeof(val), f))
		val[0] = 0;
	fclose(f);
	return atoi(val);
}

void sync_upper_fs(const struct container *c)
{
	int fd = open(c->upperfs, O_RDONLY | O_DIRECTORY);

	if (fd < 0 || syncfs(fd))
		die("syncfs %s: %m", c->upperfs);
	close(fd);
}

static void make_dir(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		die("mkdir %s: %m", path);
}

/* Not zeroes: the content is written as it comes, never deduplicated. */
static const char *content_buffer(void)
{
	static char *buf;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	size_t i;

	if (buf)
		return buf;
	buf = malloc(1 << 20);
	if (!buf)
		die("out of memory");
	for (i = 0; i < (1 << 20) / sizeof(x); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + i * sizeof(x), &x, sizeof(x));
	}
	return buf;
}

/*
 * Written in place, never truncated: ext4 flushes a file truncated to zero
 * and written again when it is closed (auto_da_alloc), and the data must
 * stay dirty.
 */
static void write_file(const char *path, long size)
{
	const char *buf = content_buffer();
	int fd = open(path, O_WRONLY | O_CREAT, 0644);
	long done = 0;

	if (fd < 0)
		die("create %s: %m", path);
	while (done < size) {
		long n = size - done < (1 << 20) ? size - done : (1 << 20);
		ssize_t w = write(fd, buf, n);

		if (w < 0)
			die("write %s: %m", path);
		done += w;
	}
	if (close(fd))
		die("close %s: %m", path);
}

static long file_size(const char *kind)
{
	if (!strcmp(kind, "small"))
		return SMALL_FILE;
	if (!strcmp(kind, "large"))
		return LARGE_FILE;
	die("content kind must be small or large, not '%s'", kind);
}

static void content_file(char *buf, size_t len, const char *dir, const char *kind, long i)
{
	if (!strcmp(kind, "small"))
		snprintf(buf, len, "%s/data/d%03ld/f%05ld", dir, i / FILES_PER_DIR, i);
	else
		snprintf(buf, len, "%s/data/f%03ld", dir, i);
}

void write_content(const char *dir, const char *kind, long mib)
{
	long fsize = file_size(kind), left = mib << 20, i;
	char path[4096];

	join(path, sizeof(path), dir, "data");
	make_dir(path);
	for (i = 0; left > 0; i++) {
		if (!strcmp(kind, "small") && i % FILES_PER_DIR == 0) {
			snprintf(path, sizeof(path), "%s/data/d%03ld", dir, i / FILES_PER_DIR);
			make_dir(path);
		}
		content_file(path, sizeof(path), dir, kind, i);
		write_file(path, left < fsize ? left : fsize);
		left -= fsize;
	}
}

void first_content_file(char *buf, size_t len, const char *dir, const char *kind, long mib)
{
	file_size(kind);
	if (mib)
		content_file(buf, len, dir, kind, 0);
	else
		buf[0] = 0;
}

void read_head(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
		die("read %s: %m", path);
	close(fd);
}

long dirty_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		die("/proc/meminfo: %m");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Dirty: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}
