#!/usr/bin/env bash
# make demo's script on the kernel of make check (DEMO_FLAVOUR): every step
# runs and the story ends as it is told, so the demo cannot rot.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
# shellcheck disable=SC2016 # expanded when the suite exits
at_exit 'rm -rf "$tmp"'
DEMO_FLAVOUR=${LAB_FLAVOUR:-debug} "$top/scripts/demo" >"$tmp/out" 2>&1
rc=$?
check "scripts/demo exits 0" [ "$rc" = 0 ] || tail -n 30 "$tmp/out" | sed 's/^/#   /'
# expect DESC REGEX: a line of the transcript matches.
expect() { check "$1" grep -qE -- "$2" "$tmp/out"; }
expect "the volatile overlay is mounted and reused, data intact" '^ok 1 - the data is intact$'
expect "the syncfs it avoids is timed" '^syncfs of the upper filesystem: [0-9]+ ms'
expect "fsync on the overlay reports the writeback error" "^sync: error syncing '/tmp/merged/more': Input/output error"
expect "poll() on reusable wakes up with 0" '^poll\(\) on reusable woke up: woke, value 0$'
expect "fanotify reports FAN_FS_ERROR, EIO" '^fanotify FAN_FS_ERROR: error=5 '
expect "ovltrace status says to discard the upper" 'after unmounting, discard it$'
expect "the next mount is refused with a reason" '^log: e overlay: volatile upper refused: '
expect "ovltrace report explains the refusal and lists lost data" '^ +[0-9.]+ refused +volatile upper on '
expect "ovltrace report names an inode that lost data" 'lost data: inode [0-9]+ '
expect "find turns the lost inode into a path" '^/tmp/fs/upper/more$'
expect "the demo reaches its summary" '^==> Summary: '
tap_done
