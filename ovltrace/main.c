// SPDX-License-Identifier: GPL-2.0
/*
 * ovltrace: the operators' reader for reusable volatile overlay mounts.
 *
 *   ovltrace status [PATH...]      which overlays can be reused, from sysfs
 *   ovltrace watch [--duration S]  the overlayfs events as they happen
 *   ovltrace report FILE           the same events from a trace.dat
 *   ovltrace reasons [REASON...]   what each refusal reason means, what to do
 *
 * --json on every command: one JSON object per line. The exit statuses
 * are part of the interface (ovltrace.h, ovltrace.8).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "ovltrace.h"

#ifndef OVLTRACE_VERSION
#define OVLTRACE_VERSION "0"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ovltrace [--json] status [PATH...]\n"
		"       ovltrace [--json] watch [--duration SECONDS]\n"
		"       ovltrace [--json] report FILE\n"
		"       ovltrace [--json] reasons [REASON...]\n"
		"\n"
		"  status   one row per overlay mount from /sys/fs/overlay: mount point,\n"
		"           fsync mode, upper device, reusable, reused, wb_err; with\n"
		"           PATHs, only the overlays holding them\n"
		"  watch    print the overlayfs events as they happen (private tracefs\n"
		"           instance, removed on exit); needs root\n"
		"  report   explain the overlayfs events of a trace.dat recorded with\n"
		"           trace-cmd record -e overlayfs [-e filemap]\n"
		"  reasons  what each refusal reason means and what to do\n"
		"\n"
		"  -j, --json           one JSON object per line\n"
		"  -d, --duration SEC   watch: stop after SEC seconds\n"
		"  -h, --help           this help; see ovltrace(8)\n"
		"  -V, --version        print the version\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ovltrace_opts opts = { 0 };
	bool have_duration = false;
	const char *cmd;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "jd:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opts.json = true;
			break;
		case 'd':
			opts.duration = strtod(optarg, &end);
			if (*end || end == optarg || !(opts.duration > 0))
				return ovltrace_fail(OVLTRACE_USAGE,
					"--duration wants a number of seconds > 0, not '%s'", optarg);
			have_duration = true;
			break;
		case 'h':
			usage(stdout);
			return OVLTRACE_OK;
		case 'V':
			printf("ovltrace %s\n", OVLTRACE_VERSION);
			return OVLTRACE_OK;
		default:
			usage(stderr);
			return OVLTRACE_USAGE;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return OVLTRACE_USAGE;
	}
	cmd = argv[optind++];
	if (have_duration && strcmp(cmd, "watch"))
		return ovltrace_fail(OVLTRACE_USAGE, "--duration is for watch only");
	if (!strcmp(cmd, "status"))
		return ovltrace_status(&opts, argv + optind, argc - optind);
	if (!strcmp(cmd, "watch")) {
		if (optind != argc)
			return ovltrace_fail(OVLTRACE_USAGE, "watch takes no arguments");
		return ovltrace_watch(&opts);
	}
	if (!strcmp(cmd, "report")) {
		if (argc - optind != 1)
			return ovltrace_fail(OVLTRACE_USAGE,
				"report wants one FILE (a trace.dat from trace-cmd record)");
		return ovltrace_report(&opts, argv[optind]);
	}
	if (!strcmp(cmd, "reasons"))
		return ovltrace_reasons(&opts, argv + optind, argc - optind);
	ovltrace_fail(OVLTRACE_USAGE, "unknown command '%s'", cmd);
	usage(stderr);
	return OVLTRACE_USAGE;
}
