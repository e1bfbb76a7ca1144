// SPDX-License-Identifier: GPL-2.0
/*
 * ovltrace watch: the overlayfs events of the running kernel, from a
 * private tracefs instance (other tracers are not disturbed), removed on
 * exit. ovltrace report: the same events from a trace.dat, through
 * libtracecmd, in time order across CPUs and buffer instances. The
 * events ovltrace explains are followed (tracefs_follow_event(),
 * tracecmd_follow_event()): the libraries call the decoder for their
 * records only, and for the events the buffer dropped
 * (*_follow_missed_events()); every other record is only counted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <trace-cmd.h>
#include <tracefs.h>

#include "events.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static bool overlay_loaded(void)
{
	FILE *f = fopen("/proc/filesystems", "re");
	char line[128];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strcmp(line, "nodev\toverlay\n");
	fclose(f);
	return found;
}

/*
 * Where tracefs is mounted, from mountinfo (preferring /sys/kernel/tracing):
 * 0 and *DIR (NULL: not mounted), or -1 with errno. libtracefs would also
 * take debugfs's tracing automount, i.e. mount it behind the operator's
 * back; we say what to do instead.
 */
static int tracefs_mount(char **dir)
{
	struct ovl_mountinfo mi;
	const char *found = NULL;
	size_t i;

	*dir = NULL;
	if (ovl_mountinfo_read(&mi))
		return -1;
	for (i = 0; i < mi.nr; i++) {
		if (strcmp(mi.mounts[i].fstype, "tracefs"))
			continue;
		if (!found || !strcmp(mi.mounts[i].point, "/sys/kernel/tracing"))
			found = mi.mounts[i].point;
	}
	if (found && !(*dir = strdup(found)))
		errno = ENOMEM;
	ovl_mountinfo_free(&mi);
	return found && !*dir ? -1 : 0;
}

/* The message and exit status for a failed decoder (ovl_decoder_error). */
static int decoder_failed(const struct ovl_decoder *d)
{
	if (ovl_decoder_error(d) == ENOMEM)
		return ovltrace_fail(OVLTRACE_ERR, "out of memory");
	return ovltrace_fail(OVLTRACE_ERR, "cannot write the output");
}

/* Every record: counted. Nonzero stops the iteration. */
static int watch_record(struct tep_event *event, struct tep_record *rec,
			int cpu, void *data)
{
	(void)event;
	(void)rec;
	(void)cpu;
	ovl_decoder_count(data);
	return stop ? 1 : 0;
}

/* A record of a followed event. */
static int watch_event(struct tep_event *event, struct tep_record *rec,
		       int cpu, void *data)
{
	rec->cpu = cpu;
	if (ovl_decoder_event(data, event, rec)) {
		stop = 1;
		return 1;
	}
	return 0;
}

static int watch_missed(struct tep_event *event, struct tep_record *rec,
			int cpu, void *data)
{
	(void)event;
	(void)cpu;
	ovl_decoder_missed(data, rec);
	return 0;
}

/* Follow the decoder's events in INST (those TEP has). */
static int watch_follow(struct tep_handle *tep, struct tracefs_instance *inst,
			struct ovl_decoder *d)
{
	const char *system, *name;
	void *data;
	size_t i;

	for (i = 0; ovl_decoder_follower(d, i, &system, &name, &data); i++)
		if (tep_find_event_by_name(tep, system, name) &&
		    tracefs_follow_event(tep, inst, system, name, watch_event, data))
			return -1;
	return tracefs_follow_missed_events(inst, watch_missed, d);
}

/*
 * Read what the instance's buffers hold. tracefs_iterate_raw_events()
 * fails only when it cannot open them; a callback that stops it (an
 * output error) is seen in the decoder.
 */
