# Helpers for the scenarios in tests/scenarios/ (run in the guest by
# scripts/check) and the host-side tests in tests/lab/. Sourced.
# Output is TAP: "ok N - what" / "not ok N - what", plan at the end.
# shellcheck shell=bash

tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$tests_dir/.." && pwd)
tools=$top/build/tools
PATH=$tools:$PATH
tap_n=0
tap_failed=0

tap_ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
tap_not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
diag() { printf '# %s\n' "$@"; }

# check_sh DESC 'SHELL CONDITION': ok when the condition (eval'd, so it
# can be a chain of commands with && and ||) holds.
check_sh() {
	local desc=$1
	if eval "$2"; then tap_ok "$desc"; else tap_not_ok "$desc"; return 1; fi
}

# tap_lines < <(CMD): count the "ok - what" / "not ok - what" lines a
# helper program (python) prints as ours; other lines pass through.
tap_lines() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok - "*) tap_ok "${line#ok - }" ;;
		"not ok - "*) tap_not_ok "${line#not ok - }" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done
}

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

# check DESC CMD...: ok when CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then tap_ok "$desc"; else tap_not_ok "$desc"; fi
}

# Run a mount with ovl-mount and keep what it said in $mount_out.
ovl_mount() { # OPTIONS TARGET
	mount_out=$(ovl-mount "$@" 2>&1)
	mount_rc=$?
	[ -z "$mount_out" ] || printf '%s\n' "$mount_out" | sed 's/^/#   /'
	return "$mount_rc"
}

# expect_mount ERRNAME|ok DESC OPTIONS TARGET: the mount ends as expected.
expect_mount() {
	local want=$1 desc=$2
	shift 2
	ovl_mount "$@"
	if [ "$want" = ok ]; then
		check "$desc" [ "$mount_rc" = 0 ]
	else
		check "$desc" grep -q "^error: $want " <<<"$mount_out"
	fi
}

# errno_of NAME: the number of an errno name (ovl-mount exits with it).
errno_of() {
	case $1 in
	EINVAL) echo 22 ;;
	EIO) echo 5 ;;
	ESTALE) echo 116 ;;
	*) echo "errno_of: unknown $1" >&2; return 1 ;;
	esac
}

tap_done() {
	echo "1..$tap_n"
	[ "$tap_failed" = 0 ]
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

# The scenarios' upper: ext4 on the first scratch disk behind the dm target
# "upper", mounted on $fs; sets $dev and $fs, or fails the scenario.
use_upper_fs() {
	dev=${LAB_DISKS%% *}
	fs=/tmp/fs
	if ! make_upper_fs "$dev" upper "$fs"; then
		tap_not_ok "ext4 on dm-linear over $dev"
		tap_done
		exit 1
	fi
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
