# The library of the suites: the scenarios in tests/scenarios/ (run in the
# guest by scripts/check) and the host-side tests in tests/host/. Sourced.
# TAP helpers are in tests/tap.sh, guest fixtures in tests/fixtures.sh.
# shellcheck shell=bash

set -o pipefail
# shellcheck source=tests/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
# shellcheck source=tests/fixtures.sh
. "$(dirname "${BASH_SOURCE[0]}")/fixtures.sh"
tap_guard

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
	EBUSY) echo 16 ;;
	*) echo "errno_of: unknown $1" >&2; return 1 ;;
	esac
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
