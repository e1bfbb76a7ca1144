#!/usr/bin/env bash
# The guest half of 'make demo'. Narrates each step, then shows the command
# and what the kernel answered.
set -u
. "$(dirname "$0")/../tests/lib.sh"

say() { printf '\n==> %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

dev=${LAB_DISKS%% *}
fs=/tmp/fs
say "A scratch disk ($dev) behind device-mapper, with ext4 on it: the upper filesystem."
make_upper_fs "$dev" upper "$fs"
run df -h "$fs"
mkdir -p "$fs"/{lower,upper,work} /tmp/merged
echo "a file of the image" >"$fs/lower/app.conf"
opts="lowerdir=$fs/lower,upperdir=$fs/upper,workdir=$fs/work"

say "A container starts: a volatile overlay (no sync of the upper, ever)."
run ovl-mount "$opts,volatile" /tmp/merged

say "The mount checkpointed the upper on work/incompat/volatile: overlay boot id,"
say "upper superblock instance id, upper writeback error state (errseq)."
run getfattr --absolute-names -n trusted.overlay.volatile -e hex "$fs/work/work/incompat/volatile"

say "It writes 64 MiB and stops; the unmount does not sync."
run dd if=/dev/urandom of=/tmp/merged/state bs=1M count=64 status=none
sum=$(sha256sum </tmp/merged/state)
run umount /tmp/merged
run grep -E '^Dirty:' /proc/meminfo

say "The container restarts on the same upper. Linux 6.12 would refuse it"
say "(\"incompat feature 'volatile'\"); with the series the kernel checks and reuses it:"
start=$(date +%s%N)
run ovl-mount "$opts,volatile" /tmp/merged
reuse_ms=$(ms "$start")
check "the data is intact" [ "$(sha256sum </tmp/merged/state)" = "$sum" ]
run umount /tmp/merged
echo "remount with reuse: ${reuse_ms} ms"

say "What runtimes do today instead: syncfs the whole upper filesystem first."
start=$(date +%s%N)
run sync -f "$fs"
echo "syncfs of the upper filesystem: $(ms "$start") ms (and every neighbour on it waits)"

say "Now the upper device starts failing writes, and writeback of new data fails."
run ovl-mount "$opts,volatile" /tmp/merged
run dd if=/dev/urandom of=/tmp/merged/more bs=1M count=8 status=none
run umount /tmp/merged
fail_writes "$dev" upper
run sync
run dmesg | grep -m 2 -E 'I/O error|lost async page write'

say "The next restart is refused: ESTALE, with the reason in the mount log and dmesg."
run ovl-mount "$opts,volatile" /tmp/merged
run dmesg | grep 'volatile upper refused'

say "Summary: a volatile upper is reused when the kernel can prove nothing was lost"
say "(same boot, same upper superblock, no writeback error), in ${reuse_ms} ms, without"
say "syncing anything; otherwise the mount fails with ESTALE and says why."
umount "$fs"
