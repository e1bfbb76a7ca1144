#!/usr/bin/env bash
# Static checks: the lab's shell is shellcheck-clean, every script sets
# pipefail, no check in the suites can pass without asserting anything
# (tests/host/lint/tap_lint.py), patches/ has one series per base, and
# every patch of each is checkpatch --strict clean (in that base's tree).
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

cd "$top" || exit 1
# Every shell file: scripts (by their #!) and the sourced libraries.
mapfile -t shell < <(grep -rlE '^#!.*\b(ba)?sh\b' .ci scripts vm tests bench ovltrace/tests | sort)
libs=(tests/*.sh scripts/lib.sh bench/lib.sh bench/guest/lib.sh)
check "shellcheck: $((${#shell[@]} + ${#libs[@]})) shell files" shellcheck -x "${shell[@]}" "${libs[@]}"

# pipefail everywhere: a pipeline that computes a result (a bench figure,
# a count) must fail when a stage fails, not report what the last stage
# made of partial input.
no_pipefail=()
for f in "${shell[@]}"; do
	grep -qE '^set -[a-z]*o pipefail|^set -o pipefail|^set -[a-z]+ -o pipefail' "$f" || no_pipefail+=("$f")
done
check "every script sets -o pipefail (${#shell[@]} scripts)${no_pipefail[*]:+; not: ${no_pipefail[*]}}" \
	[ "${#no_pipefail[@]}" = 0 ]

# Checks that cannot fail: the suites, their libraries, the demo.
suites=(tests/*.sh tests/host/*.sh tests/scenarios/*.sh scripts/demo-guest.sh ovltrace/tests/*.sh)
tap_run "the TAP lint" python3 "$top/tests/host/lint/tap_lint.py" "${suites[@]}"

# patches/: one folder per base, each with its series; every numbered
# patch is in it and it names no missing file (the cover letter is not in
# the series: git am never sees it).
for b in 7.3 6.12; do
	# shellcheck disable=SC2016 # eval'd by check_sh
	check_sh "patches/$b/series names exactly the patches of patches/$b" \
		'[ -f "patches/$b/series" ] &&
		diff <(grep -vE "^(#|$)" "patches/$b/series" | sort) \
			<(cd "patches/$b" && ls | grep -E "^[0-9]{4}-.*\.patch$" | grep -vx 0000-cover-letter.patch | sort) >/dev/null'
done

for b in 7.3 6.12; do
	tree=build/linux-$b
	if [ -x "$tree/scripts/checkpatch.pl" ]; then
		while read -r p; do
			case $p in '' | '#'*) continue ;; esac
			# /usr/bin first: checkpatch runs spdxcheck.py with Debian's python3-ply.
			# As in scripts/series-check: CAMELCASE misfires on the Opt_* enum
			# of every overlayfs option, FILE_PATH_CHANGES on any new file
			# (series-check checks that each has an overlayfs maintainer).
			out=$(cd "$tree" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict --terse --no-summary \
				--ignore CAMELCASE,FILE_PATH_CHANGES "$top/patches/$b/$p" 2>&1)
			check "checkpatch --strict: $b/$p" [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/#   /'
		done <"patches/$b/series"
	else
		tap_skip "checkpatch --strict: patches/$b" "no $tree (make tree BASE=$b)"
	fi

	# The sysfs ABI document of the series parses (what get_abi.pl reads).
	abi_checks=("$b: get_abi.pl validate: Documentation/ABI is clean"
		"$b: get_abi.pl knows /sys/fs/overlay/<major>:<minor>/reusable")
	if [ -f "$tree/Documentation/ABI/testing/sysfs-fs-overlay" ]; then
		out=$(cd "$tree" && PATH=/usr/bin:$PATH ./scripts/get_abi.pl validate --dir Documentation/ABI 2>&1)
		check "${abi_checks[0]}" [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/#   /'
		check "${abi_checks[1]}" bash -c \
			"cd $tree && PATH=/usr/bin:\$PATH ./scripts/get_abi.pl search 'fs/overlay/.*/reusable' --dir Documentation/ABI | grep -q sysfs-fs-overlay"
	else
		for c in "${abi_checks[@]}"; do
			tap_skip "$c" "$tree has no Documentation/ABI/testing/sysfs-fs-overlay (make tree BASE=$b)"
		done
	fi
done
tap_done
