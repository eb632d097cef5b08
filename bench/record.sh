#!/bin/bash
# perfops record side by side with perf record, at the same frequency, for
# each unwinding mode (fp, auto, dwarf; perf has no auto, so auto is set
# against perf's dwarf, whose stacks it must give):
#  1. overhead: the wall time of a fixed amount of work (ROUNDS rounds of
#     the workload's 'qsort' mode: libc qsort with a callback, where auto
#     needs DWARF) alone, under perf record and under perfops record, best
#     of 3; the slowdowns and the ratio of the overheads;
#  2. samples lost: two threads busy for 3 s (tests/helper/perfops-cases
#     spin2), the lost samples each tool reports (perfops' summary, perf's
#     PERF_RECORD_LOST records) against the samples it kept;
#  3. post-processing: time from the end of the recording to a written
#     SVG for perfops (its summary), against `perf script` alone.
# Run it on an idle machine: the load average is printed with the results.
#   bench/record.sh [ROUNDS] [HZ]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
PERFOPS=${PERFOPS:-$top/$BUILD/src/perfops}
W=$top/$BUILD/tests/helper/perfops-workload
C=$top/$BUILD/tests/helper/perfops-cases
rounds=${1:-3000}
F=${2:-999}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v perf >/dev/null; then
	echo "bench/record.sh: perf is not installed; nothing to compare with"
	exit 0
fi
now() { date +%s.%N; }
# best WALL-FILE CMD...: best of 3 wall times into WALL-FILE; the stderr
# of the last run is kept in WALL-FILE.err.
best3() {
	local out=$1 b= i t0 t1 d
	shift
	for i in 1 2 3; do
		t0=$(now)
		"$@" >/dev/null 2>"$out.err"
		t1=$(now)
		d=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$b" ] || [ "$(echo "$d < $b" | bc -l)" = 1 ]; then b=$d; fi
	done
	echo "$b" >"$out"
}
# perf_counts DATA: "samples lost" of a perf.data file.
perf_counts() {
	local s l
	s=$(perf report -i "$1" --stats 2>/dev/null |
		awk '/^ *SAMPLE events:/ { print $3; exit }')
	l=$(perf report -D -i "$1" 2>/dev/null |
		awk -F 'lost:' '/PERF_RECORD_LOST:/ { t += $2 } END { print t + 0 }')
	echo "${s:-0} ${l:-0}"
}
pgraph() { [ "$1" = fp ] && echo fp || echo dwarf,16384; }

printf 'load average before: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
best3 "$tmp/base" "$W" qsort 1000 "$rounds"
base=$(cat "$tmp/base")
printf 'workload alone (qsort, %d rounds): %.3f s\n\n' "$rounds" "$base"
printf '%-6s %-26s %-26s %s\n' mode "perf record" "perfops record" \
	"overhead ratio perfops/perf"
for mode in fp auto dwarf; do
	pg=$(pgraph $mode)
	best3 "$tmp/pf" perf record -q -F "$F" -e cpu-clock --call-graph "$pg" \
		-o "$tmp/perf.data" -- "$W" qsort 1000 "$rounds"
	best3 "$tmp/po" "$PERFOPS" record -F "$F" -g $mode -o "$tmp/po.svg" -- \
		"$W" qsort 1000 "$rounds"
	awk -v b="$base" -v p="$(cat "$tmp/pf")" -v o="$(cat "$tmp/po")" \
		-v m="$mode" -v pg="${pg%%,*}" 'BEGIN {
		printf "%-6s %-26s %-26s %.2f\n", m,
			sprintf("%.3f s, %.3fx (-g %s)", p, p / b, pg),
			sprintf("%.3f s, %.3fx", o, o / b),
			(o - b) / ((p - b) > 0.001 ? (p - b) : 0.001)
	}'
	grep -E '^unwound with DWARF' "$tmp/po.err" | sed 's/^/       perfops /'
done

printf '\nsamples lost, two busy threads for 3 s at %d Hz:\n' "$F"
printf '%-6s %-28s %s\n' mode "perf record (kept / lost)" \
	"perfops record (kept / lost)"
for mode in fp auto dwarf; do
	pg=$(pgraph $mode)
	perf record -q -F "$F" -e cpu-clock --call-graph "$pg" \
		-o "$tmp/lost.data" -- "$C" spin2 3 >/dev/null 2>&1
	read -r ps pl < <(perf_counts "$tmp/lost.data")
	"$PERFOPS" record -F "$F" -g $mode -o "$tmp/lost.pb.gz" -- "$C" spin2 3 \
		>/dev/null 2>"$tmp/lost.err"
	os=$(awk '/^recorded/ { print $2 }' "$tmp/lost.err")
	ol=$(awk '/^lost samples:/ { print $3 }' "$tmp/lost.err")
	printf '%-6s %-28s %s\n' $mode "$ps / $pl" "${os:-?} / ${ol:-?}"
done

# Post-processing: perfops' own report of one more dwarf run.
"$PERFOPS" record -F "$F" -g dwarf -o "$tmp/po.svg" -- "$W" qsort 1000 \
	"$rounds" >/dev/null 2>"$tmp/post.err"
po_post=$(awk '/^outputs written/ { print $3 }' "$tmp/post.err")
perf record -q -F "$F" -e cpu-clock --call-graph dwarf,16384 \
	-o "$tmp/perf.data" -- "$W" qsort 1000 "$rounds" >/dev/null 2>&1
best3 "$tmp/script" perf script -i "$tmp/perf.data"
awk -v pp="$po_post" -v s="$(cat "$tmp/script")" 'BEGIN {
	printf "\nend of recording -> SVG (dwarf), perfops: %.3f s\n", pp
	printf "perf script alone on perf'"'"'s dwarf recording: %.3f s\n", s
	printf "post-processing ratio perfops/perf script: %.3f\n", \
		pp / (s > 0.0001 ? s : 0.0001)
}'
printf 'load average after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
