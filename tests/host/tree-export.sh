#!/usr/bin/env bash
# The kernel workflow of docs/lab.md, run for real on a copy of the project.
# On 7.3 (the default base): make tree, an edit, git commit --fixup, rebase
# --autosquash, make export, git commit. make tree refuses to throw away
# work (an unexported commit, an uncommitted change) and says which; make
# export changes exactly the patch the fixup went into and the cover
# letter's shortlog and diffstat (its subject and blurb stay), and is
# stable; make tree after the export gives the same tree back. On 6.12
# (BASE=6.12): its own tree and recorded base, and work in one tree never
# touches the other or the other's patches/. While patches/7.3 has fewer
# than two patches (the port not delivered yet) the test first commits
# two of its own and exports them. The copy (this working tree's files,
# in a git repository of their own) lives in build/tree-test.*, not in /tmp
# (the guest hides /tmp) and never touches build/linux-*. About 4 minutes
# on the 2-core CI machine, most of it unpacking Debian's two source
# tarballs and committing them (docs/testing.md).
# shellcheck disable=SC2016,SC2034 # check_sh conditions (and the variables only they use) are eval'd, in single quotes
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

mkdir -p "$top/build"
work=$(mktemp -d "$top/build/tree-test.XXXXXX")
at_exit 'rm -rf "$work"'
export GIT_AUTHOR_NAME=lab GIT_AUTHOR_EMAIL=lab@localhost \
	GIT_COMMITTER_NAME=lab GIT_COMMITTER_EMAIL=lab@localhost
