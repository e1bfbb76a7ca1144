# The podman environment of the runtime suites, in the guest. Sourced.
#
#   runtime_env MODE     podman of MODE (stock: Debian's /usr/bin/podman;
#                        patched: build/runtime/bin/podman-patched) with its
#                        storage on the upper fs ($upper_mnt), mountopt
#                        "volatile", crun, cgroups off, no network; the
#                        image localhost/lab-busybox imported from
#                        build/runtime/rootfs.tar. Sets $podman (a command)
#                        and $graph (the graphroot).
#   layer_dir CTR        the container's layer directory (diff, work, merged)
#   ovl_sysfs CTR        /sys/fs/overlay/MAJ:MIN of its mounted overlay
# shellcheck shell=bash disable=SC2034,SC2154 # run_opts, graph: for the suites; upper_*, top: fixtures.sh

runtime_dir=$top/build/runtime

# What a container needs from a lab kernel that has no cgroups, seccomp or
# POSIX message queues (kconfig/ keeps the kernel small): a bind of the
# guest's /sys (an empty /sys/fs/cgroup is made below), tmpfs where podman
# would mount mqueue and cgroup, no seccomp profile, no network.
run_opts=(--network=none --tmpfs /dev/mqueue -v /sys:/sys:ro --tmpfs /sys/fs/cgroup
	--security-opt seccomp=unconfined)

# runtime_guest_setup DEV [delalloc]: podman's prerequisites in the guest, then the
# upper fs (ext4 behind dm "upper" over DEV on /tmp/fs, see make_upper_fs).
# podman needs /sys/fs/cgroup to exist: a tmpfs over /sys/fs gets one, with
# the guest's /sys/fs directories (overlay among them) bound back into it.
runtime_guest_setup() {
	local d
	modprobe overlay || return
	mkdir -p /run/lab-sysfs
	mount --bind /sys/fs /run/lab-sysfs && mount -t tmpfs tmpfs /sys/fs || return
	for d in /run/lab-sysfs/*; do
		mkdir -p "/sys/fs/${d##*/}" && mount --bind "$d" "/sys/fs/${d##*/}" || return
	done
	mkdir -p /sys/fs/cgroup
	# Dirty data stays dirty until something forces writeback.
	sysctl -q vm.dirty_writeback_centisecs=0 vm.dirty_expire_centisecs=8640000 \
		vm.dirty_ratio=90 vm.dirty_background_ratio=80 || return
	# nodelalloc: blocks are allocated when the container writes, so that
	# lose_dirty_data below can make all metadata durable first.
	# (The benchmark passes "delalloc": ext4's default, as on a node.)
	make_upper_fs "$1" upper /tmp/fs || return
	[ "${2:-}" = delalloc ] ||
		{ umount /tmp/fs && mount -o errors=continue,nodelalloc "/dev/mapper/$upper_dm" /tmp/fs; }
}

# lose_dirty_data: the disk fails every write while the dirty data of the
# stopped containers is written back, then heals; the page cache is dropped
# (as memory pressure would), so what was lost is read from the disk. Only
# the file data is lost: podman's own files and every piece of filesystem
# metadata are made durable first (fsync of the files, of the block device:
# bitmaps, inode tables, directories), or the failure takes podman's
# database and ext4's bitmaps with it, which is not what this is about.
lose_dirty_data() {
	find "$graph" -xdev \( -path "$graph/overlay/*/diff" -o -path "$graph/overlay/*/work" \
		-o -path "$graph/overlay/*/merged" \) -prune -o -type f -print0 | xargs -0 sync -- &&
		sync "/dev/mapper/$upper_dm" &&
		fail_writes "$upper_blk" "$upper_dm" && sync
	heal_writes "$upper_blk" "$upper_dm" && echo 3 >/proc/sys/vm/drop_caches
}

# dirty_mib: the guest's dirty page cache, MiB.
dirty_mib() { awk '/^Dirty:/ { print int($2 / 1024) }' /proc/meminfo; }

runtime_env() {
	local mode=$1 conf=/run/lab-podman/$1
	case $mode in
	stock) podman_bin=/usr/bin/podman ;;
	# RUNTIME_PATCHED_PODMAN: another binary as "patched" (to see the checks fail)
	patched) podman_bin=${RUNTIME_PATCHED_PODMAN:-$runtime_dir/bin/podman-patched} ;;
	*) echo "runtime_env: unknown mode $mode" >&2; return 1 ;;
	esac
	graph=$upper_mnt/$mode
	mkdir -p "$conf" "$graph" /run/lab-podman/tmp
	cat >"$conf/storage.conf" <<CONF
[storage]
driver = "overlay"
runroot = "/run/lab-podman/$mode-run"
graphroot = "$graph"
[storage.options.overlay]
mountopt = "volatile"
CONF
	cat >"$conf/containers.conf" <<CONF
[containers]
cgroups = "disabled"
netns = "none"
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "crun"
tmp_dir = "/run/lab-podman/$mode-tmp"
CONF
	export CONTAINERS_STORAGE_CONF=$conf/storage.conf CONTAINERS_CONF=$conf/containers.conf
	export CONTAINERS_REGISTRIES_CONF=/dev/null TMPDIR=/run/lab-podman/tmp
	podman_cmd=("$podman_bin")
	podman() { "${podman_cmd[@]}" "$@"; }
	podman import -q "$runtime_dir/rootfs.tar" localhost/lab-busybox >/dev/null
}

layer_dir() {
	local id
	id=$(podman inspect -f '{{.GraphDriver.Data.UpperDir}}' "$1") || return
	dirname "$id"
}

ovl_sysfs() {
	local merged dev
	merged=$(layer_dir "$1")/merged
	dev=$(awk -v m="$merged" '$5 == m && $9 == "overlay" { print $3 }' /proc/self/mountinfo | tail -n 1)
	[ -n "$dev" ] && echo "/sys/fs/overlay/$dev"
}
