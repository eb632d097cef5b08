#!/bin/bash
# perfops record side by side with perf record, at the same frequency and
# unwinding mode, on the bundled workload (tests/helper/perfops-workload):
#  1. overhead: the wall time of a fixed amount of work (ROUNDS rounds of
#     the 'qsort' mode: libc qsort with a callback) alone, under perf
#     record and under perfops record; the slowdowns and their ratio
#     (perfops symbolizes and unwinds while recording, on another CPU when
#     there is one: the workload's slowdown is what this measures);
#  2. post-processing: time from the end of the recording to a written
#     SVG for perfops (printed by its summary), against `perf script`
#     alone on perf's recording (perf still needs collapse + flamegraph
#     after that).
#   bench/record.sh [fp|dwarf] [ROUNDS]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
PERFOPS=${PERFOPS:-$top/$BUILD/src/perfops}
W=$top/$BUILD/tests/helper/perfops-workload
mode=${1:-fp}
rounds=${2:-5000}
F=999
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v perf >/dev/null; then
	echo "bench/record.sh: perf is not installed; nothing to compare with"
	exit 0
fi
now() { date +%s.%N; }
# best of 3 wall times of a command, in seconds
best3() {
	local b= i t0 t1 d
	for i in 1 2 3; do
		t0=$(now)
		"$@" >/dev/null 2>&1
		t1=$(now)
		d=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$b" ] || [ "$(echo "$d < $b" | bc -l)" = 1 ]; then b=$d; fi
	done
	echo "$b"
}
[ "$mode" = dwarf ] && pg="dwarf,16384" || pg="fp"

base=$(best3 "$W" qsort 1000 "$rounds")
under_perf=$(best3 perf record -q -F $F -e cpu-clock --call-graph "$pg" \
	-o "$tmp/perf.data" -- "$W" qsort 1000 "$rounds")
under_po=$(best3 "$PERFOPS" record -F $F -g "$mode" -o "$tmp/po.svg" -- \
	"$W" qsort 1000 "$rounds")
# Keep perfops' own summary of one more run for the post-processing time.
"$PERFOPS" record -F $F -g "$mode" -o "$tmp/po.svg" -- "$W" qsort 1000 \
	"$rounds" >"$tmp/po.out" 2>&1
po_post=$(awk '/^outputs written/ { print $3 }' "$tmp/po.out")
perf record -q -F $F -e cpu-clock --call-graph "$pg" -o "$tmp/perf.data" -- \
	"$W" qsort 1000 "$rounds" >/dev/null 2>&1
script=$(best3 perf script -i "$tmp/perf.data")

awk -v b="$base" -v p="$under_perf" -v o="$under_po" -v pp="$po_post" \
	-v s="$script" -v m="$mode" -v f=$F 'BEGIN {
	printf "record -g %s at %d Hz, workload alone %.3f s\n", m, f, b
	printf "  slowdown under perf record:    %.3fx (%.3f s)\n", p / b, p
	printf "  slowdown under perfops record: %.3fx (%.3f s)\n", o / b, o
	printf "  overhead ratio perfops/perf: %.2f (<= 1 is the goal)\n", \
		(o - b) / ((p - b) > 0.001 ? (p - b) : 0.001)
	printf "  end of recording -> SVG, perfops: %.3f s\n", pp
	printf "  perf script alone:                %.3f s\n", s
	printf "  post-processing ratio perfops/perf script: %.3f (<= 0.33 is the goal)\n", \
		pp / (s > 0.0001 ? s : 0.0001)
}'
