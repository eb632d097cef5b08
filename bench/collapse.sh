#!/bin/bash
# perfops collapse vs stackcollapse-perf.pl: throughput on large inputs.
#   bench/collapse.sh [SIZE_MB]
# Builds three inputs of about SIZE_MB (default 40): the bundled and shared
# perf script fixtures repeated; a synthetic profile whose frame lines are
# nearly all distinct (bench/gen-perf-script.awk); and a synthetic
# system-wide recording as perf 3.x/4.x print it, about 28 kernel and user
# frames a sample, most lines distinct by address (bench/gen-perf-system.awk,
# like FlameGraph's example-perf-stacks).  Prints MB/s for
# perfops and, when stackcollapse-perf.pl is found (on PATH or in
# $FLAMEGRAPH_DIR; it is not packaged for Debian), for the script, the
# ratios of wall and CPU times (best of 10 runs, 3 for the script;
# PERFOPS_RUNS and PL_RUNS change them), and whether the outputs are
# identical.  Times are in seconds: the best wall time and the least CPU
# time of each.
#
# Last measured (2 CPUs shared with other work, load average 3.7 to 3.9),
# `PL_RUNS=5 FLAMEGRAPH_DIR=<FlameGraph ef64564> bash bench/collapse.sh`,
# three runs:
#   input  perfops_cpu  script_cpu  cpu_ratio  wall ratio
#   real   0.020-0.021  1.269-1.271 60x-64x    73x-100x
#   syn    0.071-0.074  0.846-0.905 11x-13x    10x-17x
#   system 0.035-0.039  1.067-1.102 28x-31x    22x-40x
# (system before the work on issue 9's last item, main at 10b365d:
# 21x-24x CPU.)  And `perf stat -e task-clock`, least of 10 runs, system
# input, output to /dev/null: the script 1090 ms, perfops 35.6 ms (30.6x).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
perfops=${PERFOPS:-$top/build/src/perfops}
size_mb=${1:-40}
tmp=$(mktemp -d /tmp/perfops-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

pl=
if [ -n "${FLAMEGRAPH_DIR:-}" ] && [ -f "$FLAMEGRAPH_DIR/stackcollapse-perf.pl" ]; then
	pl=$FLAMEGRAPH_DIR/stackcollapse-perf.pl
elif command -v stackcollapse-perf.pl >/dev/null 2>&1; then
	pl=$(command -v stackcollapse-perf.pl)
fi

# Input 1: real recordings, repeated.
fixtures="$top/tests/data/collapse/perf6-fp-cpuclock.txt"
[ -f "$top/../shared/data/flamegraph-compat/inputs/perf6-system-pidtid.txt" ] &&
	fixtures="$fixtures $top/../shared/data/flamegraph-compat/inputs/perf6-system-pidtid.txt"
while [ "$(stat -c %s "$tmp/real.perf" 2>/dev/null || echo 0)" -lt $((size_mb << 20)) ]; do
	# shellcheck disable=SC2086
	cat $fixtures >>"$tmp/real.perf"
done
# Input 2: synthetic, nearly every frame line distinct.
samples=$((size_mb * 620))
awk -v samples=$samples -v syms=5000 -f "$top/bench/gen-perf-script.awk" >"$tmp/syn.perf"
# Input 3: a deep system-wide recording, perf 3.x style (no +0xOFF).
awk -v mb="$size_mb" -f "$top/bench/gen-perf-system.awk" >"$tmp/system.perf"

# best_of N CMD...: the fastest wall time and the least CPU time (user +
# system) of N runs, in seconds: "WALL CPU".  On a shared machine the CPU
# time moves less than the wall time, so both are printed.  The output of
# the run before is removed first: truncating it (about 10 MB on the
# system input) would be charged to the next run, which opens the file.
best_of() {
	local n=$1 best="" cpu="" w c t
	shift
	for _ in $(seq "$n"); do
		rm -f "$tmp/out"
		t=$( { TIMEFORMAT='%3R %3U %3S'; time "$@" >"$tmp/out" 2>/dev/null; } 2>&1)
		w=$(echo "$t" | awk '{ print $1 }')
		c=$(echo "$t" | awk '{ print $2 + $3 }')
		if [ -z "$best" ] || [ "$(echo "$w < $best" | bc -l)" = 1 ]; then best=$w; fi
		if [ -z "$cpu" ] || [ "$(echo "$c < $cpu" | bc -l)" = 1 ]; then cpu=$c; fi
	done
	echo "$best $cpu"
}

# The script's runs: several, as perfops', when the machine is shared.
# perfops' runs take tens of milliseconds, where a busy moment of the
# machine weighs more: 10 of them.
pl_runs=${PL_RUNS:-3}
perfops_runs=${PERFOPS_RUNS:-10}
printf '%-7s %5s %9s %11s %12s %8s %10s %11s %7s %9s\n' input MB \
	perfops_s perfops_cpu perfops_MB/s script_s script_cpu script_MB/s \
	ratio cpu_ratio
for name in real syn system; do
	in=$tmp/$name.perf
	mb=$(echo "$(stat -c %s "$in") / 1048576" | bc -l)
	read -r tp cp_ <<<"$(best_of "$perfops_runs" "$perfops" collapse "$in")"
	cp "$tmp/out" "$tmp/perfops.folded"
	rate=$(echo "$mb / $tp" | bc -l)
	if [ -n "$pl" ]; then
		read -r ts cs <<<"$(best_of "$pl_runs" perl "$pl" "$in")"
		srate=$(echo "$mb / $ts" | bc -l)
		ratio=$(echo "$ts / $tp" | bc -l)
		cratio=$(echo "$cs / $cp_" | bc -l)
		same=identical
		cmp -s "$tmp/out" "$tmp/perfops.folded" || same=DIFFERENT
		printf '%-7s %5.1f %9.3f %11.3f %12.0f %8.3f %10.3f %11.1f %6.1fx %8.1fx  output %s\n' \
			"$name" "$mb" "$tp" "$cp_" "$rate" "$ts" "$cs" "$srate" \
			"$ratio" "$cratio" "$same"
	else
		printf '%-7s %5.1f %9.3f %11.3f %12.0f %8s %10s %11s %7s %9s\n' \
			"$name" "$mb" "$tp" "$cp_" "$rate" - - - - -
	fi
done
if [ -z "$pl" ]; then
	echo "stackcollapse-perf.pl not found (set FLAMEGRAPH_DIR to a FlameGraph checkout to compare side by side)"
fi
echo "cpus: $(nproc), perfops collapses files of 8 MB and more on every CPU"
