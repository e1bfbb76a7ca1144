#!/usr/bin/env bash
# Tests of the lab itself, run on the host: vm/run must carry the guest's
# exit status back and must fail runs where the kernel misbehaved.
# shellcheck disable=SC2016 # $LAB_* expand in the guest
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

run=$top/vm/run
flavour=${LAB_FLAVOUR:-debug}
tmp=$(mktemp -d "$top/build/lab-test.XXXXXX")
at_exit 'rm -rf "$tmp"'

# vmrun EXPECTED_RC DESC VM-ARGS...: run, keep output in $tmp/out.
vmrun() {
	local want=$1 desc=$2 rc
	shift 2
	"$run" -f "$flavour" "$@" >"$tmp/out" 2>&1
	rc=$?
	check "$desc (exit $rc, want $want)" [ "$rc" = "$want" ] ||
		sed 's/^/#   /' "$tmp/out" | tail -n 20
}

vmrun 0 "a clean command exits 0" -- true
vmrun 7 "the guest command's exit status comes back" -- sh -c 'exit 7'
vmrun 0 "the command's output reaches the host" -- echo hello-from-the-guest
check "output seen on the host" grep -q '^hello-from-the-guest$' "$tmp/out"

# The examples of docs/lab.md, as it shows them (vm/run's default flavour
# is debug).
if [ "$flavour" = debug ]; then
	(cd "$top" && vm/run -- uname -r) >"$tmp/uname" 2>&1
	check "docs: vm/run -- uname -r prints the kernel's release" \
		grep -qx "$(cat "$top/build/kernel-debug/.lab-release")" "$tmp/uname" || sed 's/^/#   /' "$tmp/uname"
	(cd "$top" && vm/run -d 1G -- lsblk) >"$tmp/lsblk" 2>&1
	check "docs: vm/run -d 1G -- lsblk shows a 1 GiB vda" grep -qE '^vda +[0-9:]+ +[0-9]+ +1G ' "$tmp/lsblk" ||
		sed 's/^/#   /' "$tmp/lsblk"
else
	tap_skip "docs: vm/run -- uname -r prints the kernel's release" "the docs' examples boot the debug kernel"
	tap_skip "docs: vm/run -d 1G -- lsblk shows a 1 GiB vda" "the docs' examples boot the debug kernel"
fi

vmrun 0 "the command can write results for the host" -o "$tmp/results" -- \
	sh -c 'uname -r >"$LAB_OUT/release"'
check "results directory holds the guest's file" \
	[ "$(cat "$tmp/results/share/release" 2>/dev/null)" = "$(cat "$top/build/kernel-$flavour/.lab-release")" ]

vmrun 0 "overlay is a module that loads, is used and unloads" -- sh -c '
	modprobe overlay && grep -qw overlay /proc/filesystems &&
	mkdir -p /tmp/l1 /tmp/l2 /tmp/m && mount -t overlay overlay -o lowerdir=/tmp/l1:/tmp/l2 /tmp/m &&
	umount /tmp/m && rmmod overlay && ! grep -qw overlay /proc/filesystems'

vmrun 254 "a kernel WARNING fails the run" -q -- \
	sh -c 'echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT'
vmrun 255 "a kernel panic returns 255" -q -- \
	sh -c 'echo PANIC >/sys/kernel/debug/provoke-crash/DIRECT'
vmrun 255 "a hung guest returns 255" -q -t 30 -- sleep 3600
# vm/run's own verdict, not the wall clock (a loaded host is slow).
check "the hang was cut by the timeout, and vm/run says so" \
	grep -q '^vm/run: guest timed out after 30s; console: ' "$tmp/out"

img=$tmp/persist.img
vmrun 0 "boot 1 writes a persistent disk" -p "$img:64M" -- sh -c '
	mkfs.ext4 -q -F "$LAB_DISKS" && mount "$LAB_DISKS" /mnt &&
	echo first-boot >/mnt/marker && umount /mnt'
vmrun 0 "boot 2 reads what boot 1 wrote" -p "$img" -- sh -c '
	mount "$LAB_DISKS" /mnt && grep -q first-boot /mnt/marker'

tap_done
