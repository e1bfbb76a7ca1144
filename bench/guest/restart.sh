#!/usr/bin/env bash
# Part 1 in the guest (run by bench/restart.sh): restart latency of a
# container whose upper holds D of dirty data, for each mode. One
# container per mode, each on its own ext4 slice of the bench disk, so that
# a syncfs flushes its own D and nothing else; new containers for each cell
# (kind of content and D). Modes run in a random order
# within each repetition.
# Env: BENCH_KINDS, BENCH_SIZES (MiB), BENCH_REPS. Writes $LAB_OUT/restart.csv.
set -eu
. "$(dirname "$0")/lib.sh"

modes=(reuse sync unchecked discard)
csv=$LAB_OUT/restart.csv
echo "kind,size_mib,mode,rep,total_us,umount_us,prep_us,mount_us,content_us,read_us,reused,dirty_before_kib,dirty_after_kib" >"$csv"

merged() { echo "/tmp/merged-$1"; }
# ms LINE: the total of a driver's CSV line, in ms (no fork: forks cost
# a lot under TCG).
ms() {
	local us=${1%%.*}
	printf '%d.%d' $((us / 1000)) $((us % 1000 / 100))
}

# make_filesystems: per mode a fresh ext4 slice and a lower (the image).
make_filesystems() {
	local i=0 mode
	for mode in "${modes[@]}"; do
		slice_fs "$mode" "$i" "${#modes[@]}"
		make_lower "$mnt/$mode/lower"
		mkdir -p "$(merged "$mode")"
		i=$((i + 1))
	done
}

# setup_containers KIND MIB: per mode a container that wrote MIB of KIND
# content on a fresh volatile overlay.
setup_containers() {
	local kind=$1 mib=$2 mode dirs=()
	for mode in "${modes[@]}"; do dirs+=("$mnt/$mode/c/upper" "$mnt/$mode/c/work"); done
	mkdir -p "${dirs[@]}"
	for mode in "${modes[@]}"; do
		mount -t overlay overlay -o "lowerdir=$mnt/$mode/lower,upperdir=$mnt/$mode/c/upper,workdir=$mnt/$mode/c/work,volatile" "$(merged "$mode")"
		bench-restart populate "$kind" "$mib" "$(merged "$mode")"
	done
}

# remove_containers: unmount and delete them (their dirty pages go with
# them), and leave the filesystems clean for the next cell.
remove_containers() {
	local mode merged=() cdirs=()
	for mode in "${modes[@]}"; do merged+=("$(merged "$mode")") cdirs+=("$mnt/$mode/c"); done
	umount "${merged[@]}"
	rm -rf "${cdirs[@]}"
	sync
}

# restart MODE KIND MIB: one timed restart; prints the driver's CSV line.
restart() {
	bench-restart restart "$1" "$2" "$3" "$mnt/$1/lower" "$mnt/$1/c" "$(merged "$1")" "$mnt/$1"
}

# A cell: KIND content of MIB, BENCH_REPS repetitions of every mode.
measure_cell() {
	local kind=$1 mib=$2 rep mode line start=$SECONDS summary
	setup_containers "$kind" "$mib"
	# One untimed restart per mode first: the first mount after a fresh
	# fs pays for cold caches.
	for mode in "${modes[@]}"; do restart "$mode" "$kind" "$mib" >/dev/null; done
	echo "restart: $kind files, D=$mib MiB: containers ready in $(since "$start")"
	for rep in $(seq 1 "$BENCH_REPS"); do
		summary=""
		for mode in $(shuf -e "${modes[@]}"); do
			# sync-then-mount cleaned its D at its last restart: dirty
			# it again, untimed, through the overlay as the container would.
			[ "$mode" != sync ] || bench-restart populate "$kind" "$mib" "$(merged sync)"
			line=$(restart "$mode" "$kind" "$mib")
			echo "$kind,$mib,$mode,$rep,$line" >>"$csv"
			summary+=" $mode=$(ms "$line")ms"
		done
		echo "restart: $kind files, D=$mib MiB, rep $rep/$BENCH_REPS:$summary"
	done
	remove_containers
	echo "restart: $kind files, D=$mib MiB: done in $(since "$start")"
}

require_tsc_clock
keep_dirty_data
modprobe overlay
make_filesystems
for kind in $BENCH_KINDS; do
	for mib in $BENCH_SIZES; do
		measure_cell "$kind" "$mib"
	done
done
for mode in "${modes[@]}"; do umount "$mnt/$mode"; done

# Every reuse restart must have reused the upper (checked after the timed
# region, in /sys/fs/overlay/<dev>/reused).
bad=$(awk -F, '$3 == "reuse" && $11 != 1' "$csv" | wc -l)
[ "$bad" = 0 ] || { echo "restart: $bad reuse restarts did not reuse the upper" >&2; exit 3; }
require_tsc_clock
