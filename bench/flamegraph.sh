#!/bin/bash
# perfops flamegraph on a folded file of 50 000 unique stacks: wall time,
# peak RSS and SVG size, side by side with FlameGraph's flamegraph.pl when
# it is on PATH or in $FLAMEGRAPH_DIR (not packaged for Debian; perfops
# does not download it).
#   bench/flamegraph.sh [STACKS]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
PERFOPS=${PERFOPS:-$top/${BUILD:-build}/src/perfops}
n=${1:-50000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A call tree like a real program's: each function calls a few others,
# picked with a skew (hot paths), walks of depth 3..60; the leaf counts are
# heavy-tailed (a few hot stacks, a long tail of rare ones).
awk -v n="$n" 'BEGIN {
	srand(42);
	for (i = 0; i < 5000; i++)
		fn[i] = sprintf("ns%d::Module%d::function_%d", i % 17, i % 211, i);
	while (count < n) {
		s = "worker-" int(rand() * 4);
		node = int(rand() * 8);
		d = 0;
		do {
			j = int(exp(rand() * rand() * log(50)));
			node = (node * 131 + j * 7919 + d * 17) % 5000;
			s = s ";" fn[node];
			d++;
		} while (d < 3 || (rand() < 0.95 && d < 60));
		if (s in seen)
			continue;
		seen[s] = 1;
		count++;
		print s, int(exp(rand() * rand() * log(200000)));
	}
}' >"$tmp/in.folded"
echo "input: $n unique stacks, $(wc -c <"$tmp/in.folded") bytes"

# measure OUT CMD...: runs CMD with stdout to OUT and prints "SECONDS
# MAXRSS_KB" from /usr/bin/time (from bash's clock, without RSS, if absent).
measure() {
	local out=$1 s e
	shift
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >"$out" || return 1
		cat "$tmp/time"
	else
		s=$(date +%s.%N)
		"$@" >"$out" || return 1
		e=$(date +%s.%N)
		echo "$(echo "$e - $s" | bc) ?"
	fi
}

"$PERFOPS" flamegraph "$tmp/in.folded" -o "$tmp/warm.svg" || exit 1
read -r secs rss < <(measure "$tmp/perfops.svg" "$PERFOPS" flamegraph "$tmp/in.folded")
[ -n "${secs:-}" ] || exit 1
size=$(wc -c <"$tmp/perfops.svg")
frames=$(grep -c '^<g><title>' "$tmp/perfops.svg")
printf 'perfops flamegraph: %ss wall, %s KB peak RSS, SVG %d bytes (%.2f MB), %d frames\n' \
	"$secs" "$rss" "$size" "$(echo "$size / 1048576" | bc -l)" "$frames"
# The size is set by how many frames are at least --minwidth wide, which
# depends on the shape of the profile; one pixel is the other usual choice.
"$PERFOPS" flamegraph --minwidth 1 "$tmp/in.folded" -o "$tmp/min1.svg" || exit 1
printf 'with --minwidth 1:  SVG %d bytes, %d frames\n' "$(wc -c <"$tmp/min1.svg")" \
	"$(grep -c '^<g><title>' "$tmp/min1.svg")"

ref=
if command -v flamegraph.pl >/dev/null 2>&1; then
	ref=$(command -v flamegraph.pl)
elif [ -n "${FLAMEGRAPH_DIR:-}" ] && [ -f "$FLAMEGRAPH_DIR/flamegraph.pl" ]; then
	ref=$FLAMEGRAPH_DIR/flamegraph.pl
fi
if [ -z "$ref" ]; then
	echo "flamegraph.pl: reference not found (not on PATH, FLAMEGRAPH_DIR unset);"
	echo "  set FLAMEGRAPH_DIR to a FlameGraph checkout to compare side by side"
	exit 0
fi
read -r rsecs rrss < <(measure "$tmp/ref.svg" perl "$ref" "$tmp/in.folded")
[ -n "${rsecs:-}" ] || exit 1
rsize=$(wc -c <"$tmp/ref.svg")
printf 'flamegraph.pl:      %ss wall, %s KB peak RSS, SVG %d bytes\n' "$rsecs" "$rrss" "$rsize"
printf 'ratio: perfops is %.1fx faster, SVG %.1fx smaller\n' \
	"$(echo "$rsecs / ($secs + 0.001)" | bc -l)" "$(echo "$rsize / $size" | bc -l)"
