#!/usr/bin/env bash
# shellcheck disable=SC2016 # check_sh conditions are eval'd, in single quotes
# What operators see without reading kernel logs: /sys/fs/overlay/, the
# FS_IOC_GETFSSYSFSPATH ioctl, poll() on "reusable", fanotify FAN_FS_ERROR,
# the overlayfs tracepoints (one per decision), trace-cmd and perf.
# vm: --disk 1G
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

T=/sys/kernel/tracing
m=/tmp/merged
use_upper_fs
mkdir -p "$fs/lower" "$fs/lower2" "$m"
echo lower >"$fs/lower/file"

st_dev() { stat -c '%Hd:%Ld' "$1"; }
attr() { cat "/sys/fs/overlay/$1/$2"; }
# expect_attrs DESC DEV NAME=VALUE...: every attribute has its value.
expect_attrs() {
	local desc=$1 d=$2 kv bad=""
	shift 2
	for kv in "$@"; do
		[ "$(attr "$d" "${kv%%=*}")" = "${kv#*=}" ] ||
			bad+=" ${kv%%=*}=$(attr "$d" "${kv%%=*}") (want ${kv#*=})"
	done
	check "$desc${bad:+:$bad}" [ -z "$bad" ]
}
trace_reset() { echo >"$T/trace"; }
trace_count() { grep -c ": $1:" "$T/trace"; }
# decided DESC EVENT [REASON]: since the last reset, exactly one event of
# the overlayfs system fired, and it is EVENT (with REASON).
decided() {
	local lines reason=${3:-}
	lines=$(grep -E ': ovl_volatile_[a-z_]+:' "$T/trace")
	printf '%s\n' "$lines" | sed 's/^ *\(.*\)/#   trace: \1/' | tail -n 3
	check "$1: one $2 event${reason:+ (reason=$reason)}" bash -c "
		[ \$(grep -c . <<<'$lines') = 1 ] && grep -q ': $2: ' <<<'$lines' &&
		{ [ -z '$reason' ] || grep -q 'reason=$reason ' <<<'$lines'; }"
}

modprobe overlay
echo 1 >"$T/events/overlayfs/enable"
upper_dev=$(st_dev "$fs")
boot_id=$(cat /sys/fs/overlay/boot_id)
check "/sys/fs/overlay/boot_id is a UUID ($boot_id)" \
	grep -qE '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' <<<"$boot_id"
# Loaded after boot, with the crng seeded: the id is made at load, not
# left to a mount (the file shows the nil UUID until then).
check "the boot id was made when the module loaded (not the nil UUID)" \
	[ "$boot_id" != 00000000-0000-0000-0000-000000000000 ]

# A volatile mount, then its reuse.
new_overlay vol volatile,volatile_reuse=on
trace_reset
expect_mount ok "volatile mount" "$opts" "$m"
decided "fresh volatile mount" ovl_volatile_checkpoint
d=$(st_dev "$m")
check "the directory is named after st_dev ($d)" test -d "/sys/fs/overlay/$d"
expect_attrs "volatile: every attribute as documented" "$d" \
	upper_dev="$upper_dev" fsync_mode=volatile errseq=0x00000000 wb_err=0 reusable=1 reused=0
upper_id=$(attr "$d" upper_instance_id)
check_sh "instance ids are set (overlay $(attr "$d" instance_id), upper $upper_id)" \
	'[ "$(attr "$d" instance_id)" -gt 0 ] && [ "$upper_id" -gt 0 ]'
check "the checkpoint event names the same upper" grep -q "upper_dev=$upper_dev upper_instance_id=$upper_id " "$T/trace"
check "FS_IOC_GETFSSYSFSPATH on a file answers overlay/$d" [ "$(sysfs-path "$m/file")" = "overlay/$d" ]
umount "$m"
check "the directory is gone after unmount" test ! -e "/sys/fs/overlay/$d"
trace_reset
expect_mount ok "volatile mount again" "$opts" "$m"
decided "reuse" ovl_volatile_reuse
d=$(st_dev "$m")
expect_attrs "after reuse" "$d" reused=1 reusable=1 upper_instance_id="$upper_id" fsync_mode=volatile
umount "$m"

# Durable and lower-only mounts.
for mode in auto strict; do
	new_overlay "$mode" "fsync=$mode"
	trace_reset
	expect_mount ok "fsync=$mode mount" "$opts" "$m"
	d=$(st_dev "$m")
	expect_attrs "fsync=$mode: every attribute as documented" "$d" \
		upper_dev="$upper_dev" upper_instance_id="$upper_id" fsync_mode=$mode \
		errseq=0x00000000 wb_err=0 reusable=0 reused=0
	check "fsync=$mode: no overlayfs event" [ "$(grep -c ': ovl_volatile' "$T/trace")" = 0 ]
	umount "$m"
