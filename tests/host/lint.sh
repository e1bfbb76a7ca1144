#!/usr/bin/env bash
# Static checks: the lab's shell is shellcheck-clean, and every patch of the
# series is checkpatch --strict clean.
set -u
. "$(dirname "$0")/../lib.sh"

cd "$top" || exit 1
mapfile -t shell < <(grep -rlE '^#!.*\b(ba)?sh\b' .ci scripts vm tests bench 2>/dev/null; ls tests/lib.sh scripts/lib.sh)
check "shellcheck: ${#shell[@]} shell files" shellcheck -x "${shell[@]}"

while read -r p; do
	case $p in '' | '#'*) continue ;; esac
	# /usr/bin first: checkpatch runs spdxcheck.py with Debian's python3-ply
	out=$(cd build/linux && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict --terse --no-summary "$top/patches/$p" 2>&1)
	check "checkpatch --strict: $p" [ -z "$out" ]
	[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/#   /'
done <patches/series

# The sysfs ABI document of the series parses (what get_abi.pl reads).
if [ -f build/linux/Documentation/ABI/testing/sysfs-fs-overlay ]; then
	out=$(cd build/linux && PATH=/usr/bin:$PATH ./scripts/get_abi.pl validate --dir Documentation/ABI 2>&1)
	check "get_abi.pl validate: Documentation/ABI is clean" [ -z "$out" ]
	check "get_abi.pl knows /sys/fs/overlay/<major>:<minor>/reusable" bash -c \
		"cd build/linux && PATH=/usr/bin:\$PATH ./scripts/get_abi.pl search 'fs/overlay/.*/reusable' --dir Documentation/ABI | grep -q sysfs-fs-overlay"
fi
tap_done
