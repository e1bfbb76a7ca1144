# Guest fixtures shared by the scenarios, the demo, the benchmarks and
# ovltrace's fault sequence: the upper filesystem, failing writes on
# demand, waiting for a trace-cmd recorder, new overlays, the checkpoint
# and the table of faults that make a volatile upper unusable. Sourced;
# prints no TAP.
# shellcheck shell=bash

tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$tests_dir/.." && pwd)
tools=$top/build/tools
PATH=$tools:$PATH

# wait_recording DIR PID: wait until the trace-cmd recorder PID, started in
# the background, has enabled the overlayfs events in tracefs DIR (the top
# level or an instance), so that nothing done next goes unrecorded. No
# time limit (a slow machine is not a failure; vm/run's timeout is the
# backstop): it fails only when the recorder has exited.
wait_recording() {
	until [ "$(cat "$1/events/overlayfs/enable" 2>/dev/null)" = 1 ]; do
		if ! kill -0 "$2" 2>/dev/null; then
			echo "wait_recording: the recorder (pid $2) exited before it enabled the events in $1" >&2
			return 1
		fi
		sleep 0.1
	done
}

# A fresh ext4 on DEV behind a device-mapper linear target NAME, mounted on
# MNT. No journal: after a write error a journalled ext4 aborts and turns
# read-only, and the scenarios must go on writing. It is the upper fs of
# the helpers below: they find it in $upper_blk, $upper_dm and $upper_mnt.
# The guest's periodic writeback is off: what a scenario dirties stays
# dirty until it writes it back or makes the device fail first, however
# slow the machine (a flusher that ran in between would make a "lost"
# write durable).
make_upper_fs() { # DEV NAME MNT
	local dev=$1 name=$2 mnt=$3
	upper_blk=$dev upper_dm=$name upper_mnt=$mnt
	echo 0 >/proc/sys/vm/dirty_writeback_centisecs &&
		echo 8640000 >/proc/sys/vm/dirty_expire_centisecs || return
	dmsetup create --noudevsync "$name" --table "0 $(blockdev --getsz "$dev") linear $dev 0" &&
		mkfs.ext4 -q -F -O ^has_journal "/dev/mapper/$name" &&
		mkdir -p "$mnt" &&
		mount -o errors=continue "/dev/mapper/$name" "$mnt"
}

# Swap the table of NAME (over DEV) for dm-flakey failing every write; reads
# still work. --nolockfs: the filesystem on it is not frozen, so its dirty
# pages stay dirty until something forces writeback.
fail_writes() { # DEV NAME
	local dev=$1 name=$2
	dmsetup suspend --nolockfs --noudevsync "$name" &&
		dmsetup load --noudevsync "$name" \
			--table "0 $(blockdev --getsz "$dev") flakey $dev 0 0 1 1 error_writes" &&
		dmsetup resume --noudevsync "$name"
}

# Put the linear table of NAME (over DEV) back: writes work again.
heal_writes() { # DEV NAME
	local dev=$1 name=$2
	dmsetup suspend --nolockfs --noudevsync "$name" &&
		dmsetup load --noudevsync "$name" --table "0 $(blockdev --getsz "$dev") linear $dev 0" &&
		dmsetup resume --noudevsync "$name"
}

# new_overlay NAME [OPTIONS]: a fresh upper and workdir, NAME/upper and
# NAME/work on the upper fs, over its directory lower/. Sets $layers (the
# lowerdir, upperdir and workdir options), $opts ($layers and OPTIONS) and
# $ckpt_dir (where a volatile mount keeps its checkpoint xattr).
new_overlay() {
	mkdir -p "$upper_mnt/$1/upper" "$upper_mnt/$1/work"
	layers="lowerdir=$upper_mnt/lower,upperdir=$upper_mnt/$1/upper,workdir=$upper_mnt/$1/work"
	opts=$layers${2:+,$2}
	ckpt_dir=$upper_mnt/$1/work/work/incompat/volatile
}

# volatile_upper NAME MNT: the start of every fault sequence. A new overlay
# NAME whose $opts ask for reuse (volatile,volatile_reuse=on) is mounted on
# MNT, written (256 KiB in data-NAME) and unmounted without sync: its upper
# has a checkpoint and dirty pages.
volatile_upper() {
	new_overlay "$1" volatile,volatile_reuse=on
	ovl-mount "$opts" "$2" >/dev/null &&
		dd if=/dev/urandom of="$2/data-$1" bs=64k count=4 status=none &&
		umount "$2"
}

# The checkpoint in $ckpt_dir (layout v2: 48 bytes; byte 0 the version, 2;
# byte 1 the length, 48; bytes 8..23 the boot id) as hex digits.
ckpt_hex() {
	getfattr --absolute-names -n trusted.overlay.volatile -e hex "$ckpt_dir" |
		sed -n 's/^trusted.overlay.volatile=0x//p'
}

# ckpt_set_byte OFFSET HEX: change one byte of the checkpoint.
ckpt_set_byte() {
	local hex
	hex=$(ckpt_hex) || return
	setfattr -n trusted.overlay.volatile -v "0x${hex:0:$(($1 * 2))}$2${hex:$(($1 * 2 + 2))}" "$ckpt_dir"
}

# The faults. After volatile_upper, each makes the next mount of $opts fail
# and name the reason after the arrow:
#   fault_missing        no checkpoint, as an unpatched kernel leaves it -> missing
#   fault_corrupt        checkpoint cut to its version and length bytes  -> corrupt
#   fault_version        checkpoint of version 3                         -> version
#   fault_boot_id        the boot id's first byte inverted               -> boot_id
#   fault_instance       upper fs unmounted and mounted again            -> instance
#   fault_module_reload  overlay module unloaded and loaded again        -> boot_id
#   fault_wb_error       the upper device fails writes (fail_writes), and
#                        sync writes the dirty pages back                -> errseq
# (fault_wb_error leaves writes failing: heal_writes "$upper_blk" "$upper_dm".)
fault_missing() { setfattr -x trusted.overlay.volatile "$ckpt_dir"; }
fault_corrupt() {
	local hex
	hex=$(ckpt_hex) && setfattr -n trusted.overlay.volatile -v "0x${hex:0:4}" "$ckpt_dir"
}
fault_version() { ckpt_set_byte 0 03; }
fault_boot_id() {
	local hex
	hex=$(ckpt_hex) && ckpt_set_byte 8 "$(printf '%02x' $((0x${hex:16:2} ^ 0xff)))"
}
fault_instance() {
	umount "$upper_mnt" && mount -o errors=continue "/dev/mapper/$upper_dm" "$upper_mnt"
}
fault_module_reload() { modprobe -r overlay && modprobe overlay; }
# sync(2) writes back and records the error without marking it seen.
fault_wb_error() { fail_writes "$upper_blk" "$upper_dm" && sync; }
