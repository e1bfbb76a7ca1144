#!/usr/bin/env bash
# Part 3 of make bench: the cost of the series. Mount + unmount of a fresh
# volatile overlay and of a non-volatile one, and fsync on a volatile
# overlay, on the patched kernel (overlayfs tracepoints disabled and
# enabled) and on the same base without the series (BENCH_BASE_FLAVOUR,
# empty to skip). The kernels boot in turn, BENCH_COST_ROUNDS times each,
# so that drift of the host affects both alike.
# Writes cost.csv (every repetition), cost-summary.csv and cost.md into BENCH_OUT.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mounts=${BENCH_COST_MOUNTS:-1000}
fsyncs=${BENCH_COST_FSYNCS:-20000}
rounds=${BENCH_COST_ROUNDS:-4}
base_flavour=${BENCH_BASE_FLAVOUR-base-release}
[ "$BENCH_REPS" -ge "$rounds" ] || rounds=$BENCH_REPS
kernels=("$BENCH_FLAVOUR")
[ -z "$base_flavour" ] || kernels=("$base_flavour" "$BENCH_FLAVOUR")

# run_in_vm FLAVOUR ROUND: BENCH_REPS / rounds repetitions on that kernel.
run_in_vm() {
	local flavour=$1 round=$2 label=patched reps
	[ "$flavour" != "$base_flavour" ] || label=base
	reps=$((BENCH_REPS / rounds + (round <= BENCH_REPS % rounds ? 1 : 0)))
	BENCH_VM_FLAVOUR=$flavour bench_vm cost -t 3600 -d 2G -- env BENCH_TOOLS="$BENCH_TOOLS" \
		BENCH_REPS="$reps" BENCH_REP_FIRST="$((done_reps[$label] + 1))" BENCH_KERNEL="$label" \
		BENCH_COST_MOUNTS="$mounts" BENCH_COST_FSYNCS="$fsyncs" bash "$bench/guest/cost.sh"
	cat "$(bench_share cost)/cost.csv" >>"$BENCH_OUT/cost.csv"
	done_reps[$label]=$((done_reps[$label] + reps))
}

summarise() {
	echo "kernel,tracepoints,op,n,median_us,p95_us"
	tail -n +2 "$BENCH_OUT/cost.csv" | cut -d, -f1-3,5 | quantiles | cut -d, -f1-6 | sort
}

fragment() {
	cat <<MD
## Cost of the series

Mean time of one operation in a repetition ($mounts mount + unmount
cycles, or $fsyncs fsyncs after a 4 KiB write), median (p95) in µs over
$BENCH_REPS repetitions; the kernels boot in turn ($rounds rounds each),
the tracepoint states and operations run in a random order. *base* is
the same Debian $base tree and config without the series
($(kernel_release "$base_flavour")), *patched* is the release kernel
($(kernel_release "$BENCH_FLAVOUR")).

$(smoke_note)

MD
	awk -F, "$awk_fmt"'
	function us(x) { return x >= 100 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) : sprintf("%.2f", x) }
	function cell(k, t, o) { return ((k, t, o) in med) ? us(med[k, t, o]) " (" us(p95[k, t, o]) ")" : "-" }
	NR > 1 { med[$1, $2, $3] = $5; p95[$1, $2, $3] = $6 }
	END {
		split("mount-volatile mount-durable fsync", O, " ")
		split("mount + unmount, fresh volatile overlay|mount + unmount, non-volatile overlay|fsync, volatile overlay", N, "|")
		print "| operation | base | patched, tracepoints off | patched, tracepoints on | off / base | on / off |"
		print "|---|---:|---:|---:|---:|---:|"
		for (i = 1; i <= 3; i++) {
			o = O[i]
			rb = (("base", "off", o) in med) ? ratio(med["patched", "off", o] / med["base", "off", o]) : "-"
			rt = (("patched", "on", o) in med) ? ratio(med["patched", "on", o] / med["patched", "off", o]) : "-"
			printf "| %s | %s | %s | %s | %s | %s |\n", N[i], cell("base", "off", o), cell("patched", "off", o), cell("patched", "on", o), rb, rt
		}
		print ""
		if (("base", "off", "fsync") in med) {
			w = 0
			for (i = 1; i <= 3; i++) {
				r = med["patched", "off", O[i]] / med["base", "off", O[i]]
				if (r > w) { w = r; at = N[i] }
			}
			printf "Goal: with tracepoints disabled, at most 2%% slower than the base: worst %s (%s), %s.\n", ratio(w), at, verdict(w <= 1.02)
		} else
			print "The comparison with the base kernel was skipped (no base kernel in this run)."
	}' "$BENCH_OUT/cost-summary.csv"
}

kernel_release() {
	if [ -z "$1" ]; then echo "not built"; else cat "$build/kernel-$base-$1/.lab-release"; fi
}

declare -A done_reps=([base]=0 [patched]=0)
if [ "${BENCH_REPORT_ONLY:-0}" != 1 ]; then
	echo "kernel,tracepoints,op,rep,us_per_op" >"$BENCH_OUT/cost.csv"
	for round in $(seq 1 "$rounds"); do
		for flavour in "${kernels[@]}"; do
			step "cost: round $round/$rounds on the ${flavour} kernel, in the VM" run_in_vm "$flavour" "$round"
		done
	done
fi
summarise >"$BENCH_OUT/cost-summary.csv"
fragment | cat -s >"$BENCH_OUT/cost.md"
