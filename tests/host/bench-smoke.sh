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
modes="reuse sync unchecked discard"

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
[ "$rc" = 0 ] || tail -n 30 "$tmp/log" | sed 's/^/#   /'
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
		[ "$(rows "$csv" "\$3 == \"$m\" && \$5 > 0 && \$8 > 0")" = $((want / 4)) ]
done
check "restart.csv: every reuse restart reused the upper (reused=1)" \
	[ "$(rows "$csv" '$3 == "reuse" && $11 == 1')" = $((want / 4)) ]
check "restart.csv: no other mode reused one (reused=0)" \
	[ "$(rows "$csv" '$3 != "reuse" && $11 != 0')" = 0 ]
check "restart.csv: D=1 MiB was dirty before each restart" \
	[ "$(rows "$csv" '$2 == 1 && $12 < 1024')" = 0 ]

# neighbour: four phases over all rounds, positive latencies.
csv=$out/neighbour.csv
check "neighbour.csv has its columns" header_is "$csv" mode,round,fsyncs,p50_us,p99_us,restarts,mean_restart_us
for m in quiet idle reuse sync; do
	check "neighbour.csv: $m phase with fsyncs and positive latencies" \
		[ "$(rows "$csv" "\$1 == \"$m\" && \$2 == \"all\" && \$3 > 0 && \$4 > 0 && \$5 >= \$4")" = 1 ]
done
check "neighbour.csv: the containers restarted in the reuse and sync phases" \
	[ "$(rows "$csv" '($1 == "reuse" || $1 == "sync") && $2 == "all" && $6 > 0')" = 2 ]

# cost: the kernel at hand, tracepoints off and on, no base.
csv=$out/cost-summary.csv
check "cost.csv has its columns" header_is "$out/cost.csv" kernel,tracepoints,op,rep,us_per_op
for tp in off on; do
	check "cost: the three operations with tracepoints $tp, positive times" \
		[ "$(rows "$csv" "\$1 == \"patched\" && \$2 == \"$tp\" && \$5 > 0")" = 3 ]
done
check "cost: no base kernel in a smoke run" [ "$(rows "$csv" '$1 == "base"')" = 0 ]

# results.md: the header, each part's table and goals, the notes.
md=$out/results.md
check "results.md names the machine and the kernel" \
	grep -qE '^Measured on [0-9]+ CPUs .*\(smoke run\)' "$md"
check "results.md has the restart table with a row per kind and D" bash -c "
	grep -q '^| content | D | reuse | unchecked | sync-then-mount | discard |$' '$md' &&
	[ \$(grep -cE '^\| (small|large) files \| [0-9]+ MiB \|( [0-9.]+ \([0-9.]+\) \|){4}$' '$md') = $((want / 4)) ]"
check "results.md judges the three restart goals" \
	[ "$(grep -cE '^\| reuse .*(met|not met\*\*) \|$' "$md")" = 3 ]
check "results.md has the neighbour table and goal" bash -c "
	grep -q '^| reuse | [0-9]' '$md' && grep -q '^Goal: the neighbour.s p99 with reuse' '$md'"
check "results.md has the cost table and says the base was skipped" bash -c "
	grep -q '^| fsync, volatile overlay |' '$md' && grep -q 'comparison with the base kernel was skipped' '$md'"
check "results.md has a section or a note for the reader part" \
	grep -qiE 'reader|bench/reader.sh' "$md"
if command -v gnuplot >/dev/null; then
	check "restart.png is a PNG" \
		[ "$(head -c 8 "$out/restart.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
else
	tap_skip "restart.png is a PNG" "gnuplot is not installed"
fi
diag "smoke run: $((SECONDS - start))s; log: tail of $tmp/log" "$(tail -n 3 "$tmp/log")"
tap_done
