#!/usr/bin/env bash
# The reuse issue's fault sequence on ext4 over a real (virtio) disk, recorded
# by trace-cmd: runs in the guest as root. Used by record-fixtures (the
# committed trace.dat fixtures) and by tests/scenarios/ovltrace.sh.
#
# usage: faults.sh OUTDIR
# Writes OUTDIR/trace.dat (trace-cmd record -B lab -e overlayfs -e filemap
# -e writeback) and OUTDIR/expect, what the recording must show, one
# "key value..." a line:
#   upper_dev MAJ:MIN           the upper filesystem
#   refused REASON              one line per refusal, in order
#   lost_errseq INO...          upper inodes whose writeback failed before the
#                               errseq refusal
#   lost_wb_err INO...          ... while the wb_err mount was mounted
#   wb_err_dev MAJ:MIN          that mount
# The cases are the fault table of tests/fixtures.sh (volatile_upper, then
# fault_NAME) and the refusals that need other mount options.
# Hooks: $FAULTS_BEFORE_STOP runs (eval) before the recorder stops.
set -euo pipefail
. "$(dirname "$0")/../../tests/fixtures.sh"

out=$1
mkdir -p "$out"
expect=$out/expect
: >"$expect"
m=/tmp/faults-merged
fs=/tmp/faults-fs
dev=${LAB_DISKS%% *}
modprobe overlay
make_upper_fs "$dev" faults "$fs" >/dev/null
mkdir -p "$fs/lower" "$m"
echo "image file" >"$fs/lower/app.conf"
echo "upper_dev $(stat -c '%Hd:%Ld' "$fs")" >>"$expect"

(cd /tmp && exec trace-cmd record -q -o "$out/trace.dat" -B lab \
	-e overlayfs -e filemap -e writeback) >"$out/trace-cmd.log" 2>&1 &
recorder=$!
wait_recording /sys/kernel/tracing/instances/lab "$recorder"

# refused REASON [OPTIONS [MNT]]: the mount of $opts (or OPTIONS) is refused.
refused() {
	if ovl-mount "${2:-$opts}" "${3:-$m}" >/dev/null 2>&1; then
		echo "faults.sh: the $1 case was mounted" >&2
		exit 1
	fi
	echo "refused $1" >>"$expect"
}

# Each case starts as volatile_upper leaves it (tests/fixtures.sh): a
# volatile_reuse=on upper mounted, written and unmounted without sync.
# Reused: checkpoint, then reuse.
volatile_upper reuse "$m"
ovl-mount "$opts" "$m" >/dev/null
umount "$m"

volatile_upper missing "$m"
fault_missing
refused missing

volatile_upper corrupt "$m"
fault_corrupt
refused corrupt

volatile_upper version "$m"
fault_version
refused version

volatile_upper bootid "$m"
fault_boot_id
refused boot_id

volatile_upper durable "$m"
refused not_volatile "$layers"

volatile_upper plain "$m"
refused not_enabled "$layers,volatile"

# The same workdir with another upperdir.
volatile_upper upperdir "$m"
mkdir -p "$fs/upperdir/other"
refused upperdir "lowerdir=$fs/lower,upperdir=$fs/upperdir/other,workdir=$fs/upperdir/work,volatile,volatile_reuse=on"

# A second mount of a live upper: EBUSY, the first one is untouched.
volatile_upper inuse "$m"
ovl-mount "$opts" "$m" >/dev/null
mkdir -p "$m.2"
refused in_use "$opts" "$m.2"
umount "$m"

volatile_upper instance "$m"
fault_instance
refused instance

# A writeback error between two mounts: the files the first mount wrote
# (dirty when it unmounted) fail writeback; the next mount is refused.
volatile_upper errseq "$m"
inodes=$(stat -c %i "$fs/errseq/upper/data-errseq")
fault_wb_error
refused errseq
echo "lost_errseq $inodes" >>"$expect"
# Mark the error seen on the upper fs and let writes through again.
sync -f "$fs" 2>/dev/null || true
heal_writes "$dev" faults

# A writeback error while a volatile mount is mounted.
new_overlay wb volatile,volatile_reuse=on
ovl-mount "$opts" "$m" >/dev/null
echo "wb_err_dev $(stat -c '%Hd:%Ld' "$m")" >>"$expect"
for f in a b c; do
	dd if=/dev/urandom of="$m/lost-$f" bs=64k count=2 status=none
done
inodes=$(stat -c %i "$fs/wb/upper/lost-a" "$fs/wb/upper/lost-b" "$fs/wb/upper/lost-c" | tr '\n' ' ')
fault_wb_error
if sync -f "$m" 2>/dev/null; then
	echo "faults.sh: syncfs on the overlay did not fail" >&2
	exit 1
fi
echo "lost_wb_err ${inodes% }" >>"$expect"
${FAULTS_BEFORE_STOP:+eval "$FAULTS_BEFORE_STOP"}
umount "$m"
sleep 0.5
kill -INT "$recorder"
wait "$recorder" || { cat "$out/trace-cmd.log" >&2; exit 1; }
umount "$fs"
dmsetup remove --noudevsync faults
