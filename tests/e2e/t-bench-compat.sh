#!/bin/bash
# perfops bench: scripts written for hyperfine work unchanged.  Each case
# is checked against hyperfine itself when it is installed, and against
# what hyperfine 1.15 does otherwise.
. "$(dirname "$0")/lib.sh"
plan 34

jget() {
	perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0] or die;
		my $j = decode_json(<$f>); print eval($ARGV[1]) // "undef", "\n"' "$1" "$2"
}
have_hf=0
command -v hyperfine >/dev/null 2>&1 && have_hf=1
# same PERFOPS_OUTPUT HYPERFINE_ARGS... NAME: perfops' output equals
# hyperfine's for the same arguments.
same() {
	local mine=$1 name=${*: -1} theirs
	if [ $have_hf = 0 ]; then
		skip "hyperfine is not installed"
		return
	fi
	set -- "${@:2:$#-2}"
	theirs=$(hyperfine "$@" 2>/dev/null | grep '^Benchmark')
	is "$mine" "$theirs" "$name: as hyperfine"
}
headers() { grep '^Benchmark' "$T/out"; }

# -M 5 alone: fewer than the default minimum of 10 runs is not refused.
run "$PERFOPS" bench -N -M 5 --export-json "$T/m.json" true
ok $rc "-M 5 alone is accepted"
is "$(jget "$T/m.json" 'scalar @{$j->{results}[0]{times}}')" 5 "and runs 5 times (true fits thousands in the budget)"
run "$PERFOPS" bench -N -m 20 -M 5 true
is "$rc" 2 "-m 20 -M 5 is still a conflict"

# Fewer -n names than commands: the first ones are named.
run "$PERFOPS" bench -N -r 1 -n first true 'sleep 0'
ok $rc "one name for two commands is accepted"
is "$(headers)" "$(printf 'Benchmark 1: first\nBenchmark 2: sleep 0')" "it names the first command"
same "$(headers)" -N -r 1 -n first true 'sleep 0' "names"
run "$PERFOPS" bench -N -r 1 -n a -n b -n c true false
is "$rc" 2 "more names than commands is an error"
like "$err" "too many --command-name options: expected 2 at most" "with hyperfine's reason"

# -S default is the platform's shell.
run "$PERFOPS" bench -S default -r 1 'echo $0'
ok $rc "-S default is accepted"

# -L with several commands: parameter value by parameter value, in the
# output and in every export.
run "$PERFOPS" bench -N -r 1 -L x a,b --export-json "$T/l.json" --export-csv "$T/l.csv" \
	--export-markdown "$T/l.md" 'echo 1{x}' 'echo 2{x}'
want=$(printf 'Benchmark 1: echo 1a\nBenchmark 2: echo 2a\nBenchmark 3: echo 1b\nBenchmark 4: echo 2b')
is "$(headers)" "$want" "-L with two commands: hyperfine's order"
same "$(headers)" -N -r 1 -L x a,b 'echo 1{x}' 'echo 2{x}' "-L order"
is "$(jget "$T/l.json" 'join ",", map { $_->{command} } @{$j->{results}}')" "echo 1a,echo 2a,echo 1b,echo 2b" "JSON export in that order"
is "$(tail -n +2 "$T/l.csv" | cut -d, -f1 | paste -sd, -)" "echo 1a,echo 2a,echo 1b,echo 2b" "CSV export in that order"
is "$(tail -n +3 "$T/l.md" | cut -d'`' -f2 | paste -sd, -)" "echo 1a,echo 2a,echo 1b,echo 2b" "Markdown export in that order"

# Warnings go to stderr, also under --style none; stdout keeps the results.
run "$PERFOPS" bench -N -r 2 -i false
like "$err" "Warning: Ignoring non-zero exit code" "warnings on stderr"
ok $(! grep -q Warning "$T/out"; echo $?) "not on stdout"
run "$PERFOPS" bench -N -r 2 -i --style none false
like "$err" "Warning: Ignoring non-zero exit code" "and under --style none"
is "$out" "" "which prints nothing on stdout"

# --interleave with the default time budget: every command the same
# number of runs (the budget gives sleep 0.02 about 150 and true
# thousands: both get the smaller count).
run "$PERFOPS" bench -N --interleave --time-budget 1 --export-json "$T/i.json" 'sleep 0.02' true
ok $rc "--interleave with the time budget runs"
is "$(jget "$T/i.json" 'my @n = map { scalar @{$_->{times}} } @{$j->{results}}; $n[0] == $n[1] ? "equal" : "@n"')" equal "every command gets the same number of runs"

