/* Helpers shared by the benchmark drivers (see ../README.md). */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>
#include <time.h>

/* Files of "small" content are 64 KiB; "large" ones up to 64 MiB. */
#define SMALL_FILE (64L << 10)
#define LARGE_FILE (64L << 20)
#define FILES_PER_DIR 256

/* The clock of now_ns(): CLOCK_MONOTONIC unless a driver says otherwise */
extern clockid_t bench_clock;
uint64_t now_ns(void);
double us(uint64_t ns);
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
long parse_long(const char *what, const char *s);

/* The layout of a container: CDIR/upper, CDIR/work; its overlay on MERGED. */
struct container {
	const char *lower, *cdir, *merged, *upperfs;
	char upper[4096], work[4096], incompat[4096];
};
void container_init(struct container *c, const char *lower, const char *cdir,
		    const char *merged, const char *upperfs);
/* How a container's overlay is mounted */
enum mount_kind {
	MOUNT_DURABLE,		/* no volatile */
	MOUNT_VOLATILE,		/* volatile, as runtimes mount it today */
	MOUNT_REUSE,		/* volatile,volatile_reuse=on: this series */
};

void container_mount(const struct container *c, enum mount_kind kind);
void container_umount(const struct container *c);
/* The marker runtimes delete today: WORKDIR/work/incompat. */
void container_delete_marker(const struct container *c);
/* Delete upper and work and make them again, empty. */
void container_discard(const struct container *c);
/* /sys/fs/overlay/<dev>/reused of the overlay on MERGED; -1 without it. */
int container_reused(const struct container *c);
/* syncfs() on the upper filesystem. */
void sync_upper_fs(const struct container *c);

/* Write MIB of KIND ("small" or "large") content under DIR/data. */
void write_content(const char *dir, const char *kind, long mib);
/* The first file write_content() makes (empty string when MIB is 0). */
void first_content_file(char *buf, size_t len, const char *dir, const char *kind, long mib);
/* Read up to 4 KiB of PATH; dies when it cannot be read. */
void read_head(const char *path);
/* rm -rf PATH; a missing PATH is fine. */
void remove_tree(const char *path);
/* "Dirty:" of /proc/meminfo, in KiB. */
long dirty_kib(void);

#endif
