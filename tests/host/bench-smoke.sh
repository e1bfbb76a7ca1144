#!/usr/bin/env bash
# make bench in its smoke mode: tiny sizes, one repetition, the kernel of
# make check (debug), no base kernel, into a temporary directory (never
# bench/results/). Every part runs end to end and writes what it promises;
# the figures themselves mean nothing here.
# shellcheck disable=SC2016 # awk conditions in single quotes
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d "$top/build/bench-smoke.XXXXXX")
at_exit 'rm -rf "$tmp"'
out=$tmp/results
kinds=small sizes="0 1"
modes="reuse sync loopfs unchecked floor discard"
nmodes=$(wc -w <<<"$modes")

# rows FILE AWK-CONDITION: how many data rows of a CSV match.
rows() { awk -F, "NR > 1 && ($2)" "$1" | wc -l; }
# header_is FILE COLUMNS: the CSV's first line.
header_is() { [ "$(head -n 1 "$1")" = "$2" ]; }

touch "$tmp/stamp"
start=$SECONDS
BENCH_SMOKE=1 BENCH_OUT=$out BENCH_KINDS=$kinds BENCH_SIZES=$sizes LAB_FLAVOUR=${LAB_FLAVOUR:-debug} \
	"$top/scripts/bench" >"$tmp/log" 2>&1
rc=$?
check "scripts/bench in smoke mode exits 0 (in $((SECONDS - start))s)" [ "$rc" = 0 ]
# What failed, then how the run ended (a part's failure is further up).
[ "$rc" = 0 ] || { grep -E 'FAILED|vm/run:|  \| ' "$tmp/log" | head -n 30; tail -n 30 "$tmp/log"; } | sed 's/^/#   /'
check "bench/results/ was not touched" \
	[ -z "$(find "$top/bench/results" -newer "$tmp/stamp" 2>/dev/null)" ]

# restart: one row per kind, D, mode; positive times; reuse verified.
csv=$out/restart.csv
check "restart.csv has its columns" header_is "$csv" \
	kind,size_mib,mode,rep,total_us,umount_us,prep_us,mount_us,content_us,read_us,reused,dirty_before_kib,dirty_after_kib
want=$(($(wc -w <<<"$kinds") * $(wc -w <<<"$sizes") * $(wc -w <<<"$modes")))
check "restart.csv: $want restarts, one per kind, D and mode (got $(rows "$csv" 1))" [ "$(rows "$csv" 1)" = "$want" ]
for m in $modes; do
	check "restart.csv: every $m restart took a positive time" \
		[ "$(rows "$csv" "\$3 == \"$m\" && \$5 > 0 && \$8 > 0")" = $((want / nmodes)) ]
done
check "restart.csv: every reuse restart reused the upper (reused=1)" \
	[ "$(rows "$csv" '$3 == "reuse" && $11 == 1')" = $((want / nmodes)) ]
check "restart.csv: the floor's marker deletion is outside its timed region (prep < 100 us)" \
	[ "$(rows "$csv" '$3 == "floor" && $7 < 100')" = $((want / nmodes)) ]
check "restart.csv: the floor is a plain volatile mount, total = umount + mount + read" \
	[ "$(rows "$csv" '$3 == "floor" && ($5 - $6 - $8 - $10) > 100')" = 0 ]
csv=$out/restart-setup.csv
check "restart-setup.csv has its columns and a row per kind, D and mode" bash -c '
	[ "$(head -n 1 "$1")" = kind,size_mib,mode,setup_us ] && [ "$(tail -n +2 "$1" | wc -l)" = "$2" ]' - "$csv" "$want"
check "restart-setup.csv: loopfs made its own filesystem, slower to set up than a directory" \
	[ "$(awk -F, '$3 == "loopfs" { l += $4; nl++ } $3 == "reuse" { r += $4; nr++ } END { print (nl && nr && l / nl > r / nr) }' "$csv")" = 1 ]
csv=$out/restart.csv
check "restart.csv: no other mode reused one (reused=0)" \
	[ "$(rows "$csv" '$3 != "reuse" && $11 != 0')" = 0 ]
check "restart.csv: D=1 MiB was dirty before each restart" \
	[ "$(rows "$csv" '$2 == 1 && $12 < 1024')" = 0 ]

# neighbour: six phases over all rounds, positive latencies.
csv=$out/neighbour.csv
check "neighbour.csv has its columns" header_is "$csv" mode,round,fsyncs,p50_us,p99_us,restarts,mean_restart_us
for m in quiet idle reuse sync loopfs unchecked; do
	check "neighbour.csv: $m phase with fsyncs and positive latencies" \
		[ "$(rows "$csv" "\$1 == \"$m\" && \$2 == \"all\" && \$3 > 0 && \$4 > 0 && \$5 >= \$4")" = 1 ]
done
check "neighbour.csv: the containers restarted in the reuse, sync, loopfs and unchecked phases" \
	[ "$(rows "$csv" '($1 == "reuse" || $1 == "sync" || $1 == "loopfs" || $1 == "unchecked") && $2 == "all" && $6 > 0')" = 4 ]
