#!/usr/bin/env bash
# Part 5 in the guest (run by bench/scale.sh), counted in instructions
# (vm/run --icount): with N overlays already mounted, for each N of
# BENCH_SCALE_NS in turn (each adds to the overlays of the last), the cost
# of one more volatile mount + unmount, of one without an upper (what the
# series adds there is its sysfs directory), of a restart (the series'
# reuse, and the unchecked one every kernel can do), BENCH_REPS repetitions of
# BENCH_SCALE_MOUNTS each; then, on a kernel with the series, one
# `ovltrace status` (its CPU time) and one read of every
# /sys/fs/overlay/*/reusable (bench-cost read-reusable), BENCH_REPS times
# each, after an untimed run. The N overlays are volatile
# (and volatile_reuse=on where the kernel has it); they and the measured
# one have their upper and work dirs on one ext4, as in the cost part (no
# journal, on a loop device over tmpfs).
# Appends kernel,n,op,rep,us lines to $LAB_OUT/scale.csv (us: CPU time of
# one operation, under --icount the instructions it executed; of one run
# for status and reusable).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

fs=$mnt/scale
csv=$LAB_OUT/scale.csv
ovltrace=$bench_top/build/ovltrace/ovltrace
read -ra ns <<<"$BENCH_SCALE_NS"

# now_us: the guest's clock in µs, without a fork.
now_us() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }
export BENCH_CLOCK=cpu

require_tsc_clock
keep_dirty_data
modprobe overlay
largest=$(printf '%s\n' "${ns[@]}" | sort -n | tail -n 1)
# 8 inodes an overlay: its directory, upper, work, the mount point, and
# what the mount makes in work.
ram_fs scale $((512 + largest / 16)) -N $((8 * largest + 16384))
make_lower "$fs/lower"
mkdir -p "$fs/probe/upper" "$fs/probe/work" "$fs/many" /tmp/probe
ops=(mount-volatile mount-lower unchecked) kind=volatile
if [ -e /sys/fs/overlay/features/volatile_reuse ]; then
	ops+=(reuse) kind=reuse
fi
have=0
for n in "${ns[@]}"; do
	t0=$(now_us)
	bench-cost mount-many "$have" "$n" "$fs/lower" "$fs/many" "$kind"
	echo "scale: $BENCH_KERNEL: $n overlays mounted ($((n - have)) more in $((($(now_us) - t0) / 1000)) ms of guest time)"
	have=$n
	for op in "${ops[@]}"; do
		bench-cost "$op" "$BENCH_SCALE_MOUNTS" "$fs/lower" "$fs/probe" /tmp/probe >/dev/null
		for ((rep = 1; rep <= BENCH_REPS; rep++)); do
			echo "$BENCH_KERNEL,$n,$op,$rep,$(bench-cost "$op" "$BENCH_SCALE_MOUNTS" "$fs/lower" "$fs/probe" /tmp/probe)" >>"$csv"
		done
	done
	if [ "$kind" = reuse ] && [ "$n" -gt 0 ]; then
		[ "$(cat /sys/fs/overlay/*/reusable | grep -c '^1$')" = "$n" ] ||
			{ echo "scale: not every one of the $n overlays is reusable" >&2; exit 3; }
		if [ -x "$ovltrace" ]; then
			[ "$("$ovltrace" status | grep -c .)" -gt "$n" ] ||
				{ echo "scale: ovltrace status does not list the $n overlays" >&2; exit 3; }
		fi
		bench-cost read-reusable >/dev/null
		[ ! -x "$ovltrace" ] || bench-cost run "$ovltrace" status >/dev/null
		for ((rep = 1; rep <= BENCH_REPS; rep++)); do
			echo "$BENCH_KERNEL,$n,reusable,$rep,$(bench-cost read-reusable)" >>"$csv"
			[ ! -x "$ovltrace" ] || echo "$BENCH_KERNEL,$n,status,$rep,$(bench-cost run "$ovltrace" status)" >>"$csv"
		done
	fi
	echo "scale: $BENCH_KERNEL: measured at N = $n"
done
require_tsc_clock
