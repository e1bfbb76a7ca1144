#!/usr/bin/env bash
# fstests, as overlayfs maintainers run it (./check -overlay on xfs), for
# the series' own case overlay/118 (peer/fstests/: volatile reuse across
# 20 mounts, ESTALE after a writeback error, lost metadata or a remounted
# upper, EINVAL without volatile_reuse=on or volatile, EBUSY for a live
# upper, EIO and never read-only for a shut-down upper) and a short
# selection of the overlay group around what the series changes: the
# volatile mount, the work dir and the index. The whole group runs in
# make peer-check. One TAP line per test; a test fstests does not run
# is a SKIP with its reason, but overlay/118 must run.
# vm: --disk 4G --disk 4G --timeout 2400
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

# name, and why it is here
selection=(
	overlay/118 # the series' case: reuse and every refusal
	overlay/087 # syncfs of a volatile mount after the upper shut down
	overlay/024 # the work dir is cleaned up at mount (or the mount is read-only)
	overlay/036 # exclusive upper and work dirs (in use: EBUSY), with and without index
	overlay/037 # index=on mount errors: upper/lower and index/upper mismatch
)
results=/tmp/fstests-results
# fstests' lines as they come (each test prints when it ends)
bash "$top/scripts/peer-guest.sh" fstests "$results" "${selection[@]}" 2>&1 | sed -u 's/^/#   /'
rc=${PIPESTATUS[0]}
summary=$results/summary
check "fstests ./check -overlay ran and printed its summary (exit $rc)" [ -s "$summary" ]

# the tests of one line of the summary
field() { sed -n "s/^$1: //p" "$summary" 2>/dev/null | tr ' ' '\n'; }
ran=" $(field Ran | tr '\n' ' ') " notrun=" $(field 'Not run' | tr '\n' ' ') "
failed=" $(field Failures | tr '\n' ' ') "
for t in "${selection[@]}"; do
	if [[ $failed == *" $t "* ]]; then
		tap_not_ok "$t"
		[ ! -f "$results/$t.out.bad" ] || diff -u "$top/build/peer/fstests/tests/$t.out" "$results/$t.out.bad" | sed 's/^/#   /'
		[ ! -f "$results/$t.full" ] || tail -n 30 "$results/$t.full" | sed 's/^/#   /'
	elif [[ $notrun == *" $t "* ]]; then
		why=$(cat "$results/$t.notrun" 2>/dev/null)
		if [ "$t" = overlay/118 ]; then
			tap_not_ok "$t: not run on a kernel with the series: $why"
		else
			tap_skip "$t" "not run: $why"
		fi
	elif [[ $ran == *" $t "* ]]; then
		tap_ok "$t"
	else
		tap_not_ok "$t: fstests did not run it"
	fi
done
tap_done
