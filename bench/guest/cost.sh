#!/usr/bin/env bash
# Part 3 in the guest (run by bench/cost.sh): the operations the series
# touches, BENCH_COST_MOUNTS mounts or BENCH_COST_FSYNCS fsyncs a
# repetition, on the kernel this VM booted (BENCH_KERNEL names it); with
# the overlayfs tracepoints disabled and, when the kernel has them, enabled.
# Appends kernel,tracepoints,op,rep,us_per_op lines to $LAB_OUT/cost.csv;
# repetitions are numbered from BENCH_REP_FIRST.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

fs=$mnt/cost
m=/tmp/merged
csv=$LAB_OUT/cost.csv
events=/sys/kernel/tracing/events/overlayfs
ops=(mount-volatile mount-durable fsync)

# measure OP: the driver's mean microseconds per operation.
measure() {
	local n=$BENCH_COST_MOUNTS cdir=$fs/volatile
	[ "$1" != fsync ] || n=$BENCH_COST_FSYNCS
	[ "$1" != mount-durable ] || cdir=$fs/durable
	bench-cost "$1" "$n" "$fs/lower" "$cdir" "$m"
}

require_tsc_clock
keep_dirty_data
modprobe overlay
slice_fs cost 0 1
make_lower "$fs/lower"
mkdir -p "$fs/volatile/upper" "$fs/volatile/work" "$fs/durable/upper" "$fs/durable/work" "$m"
states=(off)
[ ! -d "$events" ] || states+=(on)
echo "cost: $BENCH_KERNEL kernel $(uname -r), tracepoints: ${states[*]}"
# Warm up: caches, the module, the first mounts.
for op in "${ops[@]}"; do measure "$op" >/dev/null; done
for i in $(seq 0 $((BENCH_REPS - 1))); do
	rep=$((BENCH_REP_FIRST + i)) start=$SECONDS line=""
	for tp in $(shuf -e "${states[@]}"); do
		if [ -d "$events" ]; then
			if [ "$tp" = on ]; then echo 1; else echo 0; fi >"$events/enable"
			echo >/sys/kernel/tracing/trace
		fi
		for op in $(shuf -e "${ops[@]}"); do
			us=$(measure "$op")
			echo "$BENCH_KERNEL,$tp,$op,$rep,$us" >>"$csv"
			line+=" $op/$tp=${us}us"
		done
	done
	echo "cost: $BENCH_KERNEL rep $rep ($(since "$start")):$line"
done
umount "$fs"
require_tsc_clock
