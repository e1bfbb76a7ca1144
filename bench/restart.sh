#!/usr/bin/env bash
# Part 1 of make bench: restart latency of a container whose upper holds D
# of dirty data, per mode (reuse, sync-then-mount, loopfs, unchecked,
# floor, discard).
# Writes restart.csv (every restart), restart-setup.csv (the setup of each
# container), restart-summary.csv, restart-plot.dat (for
# bench/plots/restart.gp) and restart.md into BENCH_OUT.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kinds=${BENCH_KINDS:-small large}
sizes=${BENCH_SIZES:-0 64 512}
largest=$(tr ' ' '\n' <<<"$sizes" | sort -n | tail -n 1)
# One slice per mode and D, each with room for the largest D twice over
# plus 256 MiB.
modes="reuse sync loopfs unchecked floor discard"
disk_mib=$(($(wc -w <<<"$modes") * $(wc -w <<<"$sizes") * (2 * largest + 256)))

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
		for mode in $modes; do
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
	loopfs) echo "loopfs (own ext4)" ;;
	unchecked) echo "unchecked (unsafe)" ;;
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
The modes: *reuse* (this series), *sync-then-mount* (syncfs of the upper
filesystem, delete the marker, mount), *loopfs* (the container's upper on
an ext4 image of its own, loop-mounted, as containerd's block-mode
snapshotters do to make syncfs local: syncfs of that small filesystem,
delete the marker, mount), *unchecked* (delete the marker and mount, no
check: what containers/storage does before every mount; **unsafe**, it
reuses an upper whose writeback failed), *floor* (the unmount and mount
syscalls and the read alone: a plain volatile mount over a work dir
without \`incompat/\`, the marker deleted outside the timed region) and
*discard* (delete the upper, mount a fresh one and write D again).

$(smoke_note)

MD
	awk -F, -v kinds="$kinds" -v sizes="$sizes" -v largest="$largest" -v csv="$BENCH_OUT/restart.csv" -v setup="$BENCH_OUT/restart-setup.csv" -v goals="$BENCH_OUT/restart-goals.txt" "$awk_fmt"'
	NR > 1 { med[$1, $2, $3] = $5; p95[$1, $2, $3] = $6 }
	function cell(k, s, m) { return ((k, s, m) in med) ? ms(med[k, s, m]) " (" ms(p95[k, s, m]) ")" : "-" }
	# One goal cell per kind: the worst reuse / MODE over D, at most LIMIT.
	function worst_of(mode, limit, what,   i, j, r, w, at) {
		for (i = 1; i <= nk; i++) {
			w = 0
			for (j = 1; j <= ns; j++) {
				r = med[K[i], S[j], "reuse"] / med[K[i], S[j], mode]
				if (r > w) { w = r; at = S[j] }
			}
			printf " %s (D=%s MiB): %s |", ratio(w), at, goal("restart, " K[i] " files: reuse within " what " at every D", ratio(w) " (D=" at " MiB)", w <= limit)
		}
		print ""
	}
	END {
		nk = split(kinds, K, " "); ns = split(sizes, S, " ")
		nm = split("reuse sync loopfs unchecked floor discard", M, " ")
		print "| content | D | reuse | sync-then-mount | loopfs | unchecked (unsafe) | floor | discard |"
		print "|---|---:|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= nk; i++)
			for (j = 1; j <= ns; j++) {
				printf "| %s files | %s MiB |", K[i], S[j]
				for (m = 1; m <= nm; m++) printf " %s |", cell(K[i], S[j], M[m])
				print ""
			}
		print ""
		print "Goals, on ratios of the medians above:"
		print ""
		printf "| goal |"; for (i = 1; i <= nk; i++) printf " %s files |", K[i]; print ""
		printf "|---|"; for (i = 1; i <= nk; i++) printf "---|"; print ""
		printf "| reuse flat in D: reuse at D=%s MiB / at D=0 <= 1.2 |", largest
		for (i = 1; i <= nk; i++) {
			if (((K[i], 0, "reuse") in med) && ((K[i], largest, "reuse") in med)) {
				r = med[K[i], largest, "reuse"] / med[K[i], 0, "reuse"]
				printf " %s: %s |", ratio(r), goal("restart, " K[i] " files: reuse flat in D (D=" largest " MiB / D=0 <= 1.2)", ratio(r), r <= 1.2)
			} else printf " n/a (needs D=0) |"
		}
		print ""
		printf "| reuse within 1.05x of the floor: worst reuse / floor over D <= 1.05 |"
		worst_of("floor", 1.05, "1.05x of the floor")
		printf "| reuse within 1.10x of unchecked: worst reuse / unchecked over D <= 1.10 |"
		worst_of("unchecked", 1.10, "1.10x of unchecked")
		printf "| reuse >= 100x faster than every safe alternative at D=%s MiB (the nearest named) |", largest
		for (i = 1; i <= nk; i++) {
			w = ""
			split("sync loopfs discard", A, " ")
			for (a = 1; a <= 3; a++) {
				r = med[K[i], largest, A[a]] / med[K[i], largest, "reuse"]
				if (w == "" || r < w) { w = r; at = A[a] == "sync" ? "sync-then-mount" : A[a] }
			}
			printf " %sx (%s): %s |", ratio(w), at, goal("restart, " K[i] " files: reuse >= 100x faster than every safe alternative at D=" largest " MiB", ratio(w) "x (" at ")", w >= 100)
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
		# Setup: what a runtime does once per container before its first mount.
		while ((getline line < setup) > 0) {
			split(line, f, ",")
			if (f[4] !~ /^[0-9]+$/) continue
			sn[f[3]]++; st[f[3]] += f[4]
			if (f[4] > sx[f[3]]) sx[f[3]] = f[4]
		}
		print ""
		print "Setup of one container before its first mount (its directories; for loopfs also its image: truncate, mkfs.ext4, loop mount), mean (max) in ms over every container of the run:"
		print ""
		print "| mode | setup |"
		print "|---|---:|"
		for (m = 1; m <= nm; m++)
			if (M[m] in sn)
				printf "| %s | %s (%s) |\n", M[m] == "sync" ? "sync-then-mount" : M[m] == "unchecked" ? "unchecked (unsafe)" : M[m], ms(st[M[m]] / sn[M[m]]), ms(sx[M[m]])
		print ""
		print "![restart latency per mode against D (log scale)](restart.png)"
	}' "$BENCH_OUT/restart-summary.csv"
}

if [ "${BENCH_REPORT_ONLY:-0}" != 1 ]; then
	step "restart: kinds '$kinds', D '$sizes' MiB, $BENCH_REPS repetitions, in the VM" run_in_vm
	cp "$(bench_share restart)/restart.csv" "$(bench_share restart)/restart-setup.csv" "$BENCH_OUT/"
fi
summarise >"$BENCH_OUT/restart-summary.csv"
plot_data >"$BENCH_OUT/restart-plot.dat"
fragment | cat -s >"$BENCH_OUT/restart.md"
