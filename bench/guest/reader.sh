#!/usr/bin/env bash
# Part 4 in the guest (run by bench/reader.sh): a trace.dat like one from a
# busy node, `trace-cmd record -e overlayfs -e filemap -e writeback`: page
# cache noise from files written and deleted on ext4, with volatile overlay
# cycles (checkpoint, reuse, a refusal) among them. Writes
# $LAB_OUT/reader.dat; BENCH_READER_MIB of page cache churn (each 4 KiB
# page is two filemap events), BENCH_READER_CYCLES overlay cycles.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$bench_top/tests/fixtures.sh" # wait_recording

mib=${BENCH_READER_MIB:-2304}
cycles=${BENCH_READER_CYCLES:-50}
fs=$mnt/reader
m=/tmp/merged
modprobe overlay
slice_fs reader 0 1
make_lower "$fs/lower"
mkdir -p "$m"

cd /tmp
# Big buffers (default 256 MiB per CPU): the recorder must not drop
# events under TCG.
trace-cmd record -q -b "${BENCH_READER_BUF_KB:-262144}" -o "$LAB_OUT/reader.dat" -e overlayfs -e filemap -e writeback \
	>/tmp/trace-cmd.log 2>&1 &
recorder=$!
wait_recording /sys/kernel/tracing "$recorder"

chunk=64
rounds=$(((mib + chunk - 1) / chunk))
for i in $(seq "$rounds"); do
	# Page cache noise: write, then delete (the pages come and go).
	dd if=/dev/zero of="$fs/noise" bs=1M count="$chunk" status=none
	rm "$fs/noise"
	# Overlay cycles spread through the recording.
	for c in $(seq $(((cycles * i + rounds - 1) / rounds - cycles * (i - 1) / rounds))); do
		d=$fs/c$i-$c
		mkdir -p "$d/upper" "$d/work"
		opts="lowerdir=$fs/lower,upperdir=$d/upper,workdir=$d/work,volatile,volatile_reuse=on"
		mount -t overlay overlay -o "$opts" "$m"
		echo "$c" >"$m/state"
		umount "$m"
		mount -t overlay overlay -o "$opts" "$m" # reuse
		umount "$m"
		setfattr -x trusted.overlay.volatile "$d/work/work/incompat/volatile"
		mount -t overlay overlay -o "$opts" "$m" 2>/dev/null && umount "$m" # refused: missing
	done
done
sync
sleep 1
kill -INT "$recorder"
wait "$recorder" || { cat /tmp/trace-cmd.log >&2; exit 1; }
