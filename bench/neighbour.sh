#!/usr/bin/env bash
# Part 2 of make bench: a noisy neighbour. A process on the containers'
# filesystem writes 4 KiB and fsyncs in a loop while K containers restart,
# all at once (a storm); its fsync latency with reuse, with
# sync-then-mount, with each container on its own loop-mounted ext4
# (loopfs), with unchecked restarts, with the containers writing but not
# restarting (idle) and alone (quiet).
# Writes neighbour.csv (per phase and round, and "all"), neighbour-containers.csv,
# neighbour-setup.csv and neighbour.md into BENCH_OUT.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

k=${BENCH_NB_K:-8}
seconds=${BENCH_NB_SECONDS:-8}
write_mib=${BENCH_NB_WRITE_MIB:-32}
period_ms=${BENCH_NB_PERIOD_MS:-8000}
interval_ms=${BENCH_NB_INTERVAL_MS:-10}
# 10 rounds of 6 phases: the time of 20 rounds of the 4 phases it had
# before loopfs and unchecked, with as many fsyncs per phase as ever.
rounds=${BENCH_NB_ROUNDS:-10}
[ "$BENCH_REPS" -ge "$rounds" ] || rounds=$BENCH_REPS

run_in_vm() {
	bench_vm neighbour -t 7200 -d "$((k * write_mib * 4 + k * 128 + 2048))M" -- env BENCH_TOOLS="$BENCH_TOOLS" \
		BENCH_REPS="$rounds" BENCH_NB_K="$k" BENCH_NB_SECONDS="$seconds" \
		BENCH_NB_WRITE_MIB="$write_mib" BENCH_NB_PERIOD_MS="$period_ms" \
		BENCH_NB_INTERVAL_MS="$interval_ms" bash "$bench/guest/neighbour.sh"
}

# neighbour.csv: fsync quantiles per mode and round, then per mode over all
# rounds ("all"), with the containers' restarts in that phase.
summarise() {
	local share
	share=$(bench_share neighbour)
	echo "mode,round,fsyncs,p50_us,p99_us,restarts,mean_restart_us"
	{
		tail -n +2 "$share/neighbour-fsync.csv"
		tail -n +2 "$share/neighbour-fsync.csv" | awk -F, -v OFS=, '{ print $1, "all", $3 }'
	} | quantiles | cut -d, -f1-4,6 |
		awk -F, -v OFS=, -v cfile="$share/neighbour-containers.csv" '
		BEGIN {
			while ((getline line < cfile) > 0) {
				split(line, f, ",")
				if (f[4] !~ /^[0-9]+$/) continue
				for (r = 1; r <= 2; r++) {
					key = f[1] "," (r == 1 ? f[2] : "all")
					n[key] += f[4]; t[key] += f[4] * f[5]
				}
			}
		}
		{ key = $1 "," $2; print $0, n[key] + 0, n[key] ? sprintf("%.1f", t[key] / n[key]) : "" }' |
		sort -t, -k1,1 -k2,2n
}

fragment() {
	cat <<MD
## Noisy neighbour

A neighbour on the containers' filesystem writes 4 KiB and calls fsync()
every ${interval_ms} ms, while $k containers on the same filesystem each
write ${write_mib} MiB (in place) every ${period_ms} ms and then restart, all
at the same moments: every restart is a storm of all $k containers at once.
Phases of ${seconds} s, in a random order in each of $rounds rounds:
*quiet* (the neighbour alone), *idle* (the containers write, none
restarts), *reuse* (they restart with this series), *sync-then-mount*
(syncfs of the shared filesystem, delete the marker, mount), *loopfs*
(each container's upper on an ext4 image of its own on the shared
filesystem, loop-mounted: syncfs of that small filesystem, delete the
marker, mount) and *unchecked* (delete the marker and mount: no sync, no
check, **unsafe**). fsync latency of the neighbour over all rounds, in ms:

$(smoke_note)

MD
	awk -F, -v setup="$BENCH_OUT/neighbour-setup.csv" -v goals="$BENCH_OUT/neighbour-goals.txt" "$awk_fmt"'
	$2 == "all" { n[$1] = $3; p50[$1] = $4; p99[$1] = $5; rs[$1] = $6; rt[$1] = $7 }
	END {
		print "| containers | fsyncs | p50 | p99 | restarts | mean restart |"
		print "|---|---:|---:|---:|---:|---:|"
		split("quiet idle reuse sync loopfs unchecked", M, " ")
		split("quiet (neighbour alone)|idle (write, no restart)|reuse|sync-then-mount|loopfs (own ext4 each)|unchecked (unsafe)", N, "|")
		for (i = 1; i <= 6; i++)
			if (M[i] in n)
				printf "| %s | %d | %s | %s | %s | %s |\n", N[i], n[M[i]], ms(p50[M[i]]), ms(p99[M[i]]),
					rs[M[i]] ? rs[M[i]] : "-", rt[M[i]] != "" ? ms(rt[M[i]]) " ms" : "-"
		print ""
		if (("reuse" in n) && ("idle" in n) && ("sync" in n)) {
			r = p99["reuse"] / p99["idle"]
			printf "Goal: the neighbour'"'"'s p99 during a restart storm with reuse within 1.2x of idle: %s, %s (sync-then-mount: %sx idle, loopfs: %sx, unchecked: %sx, quiet: %sx).\n",
				ratio(r), goal("neighbour: p99 during a restart storm with reuse within 1.2x of idle", ratio(r) "x", r <= 1.2), ratio(p99["sync"] / p99["idle"]), ("loopfs" in n) ? ratio(p99["loopfs"] / p99["idle"]) : "-",
				("unchecked" in n) ? ratio(p99["unchecked"] / p99["idle"]) : "-", ("quiet" in n) ? ratio(p99["quiet"] / p99["idle"]) : "-"
		}
		while ((getline line < setup) > 0) {
			split(line, f, ",")
			if (f[3] !~ /^[0-9]+$/) continue
			sn[f[1]]++; st[f[1]] += f[3]
		}
		if (("shared" in sn) && ("loopfs" in sn))
			printf "Setup of one container before its first mount, mean of %d: %s ms on the shared filesystem (directories), %s ms for loopfs (its image: truncate, mkfs.ext4, loop mount; and directories).\n",
				sn["loopfs"], ms(st["shared"] / sn["shared"]), ms(st["loopfs"] / sn["loopfs"])
	}' "$BENCH_OUT/neighbour.csv"
}

if [ "${BENCH_REPORT_ONLY:-0}" != 1 ]; then
	step "neighbour: $k containers, $rounds rounds of 6 phases of ${seconds}s, in the VM" run_in_vm
	summarise >"$BENCH_OUT/neighbour.csv"
	cp "$(bench_share neighbour)/neighbour-containers.csv" "$(bench_share neighbour)/neighbour-setup.csv" "$BENCH_OUT/"
fi
fragment | cat -s >"$BENCH_OUT/neighbour.md"