done
expect_mount ok "lower-only mount" "lowerdir=$fs/lower:$fs/lower2" "$m"
d=$(st_dev "$m")
expect_attrs "lower-only: every attribute as documented" "$d" \
	upper_dev="" upper_instance_id=0 errseq=0x00000000 wb_err=0 reusable=0 reused=0
check "lower-only: instance_id is set" [ "$(attr "$d" instance_id)" -gt 0 ]
umount "$m"

# One mismatch event per refusal, with its reason: volatile_upper, then a
# fault of tests/fixtures.sh.
refusal() { # DESC REASON: the volatile mount of $opts is refused
	trace_reset
	ovl_mount "$opts" "$m"
	decided "$1" ovl_volatile_mismatch "$2"
}
volatile_upper missing "$m" && fault_missing
refusal "checkpoint removed" missing
volatile_upper corrupt "$m" && fault_corrupt
refusal "checkpoint truncated" corrupt
volatile_upper version "$m" && fault_version
refusal "checkpoint of version 3" version
new_overlay durable && mkdir -p "$ckpt_dir"
trace_reset
ovl_mount "$opts" "$m"
decided "non-volatile mount over a volatile upper" ovl_volatile_mismatch not_volatile
volatile_upper instance "$m" && fault_instance
refusal "upper fs mounted again" instance
check "the event has the saved and a new current instance id" bash -c "
	grep -qE 'saved_instance_id=$upper_id instance_id=[0-9]+ ' '$T/trace' &&
	! grep -q 'saved_instance_id=$upper_id instance_id=$upper_id ' '$T/trace'"
volatile_upper boot "$m" && fault_module_reload
new_boot_id=$(cat /sys/fs/overlay/boot_id)
check "the module reload made a new boot id, before any mount ($new_boot_id)" bash -c "
	[ '$new_boot_id' != '$boot_id' ] && [ '$new_boot_id' != 00000000-0000-0000-0000-000000000000 ]"
echo 1 >"$T/events/overlayfs/enable"
refusal "overlay module reloaded" boot_id
check "reads and mounts keep that boot id" [ "$(cat /sys/fs/overlay/boot_id)" = "$new_boot_id" ]

# stop PID: end a tracer started in the background with SIGTERM (a
# non-interactive shell starts background jobs with SIGINT ignored) and
# wait for it, 60 s at most.
stop() {
	local _
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 300); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.2
	done
	kill -KILL "$1" 2>/dev/null && diag "pid $1 ignored SIGTERM for 60 s: killed"
	wait "$1"
}

# The documented ways to see a refusal with the tools operators have
# (docs/operators.md): bpftrace prints the reason by name, perf records
# the events and perf script shows them. One refused mount (checkpoint
# removed) while both run.
volatile_upper tools "$m" && fault_missing
trace_reset
ovl_mount "$opts" "$m" >/dev/null
reason=$(grep -oE 'reason=[a-z_]+' "$T/trace" | tail -n 1)
if command -v bpftrace >/dev/null; then
	# bpftrace needs the types of the event's fields: from the kernel's BTF,
	# or (the lab's kernels have no BTF) from its headers.
	if [ ! -e /sys/kernel/btf/vmlinux ]; then
		export BPFTRACE_KERNEL_SOURCE=$top/build/linux-$LAB_BASE BPFTRACE_KERNEL_BUILD=${LAB_MODROOT%/modroot}
	fi
	bpftrace --include linux/errseq.h -e 'BEGIN { @reason[1] = "missing"; @reason[2] = "corrupt"; @reason[3] = "version";
  @reason[4] = "boot_id"; @reason[5] = "instance"; @reason[6] = "upperdir"; @reason[7] = "errseq";
  @reason[8] = "metadata"; @reason[9] = "in_use"; @reason[10] = "unreadable";
  @reason[11] = "not_enabled"; @reason[12] = "not_volatile"; }
tracepoint:overlayfs:ovl_volatile_mismatch {
  printf("%d:%d refused: %s\n", args->upper_dev >> 20, args->upper_dev & 0xfffff, @reason[args->reason]); }
END { clear(@reason); }' >/tmp/bpftrace.out 2>&1 &
	bpftracer=$!
	for _ in $(seq 600); do
		grep -q '^Attaching' /tmp/bpftrace.out && break
		kill -0 "$bpftracer" 2>/dev/null || break
		sleep 0.2
	done
else
	bpftracer=
fi
if command -v perf >/dev/null; then
	# Started with its events disabled (-D -1), enabled through its control
	# fifo, which acknowledges once they are: no guess of how long perf
	# takes on a slow machine.
	rm -f /tmp/perf.ctl /tmp/perf.ack
	mkfifo /tmp/perf.ctl /tmp/perf.ack
	# (docs/operators.md's command, then the control options)
	perf record -e 'overlayfs:*' -a -o /tmp/perf.data -D -1 --control=fifo:/tmp/perf.ctl,/tmp/perf.ack \
		>/tmp/perf.log 2>&1 &
	perfer=$!
	exec 7<>/tmp/perf.ctl 8<>/tmp/perf.ack
	echo enable >&7
	ack=
	until [ "$ack" = ack ]; do
		kill -0 "$perfer" 2>/dev/null || break
		read -r -t 1 ack <&8 || true
	done
	check "perf record --control: the events are enabled (perf said '$ack')" [ "$ack" = ack ]
