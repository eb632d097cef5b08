#!/bin/bash
# perfops bench: SIGINT / SIGTERM stop the benchmark, kill the running
# command (and its process group), and keep what was measured.
. "$(dirname "$0")/lib.sh"
plan 22

jget() {
	perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0] or die;
		my $j = decode_json(<$f>); print eval($ARGV[1]) // "undef", "\n"' "$1" "$2"
}
# wait_lines FILE N: until FILE has N lines (each run appends one).
wait_lines() {
	local i
	for i in $(seq 600); do
		[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
# gone PATTERN: the process whose command line matches is gone (5 s).
gone() {
	local i
	for i in $(seq 50); do
		pgrep -f "$1" >/dev/null || return 0
		sleep 0.1
	done
	pkill -KILL -f "$1"
	return 1
}

# SIGINT after three finished runs of a command that would take 1000 s.
# The fourth run is the one killed: three runs are kept.
marker="sleep 1000.$$1"
run_bg() {
	"$@" >"$T/out" 2>"$T/err" &
	pid=$!
}
run_bg "$PERFOPS" bench -N --runs 10 --export-json "$T/i.json" --export-csv "$T/i.csv" \
	"sh -c 'echo x >>$T/starts; n=\$(wc -l <$T/starts); [ \$n -le 3 ] || exec $marker'"
wait_lines "$T/starts" 4
kill -INT $pid
wait $pid
rc=$?
is "$rc" 130 "SIGINT: exit 130"
ok $(gone "$marker"; echo $?) "the running command was killed"
like "$(cat "$T/err")" "interrupted by SIGINT: 3 runs finished" "says it was interrupted, and how many runs count"
like "$(cat "$T/out")" "Range \(min … max\):.* 3 runs" "summarises the runs done so far"
is "$(jget "$T/i.json" 'scalar @{$j->{results}[0]{times}}')" 3 "the JSON export holds the three finished runs"
is "$(jget "$T/i.json" '$j->{interrupted} ? "yes" : "no"')" yes "and is marked as interrupted"
like "$(tail -1 "$T/i.csv")" ',3,0$' "the CSV export is written too"

# --timeout puts the command in its own process group, where a terminal's
# Ctrl-C (SIGINT to perfops' group) does not reach it: perfops must kill
# it.  setsid gives perfops a group of its own to signal, as a terminal
# would.
rm -f "$T/starts"
marker="sleep 1000.$$2"
setsid "$PERFOPS" bench -N --runs 5 --timeout 900 --export-json "$T/t.json" \
	"sh -c 'echo x >>$T/starts; $marker; true'" >"$T/out" 2>"$T/err" &
pid=$!
wait_lines "$T/starts" 1
kill -INT -- -$pid
wait $pid
rc=$?
is "$rc" 130 "Ctrl-C to the group with --timeout: exit 130"
ok $(gone "$marker"; echo $?) "the command's process group was killed (no sleep left under init)"
is "$(jget "$T/t.json" 'scalar @{$j->{results}[0]{times}} . " " . ($j->{interrupted} ? "interrupted" : "")')" "0 interrupted" "no run finished, the export says so"

# SIGTERM to perfops alone, with --timeout, during a --prepare command.
rm -f "$T/starts"
marker="sleep 1000.$$3"
run_bg "$PERFOPS" bench -N --runs 5 --timeout 900 --prepare "sh -c 'echo x >>$T/starts; $marker; true'" true
wait_lines "$T/starts" 1
kill -TERM $pid
wait $pid
rc=$?
is "$rc" 130 "SIGTERM during --prepare: exit 130"
ok $(gone "$marker"; echo $?) "the --prepare command was killed"
like "$(cat "$T/err")" "interrupted by SIGTERM: 0 runs finished" "says so"

# Between runs (the launcher idle): the next run does not start.
rm -f "$T/starts"
run_bg "$PERFOPS" bench -N --runs 1000000 --style none \
	"sh -c 'echo x >>$T/starts'"
wait_lines "$T/starts" 20
kill -INT $pid
wait $pid
rc=$?
is "$rc" 130 "SIGINT between short runs: exit 130"
n=$(wc -l <"$T/starts")
sleep 0.3
is "$(wc -l <"$T/starts")" "$n" "no run starts after the signal"
like "$(cat "$T/err")" "interrupted by SIGINT: [0-9]+ runs finished" "and the finished runs are reported"

# timeout(1), like service managers, sends its signal to perfops and then
# to perfops' whole process group: the same request arrives twice at
# once.  It is one stop, not the "second Ctrl-C" that ends perfops at
# once: the finished runs are still summarised and exported.  SIGALRM to
# timeout is its own timer firing now.
rm -f "$T/starts" "$T/d.json"
marker="sleep 1000.$$4"
timeout -s INT 1000 "$PERFOPS" bench -N --runs 10 --export-json "$T/d.json" \
	"sh -c 'echo x >>$T/starts; n=\$(wc -l <$T/starts); [ \$n -le 3 ] || exec $marker'" \
	>"$T/out" 2>"$T/err" &
pid=$!
wait_lines "$T/starts" 4
kill -ALRM $pid
wait $pid
ok $(gone "$marker"; echo $?) "timeout -s INT: the running command was killed"
like "$(cat "$T/err")" "interrupted by SIGINT: 3 runs finished" "timeout -s INT: one stop, reported"
is "$(jget "$T/d.json" 'scalar @{$j->{results}[0]{times}}')" 3 "timeout -s INT: the JSON export holds the three finished runs"

# The same, made certain: perfops is stopped while two stop signals
# arrive, so both are delivered back to back when it continues.
rm -f "$T/starts" "$T/e.json"
marker="sleep 1000.$$5"
run_bg "$PERFOPS" bench -N --runs 10 --export-json "$T/e.json" \
	"sh -c 'echo x >>$T/starts; n=\$(wc -l <$T/starts); [ \$n -le 3 ] || exec $marker'"
wait_lines "$T/starts" 4
kill -STOP $pid
kill -INT $pid
kill -TERM $pid
kill -CONT $pid
wait $pid
rc=$?
is "$rc" 130 "two stop signals at once: exit 130, not killed by the second"
ok $(gone "$marker"; echo $?) "two stop signals at once: the running command was killed"
is "$(jget "$T/e.json" 'scalar @{$j->{results}[0]{times}}')" 3 "two stop signals at once: the export holds the three finished runs"
