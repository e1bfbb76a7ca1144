# Helpers of the guest halves of the benchmark parts (bench/guest/*.sh),
# run by bench/<part>.sh in the VM. Sourced.
# shellcheck shell=bash

bench_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PATH=${BENCH_TOOLS:-$bench_top/build/bench-tools}:$PATH
disk=${LAB_DISKS%% *}
# The slices are mounted under $mnt (tmpfs: the guest root is read-only).
mnt=/tmp/bench

# Dirty data stays dirty until something syncs it: no periodic or
# background writeback, no expiry, and dirty limits far above what the
# parts write (they need the guest memory for it: -m in bench/lib.sh).
keep_dirty_data() {
	echo 0 >/proc/sys/vm/dirty_writeback_centisecs
	echo 8640000 >/proc/sys/vm/dirty_expire_centisecs
	echo 90 >/proc/sys/vm/dirty_ratio
	echo 80 >/proc/sys/vm/dirty_background_ratio
}

# slice_fs NAME INDEX COUNT: a fresh ext4 (with its journal, as a host's
# container filesystem has; no discard at mkfs) on slice INDEX of COUNT
# equal dm-linear slices of the bench disk, mounted on $mnt/NAME.
# noinit_itable: no background inode table zeroing competes with the
# measured I/O.
slice_fs() {
	local name=$1 index=$2 count=$3 sectors len
	sectors=$(blockdev --getsz "$disk")
	len=$((sectors / count))
	if mountpoint -q "$mnt/$name"; then umount "$mnt/$name"; fi
	[ ! -e "/dev/mapper/bench-$name" ] || dmsetup remove --noudevsync "bench-$name"
	dmsetup create --noudevsync "bench-$name" --table "0 $len linear $disk $((index * len))"
	mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1,nodiscard "/dev/mapper/bench-$name"
	mkdir -p "$mnt/$name"
	mount -o noinit_itable "/dev/mapper/bench-$name" "$mnt/$name"
}

# ram_fs NAME MIB [MKFS OPTIONS...]: a fresh ext4 of MIB on a loop device
# over a file in tmpfs, mounted on $mnt/NAME: for the parts counted in
# instructions, whose guest I/O must not leave the guest (an I/O
# completion lands at a point of virtual time the host decides). No
# journal: no commit thread whose timer-driven work would land in some
# repetitions and not in others (and with keep_dirty_data no writeback
# either). The same UUID and directory hash seed in every boot: the same
# directory layout, the same instructions to look a name up.
ram_fs() {
	local name=$1 mib=$2 uuid=6d9f1c1e-4b7a-4f43-9d55-0b5c1d2e3f40
	shift 2
	mkdir -p "/tmp/ram-$name" "$mnt/$name"
	mount -t tmpfs -o "size=$((mib + 64))m" tmpfs "/tmp/ram-$name"
	truncate -s "${mib}M" "/tmp/ram-$name/fs.img"
	mkfs.ext4 -q -F -O ^has_journal -U "$uuid" -E "hash_seed=$uuid,lazy_itable_init=1,lazy_journal_init=1,nodiscard" "$@" \
		"/tmp/ram-$name/fs.img"
	mount -o loop,noinit_itable "/tmp/ram-$name/fs.img" "$mnt/$name"
}

# make_lower DIR: the container image (read-only layer): a 4 KiB "app"
# that each restart reads first, and a few directories.
make_lower() {
	mkdir -p "$1/etc" "$1/usr/bin" "$1/var/lib"
	head -c 4096 /dev/urandom >"$1/app"
	echo "bench" >"$1/etc/hostname"
}

# require_tsc_clock: the timings need the TSC clock (see bench/lib.sh);
# jiffies would give 4 ms steps. Checked when a part starts and ends.
require_tsc_clock() {
	local cs
	cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
	[ "$cs" = tsc ] || { echo "bench: the guest clock is '$cs', not tsc: timings would be in 4 ms steps" >&2; exit 4; }
}

# Elapsed seconds since START (from $SECONDS) for the progress lines.
since() { echo "$((SECONDS - $1))s"; }
