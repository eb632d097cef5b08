#!/bin/bash
# perfops bench: timing, -N quoting, failures, timeouts, scans, I/O options.
. "$(dirname "$0")/lib.sh"
plan 39

# jget FILE EXPR: evaluate a Perl expression over the decoded JSON ($j).
jget() {
	perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0] or die;
		my $j = decode_json(<$f>); print eval($ARGV[1]) // "undef", "\n"' "$1" "$2"
}

# A 20 ms sleep measures 20 ms plus sleep's own start-up: never less than
# 20 ms (no shell, nothing subtracted), and far below 1 s however busy the
# machine is.
run "$PERFOPS" bench -N --runs 10 --export-json "$T/s.json" 'sleep 0.02'
ok $rc "sleep 0.02 runs"
like "$out" '^Benchmark 1: sleep 0.02' "hyperfine's header line"
like "$out" 'Time \(mean ± σ\): +[0-9]+\.[0-9] ms ± +[0-9.]+ ms +\[User: [0-9.]+ ms, System: [0-9.]+ ms\]' "mean ± sigma line in ms"
like "$out" 'Range \(min … max\): .* 10 runs' "range line with the run count"
like "$out" 'Median \(95% CI\): +[0-9.]+ ms \[[0-9.]+ ms … [0-9.]+ ms\]' "median with its CI"
med=$(jget "$T/s.json" '$j->{results}[0]{median}')
is "$(perl -e 'print(($ARGV[0] >= 0.020 && $ARGV[0] < 1) ? "yes" : "no: $ARGV[0]")' "$med")" yes "median of sleep 0.02 within [20 ms, 1 s)"
is "$(jget "$T/s.json" 'scalar @{$j->{results}[0]{times}}')" 10 "JSON keeps all 10 times"
is "$(jget "$T/s.json" 'join ",", @{$j->{results}[0]{exit_codes}}')" "0,0,0,0,0,0,0,0,0,0" "JSON exit codes"
is "$(jget "$T/s.json" 'my $r = $j->{results}[0]; ($r->{min} <= $r->{median} && $r->{median} <= $r->{max} && $r->{percentiles}{p5} <= $r->{percentiles}{p95}) ? 1 : 0')" 1 "min <= median <= max, p5 <= p95"
is "$(jget "$T/s.json" 'defined $j->{machine}{cores} && $j->{machine}{kernel} =~ /Linux/ ? 1 : 0')" 1 "machine metadata in the export"

# -N splits quoted arguments itself.
run "$PERFOPS" bench -N --runs 1 --output "$T/words" "printf '%s|' 'a b' \"c \\\"d\\\"\" e\\ f"
ok $rc "-N with quotes runs"
is "$(cat "$T/words")" 'a b|c "d"|e f|' "-N split 'a b', \"c \\\"d\\\"\" and e\\ f into three words"
run "$PERFOPS" bench -N --runs 1 "printf 'open"
is "$rc" 2 "an unterminated quote is a usage error"
like "$err" "unterminated quote" "and says so"

# A failing command stops the run unless -i.
run "$PERFOPS" bench --runs 3 false
is "$rc" 1 "a failing command exits 1"
like "$err" "non-zero exit code 1.*--ignore-failure" "with hyperfine's hint"
run "$PERFOPS" bench --runs 3 -i false
ok $rc "-i ignores the failure"
like "$err" "Ignoring non-zero exit code" "and warns on stderr, as hyperfine does"
run "$PERFOPS" bench --runs 2 --ignore-failure=2 'exit 3'
is "$rc" 1 "--ignore-failure=2 does not ignore exit code 3"
run "$PERFOPS" bench --runs 2 --ignore-failure=2,3 'exit 3'
ok $rc "--ignore-failure=2,3 does"

# A timeout is recorded and the other runs are kept: odd runs sleep 5 s.
cnt="$T/count"
run "$PERFOPS" bench --runs 4 --timeout 0.5 --export-json "$T/to.json" \
	"n=\$(cat $cnt 2>/dev/null || echo 0); echo \$((n+1)) > $cnt; if [ \$((n % 2)) = 0 ]; then sleep 5; fi"
