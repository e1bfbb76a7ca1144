// SPDX-License-Identifier: GPL-2.0
/*
 * ovltrace status: one row per overlay from /sys/fs/overlay/<maj:min>/,
 * joined with its mount points in /proc/self/mountinfo. PATHs select the
 * overlays holding them through FS_IOC_GETFSSYSFSPATH.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/fs.h>

#include "ovltrace.h"

#ifndef FS_IOC_GETFSSYSFSPATH
/* Linux 6.10 uapi, for older installed headers */
struct fs_sysfs_path {
	__u8 len;
	__u8 name[128];
};
#define FS_IOC_GETFSSYSFSPATH _IOR(0x15, 1, struct fs_sysfs_path)
#endif

#define OVL_SYSFS "/sys/fs/overlay"
/* The mount point column of an overlay mounted in another namespace. */
#define OVL_OTHER_NS "(other mount namespace)"

struct ovl_row {
	char id[32];
	unsigned int major, minor;
	char fsync_mode[16];
	char upper_dev[32];
	unsigned long long instance_id, upper_instance_id;
	char errseq[16];
	int wb_err, reusable, reused;
	/* volatile_reuse=on: 1, off: 0, -1: a kernel without the attribute (v1) */
	int volatile_reuse;
};

struct status {
	const struct ovltrace_opts *opts;
	struct ovl_mountinfo mi;
	/* mi's mounts by device, each device's in mountinfo order */
	const struct ovl_mount **by_dev;
	struct ovl_row *rows;
	size_t nr_rows, max_rows;
	bool unreadable;	/* a row could not be read: exit OVLTRACE_ERR */
};

/*
 * One attribute's value without its newline; -1 with errno when it cannot
 * be read (EOVERFLOW: longer than LEN - 1, never cut short).
 */
