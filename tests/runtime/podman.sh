#!/usr/bin/env bash
# podman on a volatile overlay (storage.conf mountopt = "volatile"), in the
# guest: MODE is stock (Debian's podman) or patched (podman built with
# runtimes/containers-storage/). A container writes 64 MiB and is stopped
# without a sync, then: started again; started after its disk failed the
# writes (dm-flakey) and healed; mounted a second time while it runs.
# Run by scripts/runtime-check: vm: --disk 2G.
# shellcheck disable=SC2016,SC2034 # check_sh conditions are eval'd, in single quotes
set -uo pipefail
mode=$1
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/runtime/env.sh
. "$(dirname "$0")/env.sh"

if [ "$mode" = patched ]; then tap_plan 19; else tap_plan 12; fi
if ! runtime_guest_setup "${LAB_DISKS%% *}" || ! runtime_env "$mode"; then
	tap_not_ok "podman ($mode) and its storage on ext4 over dm"
	tap_done
	exit 1
fi
diag "podman: $podman_bin ($(podman version -f '{{.Client.Version}}' 2>&1))"
check "the kernel says volatile_reuse is supported" \
	grep -qx supported /sys/fs/overlay/features/volatile_reuse

# The container: counts its starts in /starts, writes 64 MiB to /data when
# it has none, says it is ready in /ready, sleeps.
cmd='echo start >>/starts; rm -f /ready
[ -f /data ] || dd if=/dev/urandom of=/data bs=1M count=64 2>/dev/null
echo ready >/ready; exec sleep 100000'
wait_ready() { # CTR
	local merged _
	merged=$(layer_dir "$1")/merged
	for _ in $(seq 600); do
		[ -f "$merged/ready" ] && return 0
		sleep 0.2
	done
	echo "wait_ready: $1 not ready after 120 s" >&2
	return 1
}
# show CMD...: run it, its output as diagnostics, its status.
show() {
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/#   /'
	return $rc
}

# Created and synced first: the image and the container's metadata are
# on disk, as for any container created some time ago.
show podman create --name c1 "${run_opts[@]}" localhost/lab-busybox sh -c "$cmd" && sync &&
	show podman start c1 && wait_ready c1
check "a container with a volatile layer wrote 64 MiB" [ -f "$(layer_dir c1)/diff/data" ]
sum=$(sha256sum <"$(layer_dir c1)/merged/data" | cut -d' ' -f1)
upper=$(layer_dir c1)/diff
podman stop -t 0 c1 >/dev/null
dirty=$(dirty_mib)
check "stopped without a sync: ${dirty} MiB still dirty" [ "$dirty" -ge 60 ]

# 1. Started again.
start_err=$(podman start c1 2>&1 >/dev/null)
check "started again" wait_ready c1
sysfs=$(ovl_sysfs c1)
diag "sysfs of the new mount: $sysfs: reused=$(cat "$sysfs/reused" 2>&1) volatile_reuse=$(cat "$sysfs/volatile_reuse" 2>&1)"
if [ "$mode" = patched ]; then
	check "the upper was reused (reused = 1 in sysfs)" grep -qx 1 "$sysfs/reused"
	check "the kernel was asked for reuse (volatile_reuse = 1)" grep -qx 1 "$sysfs/volatile_reuse"
else
	check "stock podman deleted the marker and mounted unchecked (reused = 0)" grep -qx 0 "$sysfs/reused"
fi
got=$(podman exec c1 sha256sum /data | cut -d' ' -f1)
check "the container reads its 64 MiB intact (sha256 ${got:0:16}…)" [ "$got" = "$sum" ]
dirty=$(dirty_mib)
check "no writeback was forced: ${dirty} MiB still dirty" [ "$dirty" -ge 60 ]
check "no warning from podman" [ -z "$start_err" ] || diag "$start_err"

