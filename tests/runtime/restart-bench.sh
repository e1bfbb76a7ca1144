#!/usr/bin/env bash
# Restart latency of a podman container on a volatile overlay, in the
# guest (run by scripts/runtime-check on the release kernel; vm: --disk 4G).
# Modes: stock (Debian's podman: deletes the marker, mounts unchecked:
# unsafe), stock-syncfs (the same after a syncfs of the upper fs: the safe
# way today), patched (volatile_reuse=on: the kernel checks). For each
# mode and dirty size D (RUNTIME_SIZES, MiB), a container writes D MiB,
# is stopped (SIGKILL) and started again, RUNTIME_RESTARTS times; the time
# is the syncfs (stock-syncfs) plus "podman start". The file is removed
# before it is written again: ext4 writes back a file truncated and
# rewritten when it is closed (auto_da_alloc), and nothing would be dirty.
# Writes
# $LAB_OUT/runtime-restart.csv: mode,size_mib,rep,ms,dirty_mib,reused.
set -euo pipefail
# shellcheck source=tests/fixtures.sh
. "$(dirname "$0")/../fixtures.sh"
# shellcheck source=tests/runtime/env.sh
. "$(dirname "$0")/env.sh"
sizes=${RUNTIME_SIZES:-0 512} restarts=${RUNTIME_RESTARTS:-20}

runtime_guest_setup "${LAB_DISKS%% *}" delalloc
csv=$LAB_OUT/runtime-restart.csv
echo "mode,size_mib,rep,ms,dirty_mib,reused" >"$csv"
for mode in stock stock-syncfs patched; do
	runtime_env "${mode%-syncfs}"
	for mib in $sizes; do
		c=c-$mode-$mib
		podman create --name "$c" "${run_opts[@]}" localhost/lab-busybox sh -c \
			"rm -f /ready /dirty; dd if=/dev/zero of=/dirty bs=1M count=$mib 2>/dev/null; echo >/ready; exec sleep 100000" >/dev/null
		podman start "$c" >/dev/null
		for rep in $(seq 0 "$restarts"); do
			merged=$(layer_dir "$c")/merged
			until [ -f "$merged/ready" ]; do sleep 0.1; done
			podman stop -t 0 "$c" >/dev/null
			dirty=$(dirty_mib)
			t0=$(date +%s%N)
			[ "$mode" != stock-syncfs ] || sync -f "$graph"
			podman start "$c" >/dev/null
			t1=$(date +%s%N)
			sysfs=$(ovl_sysfs "$c")
			# rep 0 is the warm-up (first start after the create)
			[ "$rep" = 0 ] || echo "$mode,$mib,$rep,$(((t1 - t0) / 1000000)),$dirty,$(cat "$sysfs/reused")" >>"$csv"
		done
		podman stop -t 0 "$c" >/dev/null
		podman rm "$c" >/dev/null
		sync -f "$graph"
	done
	echo "# $mode done" >&2
done
echo "ok"