check "neighbour.csv: no restart in the quiet and idle phases" \
	[ "$(rows "$csv" '($1 == "quiet" || $1 == "idle") && $6 != 0')" = 0 ]
check "neighbour-setup.csv: each container set up on the shared filesystem and on its own loopfs" \
	[ "$(rows "$out/neighbour-setup.csv" '($1 == "shared" || $1 == "loopfs") && $3 > 0')" = 4 ]

# cost: the kernel at hand, counted in instructions and by the wall clock,
# tracepoints off and on, no base.
csv=$out/cost-summary.csv
check "cost.csv has its columns" header_is "$out/cost.csv" clock,kernel,tracepoints,op,boot,rep,us_per_op
check "cost-summary.csv has its columns" header_is "$csv" clock,kernel,tracepoints,op,n,boots,figure,p95,spread,rep_spread
for clock in icount wall; do
	for tp in off on; do
		check "cost: $clock: the seven operations with tracepoints $tp, positive figures" \
			[ "$(rows "$csv" "\$1 == \"$clock\" && \$2 == \"patched\" && \$3 == \"$tp\" && \$7 > 0")" = 7 ]
	done
done
# A volatile fsync that finds no error is a few hundred instructions, and
# a reuse mount + unmount fewer than a fresh volatile_reuse=on one (the
# reuse skips the checkpoint's write and the work dir's cleanup).
check "cost: icount counts instructions: a volatile fsync is 100 to 5000 of them" \
	[ "$(rows "$csv" '$1 == "icount" && $3 == "off" && $4 == "fsync" && $7 >= 100 && $7 <= 5000')" = 1 ]
check "cost: icount: a reuse costs fewer instructions than a fresh volatile_reuse=on mount" \
	[ "$(awk -F, '$1 == "icount" && $3 == "off" { f[$4] = $7 } END { print (f["reuse"] < f["mount-reuse-on"]) }' "$csv")" = 1 ]
check "cost: no base kernel in a smoke run" [ "$(rows "$csv" '$2 == "base"')" = 0 ]

# scale: N = 0 and 20 on the kernel at hand, counted in instructions.
csv=$out/scale-summary.csv
check "scale.csv has its columns" header_is "$out/scale.csv" kernel,boot,n,op,rep,us
for n in 0 20; do
	check "scale: N = $n: mount, unchecked restart and reuse restart measured" \
		[ "$(rows "$csv" "\$1 == \"patched\" && \$2 == $n && (\$3 == \"mount-volatile\" || \$3 == \"unchecked\" || \$3 == \"reuse\") && \$5 > 0")" = 3 ]
done
check "scale: N = 20: ovltrace status and the reusable files read, positive times" \
	[ "$(rows "$csv" '$1 == "patched" && $2 == 20 && ($3 == "status" || $3 == "reusable") && $5 > 0')" = 2 ]

# results.md: the header, each part's table and goals, the notes.
md=$out/results.md
check "results.md names the machine and the kernel" \
	grep -qE '^Measured on [0-9]+ CPUs .*\(smoke run\)' "$md"
check "results.md has the restart table with a row per kind and D" bash -c "
	grep -q '^| content | D | reuse | sync-then-mount | loopfs | unchecked (unsafe) | floor | discard |$' '$md' &&
	[ \$(grep -cE '^\| (small|large) files \| [0-9]+ MiB \|( [0-9.]+ \([0-9.]+\) \|){6}$' '$md') = $((want / nmodes)) ]"
check "results.md judges the four restart goals" \
	[ "$(grep -cE '^\| reuse .*(met|not met\*\*) \|$' "$md")" = 4 ]
check "results.md gives the setup of a loopfs container" grep -qE '^\| loopfs \| [0-9.]+ \([0-9.]+\) \|$' "$md"
check "results.md has the two scale tables (mounts and restarts; no upper) with a row per N" \
	[ "$(grep -cE '^\| (0|20) \| [^|]+ \| [0-9]+ \([0-9.]+%\) \|' "$md")" = 4 ]
check "results.md has the instruction-counted cost table and the spread" bash -c "
	grep -q '^| mount + unmount, fresh volatile overlay | - | [0-9]' '$md' && grep -q '^The spread of the measure: at most' '$md'"
check "results.md says that unchecked is unsafe" grep -q 'unchecked (unsafe)' "$md"
check "results.md has the neighbour table and goal" bash -c "
	grep -q '^| reuse | [0-9]' '$md' && grep -q '^Goal: the neighbour.s p99 during a restart storm with reuse' '$md'"
check "results.md has the cost table and says the base was skipped" bash -c "
	grep -q '^| fsync after a 4 KiB write, volatile overlay |' '$md' && grep -q 'comparison with the base kernel was skipped' '$md'"
check "results.md has a section or a note for the reader part" \
	grep -qiE 'reader|bench/reader.sh' "$md"
for png in restart scale; do
	if command -v gnuplot >/dev/null; then
		check "$png.png is a PNG" \
			[ "$(head -c 8 "$out/$png.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	else
		tap_skip "$png.png is a PNG" "gnuplot is not installed"
	fi
done
diag "smoke run: $((SECONDS - start))s; log: tail of $tmp/log" "$(tail -n 3 "$tmp/log")"
tap_done