static int watch_read(struct tep_handle *tep, struct tracefs_instance *inst,
		      struct ovl_decoder *d, const char *name)
{
	if (tracefs_iterate_raw_events(tep, inst, NULL, 0, watch_record, d) < 0)
		return ovltrace_fail(OVLTRACE_ERR, "cannot read the trace buffers of instance %s: %s",
				     name, strerror(errno));
	if (ovl_decoder_error(d))
		return decoder_failed(d);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int ovltrace_watch(const struct ovltrace_opts *opts)
{
	const char *systems[] = { "overlayfs", "filemap", NULL };
	struct tracefs_instance *inst = NULL;
	struct tep_handle *tep = NULL;
	struct ovl_decoder *d = NULL;
	struct sigaction sa = { 0 };
	char *dir = NULL;
	char path[4096], name[64];
	double end = 0;
	int ret;

	if (tracefs_mount(&dir))
		return ovltrace_fail(OVLTRACE_ERR, "cannot read /proc/self/mountinfo: %s",
				     strerror(errno));
	if (!dir)
		return ovltrace_fail(OVLTRACE_NO_TRACEFS,
			"tracefs is not mounted; mount it with: mount -t tracefs nodev /sys/kernel/tracing");
	if (access(dir, R_OK | W_OK | X_OK)) {
		ret = ovltrace_fail(OVLTRACE_PERM,
			"not permitted to use tracefs at %s (%s): watch needs root (CAP_SYS_ADMIN and access to tracefs)",
			dir, strerror(errno));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/events/overlayfs", dir);
	if (access(path, F_OK)) {
		if (!overlay_loaded())
			ret = ovltrace_fail(OVLTRACE_NO_SERIES,
				"no overlayfs events in %s/events: the overlay module is not loaded (modprobe overlay)", dir);
		else
			ret = ovltrace_fail(OVLTRACE_NO_SERIES,
				"this kernel has no overlayfs trace events: the reusable volatile series is not applied");
		goto out;
	}
	tracefs_set_tracing_dir(dir);

	tep = tracefs_local_events_system(dir, systems);
	if (!tep) {
		ret = ovltrace_fail(OVLTRACE_ERR, "cannot read the event formats in %s/events: %s",
				    dir, strerror(errno));
		goto out;
	}
	d = ovl_decoder_new(opts, stdout);
	if (!d) {
		ret = ovltrace_fail(OVLTRACE_ERR, "out of memory");
		goto out;
	}
	ret = ovl_check_tep(tep);
	if (ret <= 0) {
		/* < 0: the decoder said which field is missing */
		ret = ret < 0 ? OVLTRACE_BAD_FORMAT :
			ovltrace_fail(OVLTRACE_NO_SERIES,
				      "this kernel has no overlayfs volatile events: the reusable volatile series is not applied");
		goto out;
	}

	snprintf(name, sizeof(name), "ovltrace-%d", (int)getpid());
	inst = tracefs_instance_create(name);
	if (!inst) {
		ret = errno == EACCES || errno == EPERM ?
			ovltrace_fail(OVLTRACE_PERM,
				      "not permitted to create a tracefs instance: watch needs root") :
			ovltrace_fail(OVLTRACE_ERR, "cannot create tracefs instance %s: %s",
				      name, strerror(errno));
		goto out;
	}
	if (watch_follow(tep, inst, d)) {
		ret = ovltrace_fail(OVLTRACE_ERR, "out of memory");
		goto out;
	}
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);

	if (tracefs_event_enable(inst, "overlayfs", NULL)) {
		ret = ovltrace_fail(OVLTRACE_ERR, "cannot enable the overlayfs events in instance %s: %s",
				    name, strerror(errno));
		goto out;
	}
	/* Which inodes failed writeback; optional, older kernels lack it. */
	tracefs_event_enable(inst, "filemap", "filemap_set_wb_err");
	if (tracefs_trace_on(inst)) {
		ret = ovltrace_fail(OVLTRACE_ERR, "cannot turn tracing on in instance %s: %s",
				    name, strerror(errno));
		goto out;
	}
	fprintf(stderr, "ovltrace: watching the overlayfs events (tracefs instance %s)%s\n",
		name, opts->duration ? "" : "; Ctrl-C stops");

	if (opts->duration)
		end = now() + opts->duration;
	while (!stop) {
		struct timespec tick = { 0, 100 * 1000 * 1000 };

		ret = watch_read(tep, inst, d, name);
		if (ret)
			goto out;
		if (end && now() >= end)
			break;
		nanosleep(&tick, NULL);
	}
	/* What arrived between the last read and the stop. (Should turning
	 * tracing off fail, the instance is removed right after anyway.) */
	tracefs_trace_off(inst);
	stop = 0;
	ret = watch_read(tep, inst, d, name);
	if (ret)
		goto out;
	ret = OVLTRACE_OK;
	if (ovl_decoder_summary(d, "live tracing"))
		ret = decoder_failed(d);
out:
	if (inst) {
		tracefs_instance_destroy(inst);
		tracefs_instance_free(inst);
	}
	ovl_decoder_free(d);
	if (tep)
		tep_free(tep);
	free(dir);
	return ret;
}

/* Every record: counted. */
static int report_record(struct tracecmd_input *handle, struct tep_record *rec,
			 int cpu, void *data)
{
	(void)handle;
	(void)rec;
	(void)cpu;
	ovl_decoder_count(data);
	return 0;
}

/* A record of a followed event (REC->cpu is its CPU in its instance). */
static int report_event(struct tracecmd_input *handle, struct tep_event *event,
			struct tep_record *rec, int cpu, void *data)
{
	(void)handle;
	(void)cpu;
	return ovl_decoder_event(data, event, rec) ? -1 : 0;
}

static int report_missed(struct tracecmd_input *handle, struct tep_event *event,
			 struct tep_record *rec, int cpu, void *data)
{
	(void)handle;
	(void)event;
	(void)cpu;
	ovl_decoder_missed(data, rec);
	return 0;
}

/* Follow the decoder's events in HANDLE (those its tep has). */
static int report_follow(struct tracecmd_input *handle, struct ovl_decoder *d)
{
	struct tep_handle *tep = tracecmd_get_tep(handle);
	const char *system, *name;
	void *data;
	size_t i;

	for (i = 0; ovl_decoder_follower(d, i, &system, &name, &data); i++)
		if (tep_find_event_by_name(tep, system, name) &&
		    tracecmd_follow_event(handle, system, name, report_event, data))
			return -1;
	return tracecmd_follow_missed_events(handle, report_missed, d);
}

/* A clear reason before libtracecmd gets the file. */
static int check_file(const char *file)
{
	static const char magic[] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g' };
	char head[sizeof(magic)];
	struct stat sb;
	ssize_t n;
	int fd;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ovltrace_fail(OVLTRACE_BAD_FILE, "cannot read %s: %s%s", file,
				     strerror(errno),
				     errno == EACCES ? " (read permission on the file is needed)" : "");
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		close(fd);
		return ovltrace_fail(OVLTRACE_BAD_FILE, "%s is not a regular file", file);
	}
	n = read(fd, head, sizeof(head));
	close(fd);
	if (n < 0)
		return ovltrace_fail(OVLTRACE_BAD_FILE, "cannot read %s: %s", file, strerror(errno));
	if (n < (ssize_t)sizeof(head) || memcmp(head, magic, sizeof(magic)))
		return ovltrace_fail(OVLTRACE_BAD_FILE,
			"%s is not a trace-cmd recording (%s)", file,
			n < (ssize_t)sizeof(head) ? "too short for its header" : "no trace.dat header");
	return 0;
}

