# Guest fixtures shared by the scenarios, the demo, the benchmarks and
# ovltrace's fault sequence: the upper filesystem, failing writes on
# demand, waiting for a trace-cmd recorder. Sourced; prints no TAP.
# shellcheck shell=bash

tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$tests_dir/.." && pwd)
tools=$top/build/tools
PATH=$tools:$PATH

# wait_recording DIR: wait (up to 10 s) until a trace-cmd recorder started
# in the background has enabled the overlayfs events in tracefs DIR (the
# top level or an instance), so that nothing done next goes unrecorded.
wait_recording() {
	local _
	for _ in $(seq 100); do
		[ "$(cat "$1/events/overlayfs/enable" 2>/dev/null)" = 1 ] && return 0
		sleep 0.1
	done
	echo "wait_recording: trace-cmd did not enable the events in $1" >&2
	return 1
}

# A fresh ext4 on DEV behind a device-mapper linear target NAME, mounted on
# MNT. No journal: after a write error a journalled ext4 aborts and turns
# read-only, and the scenarios must go on writing.
make_upper_fs() { # DEV NAME MNT
	local dev=$1 name=$2 mnt=$3
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
