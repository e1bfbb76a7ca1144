#!/usr/bin/env bash
# Part 5 of make bench: how the series scales with the overlays a node
# already has. With N = 0, 1,000 and 10,000 overlays mounted, the cost of
# one more volatile mount + unmount (and of one without an upper) and of a
# restart, on the patched kernel and on the base, counted in instructions (vm/run --icount, as the
# cost part); on the patched kernel also `ovltrace status` and a read of
# every /sys/fs/overlay/*/reusable. Each kernel boots BENCH_SCALE_BOOTS
# times and measures every N in one boot.
# Writes scale.csv (every repetition), scale-summary.csv, scale-plot.dat
# (for bench/plots/scale.gp) and scale.md into BENCH_OUT.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ns=${BENCH_SCALE_NS:-0 1000 10000}
scale_mounts=${BENCH_SCALE_MOUNTS:-50}
scale_reps=${BENCH_SCALE_REPS:-3}
boots=${BENCH_SCALE_BOOTS:-1}
base_flavour=${BENCH_BASE_FLAVOUR-base-release}
largest=$(tr ' ' '\n' <<<"$ns" | sort -n | tail -n 1)
kernels=("$BENCH_FLAVOUR")
[ -z "$base_flavour" ] || kernels=("$base_flavour" "$BENCH_FLAVOUR")

label_of() { if [ "$1" = "$base_flavour" ]; then echo base; else echo patched; fi; }

run_in_vm() {
	local flavour=$1 b=$2
	# Memory for the overlays: about 40 KiB each, and their ext4 in tmpfs.
	BENCH_VM_ICOUNT=1 BENCH_VM_MEM=$((2048 + largest / 8)) BENCH_VM_FLAVOUR=$flavour \
		bench_vm scale -t 7200 -- env BENCH_TOOLS="$BENCH_TOOLS" BENCH_KERNEL="$(label_of "$flavour")" \
		BENCH_SCALE_NS="$ns" BENCH_SCALE_MOUNTS="$scale_mounts" BENCH_REPS="$scale_reps" \
		bash "$bench/guest/scale.sh"
	sed "s/^\([a-z]*\),/\1,$b,/" "$(bench_share scale)/scale.csv" >>"$BENCH_OUT/scale.csv"
}

# scale-summary.csv: per kernel, N and operation the mean over every
# repetition (instructions: one "µs" of the guest's clock is 1000 << shift
# instructions) and the spread (max - min) / mean of the repetitions.
summarise() {
	echo "kernel,n,op,reps,instructions,spread"
	awk -F, -v OFS=, -v shift_="$icount_shift" '
	NR > 1 {
		k = $1 "," $3 "," $4; v = $6 * 1000 / 2 ^ shift_
		n[k]++; s[k] += v
		if (!(k in lo) || v < lo[k]) lo[k] = v
		if (!(k in hi) || v > hi[k]) hi[k] = v
	}
	END { for (k in n) printf "%s,%d,%.0f,%.6f\n", k, n[k], s[k] / n[k], (hi[k] - lo[k]) / (s[k] / n[k]) }' \
		"$BENCH_OUT/scale.csv" | sort -t, -k1,1 -k2,2n -k3,3
}

# scale-plot.dat: one block per kernel and operation, x = the index of N,
# y = instructions in thousands.
plot_data() {
	local k op name i n
	for k in base patched; do
		for op in mount-volatile unchecked reuse; do
			case $op in
			mount-volatile) name="volatile mount + unmount" ;;
			unchecked) name="unchecked restart" ;;
			reuse) name="reuse restart" ;;
			esac
			grep -q "^$k,[0-9]*,$op," "$BENCH_OUT/scale-summary.csv" || continue
			printf '"%s, %s"\n' "$name" "$k"
			i=0
			for n in $ns; do
				awk -F, -v k="$k" -v n="$n" -v o="$op" -v i="$i" \
					'$1 == k && $2 == n && $3 == o { printf "%d \"%s\" %.1f\n", i, n, $5 / 1000 }' \
					"$BENCH_OUT/scale-summary.csv"
				i=$((i + 1))
			done
			printf '\n\n'
		done
	done
}

