#!/usr/bin/env bash
# Part 4 of make bench: ovltrace report against trace-cmd report on the same
# recording of at least a million events (BENCH_READER_MIN), mostly
# filemap/writeback noise with overlayfs events among them, recorded in
# the VM on the kernel under test (BENCH_READER_MIB of page cache churn,
# BENCH_READER_CYCLES volatile overlay cycles). Both run on the host, interleaved,
# output to /dev/null, BENCH_REPS times each. Goal: ovltrace >= 2x faster.
# Writes reader.csv (every run), reader-summary.csv and reader.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ovltrace=$build/ovltrace/ovltrace
want=${BENCH_READER_MIN:-1000000}
mib=${BENCH_READER_MIB:-2304}
cycles=${BENCH_READER_CYCLES:-50}
if [ "$BENCH_SMOKE" = 1 ]; then
	want=${BENCH_READER_MIN:-1000} mib=${BENCH_READER_MIB:-4} cycles=${BENCH_READER_CYCLES:-3}
	export BENCH_READER_BUF_KB=${BENCH_READER_BUF_KB:-8192}
fi
make -s -C "$top/ovltrace" O="$build/ovltrace" WERROR=1

log "recording ${mib} MiB of page cache churn with overlay cycles in the VM"
bench_vm reader -t 3600 -d 4G -- env BENCH_TOOLS="$BENCH_TOOLS" BENCH_READER_MIB="$mib" \
	BENCH_READER_CYCLES="$cycles" BENCH_READER_BUF_KB="${BENCH_READER_BUF_KB:-262144}" bash "$bench/guest/reader.sh"
dat=$BENCH_WORK/reader.dat
mv "$(bench_share reader)/reader.dat" "$dat"

# What the recording holds, by ovltrace's own count (and trace-cmd's).
summary=$("$ovltrace" --json report "$dat" | tail -n 1) || die "ovltrace report of $dat failed"
records=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["records"])' "$summary")
events=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["events"])' "$summary")
lines=$(trace-cmd report "$dat" 2>/dev/null | grep -c ': ') || die "trace-cmd report of $dat failed"
log "recording: $(du -h "$dat" | cut -f1), $records records ($events overlayfs events); trace-cmd report prints $lines event lines"
[ "$records" -ge "$want" ] || die "the recording has $records records, fewer than $want: raise BENCH_READER_MIB"
[ "$events" -gt 0 ] || die "the recording has no overlayfs event"

# seconds CMD...: wall-clock seconds of one run, output discarded. Called
# as t=$(seconds ...) on its own line: set -e then stops the part when
# the run failed (a die inside "echo ...$(seconds ...)" would only end the
# command substitution and leave an empty figure in the CSV).
seconds() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 || die "failed: $*"
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }'
}
csv=$BENCH_OUT/reader.csv
echo "rep,tool,seconds" >"$csv"
# Warm the page cache once so the first timed run does not read the disk.
cat "$dat" >/dev/null
for rep in $(seq "$BENCH_REPS"); do
	t_tc=$(seconds trace-cmd report "$dat")
	t_text=$(seconds "$ovltrace" report "$dat")
	t_json=$(seconds "$ovltrace" --json report "$dat")
	printf '%s,%s,%s\n' "$rep" "trace-cmd report" "$t_tc" "$rep" "ovltrace report" "$t_text" \
		"$rep" "ovltrace --json report" "$t_json" >>"$csv"
done

{
	echo "tool,n,median_s,p95_s"
	tail -n +2 "$csv" | cut -d, -f2,3 | quantiles | cut -d, -f1-4
} >"$BENCH_OUT/reader-summary.csv"

{
	cat <<MD
## Reader: ovltrace report vs trace-cmd report

One recording made in the VM with \`trace-cmd record -e overlayfs -e filemap -e writeback\`
while ${mib} MiB of files were written and deleted on ext4 and volatile overlays
were mounted, reused and refused: $records records ($(du -h "$dat" | cut -f1) on disk),
of which $events are overlayfs events. Both readers run on the host, output to
/dev/null, interleaved, $BENCH_REPS times each; seconds, median (p95).

$(smoke_note)

MD
	awk -F, -v goals="$BENCH_OUT/reader-goals.txt" "$awk_fmt"'
	NR > 1 { med[$1] = $3; p95[$1] = $4 }
	END {
		print "| reader | time, s | trace-cmd / this |"
		print "|---|---:|---:|"
		split("trace-cmd report|ovltrace report|ovltrace --json report", T, "|")
		for (i = 1; i <= 3; i++)
			printf "| `%s` | %.2f (%.2f) | %s |\n", T[i], med[T[i]], p95[T[i]], ratio(med["trace-cmd report"] / med[T[i]])
		r = med["trace-cmd report"] / med["ovltrace report"]
		print ""
		printf "Goal: ovltrace at least 2x faster than trace-cmd report: %sx, %s.\n", ratio(r), goal("reader: ovltrace at least 2x faster than trace-cmd report", ratio(r) "x", r >= 2)
	}' "$BENCH_OUT/reader-summary.csv"
	cat <<'MD'
ovltrace skips every record that is not an overlayfs or filemap_set_wb_err
event by its event id and formats nothing else; trace-cmd report formats
every record.
MD
} >"$BENCH_OUT/reader.md"
cat "$BENCH_OUT/reader.md"
