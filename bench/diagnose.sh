#!/bin/bash
# The cost of `perfops diagnose` to the process it watches.  A busy process
# (tests/helper/diag-workload count: one spinning thread per CPU) runs
# alone and while diagnose watches it with -p, runs alternated so that the
# machine's other load falls on both alike.  Printed: the medians of its
# throughput per second of wall time (what a user sees, noisy on a shared
# machine) and per CPU second (what the watch costs the work itself: lock
# or cache interference), their ratios, and the CPU time diagnose itself
# used per second of watching (the most it can take from the process).
#   bench/diagnose.sh [SECONDS] [RUNS] [INTERVAL]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
PERFOPS=${PERFOPS:-$top/$BUILD/src/perfops}
D=$top/$BUILD/tests/helper/diag-workload
secs=${1:-5}
runs=${2:-5}
interval=${3:-100ms}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# median of the values of column $1 of stdin
median() {
	awk -v c="$1" '{ print $c }' | sort -g |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

for i in $(seq "$runs"); do
	"$D" count "$secs" "$tmp/alone.$i"
	"$D" count "$secs" "$tmp/watched.$i" &
	pid=$!
	/usr/bin/time -f "%U %S" -o "$tmp/cpu.$i" \
		"$PERFOPS" diagnose -p "$pid" --interval "$interval" \
		--duration "$secs" >/dev/null
	wait "$pid"
	printf 'run %d: alone %s, watched %s (rounds/s, rounds/CPU-s); diagnose used %s s user+sys\n' \
		"$i" "$(cat "$tmp/alone.$i")" "$(cat "$tmp/watched.$i")" \
		"$(awk '{ print $1 + $2 }' "$tmp/cpu.$i")"
done
a1=$(cat "$tmp"/alone.* | median 1)
w1=$(cat "$tmp"/watched.* | median 1)
a2=$(cat "$tmp"/alone.* | median 2)
w2=$(cat "$tmp"/watched.* | median 2)
cpu=$(cat "$tmp"/cpu.* | awk -v s="$secs" '{ print ($1 + $2) / s }' | median 1)
echo "per wall second: alone $a1, watched $w1 rounds/s (medians of $runs)"
awk -v a="$a1" -v w="$w1" 'BEGIN { printf "  watched/alone %.4f\n", w / a }'
echo "per CPU second:  alone $a2, watched $w2 rounds/CPU-s"
awk -v a="$a2" -v w="$w2" 'BEGIN { printf "  watched/alone %.4f\n", w / a }'
awk -v c="$cpu" -v n="$(nproc)" -v i="$interval" 'BEGIN { printf "diagnose itself: %.4f CPU-s per second of watching every %s (%.2f%% of %d CPUs)\n", c, i, 100 * c / n, n }'
