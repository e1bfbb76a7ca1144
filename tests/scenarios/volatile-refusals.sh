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

# refused DESC REASON-TEXT: the volatile mount of $opts (volatile_upper, then
# a fault of tests/fixtures.sh) fails with ESTALE and both logs name the reason.
refused() {
	dmesg -C
	expect_mount ESTALE "$1: refused with ESTALE" "$opts" "$m"
	check "$1: the mount log says '$2'" grep -q "^log: e overlay: volatile upper refused: $2" <<<"$mount_out"
	check "$1: dmesg has one line saying '$2'" \
		[ "$(dmesg | grep -c "overlayfs: volatile upper refused: $2.*; discard upperdir and workdir")" = 1 ]
}

volatile_upper missing "$m"
fault_missing
refused "checkpoint missing (as an unpatched kernel leaves it)" "no checkpoint"

volatile_upper remount "$m"
fault_instance
refused "upper fs unmounted and mounted again" "upper fs was unmounted since checkpoint (instance [0-9]*, now [0-9]*)"

volatile_upper reload "$m"
fault_module_reload
refused "overlay module unloaded and loaded again" "checkpoint is from another boot or overlay module load"

volatile_upper wberr "$m"
check "upper device switched to dm-flakey error_writes" fault_wb_error
refused "writeback error on the upper in between" "upper fs had a writeback error since checkpoint (err=-5)"

tap_done
