#!/usr/bin/env bash
# A volatile overlay on ext4 over a real block device (device-mapper):
# mount, write, unmount without sync, mount again.
# vm: --disk 1G
set -u
. "$(dirname "$0")/../lib.sh"

dev=${LAB_DISKS%% *}
fs=/tmp/fs
make_upper_fs "$dev" upper "$fs" || { tap_not_ok "ext4 on dm-linear over $dev"; tap_done; exit; }
mkdir -p "$fs"/{lower,upper,work} /tmp/merged
echo lower >"$fs/lower/from-lower"
opts="lowerdir=$fs/lower,upperdir=$fs/upper,workdir=$fs/work"

expect_mount ok "fresh volatile mount succeeds" "$opts,volatile" /tmp/merged
dd if=/dev/urandom of=/tmp/merged/data bs=1M count=8 status=none
sum=$(sha256sum </tmp/merged/data)
check "written file reads back through the overlay" [ "$(cat /tmp/merged/from-lower)" = lower ]
umount /tmp/merged
check "dirty marker left at work/work/incompat/volatile/dirty" \
	test -f "$fs/work/work/incompat/volatile/dirty"
check "upper holds the data" [ "$(sha256sum <"$fs/upper/data")" = "$sum" ]

# Upstream 6.12: a volatile upper can never be mounted again.
dmesg -C
expect_mount EINVAL "volatile mount again (no sync) fails with EINVAL" "$opts,volatile" /tmp/merged
check "dmesg names the incompat feature" \
	grep -q "overlay with incompat feature 'volatile' cannot be mounted" <(dmesg)
expect_mount EINVAL "non-volatile mount over the dirty upper fails with EINVAL" "$opts" /tmp/merged

umount "$fs"
tap_done
