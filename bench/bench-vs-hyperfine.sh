#!/bin/sh
# perfops bench against hyperfine on the same commands, in one run:
#  1. a ~20 ms command (sleep 0.02, -N): both means and their ratio, which
#     must be within 5% of 1 (the two tools measure the same thing);
#  2. /bin/true with -N: the measured time is mostly harness overhead
#     (spawn + reap), and perfops' must be lower than hyperfine's;
#  3. peak memory of /bin/true and of a 50 MiB command against GNU time
#     (hyperfine 1.15 reports none): within 256 KiB or 2%.
# Exits 1 when a check fails, 3 when hyperfine is missing.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PERFOPS=${PERFOPS:-$top/${BUILD:-build}/src/perfops}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v hyperfine >/dev/null 2>&1; then
	echo "bench-vs-hyperfine: hyperfine is not installed (apt-get install hyperfine)" >&2
	exit 3
fi
echo "perfops:   $("$PERFOPS" --version)"
echo "hyperfine: $(hyperfine --version)"

# field FILE KEY: results[0].KEY of a JSON export.
field() {
	perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0] or die;
		print decode_json(<$f>)->{results}[0]{$ARGV[1]}' "$1" "$2"
}

fail=0
# Alternate the tools over a few rounds, so that drift on a shared machine
# hits both alike, and compare the means over all rounds.
rounds=3
i=0
while [ $i -lt $rounds ]; do
	"$PERFOPS" bench -N --style none --warmup 3 --runs 30 \
		--export-json "$tmp/p20-$i.json" 'sleep 0.02' 2>/dev/null
	hyperfine -N --style none --warmup 3 --runs 30 \
		--export-json "$tmp/h20-$i.json" 'sleep 0.02'
	"$PERFOPS" bench -N --style none --warmup 10 --runs 300 \
		--export-json "$tmp/pt-$i.json" /bin/true 2>/dev/null
	hyperfine -N --style none --warmup 10 --runs 300 \
		--export-json "$tmp/ht-$i.json" /bin/true 2>/dev/null
	i=$((i + 1))
done

avg() {
	prefix=$1 key=$2 sum=0 j=0
	while [ $j -lt $rounds ]; do
		sum=$(perl -e 'print $ARGV[0] + $ARGV[1]' "$sum" "$(field "$tmp/$prefix-$j.json" "$key")")
		j=$((j + 1))
	done
	perl -e 'print $ARGV[0] / $ARGV[1]' "$sum" "$rounds"
}

p20=$(avg p20 mean)
h20=$(avg h20 mean)
ratio=$(perl -e 'printf "%.4f", $ARGV[0] / $ARGV[1]' "$p20" "$h20")
printf 'sleep 0.02 (-N, %d x 30 runs): perfops mean %.3f ms, hyperfine mean %.3f ms, ratio %s\n' \
	"$rounds" "$(perl -e 'print $ARGV[0] * 1000' "$p20")" \
	"$(perl -e 'print $ARGV[0] * 1000' "$h20")" "$ratio"
if perl -e 'exit(abs($ARGV[0] - 1) <= 0.05 ? 0 : 1)' "$ratio"; then
	echo "  ok: the means agree within 5%"
else
	echo "  FAIL: the means differ by more than 5%"
	fail=1
fi

pt=$(avg pt mean)
ht=$(avg ht mean)
ptm=$(avg pt median)
htm=$(avg ht median)
printf '/bin/true (-N, %d x 300 runs): perfops mean %.1f us (median %.1f us), hyperfine mean %.1f us (median %.1f us), ratio %.3f\n' \
	"$rounds" "$(perl -e 'print $ARGV[0] * 1e6' "$pt")" \
	"$(perl -e 'print $ARGV[0] * 1e6' "$ptm")" \
	"$(perl -e 'print $ARGV[0] * 1e6' "$ht")" \
	"$(perl -e 'print $ARGV[0] * 1e6' "$htm")" \
	"$(perl -e 'print $ARGV[0] / $ARGV[1]' "$pt" "$ht")"
if perl -e 'exit($ARGV[0] < $ARGV[1] ? 0 : 1)' "$pt" "$ht"; then
	echo "  ok: perfops measures less harness overhead than hyperfine"
else
	echo "  FAIL: perfops' floor is not below hyperfine's"
	fail=1
fi

alloc=$top/${BUILD:-build}/tests/helper/alloc-touch
if [ -x /usr/bin/time ] && [ -x "$alloc" ]; then
	for cmd in /bin/true "$alloc 50"; do
		# shellcheck disable=SC2086
		/usr/bin/time -f %M -o "$tmp/gnu" $cmd
		gnu=$(tail -1 "$tmp/gnu")
		"$PERFOPS" bench -N --style none --runs 5 \
			--export-json "$tmp/mem.json" "$cmd" 2>/dev/null
		mine=$(perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0] or die;
			my @m = sort { $a <=> $b } @{decode_json(<$f>)->{results}[0]{memory_usage_byte}};
			print int($m[2] / 1024)' "$tmp/mem.json")
		printf 'peak memory of %s: perfops %d KiB (median of 5), GNU time %d KiB\n' \
			"$cmd" "$mine" "$gnu"
		if perl -e 'my ($p, $g) = @ARGV; my $t = $g * 0.02 > 256 ? $g * 0.02 : 256;
			exit(abs($p - $g) <= $t ? 0 : 1)' "$mine" "$gnu"; then
			echo "  ok: within 256 KiB or 2%"
		else
			echo "  FAIL: perfops' peak is not the command's own"
			fail=1
		fi
	done
else
	echo "peak memory: skipped (needs GNU time and a build with tests/helper)"
fi
exit $fail
