#!/usr/bin/env bash
# Part 1 of make bench: restart latency of a container whose upper holds D
# of dirty data, per mode (reuse, sync-then-mount, unchecked, discard).
# Writes restart.csv (every restart), restart-summary.csv, restart-plot.dat
# (for bench/plots/restart.gp) and restart.md into BENCH_OUT.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kinds=${BENCH_KINDS:-small large}
sizes=${BENCH_SIZES:-0 64 512}
largest=$(tr ' ' '\n' <<<"$sizes" | sort -n | tail -n 1)
# One slice per mode and D, each with room for the largest D twice over
# plus 256 MiB.
disk_mib=$((4 * $(wc -w <<<"$sizes") * (2 * largest + 256)))

run_in_vm() {
	bench_vm restart -t 7200 -d "${disk_mib}M" -- env BENCH_TOOLS="$BENCH_TOOLS" \
		BENCH_KINDS="$kinds" BENCH_SIZES="$sizes" BENCH_REPS="$BENCH_REPS" \
		bash "$bench/guest/restart.sh"
}

# restart-summary.csv: median and p95 of the restart time per cell and mode.
summarise() {
	echo "kind,size_mib,mode,n,median_us,p95_us"
	tail -n +2 "$BENCH_OUT/restart.csv" | cut -d, -f1-3,5 | quantiles | cut -d, -f1-6 |
		sort -t, -k1,1 -k2,2n -k3,3
}

# restart-plot.dat: one block per kind and mode, x = the index of D.
plot_data() {
	local kind mode i size
	for kind in $kinds; do
		for mode in reuse unchecked sync discard; do
			printf '"%s, %s files"\n' "$(mode_name "$mode")" "$kind"
			i=0
			for size in $sizes; do
				awk -F, -v k="$kind" -v s="$size" -v m="$mode" -v i="$i" \
					'$1 == k && $2 == s && $3 == m { printf "%d \"%s\" %.3f %.3f\n", i, s ? s " MiB" : "0", $5 / 1000, $6 / 1000 }' \
					"$BENCH_OUT/restart-summary.csv"
				i=$((i + 1))
			done
			printf '\n\n'
		done
	done
}

mode_name() {
	case $1 in
	sync) echo sync-then-mount ;;
	*) echo "$1" ;;
	esac
}

fragment() {
	cat <<MD
## Restart latency

One restart of a container = unmount its overlay + mount it again + the
first read (4 KiB of a file of the image and of the first file of the
upper), with D of dirty data in the upper, in small files (64 KiB each)
or large files (64 MiB each); one container for each mode and D, each on
its own ext4 slice of the modelled disk, so that a syncfs flushes that
container's D and nothing else. Median (p95) in ms of $BENCH_REPS
repetitions; in each repetition every container restarts once, in a random
order, so that drift of the host hits every mode and every D alike.

$(smoke_note)

MD
	awk -F, -v kinds="$kinds" -v sizes="$sizes" -v largest="$largest" -v csv="$BENCH_OUT/restart.csv" "$awk_fmt"'
	NR > 1 { med[$1, $2, $3] = $5; p95[$1, $2, $3] = $6 }
	function cell(k, s, m) { return ((k, s, m) in med) ? ms(med[k, s, m]) " (" ms(p95[k, s, m]) ")" : "-" }
	END {
		nk = split(kinds, K, " "); ns = split(sizes, S, " ")
		print "| content | D | reuse | unchecked | sync-then-mount | discard |"
		print "|---|---:|---:|---:|---:|---:|"
		for (i = 1; i <= nk; i++)
			for (j = 1; j <= ns; j++)
				printf "| %s files | %s MiB | %s | %s | %s | %s |\n", K[i], S[j], cell(K[i], S[j], "reuse"),
					cell(K[i], S[j], "unchecked"), cell(K[i], S[j], "sync"), cell(K[i], S[j], "discard")
		print ""
		print "Goals, on ratios of the medians above:"
		print ""
		printf "| goal |"; for (i = 1; i <= nk; i++) printf " %s files |", K[i]; print ""
		printf "|---|"; for (i = 1; i <= nk; i++) printf "---|"; print ""
		printf "| reuse flat in D: reuse at D=%s MiB / at D=0 <= 1.2 |", largest
		for (i = 1; i <= nk; i++) {
			if (((K[i], 0, "reuse") in med) && ((K[i], largest, "reuse") in med)) {
				r = med[K[i], largest, "reuse"] / med[K[i], 0, "reuse"]
				printf " %s: %s |", ratio(r), verdict(r <= 1.2)
			} else printf " n/a (needs D=0) |"
		}
		print ""
		printf "| reuse within 1.10x of unchecked: worst reuse / unchecked over D <= 1.10 |"
		for (i = 1; i <= nk; i++) {
			w = 0
			for (j = 1; j <= ns; j++) {
				r = med[K[i], S[j], "reuse"] / med[K[i], S[j], "unchecked"]
				if (r > w) { w = r; at = S[j] }
			}
			printf " %s (D=%s MiB): %s |", ratio(w), at, verdict(w <= 1.10)
		}
		print ""
		printf "| reuse >= 100x faster than sync-then-mount at D=%s MiB |", largest
		for (i = 1; i <= nk; i++) {
			r = med[K[i], largest, "sync"] / med[K[i], largest, "reuse"]
			printf " %sx: %s |", ratio(r), verdict(r >= 100)
		}
		print ""
		print ""
		# Evidence: reuse verified, D dirty before the restarts that clean it.
		while ((getline line < csv) > 0) {
			split(line, f, ",")
			if (f[3] == "reuse") { nr++; if (f[11] == 1) ok++ }
			if (f[3] == "sync" && f[2] == largest) {
				if (!(f[1] in lo) || f[12] < lo[f[1]]) lo[f[1]] = f[12]
				if (f[13] > hi[f[1]]) hi[f[1]] = f[13]
			}
		}
		printf "Every reuse restart was verified after its timed region: %d of %d had `reused` = 1 in /sys/fs/overlay/<dev>/.\n", ok, nr
		for (i = 1; i <= nk; i++)
			printf "Before each sync-then-mount restart at D=%s MiB (%s files) the guest held at least %d MiB of dirty data (every container'"'"'s D), at most %d MiB after it (the others'"'"').\n", largest, K[i], lo[K[i]] / 1024, hi[K[i]] / 1024
		print ""
		print "![restart latency per mode against D (log scale)](restart.png)"
	}' "$BENCH_OUT/restart-summary.csv"
}

if [ "${BENCH_REPORT_ONLY:-0}" != 1 ]; then
	step "restart: kinds '$kinds', D '$sizes' MiB, $BENCH_REPS repetitions, in the VM" run_in_vm
	cp "$(bench_share restart)/restart.csv" "$BENCH_OUT/restart.csv"
fi
summarise >"$BENCH_OUT/restart-summary.csv"
plot_data >"$BENCH_OUT/restart-plot.dat"
fragment | cat -s >"$BENCH_OUT/restart.md"
