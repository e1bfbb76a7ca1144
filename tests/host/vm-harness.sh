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

# --icount SHIFT: the guest's clock counts executed instructions, 2^SHIFT
# ns each, however busy the host is: a loop of known length
# (tests/tools/icount-loop) advances CLOCK_MONOTONIC by 2^SHIFT ns per
# instruction, plus what the interrupts taken meanwhile executed (at most
# a quarter more at shift 0, a half at shift 3: HZ 250 ticks in a debug
# kernel). sleep=off: an idle guest jumps to its next timer,
# so a 700 s sleep of the guest's clock ends inside vm/run's default
# timeout of 600 s, whatever the host does (without it the guest would
# sleep 700 s of the host's and time out; each of its 175,000 ticks
# (HZ 250, periodic) costs the host a little). No check reads the host's clock.
loop=$top/build/tools/icount-loop
# icount_ratio LOW HIGH OUT: the loop's ns per instruction is in [LOW, HIGH].
icount_ratio() {
	awk -v lo="$1" -v hi="$2" '$1 ~ /^[0-9]+$/ && NF == 2 { r = $2 / $1; found = 1; exit }
		END { if (!found) exit 1; printf "%.3f\n", r; exit !(r >= lo && r <= hi) }' "$3"
}
vmrun 0 "vm/run --icount 0: a loop and a 700 s sleep in the guest" -i 0 -- \
	sh -c '"$1" 200000000 && a=$(cut -d" " -f1 /proc/uptime) && sleep 700 &&
		echo "slept $a $(cut -d" " -f1 /proc/uptime)"' - "$loop"
ratio=$(icount_ratio 1 1.25 "$tmp/out")
check "vm/run --icount 0: 1 ns of guest time per guest instruction (loop: $ratio)" icount_ratio 1 1.25 "$tmp/out" ||
	sed 's/^/#   /' "$tmp/out" | tail -n 5
check "vm/run --icount 0: the guest's clock advanced 700 s in the sleep" \
	awk '$1 == "slept" { ok = ($3 - $2 >= 700) } END { exit !ok }' "$tmp/out"
vmrun 0 "vm/run --icount 3: the same loop" -i 3 -- "$loop" 200000000
ratio=$(icount_ratio 8 12 "$tmp/out")
check "vm/run --icount 3: 8 ns of guest time per guest instruction (loop: $ratio)" icount_ratio 8 12 "$tmp/out" ||
	sed 's/^/#   /' "$tmp/out" | tail -n 5
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
