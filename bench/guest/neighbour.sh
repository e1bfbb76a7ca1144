#!/usr/bin/env bash
# Part 2 in the guest (run by bench/neighbour.sh): a neighbour writes 4 KiB
# and fsyncs every BENCH_NB_INTERVAL_MS on the filesystem that K containers
# share, each writing BENCH_NB_WRITE_MIB every BENCH_NB_PERIOD_MS. Phases of
# BENCH_NB_SECONDS, in a random order in each of BENCH_REPS rounds:
#   quiet   the neighbour alone
#   idle    the containers write, none restarts
#   reuse   the containers write and restart, reusing their upper
#   sync    the containers write and restart with sync-then-mount
# Writes $LAB_OUT/neighbour-fsync.csv (mode,round,fsync_us) and
# $LAB_OUT/neighbour-containers.csv.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

k=$BENCH_NB_K
fs=$mnt/shared
phases=(quiet idle reuse sync)
fsync_csv=$LAB_OUT/neighbour-fsync.csv
containers_csv=$LAB_OUT/neighbour-containers.csv
echo "mode,round,fsync_us" >"$fsync_csv"
echo "mode,round,container,restarts,mean_restart_us,max_restart_us" >"$containers_csv"

setup() {
	local i
	slice_fs shared 0 1
	make_lower "$fs/lower"
	mkdir -p "$fs/neighbour"
	for ((i = 1; i <= k; i++)); do
		mkdir -p "$fs/c$i/upper" "$fs/c$i/work" "/tmp/m$i"
		mount -t overlay overlay -o "lowerdir=$fs/lower,upperdir=$fs/c$i/upper,workdir=$fs/c$i/work,volatile,volatile_reuse=on" "/tmp/m$i"
	done
}

# phase MODE ROUND: the containers (unless quiet) and the neighbour, together.
phase() {
	local mode=$1 round=$2 i pids=() n
	# Each phase starts from a clean filesystem.
	sync
	if [ "$mode" != quiet ]; then
		for ((i = 1; i <= k; i++)); do
			bench-restart loop "$mode" "$BENCH_NB_SECONDS" "$BENCH_NB_WRITE_MIB" "$BENCH_NB_PERIOD_MS" \
				"$fs/lower" "$fs/c$i" "/tmp/m$i" "$fs" >"/tmp/c$i.out" &
			pids+=("$!")
		done
	fi
	n=$(bench-neighbour "$fs/neighbour/log" "$BENCH_NB_SECONDS" "$BENCH_NB_INTERVAL_MS" /tmp/fsync.txt)
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}"
		echo "$mode,$round,$((i + 1)),$(<"/tmp/c$((i + 1)).out")" >>"$containers_csv"
	done
	sed "s/^/$mode,$round,/" /tmp/fsync.txt >>"$fsync_csv"
	echo "$mode: $n fsyncs"
}

require_tsc_clock
keep_dirty_data
modprobe overlay
setup
for ((round = 1; round <= BENCH_REPS; round++)); do
	start=$SECONDS line=""
	for mode in $(shuf -e "${phases[@]}"); do
		line+="  $(phase "$mode" "$round")"
	done
	echo "neighbour: round $round/$BENCH_REPS ($(since "$start")):$line"
done
for ((i = 1; i <= k; i++)); do umount "/tmp/m$i"; done
umount "$fs"
require_tsc_clock
