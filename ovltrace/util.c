// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers every command uses: the error message, device and errno names.
 * This file calls no other file of ovltrace (ovltrace.h).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <string.h>

#include "ovltrace.h"

const char *ovltrace_prog = "ovltrace";

int ovltrace_fail(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", ovltrace_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

void ovl_devname(char *buf, size_t len, unsigned long long dev)
{
	snprintf(buf, len, "%llu:%llu", dev >> 20, dev & 0xfffff);
}

const char *ovl_errname(int err)
{
	static char buf[32];
	const char *name;

	if (err < 0)
		err = -err;
	name = strerrorname_np(err);
	if (name)
		return name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}
