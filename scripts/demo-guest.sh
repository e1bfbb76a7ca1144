#!/usr/bin/env bash
# The guest half of 'make demo'. Narrates each step, then shows the command
# and what the kernel answered: the mount, /sys/fs/overlay/ and the
# overlayfs trace events.
set -uo pipefail
. "$(dirname "$0")/../tests/tap.sh"
. "$(dirname "$0")/../tests/fixtures.sh"
PATH=$top/build/ovltrace:$PATH # the transcript shows "ovltrace", not a build path

T=/sys/kernel/tracing
# say LINE...: a step of the story; one argument a line.
say() {
	printf '\n==> %s\n' "$1"
	shift
	[ $# = 0 ] || printf '    %s\n' "$@"
}
run() { printf '$ %s\n' "$*"; "$@"; }
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
# The overlay's sysfs directory, one attribute a line.
show_sysfs() {
	local d
	d=$(stat -c '%Hd:%Ld' /tmp/merged)
	printf '$ grep . /sys/fs/overlay/%s/*\n' "$d"
	grep . "/sys/fs/overlay/$d"/* | sed "s|/sys/fs/overlay/$d/||"
}
# The overlayfs events since the last call.
show_events() {
	echo "\$ cat $T/trace   # overlayfs events"
	grep -E ': ovl_volatile_' "$T/trace" | sed 's/^ *//'
	echo >"$T/trace"
}

dev=${LAB_DISKS%% *}
fs=/tmp/fs
say "A scratch disk ($dev) behind device-mapper, with ext4 on it: the upper filesystem."
make_upper_fs "$dev" upper "$fs"
run df -h "$fs"
mkdir -p "$fs"/{lower,upper,work} /tmp/merged
echo "a file of the image" >"$fs/lower/app.conf"
# index=on,nfs_export=on: fanotify reports filesystem errors only where
# file handles decode.
opts="lowerdir=$fs/lower,upperdir=$fs/upper,workdir=$fs/work,index=on,nfs_export=on"
modprobe overlay
echo 1 >"$T/events/overlayfs/enable"
echo >"$T/trace"
(cd /tmp && exec trace-cmd record -q -o /tmp/demo.dat -B demo -e overlayfs -e filemap:filemap_set_wb_err) \
	>/tmp/trace-cmd.log 2>&1 &
recorder=$!
wait_recording "$T/instances/demo" "$recorder"

say "This kernel knows reusable volatile uppers (no probe mount needed):"
run cat /sys/fs/overlay/features/volatile_reuse

say "A container starts: a volatile overlay (no sync of the upper, ever) that asks" \
	"for its upper to be reusable (volatile_reuse=on)."
run ovl-mount "$opts,volatile,volatile_reuse=on" /tmp/merged
show_sysfs
show_events

say "The mount checkpointed the upper on work/incompat/volatile: overlay boot id," \
	"upper superblock instance id, upper directory, writeback error state (errseq)" \
	"of the upper filesystem and of its block device."
run getfattr --absolute-names -n trusted.overlay.volatile -e hex "$fs/work/work/incompat/volatile"

say "It writes 64 MiB and stops; the unmount does not sync."
run dd if=/dev/urandom of=/tmp/merged/state bs=1M count=64 status=none
sum=$(sha256sum </tmp/merged/state)
run umount /tmp/merged
run grep -E '^Dirty:' /proc/meminfo

say "The container restarts on the same upper. Linux $LAB_BASE would refuse it" \
	"(\"incompat feature 'volatile'\"); with the series the kernel checks and reuses it:"
start=$(date +%s%N)
run ovl-mount "$opts,volatile,volatile_reuse=on" /tmp/merged
reuse_ms=$(ms "$start")
check "the data is intact" [ "$(sha256sum </tmp/merged/state)" = "$sum" ]
show_sysfs
show_events
echo "remount with reuse: ${reuse_ms} ms"

say "What runtimes do today instead: syncfs the whole upper filesystem first."
start=$(date +%s%N)
run sync -f "$fs"
echo "syncfs of the upper filesystem: $(ms "$start") ms (and every neighbour on it waits)"

say "Now the upper device starts failing writes while the container runs;" \
	"a monitor waits in poll() on the overlay's \"reusable\"."
poll-attr "/sys/fs/overlay/$(stat -c '%Hd:%Ld' /tmp/merged)/reusable" 60 >/tmp/poll.out &
poller=$!
echo "and a fanotify listener has a FAN_FS_ERROR mark on the overlay:"
fs-errors /tmp/merged 60 >/tmp/fanotify.out &
listener=$!
for _ in $(seq 50); do grep -q ready /tmp/fanotify.out 2>/dev/null && break; sleep 0.1; done
fail_writes "$dev" upper
run dd if=/dev/urandom of=/tmp/merged/more bs=1M count=8 status=none
run sync
say "Writeback failed. The application calls fsync(), which on a volatile mount" \
	"does not sync but reports the upper's error: the overlay sees it."
run sync /tmp/merged/more
wait "$poller"
echo "poll() on reusable woke up: $(tail -n 1 /tmp/poll.out)"
for _ in $(seq 50); do grep -q '^error=' /tmp/fanotify.out && break; sleep 0.1; done
kill "$listener" 2>/dev/null # SIGINT is ignored by background jobs
wait "$listener"
echo "fanotify FAN_FS_ERROR: $(grep -m 1 '^error=' /tmp/fanotify.out || echo none)"
show_sysfs
show_events
say "ovltrace status shows the overlays of this machine and what they need:"
run ovltrace status
run umount /tmp/merged

say "The next restart is refused: ESTALE, with the reason in the mount log," \
	"one line of dmesg and a trace event."
run ovl-mount "$opts,volatile,volatile_reuse=on" /tmp/merged
run dmesg | grep 'volatile upper refused'
show_events

kill -INT "$recorder"
wait "$recorder"
say "trace-cmd recorded all of it (-e overlayfs -e filemap:filemap_set_wb_err)." \
	"ovltrace explains the recording: every decision, and for the refusal the" \
	"inodes of the upper whose writeback failed: the files that lost data."
run ovltrace report /tmp/demo.dat
say "Which paths are those inodes? find on the upper filesystem ($(stat -c "%Hd:%Ld" "$fs") is $fs):"
lost=$(ovltrace --json report /tmp/demo.dat |
	python3 -c 'import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if o.get("reason") == "errseq":
        print(" ".join(str(f["ino"]) for f in o["lost_files"]))')
for ino in $lost; do
	run find "$fs" -xdev -inum "$ino"
done
echo "(state, written before the reuse and synced by the syncfs above, is inode $(stat -c %i "$fs/upper/state"): not listed)"

say "Summary: a volatile upper is reused when the kernel can prove nothing was lost" \
	"(same boot, same upper superblock, no writeback error), in ${reuse_ms} ms, without" \
	"syncing anything; otherwise the mount fails with ESTALE and says why, in the" \
	"mount log, dmesg, /sys/fs/overlay/, fanotify and the overlayfs trace events," \
	"which ovltrace reads live (watch) or from a recording (report)."
umount "$fs"
