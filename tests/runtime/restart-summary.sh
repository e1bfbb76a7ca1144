#!/usr/bin/env bash
# restart-summary.sh CSV MD: checks (TAP lines) on the restart latencies
# tests/runtime/restart-bench.sh measured, and their medians and ratios as
# a Markdown table in MD. Host side; sourced TAP helpers come from lib.sh.
set -uo pipefail
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/../tap.sh"
csv=$1 md=$2
restarts=${RUNTIME_RESTARTS:-20}
tap_guard
# median MODE MIB: the median of the ms column.
median() {
	awk -F, -v m="$1" -v s="$2" '$1 == m && $2 == s { print $4 }' "$csv" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
sizes=$(awk -F, 'NR > 1 { print $2 }' "$csv" | sort -nu | tr '\n' ' ')
tap_plan 5
rows=$(($(wc -l <"$csv") - 1))
want=$((3 * $(wc -w <<<"$sizes") * restarts))
check "$rows restarts measured ($restarts per mode and size, sizes: $sizes)" [ "$rows" = "$want" ]
check "every patched restart reused its upper (reused = 1)" \
	[ "$(awk -F, '$1 == "patched" && $6 != 1' "$csv" | wc -l)" = 0 ]
low=$(awk -F, 'NR > 1 && $5 < 0.9 * $2 { n++ } END { print n + 0 }' "$csv")
check "every restart had its D MiB dirty when the container stopped ($low did not)" [ "$low" = 0 ]
check "no stock restart reused one (reused = 0: marker deleted, mounted unchecked)" \
	[ "$(awk -F, '$1 ~ /^stock/ && $6 != 0' "$csv" | wc -l)" = 0 ]
{
	echo "| dirty MiB | stock (unsafe) ms | stock + syncfs (safe today) ms | patched (reuse) ms | syncfs / patched | stock / patched |"
	echo "|---:|---:|---:|---:|---:|---:|"
	for s in $sizes; do
		a=$(median stock "$s") b=$(median stock-syncfs "$s") c=$(median patched "$s")
		echo "| $s | $a | $b | $c | $(ratio "$b" "$c") | $(ratio "$a" "$c") |"
	done
} >"$md"
sed 's/^/# /' "$md"
big=0
for s in $sizes; do big=$s; done
check "at $big MiB dirty the patched restart is faster than stock + syncfs (median $(median patched "$big") ms vs $(median stock-syncfs "$big") ms)" \
	awk -v a="$(median patched "$big")" -v b="$(median stock-syncfs "$big")" 'BEGIN { exit !(a < b) }'
tap_done
