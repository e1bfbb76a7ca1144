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
wait_recording /sys/kernel/tracing/instances/lab

# volatile NAME: mount the volatile overlay NAME, write a file, unmount.
volatile() {
	mkdir -p "$fs/$1/upper" "$fs/$1/work"
	opts="lowerdir=$fs/lower,upperdir=$fs/$1/upper,workdir=$fs/$1/work"
	ckpt=$fs/$1/work/work/incompat/volatile
	ovl-mount "$opts,volatile,volatile_reuse=on" "$m" >/dev/null
	dd if=/dev/urandom of="$m/data-$1" bs=64k count=4 status=none
	umount "$m"
}
# refused REASON [OPTIONS]: the mount of $opts is refused.
refused() {
	if ovl-mount "${2:-$opts,volatile,volatile_reuse=on}" "${3:-$m}" >/dev/null 2>&1; then
		echo "faults.sh: the $1 case was mounted" >&2
		exit 1
	fi
	echo "refused $1" >>"$expect"
}
ckpt_hex() {
	getfattr --absolute-names -n trusted.overlay.volatile -e hex "$ckpt" |
		sed -n 's/^trusted.overlay.volatile=0x//p'
}
# set_byte OFFSET HEXBYTE: change one byte of the checkpoint xattr.
set_byte() {
	local hex
	hex=$(ckpt_hex)
	hex=${hex:0:$(($1 * 2))}$2${hex:$(($1 * 2 + 2))}
	setfattr -n trusted.overlay.volatile -v "0x$hex" "$ckpt"
}

# Reused: checkpoint, then reuse.
volatile reuse
ovl-mount "$opts,volatile,volatile_reuse=on" "$m" >/dev/null
umount "$m"

volatile missing
setfattr -x trusted.overlay.volatile "$ckpt"
refused missing

volatile corrupt
set_byte 1 1f # length 31
refused corrupt

volatile version
set_byte 0 03
refused version

volatile bootid
set_byte 8 "$(printf '%02x' $((0x$(ckpt_hex | cut -c 17-18) ^ 0xff)))"
refused boot_id

volatile durable
refused not_volatile "$opts"

volatile plain
refused not_enabled "$opts,volatile"

# The same workdir with another upperdir.
volatile upperdir
mkdir -p "$fs/upperdir/other"
refused upperdir "lowerdir=$fs/lower,upperdir=$fs/upperdir/other,workdir=$fs/upperdir/work,volatile,volatile_reuse=on"

# A second mount of a live upper: EBUSY, the first one is untouched.
volatile inuse
ovl-mount "$opts,volatile,volatile_reuse=on" "$m" >/dev/null
mkdir -p "$m.2"
refused in_use "$opts,volatile,volatile_reuse=on" "$m.2"
umount "$m"

volatile instance
umount "$fs"
mount -o errors=continue /dev/mapper/faults "$fs"
refused instance

# A writeback error between two mounts: the files the first mount wrote
# (dirty when it unmounted) fail writeback; the next mount is refused.
volatile errseq
inodes=$(stat -c %i "$fs/errseq/upper/data-errseq")
fail_writes "$dev" faults
sync
refused errseq
echo "lost_errseq $inodes" >>"$expect"
# Mark the error seen on the upper fs and let writes through again.
sync -f "$fs" 2>/dev/null || true
dmsetup suspend --nolockfs --noudevsync faults
dmsetup load --noudevsync faults --table "0 $(blockdev --getsz "$dev") linear $dev 0"
dmsetup resume --noudevsync faults

# A writeback error while a volatile mount is mounted.
mkdir -p "$fs/wb/upper" "$fs/wb/work"
opts="lowerdir=$fs/lower,upperdir=$fs/wb/upper,workdir=$fs/wb/work"
ovl-mount "$opts,volatile,volatile_reuse=on" "$m" >/dev/null
echo "wb_err_dev $(stat -c '%Hd:%Ld' "$m")" >>"$expect"
for f in a b c; do
	dd if=/dev/urandom of="$m/lost-$f" bs=64k count=2 status=none
done
inodes=$(stat -c %i "$fs/wb/upper/lost-a" "$fs/wb/upper/lost-b" "$fs/wb/upper/lost-c" | tr '\n' ' ')
fail_writes "$dev" faults
sync
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
