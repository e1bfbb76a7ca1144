# Shared paths and helpers of the lab scripts. Sourced, not run.
# shellcheck shell=bash disable=SC2034

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$top/build
linux=$build/linux
patches=$top/patches
base_tarball=/usr/src/linux-source-6.12.tar.xz
# The base commit is tagged so that every script finds it the same way.
base_tag=lab-base

log() { printf '%s: %s\n' "${0##*/}" "$*"; }
die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# Run a long step, saying what it is and how long it took.
step() {
	local what=$1 start rc=0
	shift
	log "$what ..."
	start=$SECONDS
	"$@" || rc=$?
	if [ "$rc" -eq 0 ]; then
		log "$what: done in $((SECONDS - start))s"
	else
		log "$what: FAILED after $((SECONDS - start))s (exit $rc)"
	fi
	return "$rc"
}

# The exact format of an exported patch. 'make tree' compares with the same
# command, so it must not change between the two. core.abbrev is pinned:
# by default the blob ids of the "index" lines are as long as the object
# count asks for, 7 digits in a fresh build/linux (loose objects) and 9
# once git has packed it, and every patch would change.
format_patches() { # OUTDIR RANGE
	git -C "$linux" -c core.abbrev=9 format-patch -q --no-signature --zero-commit --no-renames \
		--subject-prefix=PATCH -o "$1" "$2"
}
