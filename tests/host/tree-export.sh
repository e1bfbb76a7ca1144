#!/usr/bin/env bash
# The kernel workflow of docs/lab.md, run for real on a copy of the project:
# make tree, an edit, git commit --fixup, rebase --autosquash, make export,
# git commit. make tree refuses to throw away work (an unexported commit,
# an uncommitted change) and says which; make export changes exactly the
# patch the fixup went into and is stable; make tree after the export gives
# the same tree back. The copy (this working tree's files, in a git
# repository of their own) lives in build/tree-test.*, not in /tmp (the
# guest hides /tmp) and never touches build/linux. About 2½ minutes on the
# 2-core CI machine, most of it unpacking Debian's source tarball and
# committing it (docs/testing.md).
# shellcheck disable=SC2016,SC2034 # check_sh conditions (and the variables only they use) are eval'd, in single quotes
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

mkdir -p "$top/build"
work=$(mktemp -d "$top/build/tree-test.XXXXXX")
at_exit 'rm -rf "$work"'
export GIT_AUTHOR_NAME=lab GIT_AUTHOR_EMAIL=lab@localhost \
	GIT_COMMITTER_NAME=lab GIT_COMMITTER_EMAIL=lab@localhost
log=$work/make.log
# make_logged TARGET: run make TARGET in the copy, its output in $log.
make_logged() {
	make -C "$work/repo" "$@" >"$log" 2>&1
}
show_log() { sed 's/^/#   /' "$log" | tail -n 15; }

# The project as it is in this working tree (what git tracks and what it
# does not ignore), committed in a repository of its own.
repo=$work/repo
mkdir -p "$repo"
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ ! -e "$f" ] || printf '%s\0' "$f"; done |
	xargs -0 cp -a --parents -t "$repo")
git -C "$repo" init -q -b main && git -C "$repo" add -A && git -C "$repo" commit -q -m "the lab as tested"
mapfile -t series < <(grep -vE '^(#|$)' "$repo/patches/series")
n=${#series[@]}
check "a copy of the project in ${work#"$top"/} ($n patches)" [ "$n" -gt 1 ]

# The workflow, as docs/lab.md shows it.
cd "$repo" || exit 1
start=$SECONDS
make_logged tree
rc=$?
sed -n 's/^tree: //p' "$log" | sed 's/^/#   /'
check_sh "make tree: build/linux is the base and the $n patches ($((SECONDS - start)) s)" \
	'[ "$rc" = 0 ] && [ "$(git -C build/linux rev-list --count lab-base..HEAD)" = "$n" ]' || show_log
base=$(cat build/base-version)
check_sh "make tree recorded the base in build/base-version and the base commit ($base)" \
	'grep -qxE "6\.12\.[0-9]+ \(Debian linux-source-6\.12 [^ ]+\)" build/base-version &&
	[ "$(git -C build/linux log -1 --format=%s lab-base)" = "Linux $base" ]'
check_sh "make export of the fresh tree writes patches/ byte for byte" \
	'make_logged export && [ -z "$(git status --porcelain patches)" ]' || git status --porcelain patches | sed 's/^/#   /'
check "make tree on the fresh tree: nothing to throw away" make_logged tree || show_log
linux_head=$(git -C build/linux rev-parse HEAD)
# The patch the fixup goes into: HEAD~1, the one before the last.
target=${series[n - 2]}
target_subject=$(git -C build/linux log -1 --format=%s HEAD~1)

cd build/linux || exit 1
printf '#!/bin/sh\necho "/* tree-export test */" >>"$1"\n' >"$work/edit"
chmod +x "$work/edit"
EDITOR=$work/edit
# shellcheck disable=SC2086 # as docs/lab.md writes it
check "\$EDITOR fs/overlayfs/super.c changes the file" $EDITOR fs/overlayfs/super.c
check "git commit -a --fixup=HEAD~1 makes 'fixup! $target_subject'" git commit -q -a --fixup=HEAD~1
check_sh "make tree refuses to throw away the unexported commit, and names it" \
	'! make_logged tree && grep -q "commit .fixup! $target_subject. in build/linux is not in patches/" "$log" &&
	[ "$(git rev-parse HEAD~1)" = "$linux_head" ]' || show_log
check "GIT_SEQUENCE_EDITOR=true git rebase -i --autosquash lab-base squashes it" \
	env GIT_SEQUENCE_EDITOR=true git rebase -q -i --autosquash lab-base
check_sh "$n commits again, the edit in '$target_subject'" \
	'[ "$(git rev-list --count lab-base..HEAD)" = "$n" ] && ! git log --format=%s lab-base..HEAD | grep -q "^fixup!" &&
	[ "$(git log -1 --format=%s HEAD~1)" = "$target_subject" ] &&
	git show HEAD~1 -- fs/overlayfs/super.c | grep -q "^+/\* tree-export test \*/"'
rebased_tree=$(git rev-parse 'HEAD^{tree}')
check_sh "make tree refuses to throw away the rebased commit, and names it" \
	'! make_logged tree && grep -q "commit .$target_subject. in build/linux is not in patches/" "$log"' || show_log
$EDITOR fs/overlayfs/super.c
check_sh "make tree refuses to throw away an uncommitted change" \
	'! make_logged tree && grep -q "build/linux has uncommitted changes" "$log" &&
	[ -n "$(git status --porcelain fs/overlayfs/super.c)" ]' || show_log
git checkout -q -- fs/overlayfs/super.c
cd ../.. || exit 1

check "make export" make_logged export || show_log
changed=$(git status --porcelain patches)
check "make export changed exactly patches/$target" [ "$changed" = " M patches/$target" ] ||
	diag "git status: ${changed//$'\n'/; }"
check "the exported patch has the edit" \
	grep -q "^+/\* tree-export test \*/" "patches/$target"
sum=$(cat patches/* | sha256sum)
make_logged export
check "make export again writes the same bytes" [ "$(cat patches/* | sha256sum)" = "$sum" ]
check_sh "git add patches && git commit: one patch changed" \
	'git add patches && git commit -q -m "fixup exported" &&
	[ "$(git diff --name-only HEAD~1 HEAD)" = "patches/$target" ]'

start=$SECONDS
make_logged tree
rc=$?
check_sh "make tree after the export: nothing lost, the same tree back ($((SECONDS - start)) s)" \
	'[ "$rc" = 0 ] && [ "$(git -C build/linux rev-parse HEAD^{tree})" = "$rebased_tree" ]' || show_log
tap_done