fragment() {
	cat <<MD
## Scale: with N overlays already mounted

Counted in instructions, as the cost part (qemu \`-icount\`, one vCPU, the
driver's thread CPU time, ext4 without a journal on a loop device over
tmpfs): N overlays (volatile, and
\`volatile_reuse=on\` on the patched kernel; each with its directory in
/sys/fs/overlay there) are mounted, then one more overlay of the same
ext4 is measured: mean instructions of one operation over $scale_reps
repetitions of $scale_mounts, the spread (max − min) / mean of those
repetitions in brackets. A *restart* is unmount + mount: the series'
reuse (patched only), or the unchecked one (delete the marker, mount
volatile) that a runtime does on either kernel. Each kernel boots
$boots time(s) and goes through every N in one boot.

$(smoke_note)

MD
	awk -F, -v ns="$ns" -v goals="$BENCH_OUT/scale-goals.txt" "$awk_fmt"'
	NR > 1 { v[$1, $2, $3] = $5; sp[$1, $2, $3] = $6 }
	function have(k, n, o) { return ((k, n, o) in v) }
	function cell(k, n, o) { return have(k, n, o) ? sprintf("%.0f (%.2f%%)", v[k, n, o], 100 * sp[k, n, o]) : "-" }
	function rat(k, n, o) { return have("base", n, o) && have(k, n, o) ? sprintf("%.4f", v[k, n, o] / v["base", n, o]) : "-" }
	END {
		nn = split(ns, N, " ")
		print "| N | volatile mount + unmount: base | patched | patched / base | unchecked restart: base | patched | patched / base | reuse restart, patched | reuse / base unchecked |"
		print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		worst = 0
		for (i = 1; i <= nn; i++) {
			n = N[i]
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", n,
				cell("base", n, "mount-volatile"), cell("patched", n, "mount-volatile"), rat("patched", n, "mount-volatile"),
				cell("base", n, "unchecked"), cell("patched", n, "unchecked"), rat("patched", n, "unchecked"),
				cell("patched", n, "reuse"), have("base", n, "unchecked") && have("patched", n, "reuse") ? sprintf("%.4f", v["patched", n, "reuse"] / v["base", n, "unchecked"]) : "-"
			for (j = 1; j <= 2; j++) {
				o = j == 1 ? "mount-volatile" : "unchecked"
				if (have("base", n, o) && have("patched", n, o)) {
					r = v["patched", n, o] / v["base", n, o]
					if (r > worst) { worst = r; wn = n; wo = o }
				}
			}
		}
		print ""
		if (worst > 0)
			printf "Goal: patched / base at most 1.02 at every N: worst %.4f (%s at N = %s), %s.\n", worst, wo == "unchecked" ? "unchecked restart" : "volatile mount + unmount", wn, goal("scale: patched / base at most 1.02 at every N (instructions)", sprintf("%.4f", worst) " (N = " wn ")", worst <= 1.02)
		else
			print "The comparison with the base kernel was skipped (no base kernel in this run)."
		first = N[1]; last = N[nn]
		if (have("patched", first, "mount-volatile") && have("patched", last, "mount-volatile")) {
			printf "Growth from N = %s to N = %s: volatile mount + unmount x%.4f on the patched kernel", first, last, v["patched", last, "mount-volatile"] / v["patched", first, "mount-volatile"]
			if (have("base", first, "mount-volatile") && have("base", last, "mount-volatile"))
				printf ", x%.4f on the base", v["base", last, "mount-volatile"] / v["base", first, "mount-volatile"]
			if (have("patched", first, "reuse") && have("patched", last, "reuse"))
				printf "; reuse restart x%.4f", v["patched", last, "reuse"] / v["patched", first, "reuse"]
			print "."
		}
		print ""
		print "An overlay of two lower layers without an upper, to which the series adds only its sysfs directory (mount + unmount, instructions):"
		print ""
		print "| N | base | patched | patched − base |"
		print "|---:|---:|---:|---:|"
		for (i = 1; i <= nn; i++) {
			n = N[i]
			if (!have("patched", n, "mount-lower")) continue
			printf "| %s | %s | %s | %s |\n", n, cell("base", n, "mount-lower"), cell("patched", n, "mount-lower"),
				have("base", n, "mount-lower") ? sprintf("%+.0f", v["patched", n, "mount-lower"] - v["base", n, "mount-lower"]) : "-"
		}
		print ""
		print "Reading the state of every overlay on the patched kernel, instructions of one run (mean over the repetitions): `ovltrace status` is the CPU time of its process, its exec included; the reusable files are opened and read one by one in one process (`bench-cost read-reusable`), as a poller of all of them would:"
		print ""
		print "| N | `ovltrace status` | per overlay | read every `/sys/fs/overlay/*/reusable` | per overlay |"
		print "|---:|---:|---:|---:|---:|"
		for (i = 1; i <= nn; i++) {
			n = N[i]
			if (!have("patched", n, "reusable")) continue
			printf "| %s | %s | %.0f | %s | %.0f |\n", n, have("patched", n, "status") ? sprintf("%.1fM", v["patched", n, "status"] / 1e6) : "-",
				have("patched", n, "status") ? v["patched", n, "status"] / n : 0, sprintf("%.1fM", v["patched", n, "reusable"] / 1e6), v["patched", n, "reusable"] / n
			lastn = n; if (firstn == "") firstn = n
		}
		if (firstn != "" && lastn != firstn) {
			print ""
			for (j = 1; j <= 2; j++) {
				o = j == 1 ? "status" : "reusable"
				if (!have("patched", firstn, o)) continue
				# Linear: the cost per added overlay between the two Ns
				# against the cost per overlay at the smaller N.
				per = (v["patched", lastn, o] - v["patched", firstn, o]) / (lastn - firstn)
				printf "%s from N = %s to %s: %.0f instructions per added overlay against %.0f per overlay at N = %s; linear (within 1.1x): %s.\n",
					j == 1 ? "`ovltrace status`" : "Reading every `reusable`", firstn, lastn, per, v["patched", firstn, o] / firstn, firstn,
					goal("scale: " (j == 1 ? "ovltrace status" : "reading every reusable") " linear in N", sprintf("%.0f per added overlay, %.0f per overlay at N = %s", per, v["patched", firstn, o] / firstn, firstn), per <= 1.1 * v["patched", firstn, o] / firstn)
			}
		}
		print ""
		print "![instructions of one operation against N](scale.png)"
	}' "$BENCH_OUT/scale-summary.csv"
}

if [ "${BENCH_REPORT_ONLY:-0}" != 1 ]; then
	echo "kernel,boot,n,op,rep,us" >"$BENCH_OUT/scale.csv"
	for b in $(seq 1 "$boots"); do
		for flavour in "${kernels[@]}"; do
			step "scale: N = ${ns// /, } on the $flavour kernel, boot $b/$boots, counted in instructions" run_in_vm "$flavour" "$b"
		done
	done
fi
summarise >"$BENCH_OUT/scale-summary.csv"
plot_data >"$BENCH_OUT/scale-plot.dat"
fragment | cat -s >"$BENCH_OUT/scale.md"
