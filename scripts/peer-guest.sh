#!/usr/bin/env bash
# Runs in the guest (vm/run): one of the peer suites of build/peer, as
# overlayfs maintainers run them, on xfs over the VM's scratch disks.
#
#   peer-guest.sh fstests RESULTS [CHECK-ARGS...]
#       ./check -overlay CHECK-ARGS with OVL_BASE_FSTYP=xfs: TEST_DEV is
#       the first disk, SCRATCH_DEV the second (both made xfs here), the
#       union tests run build/peer/unionmount-testsuite; fstests' results
#       go to RESULTS (RESULT_BASE), its summary to RESULTS/summary
#   peer-guest.sh unionmount RESULTS [MNTOPTIONS]
#       unionmount-testsuite ./run --ov=10 --samefs --verify on xfs on the
#       first disk, with UNIONMOUNT_MNTOPTIONS=MNTOPTIONS when given
#
# The exit status is the suite's.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
peer=$top/build/peer
what=${1:?usage: peer-guest.sh fstests|unionmount RESULTS [ARGS...]}
results=${2:?usage: peer-guest.sh fstests|unionmount RESULTS [ARGS...]}
shift 2
read -ra disks <<<"${LAB_DISKS:-}"
# No udev in the guest: device-mapper makes its own nodes.
export DM_DISABLE_UDEV=1
# The host's root is read-only: python must not try to write its caches.
export PYTHONDONTWRITEBYTECODE=1
# and print each test as it runs (progress), not in blocks
export PYTHONUNBUFFERED=1
mkdir -p "$results"
modprobe overlay

case $what in
fstests)
	[ "${#disks[@]}" -ge 2 ] || { echo "peer-guest.sh: fstests needs two disks (vm/run -d SIZE -d SIZE)" >&2; exit 2; }
	base=/tmp/fstests
	mkdir -p "$base/test" "$base/scratch"
	for d in "${disks[@]:0:2}"; do
		mkfs.xfs -q -f "$d"
	done
	cat >"$base/local.config" <<-EOF
		export FSTYP=xfs
		export OVL_BASE_FSTYP=xfs
		export TEST_DEV=${disks[0]}
		export TEST_DIR=$base/test
		export SCRATCH_DEV=${disks[1]}
		export SCRATCH_MNT=$base/scratch
		export RESULT_BASE=$results
		export UNIONMOUNT_TESTSUITE=$peer/unionmount-testsuite
	EOF
	export HOST_OPTIONS=$base/local.config
	cd "$peer/fstests"
	rc=0
	./check -overlay "$@" | tee "$results/check.out" || rc=$?
	# the summary check prints last: Ran, Not run, Failures, Passed/Failed
	sed -n '/^Ran: /,$p' "$results/check.out" >"$results/summary"
	exit "$rc"
	;;
unionmount)
	[ "${#disks[@]}" -ge 1 ] || { echo "peer-guest.sh: unionmount needs a disk (vm/run -d SIZE)" >&2; exit 2; }
	base=/tmp/union-base mnt=/tmp/union-mnt
	mkdir -p "$base" "$mnt"
	mkfs.xfs -q -f "${disks[0]}"
	mount "${disks[0]}" "$base"
	export UNIONMOUNT_BASEDIR=$base UNIONMOUNT_MNTPOINT=$mnt
	if [ -n "${1:-}" ]; then
		export UNIONMOUNT_MNTOPTIONS=$1
	fi
	cd "$peer/unionmount-testsuite"
	echo "unionmount-testsuite: ./run --ov=10 --samefs --verify${1:+ (UNIONMOUNT_MNTOPTIONS=$1)}"
	rc=0
	./run --ov=10 --samefs --verify 2>&1 | tee "$results/run.out" || rc=$?
	echo "unionmount-testsuite: exit $rc"
	exit "$rc"
	;;
*)
	echo "peer-guest.sh: unknown suite '$what' (fstests or unionmount)" >&2
	exit 2
	;;
esac
