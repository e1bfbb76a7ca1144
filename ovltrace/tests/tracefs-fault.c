// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD for tests/host/ovltrace.sh: lets `ovltrace watch` run on a
 * host kernel without the series, over a fake events/ directory (the
 * recorded formats) mounted on a real tracefs in a private mount
 * namespace, and makes one libtracefs call fail as the real one can.
 *   tracefs_event_enable()  always "succeeds": the fake events are not
 *                           the instance's
 *   OVLTRACE_FAULT=trace_on  tracefs_trace_on() fails (EACCES)
 *   OVLTRACE_FAULT=iterate   tracefs_iterate_raw_events() fails (ENODEV),
 *                            as when the per-CPU buffers cannot be opened
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tracefs.h>

static int fault(const char *name)
{
	const char *f = getenv("OVLTRACE_FAULT");

	return f && !strcmp(f, name);
}

int tracefs_event_enable(struct tracefs_instance *instance, const char *system,
			 const char *event)
{
	(void)instance;
	(void)system;
	(void)event;
	return 0;
}

int tracefs_trace_on(struct tracefs_instance *instance)
{
	int (*real)(struct tracefs_instance *) =
		(int (*)(struct tracefs_instance *))dlsym(RTLD_NEXT, "tracefs_trace_on");

	if (fault("trace_on")) {
		errno = EACCES;
		return -1;
	}
	return real(instance);
}

int tracefs_iterate_raw_events(struct tep_handle *tep, struct tracefs_instance *instance,
			       cpu_set_t *cpus, int cpu_size,
			       int (*callback)(struct tep_event *, struct tep_record *, int, void *),
			       void *context)
{
	int (*real)(struct tep_handle *, struct tracefs_instance *, cpu_set_t *, int,
		    int (*)(struct tep_event *, struct tep_record *, int, void *), void *) =
		(int (*)(struct tep_handle *, struct tracefs_instance *, cpu_set_t *, int,
			 int (*)(struct tep_event *, struct tep_record *, int, void *), void *))
		dlsym(RTLD_NEXT, "tracefs_iterate_raw_events");

	if (fault("iterate")) {
		errno = ENODEV;
		return -1;
	}
	return real(tep, instance, cpus, cpu_size, callback, context);
}
