#!/usr/bin/env bash
# Tests of the lab itself, run on the host: vm/run must carry the guest's
# exit status back and must fail runs where the kernel misbehaved, and
# boots the kernel of the base it is asked for (-b, LAB_BASE).
# shellcheck disable=SC2016 # $LAB_* expand in the guest
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

run=$top/vm/run
flavour=${LAB_FLAVOUR:-debug} base=${LAB_BASE:-7.3}
tmp=$(mktemp -d "$top/build/lab-test.XXXXXX")
at_exit 'rm -rf "$tmp"'

# vmrun EXPECTED_RC DESC VM-ARGS...: run, keep output in $tmp/out.
vmrun() {
	local want=$1 desc=$2 rc
	shift 2
	"$run" -b "$base" -f "$flavour" "$@" >"$tmp/out" 2>&1
	rc=$?
	check "$desc (exit $rc, want $want)" [ "$rc" = "$want" ] ||
		sed 's/^/#   /' "$tmp/out" | tail -n 20
}

vmrun 0 "a clean command exits 0" -- true
vmrun 7 "the guest command's exit status comes back" -- sh -c 'exit 7'
vmrun 0 "the command's output reaches the host" -- echo hello-from-the-guest
check "output seen on the host" grep -q '^hello-from-the-guest$' "$tmp/out"

# The bases: -b, or LAB_BASE, picks build/kernel-BASE-FLAVOUR, and the
# guest sees LAB_BASE. Each base whose kernel is built (make check on 7.3
# builds both).
for b in 7.3 6.12; do
	release=$(cat "$top/build/kernel-$b-$flavour/.lab-release" 2>/dev/null)
	descs=("vm/run -b $b boots the $b kernel and the guest sees LAB_BASE=$b"
		"LAB_BASE=$b vm/run boots the same kernel")
	if [ -z "$release" ]; then
		for d in "${descs[@]}"; do tap_skip "$d" "no $b $flavour kernel (make kernel BASE=$b FLAVOUR=$flavour)"; done
		continue
	fi
	"$run" -b "$b" -f "$flavour" -- sh -c 'echo "$LAB_BASE $(uname -r)"' >"$tmp/base" 2>&1
	check "${descs[0]} ($release)" grep -qx "$b $release" "$tmp/base" || sed 's/^/#   /' "$tmp/base"
	LAB_BASE=$b "$run" -f "$flavour" -- sh -c 'echo "$LAB_BASE $(uname -r)"' >"$tmp/base" 2>&1
	check "${descs[1]}" grep -qx "$b $release" "$tmp/base" || sed 's/^/#   /' "$tmp/base"
	check "the $b kernel is a $b kernel ($release)" [ "${release#"$b".}" != "$release" ]
done
"$run" -b 5.10 -- true >"$tmp/out" 2>&1
rc=$?
check "vm/run -b 5.10 (no such base) exits 2 and says so" \
	grep -q "^vm/run: unknown base '5.10'" "$tmp/out" || sed 's/^/#   /' "$tmp/out"
check "vm/run -b 5.10 exits 2 (exit $rc)" [ "$rc" = 2 ]

# The examples of docs/lab.md, as it shows them (vm/run's default flavour
# is debug, its base LAB_BASE: make check's).
if [ "$flavour" = debug ]; then
	(cd "$top" && vm/run -- uname -r) >"$tmp/uname" 2>&1
	check "docs: vm/run -- uname -r prints the kernel's release" \
		grep -qx "$(cat "$top/build/kernel-$base-debug/.lab-release")" "$tmp/uname" || sed 's/^/#   /' "$tmp/uname"
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
	[ "$(cat "$tmp/results/share/release" 2>/dev/null)" = "$(cat "$top/build/kernel-$base-$flavour/.lab-release")" ]

vmrun 0 "overlay is a module that loads, is used and unloads" -- sh -c '
	modprobe overlay && grep -qw overlay /proc/filesystems &&
	mkdir -p /tmp/l1 /tmp/l2 /tmp/m && mount -t overlay overlay -o lowerdir=/tmp/l1:/tmp/l2 /tmp/m &&
	umount /tmp/m && rmmod overlay && ! grep -qw overlay /proc/filesystems'

# --icount: the guest's clock counts executed instructions (sleep=off): an
# idle guest jumps to its next timer, so a 100 s sleep ends in the time its
# few instructions take, far inside a 60 s timeout. Without --icount it
# would time out (exit 255).
start=$SECONDS
vmrun 0 "vm/run --icount 0: a 100 s sleep in the guest ends well inside a 60 s timeout" -i 0 -t 60 -- \
	sh -c 'sleep 100 && echo slept'
check "vm/run --icount 0: the sleep finished in the guest ($((SECONDS - start))s on the host)" grep -qx slept "$tmp/out"
"$run" -b "$base" -f "$flavour" -i x -- true >"$tmp/out" 2>&1
rc=$?
check "vm/run --icount x (not a shift) exits 2 and says so (exit $rc)" \
	bash -c '[ "$1" = 2 ] && grep -q "^vm/run: bad icount shift" "$2"' - "$rc" "$tmp/out" || sed 's/^/#   /' "$tmp/out"

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
