#!/usr/bin/env bash
# Each reason a volatile upper on ext4 over a real block device is not
# reused: the mount fails with ESTALE and says why, in dmesg (one line) and
# in the fs_context log that fsconfig() users read.
# vm: --disk 1G
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

m=/tmp/merged
use_upper_fs
mkdir -p "$fs/lower" "$m"

# checkpointed NAME: a volatile upper that was mounted, written, unmounted.
checkpointed() {
	mkdir -p "$fs/$1/upper" "$fs/$1/work"
	opts="lowerdir=$fs/lower,upperdir=$fs/$1/upper,workdir=$fs/$1/work,volatile,volatile_reuse=on"
	ckpt_dir=$fs/$1/work/work/incompat/volatile
	ovl-mount "$opts" "$m" >/dev/null &&
		dd if=/dev/urandom of="$m/data" bs=1M count=4 status=none &&
		umount "$m"
}

# refused DESC REASON-TEXT: the volatile mount of $opts fails with ESTALE and
# both logs name the reason.
refused() {
	dmesg -C
	expect_mount ESTALE "$1: refused with ESTALE" "$opts" "$m"
	check "$1: the mount log says '$2'" grep -q "^log: e overlay: volatile upper refused: $2" <<<"$mount_out"
	check "$1: dmesg has one line saying '$2'" \
		[ "$(dmesg | grep -c "overlayfs: volatile upper refused: $2.*; discard upperdir and workdir")" = 1 ]
}

checkpointed missing
setfattr -x trusted.overlay.volatile "$ckpt_dir"
refused "checkpoint missing (as an unpatched kernel leaves it)" "no checkpoint"

checkpointed remount
umount "$fs" && mount -o errors=continue /dev/mapper/upper "$fs"
refused "upper fs unmounted and mounted again" "upper fs was unmounted since checkpoint (instance [0-9]*, now [0-9]*)"

checkpointed reload
modprobe -r overlay && modprobe overlay
refused "overlay module unloaded and loaded again" "checkpoint is from another boot or overlay module load"

checkpointed wberr
check "upper device switched to dm-flakey error_writes" fail_writes "$dev" upper
sync # writes back, records the error without marking it seen
refused "writeback error on the upper in between" "upper fs had a writeback error since checkpoint (err=-5)"

tap_done
