/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ovltrace: what the kernel decided about volatile overlay mounts, from
 * sysfs (status), a live tracefs instance (watch) or a trace.dat (report).
 */
#ifndef OVLTRACE_H
#define OVLTRACE_H

#include <stdbool.h>
#include <stdio.h>

/* Exit statuses: documented in ovltrace.8, relied on by scripts. */
enum ovltrace_exit {
	OVLTRACE_OK = 0,
	OVLTRACE_ERR = 1,		/* anything else (out of memory, I/O, tracefs, a sysfs row) */
	OVLTRACE_USAGE = 2,		/* bad command line */
	OVLTRACE_NO_TRACEFS = 3,	/* tracefs is not mounted */
	OVLTRACE_PERM = 4,		/* not permitted */
	OVLTRACE_NO_SERIES = 5,		/* kernel without the overlayfs events/sysfs */
	OVLTRACE_BAD_FILE = 6,		/* trace.dat missing, unreadable, truncated */
	OVLTRACE_NO_EVENTS = 7,		/* recording without overlayfs events */
	OVLTRACE_NOT_OVERLAY = 8,	/* a PATH is not on an overlay */
	OVLTRACE_BAD_FORMAT = 9,	/* the events' format is not the one ovltrace knows */
};

struct ovltrace_opts {
	bool json;
	double duration;	/* watch: seconds, 0 = until interrupted */
};

/* util.c */
extern const char *ovltrace_prog;

/* Print "ovltrace: MSG" on stderr and return STATUS. */
int ovltrace_fail(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int ovltrace_status(const struct ovltrace_opts *opts, char **paths, int nr);
int ovltrace_watch(const struct ovltrace_opts *opts);
int ovltrace_report(const struct ovltrace_opts *opts, const char *file);
int ovltrace_reasons(const struct ovltrace_opts *opts, char **names, int nr);

/* json.c: one JSON object per line, written field by field. */
struct json {
	FILE *f;
	bool first;
};

void json_begin(struct json *j, FILE *f);
void json_str(struct json *j, const char *key, const char *val);
void json_u64(struct json *j, const char *key, unsigned long long val);
void json_i64(struct json *j, const char *key, long long val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);
/* The caller writes the raw value (an array) right after this. */
void json_key(struct json *j, const char *key);
void json_end(struct json *j);
void json_write_string(FILE *f, const char *s);

/*
 * The files call each other as a tree: main.c -> status.c, trace.c,
 * events.c (reasons); status.c -> mountinfo.c, json.c; trace.c ->
 * events.c, mountinfo.c; main.c, status.c, trace.c, events.c -> util.c;
 * util.c, json.c and mountinfo.c call none (tests/host/ovltrace.sh checks
 * this on the objects).
 */

/* mountinfo.c: the mounts of /proc/self/mountinfo, in its order. */
struct ovl_mount {
	unsigned int major, minor;
	char *fstype;
	char *point;		/* unescaped */
};

struct ovl_mountinfo {
	struct ovl_mount *mounts;
	size_t nr;
};

/* 0, or -1 with errno (that of the open, ENOMEM, EIO). */
int ovl_mountinfo_read(struct ovl_mountinfo *mi);
void ovl_mountinfo_free(struct ovl_mountinfo *mi);

/* util.c */
/* A kernel dev_t (MAJOR = bits 20+, MINOR = bits 0-19) as "major:minor". */
void ovl_devname(char *buf, size_t len, unsigned long long dev);
/* "EIO" for 5 or -5; "errno 4095" for what it does not know. */
const char *ovl_errname(int err);

#endif
