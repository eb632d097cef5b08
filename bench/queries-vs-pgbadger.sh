#!/bin/sh
# perfops queries against pgBadger (and pt-query-digest --type pglog when
# installed) in one run, on a generated PostgreSQL stderr log:
#  1. the same statement count on a slice both tools read;
#  2. throughput: perfops on the whole log (SIZE_MB, default 1024), pgBadger
#     -j 1 on a SLICE_MB slice (default 100; it digests about 2 MB/s here)
#     and pt-query-digest on the same slice, scaled to MB/s; the ratio.
# Exits 1 when the counts differ or perfops is not 10x faster than
# pgBadger, 3 when pgBadger is missing.  pgBadger's output goes to a file
# (pointed at /dev/null it would replace the device with a file).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PERFOPS=${PERFOPS:-$top/${BUILD:-build}/src/perfops}
SIZE_MB=${SIZE_MB:-1024}
SLICE_MB=${SLICE_MB:-100}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v pgbadger >/dev/null 2>&1; then
	echo "queries-vs-pgbadger: pgbadger is not installed (apt-get install pgbadger)" >&2
	exit 3
fi
echo "perfops:  $("$PERFOPS" --version)"
echo "pgbadger: $(pgbadger --version 2>&1 | head -1)"

awk -v MB="$SIZE_MB" -f "$top/bench/gen-pglog.awk" >"$tmp/big.log"
# The slice ends at a message boundary (no TAB continuation after it).
head -c $((SLICE_MB * 1024 * 1024)) "$tmp/big.log" |
	awk '/^\t/ { buf = buf "\n" $0; next } { if (NR > 1) print buf; buf = $0 }' >"$tmp/slice.log"
big=$(wc -c <"$tmp/big.log")
slice=$(wc -c <"$tmp/slice.log")

# secs OUT CMD...: wall-clock seconds of one run, its output in OUT.
secs() {
	out=$1
	shift
	s=$(date +%s.%N)
	"$@" >"$out"
	e=$(date +%s.%N)
	echo "$e - $s" | bc -l
}
mbps() { echo "scale=2; $1 / 1048576 / $2" | bc -l; }

tp=$(secs "$tmp/p.json" "$PERFOPS" queries --json --top 0 "$tmp/big.log")
"$PERFOPS" queries --json --top 0 "$tmp/slice.log" >"$tmp/ps.json"
tb=$(secs "$tmp/b.out" pgbadger -q -j 1 -f stderr --prefix '%m [%p] %q%u@%d ' \
	-o "$tmp/b.json" "$tmp/slice.log")

pc=$(perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0] or die;
	print decode_json(<$f>)->{statements}' "$tmp/ps.json")
bc_=$(perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0] or die;
	print decode_json(<$f>)->{overall_stat}{queries_number}' "$tmp/b.json")
fail=0
if [ "$pc" = "$bc_" ]; then
	echo "same statements on the $((slice / 1048576)) MB slice: perfops $pc, pgBadger $bc_"
else
	echo "DIFFERENT statement counts on the slice: perfops $pc, pgBadger $bc_"
	fail=1
fi
pm=$(mbps "$big" "$tp")
bm=$(mbps "$slice" "$tb")
printf 'perfops queries:  %6d MB in %7.2f s = %8.2f MB/s (1 thread)\n' $((big / 1048576)) "$tp" "$pm"
printf 'pgBadger -j 1:    %6d MB in %7.2f s = %8.2f MB/s\n' $((slice / 1048576)) "$tb" "$bm"
ratio=$(echo "scale=1; $pm / $bm" | bc -l)
echo "perfops / pgBadger: ${ratio}x"
# pt-query-digest reads no PostgreSQL log: it gets the same statements as
# a MySQL slow log, and perfops reads that too.
if command -v pt-query-digest >/dev/null 2>&1; then
	awk -v MB="$SLICE_MB" -v MYSQL=1 -f "$top/bench/gen-pglog.awk" >"$tmp/slow.log"
	ms=$(wc -c <"$tmp/slow.log")
	tq=$(secs "$tmp/pt.json" pt-query-digest --limit 100%:1000 --output json "$tmp/slow.log")
	tm=$(secs "$tmp/pm.json" "$PERFOPS" queries --json --top 0 "$tmp/slow.log")
	qc=$(perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0] or die;
		print decode_json(<$f>)->{global}{query_count}' "$tmp/pt.json")
	mc=$(perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0] or die;
		print decode_json(<$f>)->{statements}' "$tmp/pm.json")
	[ "$qc" = "$mc" ] || { echo "DIFFERENT counts on the slow log: perfops $mc, pt-query-digest $qc"; fail=1; }
	qm=$(mbps "$ms" "$tq")
	printf 'MySQL slow log, %d MB, %s statements in both:\n' $((ms / 1048576)) "$qc"
	printf '  pt-query-digest: %7.2f s = %8.2f MB/s\n' "$tq" "$qm"
	printf '  perfops queries: %7.2f s = %8.2f MB/s; perfops / pt-query-digest: %sx\n' \
		"$tm" "$(mbps "$ms" "$tm")" "$(echo "scale=1; $(mbps "$ms" "$tm") / $qm" | bc -l)"
else
	echo "pt-query-digest: not installed (apt-get install percona-toolkit)"
fi
if [ "$(echo "$ratio < 10" | bc -l)" = 1 ]; then
	echo "perfops is not 10x faster than pgBadger"
	fail=1
fi
exit $fail
