#!/usr/bin/env bash
# In the VM: the installed filesystems/overlayfs kselftests (make check).
# usage: kselftest-guest.sh KSELFTEST_DIR
#
# set_layers_via_fds (7.x) creates directories at /, which in the lab VM is
# the host's root, read-only over 9p: it runs on its own, in a private
# mount namespace whose / is a tmpfs holding binds of the guest's
# directories (see writable_root below).
set -euo pipefail
dir=$1
sl=$dir/filesystems/overlayfs/set_layers_via_fds
# Excluded by name: it looks for its detached layers under /tmp in
# mountinfo ("workdir=/tmp/w"), where only the first case of the file
# mounts them; it never finds them, with or without the series, which
# does not touch how mountinfo names layers.
sl_excluded=set_layers_via_detached_mount_fds

writable_root() {
	unshare -m --propagation private bash -euo pipefail -c '
		new=$(mktemp -d /tmp/newroot.XXXXXX)
		mount -t tmpfs -o mode=0755 newroot "$new"
		for d in /*; do
			if [ -L "$d" ]; then cp -P "$d" "$new/"; continue; fi
			[ -d "$d" ] || continue
			mkdir "$new$d"
			mount --rbind "$d" "$new$d"
		done
		mkdir "$new/.oldroot"
		cd "$new"
		pivot_root . .oldroot
		umount -l /.oldroot
		rmdir /.oldroot
		cd /
		exec "$@"' writable-root "$@"
}

# One TAP stream, as run_kselftest.sh prints it: a top-level line per
# binary, each binary's own results nested ("# ok 3 ...").
rc=0
if [ -x "$sl" ]; then
	echo "1..$(grep -c . "$dir/kselftest-list.txt")"
	set +o pipefail
	"$dir/run_kselftest.sh" -S filesystems/overlayfs:set_layers_via_fds |
		grep -v '^1\.\.[0-9]'
	set -o pipefail
	echo "# set_layers_via_fds, with a writable / (see scripts/kselftest-guest.sh)"
	sl_rc=0
	writable_root "$sl" -T "$sl_excluded" >"/tmp/set_layers.tap" 2>&1 || sl_rc=$?
	# its plan, plus the excluded case
	n=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' /tmp/set_layers.tap)
	n=$((${n:-0} + 1))
	echo "# 1..$n"
	grep -v '^1\.\.[0-9]' /tmp/set_layers.tap | sed 's/^/# /'
	echo "# ok $n set_layers_via_fds.$sl_excluded # SKIP expects its detached layers under /tmp in mountinfo, where the test never mounts them"
	if [ "$sl_rc" = 0 ]; then
		echo "ok $(grep -c . "$dir/kselftest-list.txt") selftests: filesystems/overlayfs: set_layers_via_fds"
	else
		echo "not ok $(grep -c . "$dir/kselftest-list.txt") selftests: filesystems/overlayfs: set_layers_via_fds # exit=$sl_rc"
		rc=1
	fi
	# run_kselftest.sh exits 0 even when a binary failed: the TAP says it
else
	"$dir/run_kselftest.sh" || rc=$?
fi
exit "$rc"