int ovltrace_report(const struct ovltrace_opts *opts, const char *file)
{
	struct tracecmd_input **handles = NULL, *handle;
	struct ovl_decoder *d = NULL;
	int i, nr, known = 0, ret;

	ret = check_file(file);
	if (ret)
		return ret;
	/* Our messages say what went wrong; the library's would repeat it. */
	tracecmd_set_loglevel(TEP_LOG_NONE);
	tep_set_loglevel(TEP_LOG_NONE);
	tracefs_set_loglevel(TEP_LOG_NONE);
	handle = tracecmd_open(file, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!handle)
		return ovltrace_fail(OVLTRACE_BAD_FILE,
			"%s is truncated or damaged: libtracecmd cannot read its headers", file);

	nr = 1 + tracecmd_buffer_instances(handle);
	handles = calloc(nr, sizeof(*handles));
	d = ovl_decoder_new(opts, stdout);
	if (!handles || !d) {
		ret = ovltrace_fail(OVLTRACE_ERR, "out of memory");
		goto out;
	}
	handles[0] = handle;
	for (i = 1; i < nr; i++) {
		handles[i] = tracecmd_buffer_instance_handle(handle, i - 1);
		if (!handles[i]) {
			ret = ovltrace_fail(OVLTRACE_BAD_FILE,
				"%s is truncated or damaged: buffer instance '%s' cannot be read",
				file, tracecmd_buffer_instance_name(handle, i - 1));
			goto out;
		}
	}
	for (i = 0; i < nr; i++) {
		ret = ovl_check_tep(tracecmd_get_tep(handles[i]));
		if (ret < 0) {
			ret = OVLTRACE_BAD_FORMAT;	/* the decoder said which field */
			goto out;
		}
		known += ret;
		if (report_follow(handles[i], d)) {
			ret = ovltrace_fail(OVLTRACE_ERR, "out of memory");
			goto out;
		}
	}
	if (!known) {
		ret = ovltrace_fail(OVLTRACE_NO_EVENTS,
			"%s has no overlayfs events: record with 'trace-cmd record -e overlayfs -e filemap' on a kernel with the reusable volatile series",
			file);
		goto out;
	}
	/* -1 from the library itself (not from the decoder) is a record it
	 * could not read, e.g. of an event the file has no format for. */
	if (tracecmd_iterate_events_multi(handles, nr, report_record, d) < 0) {
		ret = ovl_decoder_error(d) ? decoder_failed(d) :
			ovltrace_fail(OVLTRACE_BAD_FILE,
				      "%s is truncated or damaged: libtracecmd cannot read its records", file);
		goto out;
	}
	if (ovl_decoder_summary(d, file)) {
		ret = decoder_failed(d);
		goto out;
	}
	ret = OVLTRACE_OK;
	if (!ovl_decoder_nr_events(d))
		ret = ovltrace_fail(OVLTRACE_NO_EVENTS,
			"%s knows the overlayfs events but none happened while it was recorded",
			file);
out:
	if (handles)
		for (i = nr - 1; i > 0; i--)
			if (handles[i])
				tracecmd_close(handles[i]);
	tracecmd_close(handle);
	free(handles);
	ovl_decoder_free(d);
	return ret;
}
