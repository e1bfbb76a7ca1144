// SPDX-License-Identifier: GPL-2.0
/*
 * The one reader of /proc/self/mountinfo, for status (mount points of the
 * overlays) and watch (where tracefs is mounted). See proc_pid_mountinfo(5):
 *   ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ovltrace.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

static int add_mount(struct ovl_mountinfo *mi, size_t *max, unsigned int ma,
		     unsigned int mi_, const char *fstype, const char *point)
{
	struct ovl_mount *m;

	if (mi->nr == *max) {
		size_t n = *max ? 2 * *max : 64;

		m = realloc(mi->mounts, n * sizeof(*m));
		if (!m)
			return -1;
		mi->mounts = m;
		*max = n;
	}
	m = &mi->mounts[mi->nr];
	m->major = ma;
	m->minor = mi_;
	m->fstype = strdup(fstype);
	m->point = strdup(point);
	if (!m->fstype || !m->point) {
		free(m->fstype);
		free(m->point);
		return -1;
	}
	unescape(m->point);
	mi->nr++;
	return 0;
}

int ovl_mountinfo_read(struct ovl_mountinfo *mi)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, *sep, *point, *fstype, *save;
	size_t cap = 0, max = 0;
	unsigned int ma, mn;
	int ret = 0, err = 0;

	mi->mounts = NULL;
	mi->nr = 0;
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%*u %*u %u:%u", &ma, &mn) != 2)
			continue;
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		strtok_r(line, " ", &save);		/* ID */
		strtok_r(NULL, " ", &save);		/* PARENT */
		strtok_r(NULL, " ", &save);		/* MAJ:MIN */
		strtok_r(NULL, " ", &save);		/* ROOT */
		point = strtok_r(NULL, " ", &save);
		fstype = strtok_r(sep + 3, " ", &save);
		if (!point || !fstype)
			continue;
		if (add_mount(mi, &max, ma, mn, fstype, point)) {
			ret = -1;
			err = ENOMEM;
			break;
		}
	}
	if (!ret && ferror(f)) {
		ret = -1;
		err = EIO;
	}
	free(line);
	fclose(f);
	if (ret) {
		ovl_mountinfo_free(mi);
		errno = err;
	}
	return ret;
}

void ovl_mountinfo_free(struct ovl_mountinfo *mi)
{
	size_t i;

	for (i = 0; i < mi->nr; i++) {
		free(mi->mounts[i].fstype);
		free(mi->mounts[i].point);
	}
	free(mi->mounts);
	mi->mounts = NULL;
	mi->nr = 0;
}
