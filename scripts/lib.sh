# Shared paths and helpers of the lab scripts. Sourced, not run.
# shellcheck shell=bash disable=SC2034

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$top/build
# The base commit is tagged so that every script finds it the same way.
base_tag=lab-base

log() { printf '%s: %s\n' "${0##*/}" "$*"; }
die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# The kernel base (make BASE=..., LAB_BASE): 7.3, the upstream series, or
# 6.12, the stable backport. Each has its own series (patches/BASE), tree
# (build/linux-BASE) and kernels (build/kernel-BASE-FLAVOUR).
base=${LAB_BASE:-7.3}
case $base in
7.3)
	# Not in Debian 12: scripts/fetch-base downloads the .deb from
	# trixie-backports into build/. Pinned: the archive keeps only the
	# newest upload, and a new one must be a deliberate change of the base
	# (the series may need a rebase), not a surprise of the next clone.
	base_package="linux-source-7.3"
	base_pin=7.3.4-1~bpo13+1
	base_tarball=$build/src/$base_package-$base_pin/usr/src/$base_package.tar.xz
	;;
6.12)
	# Debian 12's own package, installed by make deps.
	base_package="linux-source-6.12"
	base_pin=
	base_tarball=/usr/src/$base_package.tar.xz
	;;
*) die "unknown base '$base' (BASE=7.3 or BASE=6.12)" ;;
esac
linux=$build/linux-$base
patches=$top/patches/$base
tree_name=build/linux-$base
# What to add to a make command line for this base, in hints.
base_arg=
[ "$base" = 7.3 ] || base_arg=" BASE=$base"

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
# count asks for, 7 digits in a fresh tree (loose objects) and 9
# once git has packed it, and every patch would change.
format_patches() { # OUTDIR RANGE [OPTION...]
	git -C "$linux" -c core.abbrev=9 format-patch -q --no-signature --zero-commit --no-renames \
		--subject-prefix=PATCH -o "$1" "${@:3}" "$2"
}
