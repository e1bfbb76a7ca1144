#!/usr/bin/env bash
# Part 2 in the guest (run by bench/neighbour.sh): a neighbour writes 4 KiB
# and fsyncs every BENCH_NB_INTERVAL_MS on the filesystem that K containers
# share, each writing BENCH_NB_WRITE_MIB every BENCH_NB_PERIOD_MS, all at
# the same moments: every restart is a storm of all K at once. Phases of
# BENCH_NB_SECONDS, in a random order in each of BENCH_REPS rounds:
#   quiet     the neighbour alone
#   idle      the containers write, none restarts
#   reuse     the containers write and restart, reusing their upper
#   sync      the containers write and restart with sync-then-mount
#   loopfs    the same with each container's upper on an ext4 image of its
#             own on the shared filesystem, loop-mounted: syncfs of that
#             small filesystem, delete the marker, mount
#   unchecked the containers write, delete the marker and mount (unsafe)
# Writes $LAB_OUT/neighbour-fsync.csv (mode,round,fsync_us),
# $LAB_OUT/neighbour-containers.csv and $LAB_OUT/neighbour-setup.csv
# (what setting each container up took).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

k=$BENCH_NB_K
fs=$mnt/shared
phases=(quiet idle reuse sync loopfs unchecked)
fsync_csv=$LAB_OUT/neighbour-fsync.csv
containers_csv=$LAB_OUT/neighbour-containers.csv
echo "mode,round,fsync_us" >"$fsync_csv"
echo "mode,round,container,restarts,mean_restart_us,max_restart_us" >"$containers_csv"
setup_csv=$LAB_OUT/neighbour-setup.csv
echo "layout,container,setup_us" >"$setup_csv"

# now_us: the guest's clock in µs, without a fork.
now_us() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }
# Container I: on the shared filesystem ($fs/cI, on /tmp/mI), or, for the
# loopfs phase, on its own ext4 image $fs/lI.img mounted on $fs/lI (/tmp/lI).
cdir_of() { if [ "$1" = loopfs ]; then echo "$fs/l$2/c"; else echo "$fs/c$2"; fi; }
upperfs_of() { if [ "$1" = loopfs ]; then echo "$fs/l$2"; else echo "$fs"; fi; }
merged_of() { if [ "$1" = loopfs ]; then echo "/tmp/l$2"; else echo "/tmp/m$2"; fi; }

# setup_container LAYOUT I: directories, for loopfs first the image (twice
# what the container writes and 128 MiB: truncate, mkfs.ext4, loop mount),
# then the first mount.
setup_container() {
	local layout=$1 i=$2 cdir t0
	cdir=$(cdir_of "$layout" "$i")
	t0=$(now_us)
	if [ "$layout" = loopfs ]; then
		truncate -s "$((2 * BENCH_NB_WRITE_MIB + 128))M" "$fs/l$i.img"
		mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1,nodiscard "$fs/l$i.img"
		mkdir -p "$fs/l$i"
		mount -o loop,noinit_itable "$fs/l$i.img" "$fs/l$i"
	fi
	mkdir -p "$cdir/upper" "$cdir/work" "$(merged_of "$layout" "$i")"
	echo "$layout,$i,$(($(now_us) - t0))" >>"$setup_csv"
	mount -t overlay overlay -o "lowerdir=$fs/lower,upperdir=$cdir/upper,workdir=$cdir/work,volatile,volatile_reuse=on" "$(merged_of "$layout" "$i")"
}

setup() {
	local i
	slice_fs shared 0 1
	make_lower "$fs/lower"
	mkdir -p "$fs/neighbour"
	for ((i = 1; i <= k; i++)); do
		setup_container shared "$i"
		setup_container loopfs "$i"
	done
}

# phase MODE ROUND: the containers (unless quiet) and the neighbour, together.
phase() {
	local mode=$1 round=$2 i pids=() n start
	# Each phase starts from a clean filesystem.
	sync
	if [ "$mode" != quiet ]; then
		# All at once: the same first period for every container, far
		# enough ahead for them all to be started.
		start=$(bench-restart now 500)
		for ((i = 1; i <= k; i++)); do
			bench-restart loop "$mode" "$BENCH_NB_SECONDS" "$BENCH_NB_WRITE_MIB" "$BENCH_NB_PERIOD_MS" \
				"$fs/lower" "$(cdir_of "$mode" "$i")" "$(merged_of "$mode" "$i")" "$(upperfs_of "$mode" "$i")" \
				"$start" >"/tmp/c$i.out" &
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
for ((i = 1; i <= k; i++)); do umount "/tmp/m$i" "/tmp/l$i" "$fs/l$i"; done
umount "$fs"
require_tsc_clock
