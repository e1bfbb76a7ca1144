#!/usr/bin/env bash
# Part 3 in the guest (run by bench/cost.sh): the operations the series
# touches, BENCH_COST_MOUNTS mount cycles or BENCH_COST_FSYNCS fsyncs a
# repetition, on the kernel this VM booted (BENCH_KERNEL: base or patched).
#
# BENCH_COST_CLOCK=icount: the VM counts instructions (vm/run --icount) and
# the driver times with its thread's CPU time (BENCH_CLOCK=cpu: the
# instructions it executed, none while it sleeps); the upper is ext4 on a
# loop device over tmpfs (no I/O leaves the guest: an I/O completion
# would land at a point of virtual time the host decides),
# and every boot runs the same fixed sequence, so that the boots of one
# kernel can be compared repetition by repetition: for each operation a
# warm-up, then BENCH_REPS repetitions. The overlayfs tracepoints stay as
# BENCH_COST_TP says (off or on) for the whole boot. The operations of
# the series alone (volatile_reuse=on) come last, so that the others have
# the same history on both kernels.
# BENCH_COST_CLOCK=wall: the wall clock of a TCG guest, the upper on ext4 on
# the bench disk; each repetition runs every operation with the tracepoints
# off and on, in a random order.
# Appends clock,kernel,tracepoints,op,boot,rep,us_per_op lines to
# $LAB_OUT/cost.csv (under icount a "µs" is 1000 << shift instructions).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

fs=$mnt/cost
m=/tmp/merged
csv=$LAB_OUT/cost.csv
events=/sys/kernel/tracing/events/overlayfs
clock=${BENCH_COST_CLOCK:-wall} boot=${BENCH_COST_BOOT:-1}
ops=(mount-volatile mount-durable mount-lower unchecked fsync)

# measure OP: the driver's mean microseconds per operation.
measure() {
	local n=$BENCH_COST_MOUNTS cdir=$fs/volatile
	[ "$1" != fsync ] || n=$BENCH_COST_FSYNCS
	[ "$1" != mount-durable ] || cdir=$fs/durable
	bench-cost "$1" "$n" "$fs/lower" "$cdir" "$m"
}

# tracepoints on|off: the overlayfs events (a kernel without them has none).
tracepoints() {
	[ -d "$events" ] || return 0
	if [ "$1" = on ]; then echo 1; else echo 0; fi >"$events/enable"
	echo >/sys/kernel/tracing/trace
}

run_icount() {
	local tp=${BENCH_COST_TP:-off} op rep us
	export BENCH_CLOCK=${BENCH_CLOCK:-cpu}
	tracepoints "$tp"
	for op in "${ops[@]}"; do
		measure "$op" >/dev/null
		for ((rep = 1; rep <= BENCH_REPS; rep++)); do
			us=$(measure "$op")
			echo "$clock,$BENCH_KERNEL,$tp,$op,$boot,$rep,$us" >>"$csv"
		done
		echo "cost: $BENCH_KERNEL boot $boot, tracepoints $tp, $op: $BENCH_REPS repetitions"
	done
}

run_wall() {
	local states=(off) i rep start line tp op us
	[ ! -d "$events" ] || states+=(on)
	# Warm up: caches, the module, the first mounts.
	for op in "${ops[@]}"; do measure "$op" >/dev/null; done
	for ((i = 0; i < BENCH_REPS; i++)); do
		rep=$((BENCH_REP_FIRST + i)) start=$SECONDS line=""
		for tp in $(shuf -e "${states[@]}"); do
			tracepoints "$tp"
			for op in $(shuf -e "${ops[@]}"); do
				us=$(measure "$op")
				echo "$clock,$BENCH_KERNEL,$tp,$op,$boot,$rep,$us" >>"$csv"
				line+=" $op/$tp=${us}us"
			done
		done
		echo "cost: $BENCH_KERNEL rep $rep ($(since "$start")):$line"
	done
}

require_tsc_clock
keep_dirty_data
modprobe overlay
if [ "$clock" = icount ]; then ram_fs cost 768; else slice_fs cost 0 1; fi
make_lower "$fs/lower"
mkdir -p "$fs/volatile/upper" "$fs/volatile/work" "$fs/durable/upper" "$fs/durable/work" "$m"
# The operations of the series, on a kernel that has it.
[ ! -e /sys/fs/overlay/features/volatile_reuse ] || ops+=(mount-reuse-on reuse)
echo "cost: $clock, $BENCH_KERNEL kernel $(uname -r), operations: ${ops[*]}"
if [ "$clock" = icount ]; then run_icount; else run_wall; fi
umount "$fs"
require_tsc_clock
