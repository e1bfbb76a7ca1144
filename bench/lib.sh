# Helpers of the benchmark parts (bench/<part>.sh), run on the host by
# scripts/bench with the BENCH_* variables of bench/README.md. Sourced.
# shellcheck shell=bash disable=SC2034

. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
bench=$top/bench
export LC_ALL=C
for v in BENCH_OUT BENCH_WORK BENCH_REPS BENCH_FLAVOUR BENCH_MEM BENCH_THROTTLE BENCH_TOOLS; do
	[ -n "${!v:-}" ] || die "$v is not set: parts are run by scripts/bench (make bench)"
done

# The guest's clock: the TSC, which under TCG counts at the host's TSC
# rate. The guest cannot be trusted to find that rate (it has no HPET or
# ACPI PM timer to calibrate against, and its PIT calibration fails when the
# host is busy), nor to keep the TSC (the clocksource watchdog declares it
# unstable under load): either way the clock falls back to jiffies, 4 ms
# steps, too coarse for a restart. So: the host's rate, and no watchdog.
# The guest halves check that they time with the TSC.
guest_clock_params() {
	local mhz
	mhz=$(sed -n '/^cpu MHz[[:space:]]*: /{s///p;q;}' /proc/cpuinfo)
	[ -n "$mhz" ] || die "no 'cpu MHz' in /proc/cpuinfo: cannot give the guest its TSC rate"
	awk -v m="$mhz" 'BEGIN { printf "tsc=reliable tsc_early_khz=%d", m * 1000 }'
}

# The instruction count: under vm/run --icount SHIFT every guest instruction
# is 2^SHIFT ns of virtual time and the TSC counts that time at 1 GHz, so
# the guest is told that rate. With shift 0, a guest "µs" is 1000
# instructions.
icount_shift=${BENCH_ICOUNT_SHIFT:-0}
icount_clock_params() { echo "tsc=reliable tsc_early_khz=1000000"; }

# bench_vm NAME [VM/RUN OPTIONS] -- COMMAND...: boot the kernel under test
# (BENCH_FLAVOUR, or BENCH_VM_FLAVOUR) with BENCH_MEM (or BENCH_VM_MEM) of
# memory, the clock parameters (and BENCH_APPEND) and the modelled disk
# (BENCH_THROTTLE) for every -d given. BENCH_VM_ICOUNT=1: count
# instructions instead (vm/run --icount $icount_shift, one vCPU: no
# other vCPU's work interleaves with the measured one). The guest's files
# end up in $(bench_share NAME).
bench_vm() {
	local name=$1 clock icount=()
	shift
	clock=$(guest_clock_params)
	if [ "${BENCH_VM_ICOUNT:-0}" = 1 ]; then
		clock=$(icount_clock_params)
		icount=(-i "$icount_shift" -c 1)
	fi
	rm -rf "$BENCH_WORK/vm-$name"
	"$top/vm/run" -b "$base" -f "${BENCH_VM_FLAVOUR:-$BENCH_FLAVOUR}" -m "${BENCH_VM_MEM:-$BENCH_MEM}" \
		-a "$clock${BENCH_APPEND:+ $BENCH_APPEND}" "${icount[@]}" \
		-o "$BENCH_WORK/vm-$name" -T "$BENCH_THROTTLE" "$@"
}
bench_share() { echo "$BENCH_WORK/vm-$1/share"; }

# quantiles: "KEY,VALUE" lines in (KEY may hold commas), one
# "KEY,n,median,p95,p99" line per KEY out. The median of an even count is
# the mean of the two middle values; p95 and p99 are nearest-rank. A VALUE
# that is not a number (a failed measurement left empty) fails it.
quantiles() {
	awk -F, -v OFS='\t' '
		$NF !~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ {
			print "quantiles: not a number: " $0 >"/dev/stderr"
			exit 1
		}
		{ v = $NF; print substr($0, 1, length($0) - length(v) - 1), v }' |
		sort -t "$(printf '\t')" -k1,1 -k2,2g |
		awk -F '\t' '
		function rank(p,  r) { r = int(p * n); if (r < p * n) r++; return v[r] }
		function flush() {
			if (n) printf "%s,%d,%.4f,%s,%s\n", key, n, (v[int((n + 1) / 2)] + v[int((n + 2) / 2)]) / 2, rank(0.95), rank(0.99)
		}
		$1 != key { flush(); key = $1; n = 0 }
		{ v[++n] = $2 }
		END { flush() }'
}

# awk functions for the Markdown fragments: ms(MICROSECONDS) with three
# significant digits, ratio(X) with two decimals (fewer above 10, three
# below 0.1), verdict(OK); goal(TEXT, FIGURE, OK) is verdict(OK) that also
# writes "TEXT|FIGURE|met" to the awk variable goals (a part's
# <part>-goals.txt, which scripts/bench gathers at the top of results.md).
awk_fmt='
function ms(us,  x) {
	x = us / 1000
	return x >= 100 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) : x >= 1 ? sprintf("%.2f", x) : sprintf("%.3f", x)
}
function ratio(x) { return x >= 100 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) : x >= 0.1 ? sprintf("%.2f", x) : sprintf("%.3f", x) }
function verdict(ok) { return ok ? "met" : "**not met**" }
function goal(text, fig, ok) { if (goals != "") printf "%s|%s|%s\n", text, fig, ok ? "met" : "**not met**" >goals; return verdict(ok) }'

# smoke_note: a line for the fragments of a smoke run.
smoke_note() {
	[ "${BENCH_SMOKE:-0}" = 0 ] || echo "_Smoke run: tiny sizes, $BENCH_REPS repetition(s), $BENCH_FLAVOUR kernel; the figures mean nothing._"
}
