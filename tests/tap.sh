# TAP for the lab's suites (tests/scenarios/, tests/host/, the demo). Sourced.
#
#   tap_plan N          print the plan "1..N" first (when the count is known)
#   check DESC CMD...   ok when CMD succeeds; returns CMD's verdict, so
#                       "check ... || diagnostics" prints them on failure
#   check_sh DESC COND  the same for a shell condition (eval'd): use it for
#                       chains ("[ a ] && [ b ]"), which check would cut
#   tap_skip DESC WHY   "ok N - DESC # SKIP WHY": a check that could not run
#   tap_run DESC CMD... run a checker (python) that prints "ok - what" /
#                       "not ok - what"; a checker that exits non-zero is a
#                       failure, never a shorter suite
#   at_exit CMD         run CMD when the suite exits (instead of trap EXIT)
#   tap_done            end the suite: trailing plan (or compare with the
#                       declared one); status 0 only when nothing failed
#
# After tap_guard (tests/lib.sh calls it for every suite), a suite that
# exits before tap_done (an error, exit in a fixture) gets a "not ok"
# saying so and exits 1: it cannot look complete. scripts/check compares
# each suite's plan with its results as well, for suites killed from
# outside.
# shellcheck shell=bash

tap_n=0
tap_failed=0
tap_planned=
tap_finished=
tap_exit_cmds=()

tap_ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
tap_not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
tap_skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }
diag() { printf '# %s\n' "$@"; }

tap_plan() {
	tap_planned=$1
	echo "1..$1"
}

# check DESC CMD...: ok when CMD succeeds. Returns 1 when it failed.
check() {
	local desc=$1
	shift
	if "$@"; then tap_ok "$desc"; else tap_not_ok "$desc"; return 1; fi
}

# check_sh DESC 'SHELL CONDITION': ok when the condition (eval'd, so it
# can be a chain of commands with && and ||) holds. Returns 1 when not.
check_sh() {
	local desc=$1
	if eval "$2"; then tap_ok "$desc"; else tap_not_ok "$desc"; return 1; fi
}

# tap_run DESC CMD...: run CMD (its stdin is ours: a here-document for
# "python3 -"), count the "ok - what" / "not ok - what" lines it prints as
# ours, pass other lines through, show its stderr as diagnostics. When it
# exits non-zero (an exception half-way) that is one more "not ok".
tap_run() {
	local desc=$1 out err rc line
	shift
	out=$(mktemp) err=$(mktemp)
	"$@" >"$out" 2>"$err"
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) tap_ok "${line#ok - }" ;;
		"not ok - "*) tap_not_ok "${line#not ok - }" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$out"
	sed 's/^/#   /' "$err"
	rm -f "$out" "$err"
	if [ "$rc" != 0 ]; then
		tap_not_ok "$desc: the checker exited $rc (the checks after its last line did not run)"
		return 1
	fi
}

at_exit() { tap_exit_cmds+=("$1"); }

tap_done() {
	tap_finished=1
	if [ -z "$tap_planned" ]; then
		echo "1..$tap_n"
	elif [ "$tap_n" != "$tap_planned" ]; then
		tap_not_ok "the suite planned $tap_planned tests and ran $((tap_n))"
	fi
	[ "$tap_failed" = 0 ]
}

_tap_on_exit() {
	local rc=$1 c
	for c in "${tap_exit_cmds[@]}"; do eval "$c" || true; done
	[ -z "$tap_finished" ] || exit "$rc"
	tap_not_ok "the suite stopped before its end (exit $rc)"
	[ -n "$tap_planned" ] || echo "1..$tap_n"
	exit 1
}
tap_guard() { trap '_tap_on_exit $?' EXIT; }
