#!/bin/bash
# perfops bench: peak RSS per run from wait4() of that child.
. "$(dirname "$0")/lib.sh"
plan 5

jget() {
	perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0] or die;
		my $j = decode_json(<$f>); print eval($ARGV[1]) // "undef", "\n"' "$1" "$2"
}
BUILD=${PERFOPS_BUILD:-$TOP/build}
alloc=$BUILD/tests/helper/alloc-touch

# 100 MiB and 1 MiB side by side: each must get its own peak, not the
# largest seen so far (RUSAGE_CHILDREN would give 100 MiB to both).
run "$PERFOPS" bench -N --runs 3 --export-json "$T/m.json" "$alloc 100" "$alloc 1"
ok $rc "allocating commands run"
big=$(jget "$T/m.json" '$j->{results}[0]{peak_rss_max} / 1048576')
small=$(jget "$T/m.json" '$j->{results}[1]{peak_rss_max} / 1048576')
is "$(perl -e 'print(($ARGV[0] >= 100 && $ARGV[0] <= 110) ? "yes" : "no: $ARGV[0] MiB")' "$big")" yes "100 MiB command peaks at 100-110 MiB"
is "$(perl -e 'print(($ARGV[0] >= 1 && $ARGV[0] <= 5) ? "yes" : "no: $ARGV[0] MiB")' "$small")" yes "1 MiB command peaks at 1-5 MiB"
is "$(jget "$T/m.json" 'scalar(grep { $_ >= 100 * 1048576 } @{$j->{results}[0]{memory_usage_byte}})')" 3 "every run of the big one is recorded"
like "$out" 'Peak memory: +1[0-9][0-9]\.[0-9] MiB mean' "summary prints the peak memory"
