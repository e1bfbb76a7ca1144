#!/usr/bin/env bash
# Part 1 in the guest (run by bench/restart.sh): restart latency of a
# container whose upper holds D of dirty data, for each mode and D. One
# container per mode and D (a "slot"), each on its own ext4 slice of the
# bench disk, so that a syncfs flushes that container's D and nothing else.
# For each kind of content, every slot restarts once per repetition, in a
# random order: drift of the host hits every mode and every D alike.
# Env: BENCH_KINDS, BENCH_SIZES (MiB), BENCH_REPS. Writes $LAB_OUT/restart.csv.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

modes=(reuse sync unchecked discard)
read -ra sizes <<<"$BENCH_SIZES"
slots=()
for mode in "${modes[@]}"; do
	for mib in "${sizes[@]}"; do slots+=("$mode:$mib"); done
done
csv=$LAB_OUT/restart.csv
echo "kind,size_mib,mode,rep,total_us,umount_us,prep_us,mount_us,content_us,read_us,reused,dirty_before_kib,dirty_after_kib" >"$csv"

# A slot MODE:MIB has its filesystem on $mnt/MODE-MIB, its overlay on
# /tmp/merged-MODE-MIB.
fs_of() { echo "$mnt/${1/:/-}"; }
merged() { echo "/tmp/merged-${1/:/-}"; }
# ms LINE: the total of a driver's CSV line, in ms (no fork: forks cost
# a lot under TCG).
ms() {
	local us=${1%%.*}
	printf '%d.%d' $((us / 1000)) $((us % 1000 / 100))
}

# make_filesystems: per slot a fresh ext4 slice and a lower (the image).
make_filesystems() {
	local i=0 slot
	for slot in "${slots[@]}"; do
		slice_fs "${slot/:/-}" "$i" "${#slots[@]}"
		make_lower "$(fs_of "$slot")/lower"
		mkdir -p "$(merged "$slot")"
		i=$((i + 1))
	done
}

# setup_containers KIND: per slot a container that wrote its D of KIND
# content on a fresh volatile overlay.
setup_containers() {
	local kind=$1 slot fs dirs=()
	for slot in "${slots[@]}"; do dirs+=("$(fs_of "$slot")/c/upper" "$(fs_of "$slot")/c/work"); done
	mkdir -p "${dirs[@]}"
	for slot in "${slots[@]}"; do
		fs=$(fs_of "$slot")
		mount -t overlay overlay -o "lowerdir=$fs/lower,upperdir=$fs/c/upper,workdir=$fs/c/work,volatile,volatile_reuse=on" "$(merged "$slot")"
		bench-restart populate "$kind" "${slot#*:}" "$(merged "$slot")"
	done
}

# remove_containers: unmount and delete them (their dirty pages go with
# them), and leave the filesystems clean for the next kind.
remove_containers() {
	local slot merged=() cdirs=()
	for slot in "${slots[@]}"; do merged+=("$(merged "$slot")") cdirs+=("$(fs_of "$slot")/c"); done
	umount "${merged[@]}"
	rm -rf "${cdirs[@]}"
	sync
}

# restart SLOT KIND: one timed restart; prints the driver's CSV line.
restart() {
	local fs
	fs=$(fs_of "$1")
	bench-restart restart "${1%:*}" "$2" "${1#*:}" "$fs/lower" "$fs/c" "$(merged "$1")" "$fs"
}

# measure_kind KIND: BENCH_REPS repetitions of every slot.
measure_kind() {
	local kind=$1 rep slot mode mib line start=$SECONDS summary
	setup_containers "$kind"
	# One untimed restart per slot first: the first mount after a fresh
	# fs pays for cold caches.
	for slot in "${slots[@]}"; do restart "$slot" "$kind" >/dev/null; done
	echo "restart: $kind files: containers ready in $(since "$start")"
	for ((rep = 1; rep <= BENCH_REPS; rep++)); do
		summary=""
		for slot in $(shuf -e "${slots[@]}"); do
			mode=${slot%:*} mib=${slot#*:}
			# sync-then-mount cleaned its D at its last restart: dirty
			# it again, untimed, through the overlay as the container would.
			[ "$mode" != sync ] || bench-restart populate "$kind" "$mib" "$(merged "$slot")"
			line=$(restart "$slot" "$kind")
			echo "$kind,$mib,$mode,$rep,$line" >>"$csv"
			summary+=" $mode/$mib=$(ms "$line")"
		done
		echo "restart: $kind files, rep $rep/$BENCH_REPS (ms):$summary"
	done
	remove_containers
	echo "restart: $kind files: done in $(since "$start")"
}

require_tsc_clock
keep_dirty_data
modprobe overlay
make_filesystems
for kind in $BENCH_KINDS; do
	measure_kind "$kind"
done
for slot in "${slots[@]}"; do umount "$(fs_of "$slot")"; done

# Every reuse restart must have reused the upper (checked after the timed
# region, in /sys/fs/overlay/<dev>/reused).
bad=$(awk -F, '$3 == "reuse" && $11 != 1' "$csv" | wc -l)
[ "$bad" = 0 ] || { echo "restart: $bad reuse restarts did not reuse the upper" >&2; exit 3; }
require_tsc_clock
