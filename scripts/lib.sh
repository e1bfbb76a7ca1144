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
	# Not in Debian 12: scripts/fetch-base downloads the newest upload in
	# trixie-backports into build/src/linux-source-7.3-VERSION/. Debian
	# keeps only the newest upload of a source package, so the base moves:
	# the version the series was exported on is in patches/7.3/series,
	# and make tree says when the tree's base differs from it.
	base_package="linux-source-7.3"
	# (not a *.tmp that an interrupted fetch left)
	base_tarball=$(find "$build/src" -mindepth 4 -maxdepth 4 ! -path '*.tmp/*' \
		-path "$build/src/$base_package-*/usr/src/$base_package.tar.xz" 2>/dev/null | sort -V | tail -n 1 || true)
	base_deb=${base_tarball#"$build/src/$base_package-"}
	base_deb=${base_deb%%/*}
	;;
6.12)
	# Debian 12's own package, installed by make deps.
	base_package="linux-source-6.12"
	base_tarball=/usr/src/$base_package.tar.xz
	base_deb=$(dpkg-query -W -f='${Version}' "$base_package" 2>/dev/null || true)
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

# The base of build/linux-BASE, from its base commit ("Linux 6.12.118
# (Debian linux-source-6.12 6.12.118-1~deb12u1)").
tree_base() { git -C "$linux" log -1 --format=%s "$base_tag" | sed 's/^Linux //'; }

# The base a series was exported on: the "# base: " line of
# patches/BASE/series ("6.12.118 (Debian linux-source-6.12 6.12.118-1~deb12u1)").
series_base() { [ ! -f "$patches/series" ] || sed -n '/^# base: /{s///p;q;}' "$patches/series"; }

# A patch as far as it depends on the series, not on the base it was
# exported from: without the line numbers and function names of its hunk
# headers and the blob ids of its "index" lines (a new upload of the base
# moves both), and without the numbers in its Subject ("[PATCH 2/7]": a
# new or dropped commit changes the count). git am applies the same
# series at other offsets; it never applies changed context lines.
patch_shape() {
	sed -E -e '1,/^$/s|^Subject: \[PATCH [0-9]+/[0-9]+\]|Subject: [PATCH]|' \
		-e 's/^@@ -[0-9]+(,[0-9]+)? \+[0-9]+(,[0-9]+)? @@.*/@@/' \
		-e '/^index [0-9a-f]+\.\.[0-9a-f]+( [0-7]+)?$/d' "$1"
}
