#!/usr/bin/env bash
# The guest half of 'make demo'. Narrates each step, then shows the command
# and what the kernel answered.
set -u
. "$(dirname "$0")/../tests/lib.sh"

say() { printf '\n==> %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

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
run grep ' /tmp/merged ' /proc/self/mounts

say "It writes 32 MiB and stops; the unmount does not sync."
run dd if=/dev/urandom of=/tmp/merged/state bs=1M count=32 status=none
run umount /tmp/merged
run grep -E '^(Dirty|Writeback):' /proc/meminfo

say "overlayfs left a marker: this upper was used without sync."
run find "$fs/work/work/incompat"

say "The container restarts on the same upper. Linux 6.12 refuses:"
run ovl-mount "$opts,volatile" /tmp/merged
run dmesg | grep overlayfs | tail -n 1

say "Today's ways out: throw the upper away, or syncfs the whole shared filesystem"
say "and delete the marker (stalling every neighbour on it), or delete the marker"
say "unchecked and risk reusing lost data. The patches in patches/ make the kernel"
say "check instead; 'make check' and the next demos show it."
umount "$fs"