# The copy runs on the default base, whatever make check was given.
unset LAB_BASE BASE
log=$work/make.log
# make_logged TARGET [VAR=VALUE]: run make TARGET in the copy, its output in $log.
make_logged() {
	make -C "$work/repo" "$@" >"$log" 2>&1
}
show_log() { sed 's/^/#   /' "$log" | tail -n 15; }
series_of() { grep -vE '^(#|$)' "$repo/patches/$1/series"; }
cover=0000-cover-letter.patch
# A patch as far as it depends on the series (scripts/lib.sh: not its hunk
# offsets or blob ids, which a new upload of the base moves).
shape() { bash -c '. "$1/scripts/lib.sh" && patch_shape "$2"' - "$top" "$1"; }
series_base_of() { sed -n 's/^# base: //p' "patches/$1/series"; }
# fresh_export_same BASE: make export of a tree just made from patches/BASE
# gives patches/BASE back: byte for byte on the upload it was exported on;
# on another, the same series (shape) with the tree's base in its series
# file. Then commits what it wrote.
# export_desc BASE: what fresh_export_same BASE checks, in words.
export_desc() {
	local exported tree_base
	exported=$(series_base_of "$1") tree_base=$(cat "build/base-version-$1")
	if [ "$exported" = "$tree_base" ]; then
		echo "byte for byte (the base it was exported on, ${tree_base%% *})"
	else
		echo "the same series on ${tree_base%% *} (exported on ${exported%% *}): only offsets and blob ids differ"
	fi
}
fresh_export_same() {
	local b=$1 f tree_base
	tree_base=$(cat "build/base-version-$b")
	make_logged export "BASE=$b" || return 1
	if [ "$(git show "HEAD:patches/$b/series" | sed -n 's/^# base: //p')" = "$tree_base" ]; then
		[ -z "$(git status --porcelain patches)" ] || return 1
	else
		diag "patches/$b was exported on $(git show "HEAD:patches/$b/series" | sed -n 's/^# base: //p'), the tree's base is $tree_base"
		for f in patches/"$b"/*.patch; do
			cmp -s <(git show "HEAD:$f" | shape /dev/stdin) <(shape "$f") || { diag "$f changed"; return 1; }
		done
		[ "$(series_base_of "$b")" = "$tree_base" ] &&
			diff <(git show "HEAD:patches/$b/series" | grep -v '^#') <(grep -v '^#' "patches/$b/series") >/dev/null &&
			! git status --porcelain --untracked-files=all patches | grep -qv '^ M ' || return 1
	fi
	git add patches && git commit -q --allow-empty -m "exported on $tree_base"
}

# The project as it is in this working tree (what git tracks and what it
# does not ignore), committed in a repository of its own. The 7.3 source
# this project already fetched is linked in, not downloaded again.
repo=$work/repo
mkdir -p "$repo/build/src"
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ ! -e "$f" ] || printf '%s\0' "$f"; done |
	xargs -0 cp -a --parents -t "$repo")
for d in "$top"/build/src/linux-source-7.3-*; do
	[ ! -d "$d" ] || cp -al "$d" "$repo/build/src/"
done
git -C "$repo" init -q -b main && git -C "$repo" add -A && git -C "$repo" commit -q -m "the lab as tested"
mapfile -t series < <(series_of 7.3)
n=${#series[@]}
n612=$(series_of 6.12 | wc -l)
check "a copy of the project in ${work#"$top"/} (7.3: $n patches, 6.12: $n612)" [ "$n612" -gt 1 ]

# --- 7.3, the default base: the workflow, as docs/lab.md shows it.
# tree_made BASE N: 'make tree' for BASE gave build/linux-BASE, its base
# commit and N patches, and recorded the base in build/base-version-BASE.
tree_made() {
	local b=$1 want=$2 rc start=$SECONDS re=${1//./\\.}
	make_logged tree "BASE=$b"
	rc=$?
	sed -n 's/^tree: //p' "$log" | sed 's/^/#   /'
	check_sh "make tree BASE=$b: build/linux-$b is its base and the $want patches ($((SECONDS - start)) s)" \
		'[ "$rc" = 0 ] && [ "$(git -C build/linux-$b rev-list --count lab-base..HEAD)" = "$want" ]' || show_log
	base=$(cat "build/base-version-$b")
	check_sh "make tree recorded the base in build/base-version-$b and the base commit ($base)" \
		'grep -qxE "$re\.[0-9]+ \(Debian linux-source-$re [^ ]+\)" "build/base-version-$b" &&
		[ "$(git -C build/linux-$b log -1 --format=%s lab-base)" = "Linux $base" ]'
}

cd "$repo" || exit 1
tree_made 7.3 "$n"
had_cover=0
[ ! -f "patches/7.3/$cover" ] || had_cover=1
if [ "$n" -lt 2 ]; then
	diag "patches/7.3 has $n patch(es): two of the test's own first"
	want=$((n + 2))
	for f in fs/overlayfs/super.c fs/overlayfs/params.c; do
		echo "/* tree-export test: $f */" >>"build/linux-7.3/$f"
		git -C build/linux-7.3 commit -q -a -m "ovl: tree-export test, $(basename "$f")" -m "A patch of the test."
	done
	make_logged export
	rc=$?
	mapfile -t series < <(series_of 7.3)
	n=${#series[@]}
	check_sh "make export of new commits writes them and a cover letter for them ($n patches)" \
		'[ "$rc" = 0 ] && [ "$n" = "$want" ] && grep -q "^Subject: \[PATCH 0/$n\] " "patches/7.3/$cover"' || show_log
	git add patches && git commit -q -m "two patches of the test"
fi
# Without a cover letter, make export writes git's template.
if [ "$had_cover" = 0 ]; then
	[ -f "patches/7.3/$cover" ] || make_logged export
	check_sh "make export writes the template cover letter when there is none" \
		'grep -qx "Subject: \[PATCH 0/$n\] \*\*\* SUBJECT HERE \*\*\*" "patches/7.3/$cover" &&
		grep -qx "\*\*\* BLURB HERE \*\*\*" "patches/7.3/$cover"' || show_log
fi
# A subject and a blurb of our own.
sed -e 's|^\(Subject: \[PATCH 0/[0-9]*\]\) .*|\1 ovl: the tree-export subject|' "patches/7.3/$cover" |
	awk 'done || NF { print; next } { print; print "The tree-export blurb."; print ""; done = 1 }' >"$work/cover"
mv "$work/cover" "patches/7.3/$cover"
git add patches && git commit -q -m "our cover letter"
check "make export of the fresh tree writes patches/ back (the cover letter too): $(export_desc 7.3)" \
	fresh_export_same 7.3 || { show_log; git status --porcelain patches | sed 's/^/#   /'; }
check "make tree on the fresh tree: nothing to throw away" make_logged tree || show_log
linux_head=$(git -C build/linux-7.3 rev-parse HEAD)
# The patch the fixup goes into: HEAD~1, the one before the last.
target=${series[n - 2]}
target_subject=$(git -C build/linux-7.3 log -1 --format=%s HEAD~1)

cd build/linux-7.3 || exit 1
printf '#!/bin/sh\necho "/* tree-export test */" >>"$1"\n' >"$work/edit"
chmod +x "$work/edit"
EDITOR=$work/edit
# shellcheck disable=SC2086 # as docs/lab.md writes it
check "\$EDITOR fs/overlayfs/super.c changes the file" $EDITOR fs/overlayfs/super.c
check "git commit -a --fixup=HEAD~1 makes 'fixup! $target_subject'" git commit -q -a --fixup=HEAD~1
check_sh "make tree refuses to throw away the unexported commit, and names it" \
	'! make_logged tree && grep -q "commit .fixup! $target_subject. in build/linux-7.3 is not in patches/7.3" "$log" &&
	[ "$(git rev-parse HEAD~1)" = "$linux_head" ]' || show_log
check "GIT_SEQUENCE_EDITOR=true git rebase -i --autosquash lab-base squashes it" \
	env GIT_SEQUENCE_EDITOR=true git rebase -q -i --autosquash lab-base
check_sh "$n commits again, the edit in '$target_subject'" \
	'[ "$(git rev-list --count lab-base..HEAD)" = "$n" ] && ! git log --format=%s lab-base..HEAD | grep -q "^fixup!" &&
	[ "$(git log -1 --format=%s HEAD~1)" = "$target_subject" ] &&
	git show HEAD~1 -- fs/overlayfs/super.c | grep -q "^+/\* tree-export test \*/"'
rebased_tree=$(git rev-parse 'HEAD^{tree}')
check_sh "make tree refuses to throw away the rebased commit, and names it" \
	'! make_logged tree && grep -q "commit .$target_subject. in build/linux-7.3 is not in patches/7.3" "$log"' || show_log
$EDITOR fs/overlayfs/super.c
check_sh "make tree refuses to throw away an uncommitted change" \
	'! make_logged tree && grep -q "build/linux-7.3 has uncommitted changes" "$log" &&
	[ -n "$(git status --porcelain fs/overlayfs/super.c)" ]' || show_log
git checkout -q -- fs/overlayfs/super.c
cd ../.. || exit 1

check "make export" make_logged export || show_log
changed=$(git status --porcelain patches)
check "make export changed exactly patches/7.3/$target and the cover letter" \
	[ "$changed" = " M patches/7.3/$cover"$'\n'" M patches/7.3/$target" ] ||
	diag "git status: ${changed//$'\n'/; }"
check "the exported patch has the edit" \
	grep -q "^+/\* tree-export test \*/" "patches/7.3/$target"
# The cover letter: our subject (with the count) and blurb, and the
# shortlog and diffstat 'git format-patch --cover-letter' gives now.
git -C build/linux-7.3 format-patch -q --cover-letter --no-signature -o "$work/fp" lab-base..HEAD
tail_of() { sed -n '/^[^ ].* ([0-9]*):$/,$p' "$1"; }
check_sh "the cover letter keeps its subject and blurb" \
	'grep -qx "Subject: \[PATCH 0/$n\] ovl: the tree-export subject" patches/7.3/$cover &&
	grep -qx "The tree-export blurb." patches/7.3/$cover'
check "the cover letter's shortlog and diffstat are the series' now" \
	cmp -s <(tail_of "$work/fp/$cover") <(tail_of "patches/7.3/$cover") ||
	diff <(tail_of "$work/fp/$cover") <(tail_of "patches/7.3/$cover") | sed 's/^/#   /'
sum=$(cat patches/7.3/* | sha256sum)
make_logged export
check "make export again writes the same bytes" [ "$(cat patches/7.3/* | sha256sum)" = "$sum" ]
two=$(printf 'patches/7.3/%s\n' "$cover" "$target")
check_sh "git add patches && git commit: one patch and the cover letter changed" \
	'git add patches && git commit -q -m "fixup exported" && [ "$(git diff --name-only HEAD~1 HEAD)" = "$two" ]'

start=$SECONDS
make_logged tree
rc=$?
check_sh "make tree after the export: nothing lost, the same tree back ($((SECONDS - start)) s)" \
	'[ "$rc" = 0 ] && [ "$(git -C build/linux-7.3 rev-parse HEAD^{tree})" = "$rebased_tree" ]' || show_log

# --- 6.12, the stable backport: a tree of its own.
head73=$(git -C build/linux-7.3 rev-parse HEAD)
tree_made 6.12 "$n612"
check "build/linux-7.3 is where it was" [ "$(git -C build/linux-7.3 rev-parse HEAD)" = "$head73" ]
check "make export BASE=6.12 of the fresh tree writes patches/ back: $(export_desc 6.12)" \
	fresh_export_same 6.12 || { show_log; git status --porcelain patches | sed 's/^/#   /'; }
# Work in progress in the 6.12 tree: the 7.3 targets do not see it.
echo "/* tree-export test, 6.12 */" >>build/linux-6.12/fs/overlayfs/super.c
git -C build/linux-6.12 commit -q -a -m "ovl: work in progress on 6.12"
head612=$(git -C build/linux-6.12 rev-parse HEAD)
status=$(git status --porcelain patches)
check_sh "make tree and make export (7.3) with unexported work in build/linux-6.12: both fine, nothing changed" \
	'make_logged tree && make_logged export && [ "$(git status --porcelain patches)" = "$status" ] &&
	[ "$(git -C build/linux-6.12 rev-parse HEAD)" = "$head612" ] &&
	[ "$(git -C build/linux-7.3 rev-parse HEAD)" = "$head73" ]' || show_log
check_sh "make tree BASE=6.12 refuses to throw it away, and names it" \
	'! make_logged tree BASE=6.12 &&
	grep -q "commit .ovl: work in progress on 6.12. in build/linux-6.12 is not in patches/6.12; run .make export BASE=6.12." "$log"' ||
	show_log

# --- A base that moves: Debian keeps only the newest upload of a source
# package. Another upload of the 6.12 base, as a tarball of the files the
# series touches and the Makefile: SUBLEVEL 999 and three lines more at the
# top of fs/overlayfs/super.c (every hunk of it moves; none starts there).
# make tree applies the series and says that the base moved; make export
# changes offsets only; a base where a patch no longer applies stops make
# tree with one line naming the patch and the base.
git -C build/linux-6.12 reset -q --hard HEAD~1
exported612=$(series_base_of 6.12)
mapfile -t touched < <(git -C build/linux-6.12 diff --name-only --diff-filter=M lab-base..HEAD)
moved=fs/overlayfs/super.c
check "the 6.12 series changes $moved" grep -qx "$moved" <(printf '%s\n' "${touched[@]}")
mkdir -p "$work/newbase/linux-source-6.12"
git -C build/linux-6.12 archive lab-base Makefile .gitignore "${touched[@]}" | tar -x -C "$work/newbase/linux-source-6.12"
# new_base SUBLEVEL: the tarball of $work/newbase, as Debian would ship it.
new_base() {
	sed -i "s/^SUBLEVEL = .*/SUBLEVEL = $1/" "$work/newbase/linux-source-6.12/Makefile"
	tar -cJf "$work/linux-source-6.12-$1.tar.xz" -C "$work/newbase" linux-source-6.12
}
sed -i '1a\
/* lab: a newer upload of the base */\
/* moves every hunk */\
/* of this file */' "$work/newbase/linux-source-6.12/$moved"
new_base 999
rm -rf build/linux-6.12
LAB_BASE_TARBALL=$work/linux-source-6.12-999.tar.xz LAB_BASE_DEBIAN_VERSION=6.12.999-1~lab1 make_logged tree BASE=6.12
rc=$?
check_sh "make tree BASE=6.12 on a newer upload (6.12.999, $moved moved by 3 lines): the $n612 patches apply" \
	'[ "$rc" = 0 ] && [ "$(git -C build/linux-6.12 rev-list --count lab-base..HEAD)" = "$n612" ]' || show_log
check "make tree says the base moved, from which upload to which" \
	grep -qF "the base moved: patches/6.12 was exported on $exported612, this tree's base is 6.12.999 (Debian linux-source-6.12 6.12.999-1~lab1)" "$log" ||
	show_log
check "make tree again on it: nothing to throw away (the same commits, other offsets)" make_logged tree BASE=6.12 || show_log
check "make export BASE=6.12 on it: $(export_desc 6.12)" fresh_export_same 6.12 || show_log
check "the export moved the hunks of $moved (the check above compared something)" \
	bash -c 'git diff HEAD~1 HEAD -- patches/6.12 | grep -qE "^[-+]@@ "'
# A base where the first patch that touches $moved no longer applies.
first=$(grep -lE "^diff --git a/$moved " patches/6.12/0*.patch | grep -v "/$cover" | head -n 1)
first=${first##*/}
: >"$work/newbase/linux-source-6.12/$moved"
new_base 998
rm -rf build/linux-6.12
LAB_BASE_TARBALL=$work/linux-source-6.12-998.tar.xz LAB_BASE_DEBIAN_VERSION=6.12.998-1~lab2 make_logged tree BASE=6.12
rc=$?
errors=$(grep -c ': error: ' "$log")
check_sh "make tree on a base where $first no longer applies fails with one line naming the patch and the base (exit $rc)" \
	'[ "$rc" != 0 ] && [ "$errors" = 1 ] &&
	grep -qF "tree: error: patches/6.12/$first does not apply on Linux 6.12.998 (Debian linux-source-6.12 6.12.998-1~lab2) (the series was exported on 6.12.999 (Debian linux-source-6.12 6.12.999-1~lab1))" "$log"' ||
	show_log
tap_done
