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

	# The sysfs ABI document of the series parses (what get_abi reads:
	# scripts/get_abi.pl on 6.12, tools/docs/get_abi.py on 7.x).
	abi_checks=("$b: get_abi validate: no complaint about the overlay ABI"
		"$b: get_abi knows /sys/fs/overlay/<major>:<minor>/reusable")
	if [ -f "$tree/Documentation/ABI/testing/sysfs-fs-overlay" ]; then
		if [ -x "$tree/scripts/get_abi.pl" ]; then
			abi=(./scripts/get_abi.pl) abi_pre=() abi_post=(--dir Documentation/ABI)
		else
			abi=(python3 tools/docs/get_abi.py) abi_pre=(--dir Documentation/ABI) abi_post=()
		fi
		rc=0
		out=$(cd "$tree" && PATH=/usr/bin:$PATH "${abi[@]}" "${abi_pre[@]}" validate "${abi_post[@]}" 2>&1) || rc=$?
		# The base has warnings of its own (7.3: hid-lenovo-go): ours only
		# shellcheck disable=SC2034 # read by the check_sh condition
		ours=$(printf '%s\n' "$out" | grep -E 'fs-overlay|fs/overlay')
		# shellcheck disable=SC2016 # check_sh evals it
		check_sh "${abi_checks[0]}" '[ "$rc" = 0 ] && [ -z "$ours" ]' || printf '%s\n' "$out" | sed 's/^/#   /'
		out=$(cd "$tree" && PATH=/usr/bin:$PATH "${abi[@]}" "${abi_pre[@]}" search 'fs/overlay/.*/reusable' "${abi_post[@]}" 2>&1)
		check "${abi_checks[1]}" grep -q sysfs-fs-overlay <<<"$out"
	else
		for c in "${abi_checks[@]}"; do
			tap_skip "$c" "$tree has no Documentation/ABI/testing/sysfs-fs-overlay (make tree BASE=$b)"
		done
	fi
done
tap_done
