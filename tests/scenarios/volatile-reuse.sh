#!/usr/bin/env bash
# Reusable volatile mounts on ext4 over a real block device (virtio disk
# behind device-mapper): checkpoint, 100 reuse cycles without sync, the
# mount options runtimes use, and the refusals that stay as upstream.
# vm: --disk 2G
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

m=/tmp/merged
use_upper_fs
mkdir -p "$fs/lower/dir" "$m"
echo lower >"$fs/lower/from-lower"
echo lower-in-dir >"$fs/lower/dir/file"

new_overlay plain
expect_mount ok "fresh volatile mount" "$opts,volatile,volatile_reuse=on" "$m"
umount "$m"
size=$(getfattr --absolute-names -n trusted.overlay.volatile -e hex "$ckpt_dir" 2>/dev/null |
	sed -n 's/^trusted.overlay.volatile=0x//p' | tr -d '\n' | wc -c)
check "checkpoint xattr on work/incompat/volatile is 48 bytes (got $((size / 2)))" [ "$size" = 96 ]
check "dirty marker is there too" test -f "$ckpt_dir/dirty"

# 100 cycles: each mounts (reusing), checks every file written so far,
# writes more (small files and one large), unmounts. Never a sync.
manifest=/tmp/manifest
: >"$manifest"
failed_at=""
for cycle in $(seq 1 100); do
	if ! ovl-mount "$opts,volatile,volatile_reuse=on" "$m" >/tmp/mount.out; then
		failed_at="mount in cycle $cycle: $(tail -n 1 /tmp/mount.out)"
		break
	fi
	if [ -s "$manifest" ] && ! (cd "$m" && sha256sum --quiet -c "$manifest"); then
		failed_at="checksums in cycle $cycle"
		umount "$m"
		break
	fi
	head -c $((4096 * (cycle % 7 + 1))) /dev/urandom >"$m/small-$cycle"
	(cd "$m" && sha256sum "small-$cycle") >>"$manifest"
	if [ $((cycle % 25)) = 0 ]; then
		dd if=/dev/urandom of="$m/large-$cycle" bs=1M count=16 status=none
		(cd "$m" && sha256sum "large-$cycle") >>"$manifest"
	fi
	umount "$m"
done
check "100 volatile mount/write/unmount cycles without sync reuse the upper${failed_at:+ (failed: $failed_at)}" [ -z "$failed_at" ]
check "all $(wc -l <"$manifest") files read back intact from the upper" \
	bash -c "cd '$fs/plain/upper' && sha256sum --quiet -c '$manifest'"
check "the checkpoint is still there" \
	bash -c "getfattr --absolute-names -n trusted.overlay.volatile '$ckpt_dir' >/dev/null"

# The options runtimes use: each on its own upper, reused after a remount.
for opt in index=on redirect_dir=on metacopy=on userxattr; do
	new_overlay "${opt%%=*}"
	if ! ovl_mount "$opts,$opt,volatile,volatile_reuse=on" "$m"; then
		tap_not_ok "volatile mount with $opt"
		continue
	fi
	echo data >"$m/new-file"
	chmod 600 "$m/from-lower"          # metacopy: metadata-only copy up
	mv "$m/dir" "$m/dir-renamed"       # redirect_dir: renamed lower dir
	sum=$(cd "$m" && find . -type f | sort | xargs sha256sum)
	umount "$m"
	expect_mount ok "volatile mount with $opt is reused" "$opts,$opt,volatile,volatile_reuse=on" "$m"
	check "with $opt the content is the same after reuse" \
		[ "$(cd "$m" && find . -type f | sort | xargs sha256sum)" = "$sum" ]
	umount "$m"
done
xattr=trusted.overlay.volatile
check "userxattr checkpoints in user.overlay.volatile, not $xattr" bash -c "
	getfattr --absolute-names -n user.overlay.volatile '$ckpt_dir' >/dev/null 2>&1 &&
	! getfattr --absolute-names -n $xattr '$ckpt_dir' >/dev/null 2>&1"

# Unchanged from upstream: a durable mount never adopts a volatile upper,
# unknown incompat features fail.
new_overlay plain
dmesg -C
expect_mount EINVAL "non-volatile mount over a volatile upper fails with EINVAL" "$opts" "$m"
check "the mount log names the reason" grep -q "log: e overlay: volatile upper refused: mount is not volatile" <<<"$mount_out"
check "dmesg has one line naming the reason and what to do" \
	[ "$(dmesg | grep -c 'volatile upper refused: mount is not volatile; discard upperdir and workdir')" = 1 ]
mkdir "$ckpt_dir/../future"
expect_mount EINVAL "an unknown incompat feature fails a volatile mount with EINVAL" "$opts,volatile,volatile_reuse=on" "$m"
expect_mount EINVAL "and a non-volatile mount" "$opts" "$m"
check "dmesg names the unknown feature" grep -q "incompat feature 'future' cannot be mounted" <(dmesg)

umount "$fs"
tap_done
