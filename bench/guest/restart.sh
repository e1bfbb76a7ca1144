#!/usr/bin/env bash
# Part 1 in the guest (run by bench/restart.sh): restart latency of a
# container whose upper holds D of dirty data, for each mode and D. One
# container per mode and D (a "slot"), each on its own ext4 slice of the
# bench disk, so that a syncfs flushes that container's D and nothing else.
# For each kind of content, every slot restarts once per repetition, in a
# random order: drift of the host hits every mode and every D alike.
# The loopfs container has its upper and work on an ext4 image of its own
# (on its slice), loop-mounted: containerd's block-mode snapshotters.
# Env: BENCH_KINDS, BENCH_SIZES (MiB), BENCH_REPS. Writes $LAB_OUT/restart.csv
# and $LAB_OUT/restart-setup.csv (what setting each container up took).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

modes=(reuse sync loopfs unchecked floor discard)
read -ra sizes <<<"$BENCH_SIZES"
slots=()
for mode in "${modes[@]}"; do
	for mib in "${sizes[@]}"; do slots+=("$mode:$mib"); done
done
csv=$LAB_OUT/restart.csv
echo "kind,size_mib,mode,rep,total_us,umount_us,prep_us,mount_us,content_us,read_us,reused,dirty_before_kib,dirty_after_kib" >"$csv"
setup_csv=$LAB_OUT/restart-setup.csv
echo "kind,size_mib,mode,setup_us" >"$setup_csv"

# A slot MODE:MIB has its filesystem on $mnt/MODE-MIB, its overlay on
# /tmp/merged-MODE-MIB.
fs_of() { echo "$mnt/${1/:/-}"; }
merged() { echo "/tmp/merged-${1/:/-}"; }
# The filesystem holding the container's upper (its own for loopfs) and
# the container's directory (upper, work) on it.
upperfs_of() {
	if [ "${1%:*}" = loopfs ]; then echo "$(fs_of "$1")/cfs"; else fs_of "$1"; fi
}
cdir_of() { echo "$(upperfs_of "$1")/c"; }
# now_us: the guest's clock in µs, without a fork.
now_us() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }
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

# setup_container SLOT: what a runtime does before the container's first
# mount: its directories, and for loopfs its own filesystem (an image of
# twice its D and 128 MiB, mkfs, loop mount).
setup_container() {
	local slot=$1 fs mib=${1#*:}
	fs=$(fs_of "$slot")
	if [ "${slot%:*}" = loopfs ]; then
		truncate -s "$((2 * mib + 128))M" "$fs/c.img"
		mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1,nodiscard "$fs/c.img"
		mkdir -p "$fs/cfs"
		mount -o loop,noinit_itable "$fs/c.img" "$fs/cfs"
	fi
	mkdir -p "$(cdir_of "$slot")/upper" "$(cdir_of "$slot")/work"
}

# setup_containers KIND: per slot a container that wrote its D of KIND
# content on a fresh volatile overlay (the floor's overlay is a plain
# volatile one).
setup_containers() {
	local kind=$1 slot fs cdir t0 opts
	for slot in "${slots[@]}"; do
		t0=$(now_us)
		setup_container "$slot"
		echo "$kind,${slot#*:},${slot%:*},$(($(now_us) - t0))" >>"$setup_csv"
		fs=$(fs_of "$slot") cdir=$(cdir_of "$slot") opts=volatile,volatile_reuse=on
		[ "${slot%:*}" != floor ] || opts=volatile
		mount -t overlay overlay -o "lowerdir=$fs/lower,upperdir=$cdir/upper,workdir=$cdir/work,$opts" "$(merged "$slot")"
		bench-restart populate "$kind" "${slot#*:}" "$(merged "$slot")"
	done
}

# remove_containers: unmount and delete them (their dirty pages go with
# them), and leave the filesystems clean for the next kind.
remove_containers() {
	local slot merged=() cdirs=()
	for slot in "${slots[@]}"; do merged+=("$(merged "$slot")") cdirs+=("$(cdir_of "$slot")"); done
	umount "${merged[@]}"
	rm -rf "${cdirs[@]}"
	for slot in "${slots[@]}"; do
		[ "${slot%:*}" = loopfs ] || continue
		umount "$(upperfs_of "$slot")"
		rm -f "$(fs_of "$slot")/c.img"
	done
	sync
}

# restart SLOT KIND: one timed restart; prints the driver's CSV line.
restart() {
	local fs
	fs=$(fs_of "$1")
	bench-restart restart "${1%:*}" "$2" "${1#*:}" "$fs/lower" "$(cdir_of "$1")" "$(merged "$1")" "$(upperfs_of "$1")"
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
			# sync-then-mount and loopfs cleaned their D at their last
			# restart: dirty it again, untimed, through the overlay as the
			# container would.
			case $mode in
			sync | loopfs) bench-restart populate "$kind" "$mib" "$(merged "$slot")" ;;
			esac
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
