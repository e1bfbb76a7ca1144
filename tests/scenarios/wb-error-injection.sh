#!/usr/bin/env bash
# Writeback errors on demand: the upper device starts failing writes under a
# mounted volatile overlay. fsync/syncfs fail with EIO and a fresh volatile
# mount over the unseen error fails with EIO, as upstream 6.12 does; the
# upper that had the error is then never reused (ESTALE).
# vm: --disk 1G
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

use_upper_fs
mkdir -p "$fs"/{lower,upper,work,upper2,work2} /tmp/merged /tmp/merged2

expect_mount ok "volatile mount succeeds" \
	"lowerdir=$fs/lower,upperdir=$fs/upper,workdir=$fs/work,volatile,volatile_reuse=on" /tmp/merged
dd if=/dev/urandom of=/tmp/merged/data bs=1M count=8 status=none
check "syncfs on the volatile overlay succeeds before the error" sync -f /tmp/merged/data

check "upper device switched to dm-flakey error_writes" fail_writes "$dev" upper
dd if=/dev/urandom of=/tmp/merged/data2 bs=1M count=8 status=none
# sync(2) writes back and records the error in the upper superblock without
# marking it seen (only syncfs(2) on the upper fs does that).
sync
check "the failed writeback reached the kernel log" grep -qE "I/O error|lost async page write" <(dmesg)

out=$(sync -f /tmp/merged/data 2>&1)
diag "sync -f: $out"
check "syncfs on the volatile overlay fails with EIO" grep -q "Input/output error" <<<"$out"
out=$(sync /tmp/merged/data 2>&1)
check "fsync on the volatile overlay fails with EIO" grep -q "Input/output error" <<<"$out"

expect_mount EIO "fresh volatile mount over the unseen error fails with EIO" \
	"lowerdir=$fs/lower,upperdir=$fs/upper2,workdir=$fs/work2,volatile,volatile_reuse=on" /tmp/merged2
check "the kernel log says why" grep -q "unseen error" <(dmesg)

# The upper that saw the error while mounted is not reused.
umount /tmp/merged
expect_mount ESTALE "the upper that had the error is not reused: ESTALE" \
	"lowerdir=$fs/lower,upperdir=$fs/upper,workdir=$fs/work,volatile,volatile_reuse=on" /tmp/merged
check "the mount log names the writeback error" grep -q "writeback error since checkpoint (err=-5)" <<<"$mount_out"

# syncfs(2) on the upper fs reports the error and marks it seen.
check "syncfs on the upper fs reports the error" bash -c "! sync -f '$fs'"
expect_mount ok "once the error is seen, a fresh volatile mount succeeds (as upstream)" \
	"lowerdir=$fs/lower,upperdir=$fs/upper2,workdir=$fs/work2,volatile" /tmp/merged2
umount /tmp/merged2
expect_mount ESTALE "and the upper that had the error is still not reused" \
	"lowerdir=$fs/lower,upperdir=$fs/upper,workdir=$fs/work,volatile,volatile_reuse=on" /tmp/merged

# The failed metadata writes left an error on the block device that
# nobody has seen: a fresh volatile_reuse=on upper could never be proven
# intact, so its mount fails like a volatile mount over an unseen error.
mkdir -p "$fs/upper3" "$fs/work3"
fresh="lowerdir=$fs/lower,upperdir=$fs/upper3,workdir=$fs/work3,volatile,volatile_reuse=on"
expect_mount EIO "a fresh volatile_reuse=on mount over the unseen block device error fails with EIO" \
	"$fresh" /tmp/merged2
check "the kernel log says to fsync the block device" grep -q "upper block device has an unseen error" <(dmesg)
# Writes work again. syncfs(2) of the upper fs and fsync(2) of the block
# device report what is left (whether anything is left depends on when
# writeback ran, so neither result is asserted) and mark it seen.
check "upper device switched back to dm-linear" heal_writes "$dev" upper
sync -f "$fs" 2>/dev/null
python3 -c "import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
try:
    os.fsync(fd)
except OSError as e:
    print('# fsync of the block device:', e)" /dev/mapper/upper
expect_mount ok "then the fresh volatile_reuse=on mount succeeds" "$fresh" /tmp/merged2
umount /tmp/merged2
tap_done