ok $rc "timed-out runs do not fail the benchmark"
like "$out" "Timed out: +2 of 4 runs" "two of four runs timed out"
is "$(jget "$T/to.json" 'my $r = $j->{results}[0]; join " ", map { scalar @{$r->{$_}} } qw(times exit_codes memory_usage_byte user_times system_times values)')" "2 2 2 2 2 2" "timed-out runs are in none of the per-run arrays"
is "$(jget "$T/to.json" 'my $r = $j->{results}[0]; $r->{timed_out_runs} . " " . join(",", map { $_ >= 0.5 ? "ok" : $_ } @{$r->{timed_out_times}})')" "2 ok,ok" "but counted and listed apart, each at the limit"
is "$(jget "$T/to.json" 'my $r = $j->{results}[0]; my $m = 0; $m += $_ for @{$r->{times}}; abs($m / 2 - $r->{mean}) < 1e-9 ? "yes" : "no"')" yes "the mean is the mean of times"
# Every run timed out: no result, exit 1.
run "$PERFOPS" bench -N --runs 2 --timeout 0.2 --export-json "$T/all.json" 'sleep 5'
is "$rc" 1 "every run timed out: exit 1"
like "$err" "every run of 'sleep 5' timed out \(limit 0.2 s\)" "and says so"
is "$(jget "$T/all.json" 'my $r = $j->{results}[0]; scalar(@{$r->{times}}) . " " . $r->{timed_out_runs}')" "0 2" "the export lists the two timed-out runs"

# Parameter scans.
run "$PERFOPS" bench -N --runs 2 -P n 1 3 --export-json "$T/p.json" 'sleep 0.00{n}'
is "$(jget "$T/p.json" 'join ",", map { $_->{command} . "=" . $_->{parameters}{n} } @{$j->{results}}')" \
	"sleep 0.001=1,sleep 0.002=2,sleep 0.003=3" "-P expands {n}"
run "$PERFOPS" bench -N --runs 1 -L a x,y -L b 1,2 --export-json "$T/l.json" 'echo {a}{b}'
is "$(jget "$T/l.json" 'join ",", map { $_->{command} } @{$j->{results}}')" \
	"echo x1,echo y1,echo x2,echo y2" "two -L give the cross product, first varies fastest"

# --input, --cpu and the environment padding reach the child.
printf 'hello input\n' >"$T/in"
run "$PERFOPS" bench -N --runs 3 --input "$T/in" "sh -c 'cat >>$T/cat'"
is "$(cat "$T/cat")" "$(printf 'hello input\nhello input\nhello input')" "--input feeds stdin, all of it to every run"
# The input is opened for every run, as hyperfine does: a --setup may
# create it, a --prepare may replace it (a new file renamed over it).
run "$PERFOPS" bench -N --runs 2 --setup "sh -c 'seq 7 >$T/gen'" --input "$T/gen" "sh -c 'wc -l >>$T/gen.out'"
is "$rc:$(cat "$T/gen.out" 2>/dev/null | tr -d ' ' | tr '\n' ' ')" "0:7 7 " "--input created by --setup is read"
echo 0 >"$T/n"
run "$PERFOPS" bench -N --runs 3 --input "$T/ren" \
	--prepare "sh -c 'n=\$((\$(cat $T/n) + 1)); echo \$n >$T/n; echo v\$n >$T/ren.new; mv $T/ren.new $T/ren'" \
	"sh -c 'cat >>$T/ren.out'"
is "$rc:$(cat "$T/ren.out" 2>/dev/null | tr '\n' ' ')" "0:v1 v2 v3 " "--input replaced by --prepare: each run reads the new file"
run "$PERFOPS" bench -N --runs 1 --input "$T/nonexistent" cat
is "$rc:$(echo "$err" | grep -v 'machine is busy')" "1:perfops: cannot open input file '$T/nonexistent': No such file or directory" "a missing --input is an error naming it"
# The commands get the descriptors their parent has, and none of
# perfops' own (the launcher's socket, pipes): as a child of this shell.
ls /proc/self/fd >"$T/fd.shell"
for o in null pipe; do
	run "$PERFOPS" bench -N --runs 1 --output $o "sh -c 'ls /proc/self/fd >$T/fd.$o'"
	is "$(cat "$T/fd.$o" | tr '\n' ' ')" "$(cat "$T/fd.shell" | tr '\n' ' ')" "--output $o: no descriptor of perfops leaks into the command"
done
# --output FILE holds the output of one run, as hyperfine's: each run
# writes it from empty (the same file-system work every time, and a file
# that does not grow with the number of runs).
run "$PERFOPS" bench -N --runs 4 --output "$T/one" "sh -c 'cat /proc/sys/kernel/random/uuid'"
is "$(wc -l <"$T/one" | tr -d ' ')" 1 "--output FILE holds one run's output, not every run's"
run "$PERFOPS" bench -N --runs 1 --cpu 0 --output "$T/aff" 'grep Cpus_allowed_list /proc/self/status'
like "$(cat "$T/aff")" 'Cpus_allowed_list:\s+0$' "--cpu 0 pins the child"
run "$PERFOPS" bench -N --runs 5 "sh -c 'printenv PERFOPS_RANDOMIZED_ENVIRONMENT_OFFSET >>$T/env'"
is "$(sort -u "$T/env" | wc -l | tr -d ' ')" 5 "each run gets a different environment padding"
