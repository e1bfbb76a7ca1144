// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs-path: print what FS_IOC_GETFSSYSFSPATH answers for a file, e.g.
 * "overlay/0:42" for a file of an overlay mount.
 * Exit status: 0, or the errno of the ioctl.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/fs.h>

#ifndef FS_IOC_GETFSSYSFSPATH
/* Linux 6.10 uapi, for older installed headers */
struct fs_sysfs_path {
	__u8 len;
	__u8 name[128];
};
#define FS_IOC_GETFSSYSFSPATH _IOR(0x15, 1, struct fs_sysfs_path)
#endif

int main(int argc, char **argv)
{
	struct fs_sysfs_path p = { 0 };
	int fd, err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, FS_IOC_GETFSSYSFSPATH, &p) < 0) {
		err = errno;
		fprintf(stderr, "%s: %s\n", argv[1], strerror(err));
		return err;
	}
	printf("%.*s\n", p.len, p.name);
	return 0;
}
