#!/usr/bin/env bash
# A reboot makes every checkpoint stale: boot 1 mounts a volatile overlay on
# a disk image, writes and dies without a clean shutdown; boot 2, on the
# same image, refuses the volatile mount (ESTALE) and a durable one (EINVAL).
# shellcheck disable=SC2016 # $LAB_* expand in the guest
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

flavour=${LAB_FLAVOUR:-debug}
tmp=$(mktemp -d "$top/build/reboot-test.XXXXXX")
at_exit 'rm -rf "$tmp"'
img=$tmp/disk.img
guest='
PATH=$LAB_TOP/build/tools:$PATH
fs=/tmp/fs m=/tmp/merged
opts="lowerdir=$fs/lower,upperdir=$fs/upper,workdir=$fs/work"
mkdir -p $fs $m
'

# Boot 1. A syncfs of the upper fs right after the mount gets the
# directories and the checkpoint on disk, as they would be on a node that
# ran a while; the data written next stays in the page cache (no periodic
# writeback). Then reset, no sync, no unmount.
"$top/vm/run" -f "$flavour" -q -p "$img:512M" -- bash -c "$guest"'
	echo 0 >/proc/sys/vm/dirty_writeback_centisecs &&
	mkfs.ext4 -q -F "$LAB_DISKS" && mount "$LAB_DISKS" $fs &&
	mkdir -p $fs/lower $fs/upper $fs/work &&
	ovl-mount "$opts,volatile,volatile_reuse=on" $m && sync -f $fs &&
	head -c 8M /dev/urandom >$m/data &&
	echo b >/proc/sysrq-trigger; sleep 30' >"$tmp/boot1" 2>&1
rc=$?
check "boot 1 died without a clean shutdown (vm/run exit $rc, want 255)" [ "$rc" = 255 ]

"$top/vm/run" -f "$flavour" -p "$img" -- bash -c "$guest"'
	mount "$LAB_DISKS" $fs || exit 1
	test -d $fs/work/work/incompat/volatile && echo "marker: present"
	ovl-mount "$opts,volatile,volatile_reuse=on" $m; echo "volatile: $?"
	ovl-mount "$opts" $m; echo "durable: $?"' >"$tmp/boot2" 2>&1
sed 's/^/#   /' "$tmp/boot2"
check "boot 2 finds the volatile marker on disk" grep -q '^marker: present' "$tmp/boot2"
check "boot 2 refuses the volatile mount with ESTALE" grep -q "^volatile: $(errno_of ESTALE)" "$tmp/boot2"
check "because the checkpoint is from another boot" grep -q "checkpoint is from another boot" "$tmp/boot2"
check "boot 2 refuses the durable mount with EINVAL" grep -q "^durable: $(errno_of EINVAL)" "$tmp/boot2"
tap_done