# --cpu with a CPU this machine does not have names it.
ncpu=$(nproc)
run "$PERFOPS" bench -r 1 --cpu $((ncpu + 3)) true
is "$rc" 2 "--cpu beyond the machine's CPUs is a usage error"
like "$err" "--cpu $((ncpu + 3)): there is no CPU $((ncpu + 3)) here \(perfops may run on CPUs 0" "naming the CPU"

# -r 1: hyperfine's single-run line.
run "$PERFOPS" bench -N -r 1 true
like "$out" '^  Time \(abs ≡\): +[0-9.]+ ms +\[User: [0-9.]+ ms, System: [0-9.]+ ms\]$' "-r 1 prints Time (abs ≡)"
ok $(! grep -q 'Range' "$T/out"; echo $?) "and no range"

# A zero parameter prints 0, as hyperfine's decimals do.
run "$PERFOPS" bench -N -r 1 -P x 0 1 -D 0.25 'echo {x}'
is "$(headers | paste -sd, -)" "Benchmark 1: echo 0,Benchmark 2: echo 0.25,Benchmark 3: echo 0.50,Benchmark 4: echo 0.75,Benchmark 5: echo 1.00" "-P 0 1 -D 0.25 gives 0, 0.25 ... 1.00"
same "$(headers)" -N -r 1 -P x 0 1 -D 0.25 'echo {x}' "-P decimals"

# The header comes before the runs, so a failing command has one.
run "$PERFOPS" bench -N -r 2 true false
is "$(headers | tail -1)" "Benchmark 2: false" "a failing command gets its Benchmark header"

# A --reference runs first and has no parameters: the CSV still has the
# parameter columns of the others (empty for it).
run "$PERFOPS" bench -N -r 1 --reference true -L x a,b 'echo {x}' --export-csv "$T/ref.csv"
is "$(cut -d, -f1,9 "$T/ref.csv" | paste -sd' ' -)" "command,parameter_x true, echo a,a echo b,b" "CSV with --reference and -L: the parameter column is there"

# A run ended by a signal has hyperfine's exit code 128 + signal, in the
# JSON export and for --ignore-failure=CODES.
run "$PERFOPS" bench -N -i -r 2 "sh -c 'kill -TERM \$\$'" --export-json "$T/sig.json"
is "$(jget "$T/sig.json" 'join ",", @{$j->{results}[0]{exit_codes}}')" "143,143" "JSON: a run killed by SIGTERM has exit code 143"
run "$PERFOPS" bench -N -i=143 -r 2 "sh -c 'kill -TERM \$\$'"
is "$rc" 0 "--ignore-failure=143 ignores runs killed by SIGTERM"

# Side by side with hyperfine in the same run, on the same commands: what
# does not depend on the machine's speed must agree.
if [ $have_hf = 1 ]; then
	args=(-N -r 4 -i -L s 0.01,0.1 -L n 1,2 "sh -c 'sleep {s}; exit {n}'")
	hyperfine "${args[@]}" --export-json "$T/hf.json" --export-csv "$T/hf.csv" >"$T/hf.out" 2>&1
	run "$PERFOPS" bench "${args[@]}" --export-json "$T/po.json" --export-csv "$T/po.csv"
	# the fields of hyperfine's results that perfops' lack
	missing=$(perl -MJSON::PP -e 'local $/; my @r = map { open my $f, "<", $_ or die; decode_json(<$f>)->{results}[0] } @ARGV;
		print join ",", grep { !exists $r[0]{$_} } sort keys %{$r[1]}' "$T/po.json" "$T/hf.json")
	is "$missing" "" "JSON: every field hyperfine writes is there"
	runs='join " ", map { my $r = $_; scalar @{$r->{times}} . ":" . join("", @{$r->{exit_codes}}) . ":" . join("", map { "$_=$r->{parameters}{$_}" } sort keys %{$r->{parameters}}) } @{$j->{results}}'
	is "$(jget "$T/po.json" "$runs")" "$(jget "$T/hf.json" "$runs")" "JSON: the same run counts, exit codes and parameters"
	is "$(head -1 "$T/po.csv" | cut -d, -f1-10)" "$(head -1 "$T/hf.csv")" "CSV: hyperfine's columns first, in its order"
	fastest() { grep -A1 '^Summary' "$1" | tail -1 | grep -oE 'sleep [0-9.]+'; }
	is "$(fastest "$T/out")" "$(fastest "$T/hf.out")" "the same command is the fastest (sleep 0.01 against 0.1)"
else
	skip "hyperfine is not installed" 4
fi
