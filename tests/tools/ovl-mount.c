// SPDX-License-Identifier: GPL-2.0
/*
 * ovl-mount: mount an overlay through the new mount API and report what the
 * kernel said, so that tests can assert on it: the errno by name and every
 * line of the fs_context log (the text fsconfig() users and libmount read).
 *
 * usage: ovl-mount OPTIONS TARGET
 *   OPTIONS is the usual comma-separated overlay option string.
 * Prints "log: <line>" for each log message, then "ok" or "error: ENAME".
 * Exit status: 0, or the errno of the step that failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static void print_log(int fsfd)
{
	char buf[8192];
	ssize_t n;

	while ((n = read(fsfd, buf, sizeof(buf) - 1)) > 0) {
		while (n > 0 && buf[n - 1] == '\n')
			n--;
		buf[n] = '\0';
		printf("log: %s\n", buf);
	}
}

static int fail(int fsfd, const char *what, const char *arg)
{
	int err = errno;

	if (fsfd >= 0)
		print_log(fsfd);
	printf("error: %s (%s%s%s: %s)\n", strerrorname_np(err), what,
	       arg ? " " : "", arg ? arg : "", strerror(err));
	return err;
}

int main(int argc, char **argv)
{
	char *opts, *opt, *save = NULL;
	int fsfd, mntfd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s OPTIONS TARGET\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return fail(-1, "fsopen", "overlay");
	opts = strdup(argv[1]);
	for (opt = strtok_r(opts, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		char *val = strchr(opt, '=');
		int ret;

		if (val) {
			*val++ = '\0';
			ret = fsconfig(fsfd, FSCONFIG_SET_STRING, opt, val, 0);
		} else {
			ret = fsconfig(fsfd, FSCONFIG_SET_FLAG, opt, NULL, 0);
		}
		if (ret < 0)
			return fail(fsfd, "fsconfig", opt);
	}
	free(opts);
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fail(fsfd, "fsconfig", "create");
	mntfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
	if (mntfd < 0)
		return fail(fsfd, "fsmount", NULL);
	if (move_mount(mntfd, "", AT_FDCWD, argv[2], MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return fail(fsfd, "move_mount", argv[2]);
	print_log(fsfd);
	printf("ok\n");
	return 0;
}