static int read_attr(const char *id, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX], more;
	ssize_t n;
	int fd, err;

	if (snprintf(path, sizeof(path), OVL_SYSFS "/%s/%s", id, name) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	if (n == (ssize_t)len - 1 && buf[n - 1] != '\n' &&
	    read(fd, &more, 1) == 1 && more != '\n')
		n = -2;
	err = errno;
	close(fd);
	if (n < 0) {
		errno = n == -2 ? EOVERFLOW : err;
		return -1;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/*
 * Fill ROW from /sys/fs/overlay/ID. -1 with errno when an attribute cannot
 * be read, *WHAT its name; volatile_reuse may be absent (a v1 kernel).
 */
static int read_row(const char *id, struct ovl_row *row, const char **what)
{
	char buf[64];

	memset(row, 0, sizeof(*row));
	*what = "";
	if (sscanf(id, "%u:%u", &row->major, &row->minor) != 2 ||
	    strlen(id) >= sizeof(row->id)) {
		errno = EINVAL;
		return -1;
	}
	snprintf(row->id, sizeof(row->id), "%s", id);
#define ATTR(name, dst) (*what = name, read_attr(id, name, dst, sizeof(dst)))
	if (ATTR("fsync_mode", row->fsync_mode) ||
	    ATTR("upper_dev", row->upper_dev) ||
	    ATTR("errseq", row->errseq))
		return -1;
	if (ATTR("instance_id", buf))
		return -1;
	row->instance_id = strtoull(buf, NULL, 10);
	if (ATTR("upper_instance_id", buf))
		return -1;
	row->upper_instance_id = strtoull(buf, NULL, 10);
	if (ATTR("wb_err", buf))
		return -1;
	row->wb_err = atoi(buf);
	if (ATTR("reusable", buf))
		return -1;
	row->reusable = atoi(buf);
	if (ATTR("reused", buf))
		return -1;
	row->reused = atoi(buf);
	if (ATTR("volatile_reuse", buf))
		row->volatile_reuse = errno == ENOENT ? -1 : -2;
	else
		row->volatile_reuse = atoi(buf);
#undef ATTR
	if (row->volatile_reuse == -2)
		return -1;
	return 0;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct ovl_row *x = a, *y = b;

	if (x->major != y->major)
		return x->major < y->major ? -1 : 1;
	return x->minor < y->minor ? -1 : x->minor > y->minor;
}

/*
 * The row of overlay ID. DEDUP: skip it if it is already there (two PATHs
 * on one overlay); /sys/fs/overlay's own entries are unique.
 */
static int add_row(struct status *st, const char *id, bool dedup)
{
	struct ovl_row row, *rows;
	size_t i, n;

	const char *what;
	char dir[PATH_MAX];
	struct stat sb;
	int err;

	for (i = 0; dedup && i < st->nr_rows; i++)
		if (!strcmp(st->rows[i].id, id))
			return 0;
	if (read_row(id, &row, &what)) {
		err = errno;
		snprintf(dir, sizeof(dir), OVL_SYSFS "/%s", id);
		if (err == ENOENT && stat(dir, &sb) && errno == ENOENT)
			return 0;	/* unmounted while we looked */
		/* The other rows are still printed; the exit status says one
		 * is missing. */
		st->unreadable = true;
		ovltrace_fail(OVLTRACE_ERR, "cannot read %s/%s: %s: overlay %s is left out",
			      dir, what, strerror(err), id);
		return 0;
	}
	if (st->nr_rows == st->max_rows) {
		n = st->max_rows ? 2 * st->max_rows : 64;
		rows = realloc(st->rows, n * sizeof(*rows));
		if (!rows)
			return ovltrace_fail(OVLTRACE_ERR, "out of memory");
		st->rows = rows;
		st->max_rows = n;
	}
	st->rows[st->nr_rows++] = row;
	return 0;
}

static int read_all_rows(struct status *st)
{
	struct dirent *de;
	DIR *dir = opendir(OVL_SYSFS);
	int ret = 0;

	if (!dir)
		return ovltrace_fail(OVLTRACE_ERR, "cannot read " OVL_SYSFS ": %s",
				     strerror(errno));
	while ((de = readdir(dir)) && !ret) {
		unsigned int ma, mi;

		if (sscanf(de->d_name, "%u:%u", &ma, &mi) == 2)
			ret = add_row(st, de->d_name, false);
	}
	closedir(dir);
	return ret;
}

static int cmp_dev(unsigned int ma, unsigned int mi, const struct ovl_mount *m)
{
	if (ma != m->major)
		return ma < m->major ? -1 : 1;
	if (mi != m->minor)
		return mi < m->minor ? -1 : 1;
	return 0;
}

static int cmp_by_dev(const void *a, const void *b)
{
	const struct ovl_mount *x = *(const struct ovl_mount * const *)a;
	const struct ovl_mount *y = *(const struct ovl_mount * const *)b;
	int c = cmp_dev(x->major, x->minor, y);

	/* Same device: keep mountinfo's order (the array's) */
	return c ? c : (x > y) - (x < y);
}

/*
 * Index the mounts by device, so that joining N overlays with a mountinfo
 * of M lines costs N log M, not N * M (a node with 10,000 overlays).
 */
static int index_mounts(struct status *st)
{
	size_t i;

	st->by_dev = calloc(st->mi.nr ? st->mi.nr : 1, sizeof(*st->by_dev));
	if (!st->by_dev)
		return -1;
	for (i = 0; i < st->mi.nr; i++)
		st->by_dev[i] = &st->mi.mounts[i];
	qsort(st->by_dev, st->mi.nr, sizeof(*st->by_dev), cmp_by_dev);
	return 0;
}

/*
 * The mounts of device MA:MI, one per call in mountinfo order: *FROM is 0
 * for the first, and NULL says there is no more.
 */
static const struct ovl_mount *find_mnt(const struct status *st, unsigned int ma,
				  unsigned int mi, size_t *from)
{
	size_t lo = 0, hi = st->mi.nr, mid;

	if (!*from) {
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (cmp_dev(ma, mi, st->by_dev[mid]) > 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		*from = lo;
	}
	if (*from >= st->mi.nr || cmp_dev(ma, mi, st->by_dev[*from]))
		return NULL;
	return st->by_dev[(*from)++];
}

/* The row for the overlay holding PATH. */
static int add_path(struct status *st, const char *path)
{
	struct fs_sysfs_path sp = { 0 };
	const struct ovl_mount *m;
	struct stat sb;
	size_t from = 0;
	char id[130];
	int fd, err;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		return ovltrace_fail(err == EACCES || err == EPERM ? OVLTRACE_PERM :
				     OVLTRACE_NOT_OVERLAY,
				     "cannot open %s: %s%s", path, strerror(err),
				     err == EACCES ? " (ovltrace needs read permission on the PATH)" : "");
	}
	if (fstat(fd, &sb)) {
		err = errno;
		close(fd);
		return ovltrace_fail(OVLTRACE_ERR, "%s: %s", path, strerror(err));
	}
	m = find_mnt(st, major(sb.st_dev), minor(sb.st_dev), &from);
	if (ioctl(fd, FS_IOC_GETFSSYSFSPATH, &sp) < 0) {
		err = errno;
		close(fd);
		if (m && !strcmp(m->fstype, "overlay"))
			return ovltrace_fail(OVLTRACE_NO_SERIES,
				"%s is on overlay %u:%u but FS_IOC_GETFSSYSFSPATH failed (%s): this kernel lacks the reusable volatile series",
				path, m->major, m->minor, strerror(err));
		return ovltrace_fail(OVLTRACE_NOT_OVERLAY, "%s is not on an overlay (it is on %s)",
				     path, m ? m->fstype : "an unknown filesystem");
	}
	close(fd);
	snprintf(id, sizeof(id), "%.*s", sp.len, sp.name);
	if (strncmp(id, "overlay/", 8))
		return ovltrace_fail(OVLTRACE_NOT_OVERLAY, "%s is not on an overlay (it is on %s, %s)",
				     path, m ? m->fstype : "?", id);
	if (add_row(st, id + 8, true))
		return OVLTRACE_ERR;
	return 0;
}

static void print_json(const struct status *st, const struct ovl_row *r)
{
	const struct ovl_mount *m;
	struct json j;
	size_t from = 0;
	bool any = false;

	json_begin(&j, stdout);
	json_str(&j, "id", r->id);
	m = find_mnt(st, r->major, r->minor, &from);
	if (m)
		json_str(&j, "mountpoint", m->point);
	else
		json_null(&j, "mountpoint");
	json_key(&j, "mountpoints");
	putchar('[');
	from = 0;
	while ((m = find_mnt(st, r->major, r->minor, &from))) {
		if (any)
			putchar(',');
		json_write_string(stdout, m->point);
		any = true;
	}
	putchar(']');
	json_str(&j, "fsync_mode", r->fsync_mode);
	if (r->volatile_reuse < 0)
		json_null(&j, "volatile_reuse");
	else
		json_bool(&j, "volatile_reuse", r->volatile_reuse);
	if (r->upper_dev[0])
		json_str(&j, "upper_dev", r->upper_dev);
	else
		json_null(&j, "upper_dev");
	json_u64(&j, "upper_instance_id", r->upper_instance_id);
	json_u64(&j, "instance_id", r->instance_id);
	json_str(&j, "errseq", r->errseq);
	json_bool(&j, "reusable", r->reusable);
	json_bool(&j, "reused", r->reused);
	json_i64(&j, "wb_err", r->wb_err);
	if (r->wb_err)
		json_str(&j, "wb_err_name", ovl_errname(r->wb_err));
	else
		json_null(&j, "wb_err_name");
	json_end(&j);
}

static const char *yes_no(const struct ovl_row *r, int val)
{
	if (strcmp(r->fsync_mode, "volatile"))
		return "-";
	return val ? "yes" : "no";
}

static void print_table(const struct status *st)
{
	const struct ovl_mount *m;
	size_t i, from, w = strlen("MOUNT POINT");
	bool reuse_col = false;	/* the kernel has volatile_reuse (v2) */

	for (i = 0; i < st->nr_rows; i++) {
		from = 0;
		m = find_mnt(st, st->rows[i].major, st->rows[i].minor, &from);
		if (strlen(m ? m->point : OVL_OTHER_NS) > w)
			w = strlen(m ? m->point : OVL_OTHER_NS);
		reuse_col |= st->rows[i].volatile_reuse >= 0;
	}
	printf("%-*s  %-9s %-8s ", (int)w, "MOUNT POINT", "ID", "FSYNC");
	if (reuse_col)
		printf("%-5s ", "REUSE");
	printf("%-8s %-8s %-6s %s\n", "UPPER", "REUSABLE", "REUSED", "WB_ERR");
	for (i = 0; i < st->nr_rows; i++) {
		const struct ovl_row *r = &st->rows[i];
		char wb[32];

		from = 0;
		m = find_mnt(st, r->major, r->minor, &from);
		if (r->wb_err)
			snprintf(wb, sizeof(wb), "%d (%s)", r->wb_err, ovl_errname(r->wb_err));
		else
			snprintf(wb, sizeof(wb), "0");
		printf("%-*s  %-9s %-8s ", (int)w,
		       m ? m->point : OVL_OTHER_NS, r->id, r->fsync_mode);
		if (reuse_col)
			printf("%-5s ", r->volatile_reuse < 0 ? "?" :
			       strcmp(r->fsync_mode, "volatile") ? "-" :
			       r->volatile_reuse ? "on" : "off");
		printf("%-8s %-8s %-6s %s\n", r->upper_dev[0] ? r->upper_dev : "-",
		       yes_no(r, r->reusable), yes_no(r, r->reused), wb);
	}
	/* What the rows mean for the ones that need action. */
	for (i = 0; i < st->nr_rows; i++) {
		const struct ovl_row *r = &st->rows[i];

		if (strcmp(r->fsync_mode, "volatile") || r->reusable)
			continue;
		if (r->wb_err)
			printf("%s: writeback to the upper %s failed (%s): data written through this mount may be lost and its upper will be refused; after unmounting, discard it\n",
			       r->id, r->upper_dev, ovl_errname(r->wb_err));
		else if (!r->volatile_reuse)
			printf("%s: mounted without volatile_reuse=on: its upper %s cannot be mounted again (as upstream); after unmounting, discard it, or mount with -o volatile,volatile_reuse=on next time\n",
			       r->id, r->upper_dev);
		else
			printf("%s: its upper %s would be refused at the next mount; after unmounting, discard it\n",
			       r->id, r->upper_dev);
	}
}

static bool fs_known(const char *name)
{
	FILE *f = fopen("/proc/filesystems", "re");
	char line[128];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		found = !strcmp(line + strcspn(line, "\t") + 1, name);
	}
	fclose(f);
	return found;
}

int ovltrace_status(const struct ovltrace_opts *opts, char **paths, int nr)
{
	struct status st = { .opts = opts };
	int ret = 0, i, r;
	size_t k;

	if (access(OVL_SYSFS, F_OK)) {
		if (!fs_known("overlay"))
			return ovltrace_fail(OVLTRACE_NO_SERIES,
				"no " OVL_SYSFS ": the overlay filesystem is not loaded (modprobe overlay), so there is no overlay mount");
		return ovltrace_fail(OVLTRACE_NO_SERIES,
			"no " OVL_SYSFS " although overlayfs is loaded: this kernel lacks the reusable volatile series");
	}
	if (ovl_mountinfo_read(&st.mi))
		ret = ovltrace_fail(OVLTRACE_ERR, "cannot read /proc/self/mountinfo: %s",
				    strerror(errno));
	else if (index_mounts(&st))
		ret = ovltrace_fail(OVLTRACE_ERR, "out of memory");
	if (!ret && !nr)
		ret = read_all_rows(&st);
	for (i = 0; ret != OVLTRACE_ERR && i < nr; i++) {
		/* Report every PATH; the first failure decides the status,
		 * except OVLTRACE_ERR, which stops at once. */
		r = add_path(&st, paths[i]);
		if (r == OVLTRACE_ERR)
			ret = r;
		else if (r)
			ret = ret ? ret : r;
	}
	if (ret != OVLTRACE_ERR) {
		qsort(st.rows, st.nr_rows, sizeof(*st.rows), cmp_rows);
		if (opts->json) {
			for (k = 0; k < st.nr_rows; k++)
				print_json(&st, &st.rows[k]);
		} else if (st.nr_rows) {
			print_table(&st);
		} else if (!nr) {
			printf("no overlay mounts\n");
		}
		if (fflush(stdout) == EOF || ferror(stdout))
			ret = ovltrace_fail(OVLTRACE_ERR, "cannot write the output");
		else if (st.unreadable && !ret)
			ret = OVLTRACE_ERR;
	}
	free(st.by_dev);
	ovl_mountinfo_free(&st.mi);
	free(st.rows);
	return ret;
}