else
	perfer=
fi
trace_reset
ovl_mount "$opts" "$m"
decided "refusal seen by bpftrace and perf" ovl_volatile_mismatch "${reason#reason=}"
if [ -n "$bpftracer" ]; then
	stop "$bpftracer"
	sed 's/^/#   bpftrace: /' /tmp/bpftrace.out | head -n 5
	check "bpftrace: the documented one-liner prints '$upper_dev refused: ${reason#reason=}'" \
		grep -qx "$upper_dev refused: ${reason#reason=}" /tmp/bpftrace.out
else
	tap_skip "bpftrace: the documented one-liner prints the reason by name" "bpftrace is not installed (scripts/deps)"
fi
if [ -n "$perfer" ]; then
	stop "$perfer"
	perf script -i /tmp/perf.data >/tmp/perf.txt 2>/tmp/perf.err
	check "perf record -e 'overlayfs:*' + perf script: the refusal with its reason by name" \
		grep -q "overlayfs:ovl_volatile_mismatch: upper_dev=$upper_dev ${reason}" /tmp/perf.txt ||
		sed 's/^/#   /' /tmp/perf.log /tmp/perf.err /tmp/perf.txt | tail -n 20
	perf list 'overlayfs:*' >/tmp/perf-list.txt 2>&1
	check "perf list 'overlayfs:*' shows the four events" \
		[ "$(grep -c 'overlayfs:ovl_volatile_' /tmp/perf-list.txt)" = 4 ]
else
	tap_skip "perf record --control: the events are enabled" "perf is not installed (scripts/deps)"
	tap_skip "perf record -e 'overlayfs:*' + perf script: the refusal with its reason by name" "perf is not installed (scripts/deps)"
	tap_skip "perf list 'overlayfs:*' shows the four events" "perf is not installed (scripts/deps)"
fi

# A writeback error while mounted, recorded by trace-cmd; poll() and
# fanotify see it once.
(cd /tmp && exec trace-cmd record -q -o /tmp/trace.dat -B lab -e overlayfs) >/tmp/trace-cmd.log 2>&1 &
recorder=$!
wait_recording "$T/instances/lab" "$recorder"
# fanotify takes filesystem marks with FID reporting only where file
# handles can be decoded: on overlays with nfs_export=on.
new_overlay wberr volatile,volatile_reuse=on,index=on,nfs_export=on
expect_mount ok "volatile mount for the writeback error" "$opts" "$m"
umount "$m" && ovl-mount "$opts" "$m" >/dev/null
d=$(st_dev "$m")
poll-attr "/sys/fs/overlay/$d/reusable" 60 >/tmp/poll.out &
poller=$!
fs-errors "$m" 20 >/tmp/fanotify.out &
listener=$!
for _ in $(seq 50); do
	grep -q ready /tmp/poll.out && grep -q ready /tmp/fanotify.out && break
	sleep 0.2
done
trace_reset
fail_writes "$dev" upper
dd if=/dev/urandom of="$m/data" bs=1M count=4 status=none
sync # the upper fails writeback; sync(2) skips the overlay: nothing observed yet
sync
sync -f "$m/file" 2>/dev/null
wait "$poller"
sed 's/^/#   /' /tmp/poll.out
check "poll() on reusable woke up, value 0" grep -q '^woke, value 0$' /tmp/poll.out
expect_attrs "after the writeback error" "$d" wb_err=-5 reusable=0
check "one ovl_volatile_wb_err event for the first detection" [ "$(trace_count ovl_volatile_wb_err)" = 1 ]
wait "$listener"
sed 's/^/#   /' /tmp/fanotify.out
check "fanotify: exactly one FAN_FS_ERROR event, EIO" \
	bash -c "grep -q '^events=1$' /tmp/fanotify.out && grep -q '^error=5 ' /tmp/fanotify.out"
umount "$m"
refusal "writeback error while mounted" errseq
kill -INT "$recorder"
wait "$recorder"
trace-cmd report -i /tmp/trace.dat >/tmp/report.txt 2>&1
grep ovl_volatile /tmp/report.txt | sed 's/^ */#   report: /'
grep -q ovl_volatile /tmp/report.txt || sed 's/^/#   /' /tmp/trace-cmd.log /tmp/report.txt | tail -n 20
for ev in checkpoint reuse mismatch wb_err; do
	check "trace-cmd recorded and reports ovl_volatile_$ev" grep -q "ovl_volatile_$ev:" /tmp/report.txt
done
check "trace-cmd report prints the reason by name" grep -q "ovl_volatile_mismatch:.*reason=errseq" /tmp/report.txt
tap_done