# 2. The disk fails the writes of the dirty data while the container is
# stopped, then heals (lose_dirty_data in env.sh).
podman stop -t 0 c1 >/dev/null
dmesg -C
lose_dirty_data
diag "dm-flakey failed the writeback: $(dmesg | grep -c 'I/O error') I/O errors in the kernel log"
dmesg -C
start_err=$(podman start c1 2>&1 >/dev/null)
start_rc=$?
[ -z "$start_err" ] || printf '%s\n' "$start_err" | sed 's/^/#   podman start: /'
if [ "$mode" = patched ]; then
	check_sh "podman start succeeded" '[ "$start_rc" = 0 ] && wait_ready c1'
	starts=$(podman exec c1 cat /starts | wc -l)
	got=$(podman exec c1 sha256sum /data 2>&1 | cut -d' ' -f1)
	check "podman said why it discarded the layer (the kernel's reason)" \
		grep -q "Discarding the writable layer of .*: volatile upper refused: .*writeback error since checkpoint" <<<"$start_err"
	check "the kernel log names the reason" grep -q "volatile upper refused: .*writeback error" <(dmesg)
	check "the layer was discarded: a clean start (/starts has $starts line)" [ "$starts" = 1 ]
	check "the container wrote fresh data and reads it back" \
		[ "$got" = "$(sha256sum <"$(layer_dir c1)/diff/data" | cut -d' ' -f1)" ]
	sysfs=$(ovl_sysfs c1)
	check "the new upper was not a reuse (reused = 0) and is reusable" \
		bash -c "grep -qx 0 $sysfs/reused && grep -qx 1 $sysfs/reusable"
else
	# Upstream refuses a volatile mount while the upper fs has an error
	# nobody has seen, and says to sync it. Once anybody has (a neighbour's
	# syncfs, the operator following that advice), nothing stops stock.
	check_sh "stock podman's first start fails with EIO (upstream: an unseen writeback error on the upper fs)" \
		'[ "$start_rc" != 0 ] && grep -q "input/output error" <<<"$start_err"'
	diag "kernel: $(dmesg | grep -m1 'unseen error' || echo '(nothing)')"
	sync -f "$graph" 2>&1 | sed 's/^/#   /'
	start_err=$(podman start c1 2>&1 >/dev/null)
	start_rc=$?
	check_sh "after a syncfs of the upper fs stock podman starts on the damaged upper with no error" \
		'[ "$start_rc" = 0 ] && [ -z "$start_err" ] && wait_ready c1'
	starts=$(podman exec c1 cat /starts | wc -l)
	got=$(podman exec c1 sha256sum /data 2>&1 | cut -d' ' -f1)
	diag "the container reads /data: sha256 $got (it wrote $sum); it has started $starts time(s); its first bytes:"
	podman exec c1 sh -c 'head -c 32 /data | od -A d -t x1' 2>&1 | head -3 | sed 's/^/#   /'
	check "and silently reads data other than what it wrote" [ "$got" != "$sum" ]
fi

# 3. A second mount of a running container's layer: its mount vanished
# from the host (umount -l, as a stray cleanup does) while the container
# still uses the overlay; "podman mount" asks storage to mount it again.
sum=$(podman exec c1 sha256sum /data | cut -d' ' -f1)
umount -l "$(layer_dir c1)/merged"
dmesg -C
mount_err=$(podman mount c1 2>&1)
mount_rc=$?
printf '%s\n' "$mount_err" | sed 's/^/#   podman mount: /'
if [ "$mode" = patched ]; then
	check_sh "a second mount of the running container's layer fails with EBUSY" \
		'[ "$mount_rc" != 0 ] && grep -q "in use by another overlay mount, not discarded: device or resource busy" <<<"$mount_err"'
	check "the kernel says why" grep -q "volatile upper refused: upperdir or workdir is in use" <(dmesg)
	check "the running container is unharmed: still running, its data intact" \
		bash -c "[ \"\$(podman inspect -f '{{.State.Running}}' c1)\" = true ] &&
			[ \"\$(podman exec c1 sha256sum /data | cut -d' ' -f1)\" = $sum ] && [ -f '$upper/data' ]"
else
	check "stock podman mounts the layer a second time: two overlays on one upper" [ "$mount_rc" = 0 ]
	diag "kernel: $(dmesg | grep -m1 -i 'in-use' || echo '(nothing)')"
	podman umount c1 >/dev/null 2>&1
fi
podman stop -t 0 c1 >/dev/null

if [ "$mode" = patched ]; then
	# The patch's own test, on this kernel: reuse, EBUSY, ESTALE.
	out=$(cd /tmp && "$runtime_dir/storage-overlay.test" -test.run 'Volatile|DiscardUpper' -test.v 2>&1)
	printf '%s\n' "$out" | grep -E '^(---|ok|FAIL|PASS)' | sed 's/^/#   /'
	check "containers/storage's unit tests pass on this kernel, none skipped" \
		bash -c "grep -qx PASS <<<'$out' && ! grep -q -- '--- SKIP' <<<'$out'"
fi
podman rm -af >/dev/null 2>&1
tap_done
