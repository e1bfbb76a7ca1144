#!/usr/bin/env bash
# shellcheck disable=SC2016 # check_sh conditions are eval'd, in single quotes
# Four loops for 60 seconds under the debug kernel: volatile mounts and
# unmounts (each one reuses the upper), readers of every sysfs attribute,
# the overlayfs events enabled and disabled, fanotify listeners coming and
# going. The console must stay clean (KASAN, lockdep: vm/run checks).
# vm: --disk 1G
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

T=/sys/kernel/tracing
secs=${STRESS_SECONDS:-60}
use_upper_fs
mkdir -p "$fs"/{lower,upper,work} /tmp/m
echo lower >"$fs/lower/file"
opts="lowerdir=$fs/lower,upperdir=$fs/upper,workdir=$fs/work,volatile,volatile_reuse=on,index=on,nfs_export=on"
modprobe overlay
end=$((SECONDS + secs))

mounter() {
	local ok=0 bad=0
	while [ $SECONDS -lt $end ]; do
		if ovl-mount "$opts" /tmp/m >/dev/null; then
			echo "$ok" >/tmp/m/counter
			until umount /tmp/m 2>/dev/null; do sleep 0.05; done
			ok=$((ok + 1))
		else
			bad=$((bad + 1))
		fi
	done
	echo "$ok $bad" >/tmp/mounter.out
}
# repeat NAME CMD...: run CMD until the end; /tmp/NAME.out counts the runs
# that succeeded.
repeat() {
	local name=$1 n=0
	shift
	while [ $SECONDS -lt $end ]; do
		"$@" && n=$((n + 1))
	done
	echo "$n" >"/tmp/$name.out"
}
# One sweep over the attributes of every mounted overlay: it counts when
# at least one was read (a directory may go away under it).
sweep_sysfs() {
	local a n=0
	for a in /sys/fs/overlay/*:*/*; do
		cat "$a" >/dev/null 2>&1 && n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}
toggle_events() { echo 1 >"$T/events/overlayfs/enable" && echo 0 >"$T/events/overlayfs/enable"; }
listen() { fs-errors /tmp/m 1 >/dev/null 2>&1; }

mounter &
repeat reader sweep_sysfs &
repeat tracer toggle_events &
repeat listener listen &
wait
read -r mounts failures </tmp/mounter.out
diag "in ${secs}s: $mounts mount/unmount cycles, $(cat /tmp/reader.out) sysfs sweeps, $(cat /tmp/tracer.out) event toggles, $(cat /tmp/listener.out) fanotify listeners"
check_sh "volatile mounts cycled ($mounts), every one reused the upper ($failures failed)" \
	'[ "$mounts" -gt 0 ] && [ "$failures" = 0 ]'
check "sysfs of a live overlay was read while mounts came and went" [ "$(cat /tmp/reader.out)" -gt 0 ]
check "tracing was switched on and off" [ "$(cat /tmp/tracer.out)" -gt 0 ]
check "fanotify listeners came and went" [ "$(cat /tmp/listener.out)" -gt 0 ]
check "the upper holds the last counter" test -s "$fs/upper/counter"
tap_done
