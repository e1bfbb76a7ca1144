#!/usr/bin/env bash
# The guest half of 'make demo-runtime'.
set -uo pipefail
# shellcheck source=tests/fixtures.sh
. "$(dirname "$0")/../tests/fixtures.sh"
# shellcheck source=tests/runtime/env.sh
. "$(dirname "$0")/../tests/runtime/env.sh"

say() {
	printf '\n==> %s\n' "$1"
	shift
	[ $# = 0 ] || printf '    %s\n' "$@"
}
run() { printf '$ %s\n' "$*"; "$@"; }
runq() { printf '$ %s\n' "$*"; "$@" >/dev/null; } # the command, not its output
# The container's overlay in /sys/fs/overlay, the attributes that matter.
show_sysfs() {
	local d
	d=$(ovl_sysfs app) || return
	printf '$ grep . %s/{volatile_reuse,reused,reusable}\n' "$d"
	(cd "$d" && grep . volatile_reuse reused reusable)
}
dirty() { printf '(%s MiB of the page cache still dirty: nothing was written back)\n' "$(dirty_mib)"; }

runtime_guest_setup "${LAB_DISKS%% *}" || exit 1
runtime_env patched || exit 1
# (podman warns once that this kernel has no cgroups: not the story)
podman() {
	{ "${podman_cmd[@]}" "$@" 2>&1 1>&3 3>&- | grep -v 'Failed to parse cgroup information' >&2; } 3>&1
	return "${PIPESTATUS[0]}"
}
alias_note="podman = podman 4.3.1 built with runtimes/containers-storage/"

say "Container storage on ext4 over a disk behind device-mapper, with" \
	'storage.conf: [storage.options.overlay] mountopt = "volatile"' "($alias_note)"
run grep -A1 'storage.options.overlay' "$CONTAINERS_STORAGE_CONF"
say "The kernel can tell a volatile upper that is safe to reuse from one that lost data:"
run cat /sys/fs/overlay/features/volatile_reuse

say "A container starts and writes 64 MiB. Its writable layer is a volatile overlay:" \
	"never synced. Storage asked the kernel to keep it reusable (volatile_reuse=on)."
echo "(--network=none; the other options stand in for cgroups and seccomp, which the lab kernel leaves out)"
runq podman create --name app "${run_opts[@]}" localhost/lab-busybox sh -c \
	'[ -f /data ] || dd if=/dev/urandom of=/data bs=1M count=64 2>/dev/null; sha256sum /data >/tmp/sum; exec sleep 100000'
sync # the image and the container's metadata are on disk, as for any container created a while ago
runq podman start app
until [ -f "$(layer_dir app)/merged/tmp/sum" ]; do sleep 0.2; done
run podman exec app cat /tmp/sum
show_sysfs

for n in 1 2; do
	say "Restart $n: stop the container (no sync) and start it again."
	runq podman stop -t 0 app
	dirty
	t0=$(date +%s%N)
	runq podman start app
	echo "(podman start took $((($(date +%s%N) - t0) / 1000000)) ms)"
	say "The kernel checked the upper and reused it (reused = 1); the data is intact:"
	show_sysfs
	run podman exec app sha256sum /data
	dirty
done

say "Now the disk fails every write while the container is stopped, and the" \
	"dirty data is written back (a sync): the writes are lost, the disk heals."
runq podman stop -t 0 app
lose_dirty_data
echo "$(dmesg | grep -c 'I/O error') I/O errors in the kernel log"
dmesg -C

say "Start again. Stock podman fails once (EIO: \"sync upperdir fs to clear state\")" \
	"and, once anybody has synced the filesystem, starts on the damaged layer and" \
	"says nothing. Here the kernel refuses the layer (ESTALE) and says why; storage" \
	"discards it, as for a new container, and the container starts clean:"
runq podman start app
until [ -f "$(layer_dir app)/merged/tmp/sum" ]; do sleep 0.2; done
say "The kernel's own line (twice: the refused mount, then storage asking again" \
	"through fsopen(2), whose log is where a program can read the reason):"
echo "\$ dmesg | grep 'volatile upper refused'"
dmesg | grep 'volatile upper refused'
say "The container has a fresh layer: new data, and it is reusable again:"
run podman exec app sha256sum /data
show_sysfs
podman stop -t 0 app >/dev/null
podman rm -af >/dev/null
say "What an operator does: nothing. A refusal with ESTALE costs the container" \
	"its changes since the image (volatile never promised more); EBUSY (another" \
	"mount uses the layer) fails the start and discards nothing."
