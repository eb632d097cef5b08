#!/bin/bash
# perfops bench as a hyperfine user switching tools finds it: what differed
# from hyperfine, or from what the manual promises, in scripts run unchanged.
. "$(dirname "$0")/lib.sh"
plan 45

# Only one command has times (every run of the other timed out): no
# "Summary" heading with nothing under it.
run "$PERFOPS" bench -N -r 2 --timeout 2 true 'sleep 30' \
	--export-markdown "$T/to.md" --export-html "$T/to.html" --export-orgmode "$T/to.org"
is "$rc" 1 "every run of one command timed out: exit 1"
ok $(! grep -q '^Summary' "$T/out"; echo $?) "no summary with a single command to compare"
# and the tables show no made-up numbers for it (hyperfine has no --timeout).
is "$(grep 'sleep 30' "$T/to.md")" '| `sleep 30` | timed out | n/a | n/a | n/a |' "Markdown: a timed-out command has no numbers"
is "$(grep 'sleep 30' "$T/to.org")" '| =sleep 30=  |  timed out |  n/a |  n/a |  n/a |' "Org: the same"
like "$(grep -o '<tr><td><code>sleep 30</code>.*' "$T/to.html")" '^<tr><td><code>sleep 30</code></td><td>timed out</td>(<td>n/a</td>){4}<td>0</td></tr>$' "HTML: the same"

# A command name with invalid UTF-8 and terminal escapes: the text exports
# (which `cat` shows and Markdown renders) carry it printable, as the
# terminal summary does, and stay valid UTF-8.
name=$(printf 'x\377\033]0;pwned\007\033[2J|y')
run "$PERFOPS" bench -N -r 2 -n "$name" true --export-markdown "$T/e.md" \
	--export-csv "$T/e.csv" --export-asciidoc "$T/e.adoc" --export-orgmode "$T/e.org"
ok $rc "a hostile command name"
like "$(cat "$T/e.md")" '^\| `x\\xff\\x1b\]0;pwned\\x07\\x1b\[2J\\\|y` \|' "Markdown: escapes printable, '|' escaped"
like "$(sed -n 2p "$T/e.csv")" '^x\\xff\\x1b\]0;pwned\\x07\\x1b\[2J\|y,' "CSV: the same"
ok $(cat "$T/e.md" "$T/e.csv" "$T/e.adoc" "$T/e.org" | LC_ALL=C grep -ac $'[\001-\010\016-\037\177]' | grep -qx 0 &&
	iconv -f UTF-8 -t UTF-8 "$T/e.md" "$T/e.csv" "$T/e.adoc" "$T/e.org" >/dev/null 2>&1; echo $?) "no control bytes, valid UTF-8 in every text export"

# An empty export path (an unset variable in a script: --export-json "$OUT")
# is refused before the first run, not after all of them.
mkdir "$T/cwd"
cd "$T/cwd" && run "$PERFOPS" bench -r 2 --export-json '' "echo x >>$T/ran"; cd - >/dev/null
is "$rc" 1 "an empty export path exits 1"
like "$err" "^perfops: cannot write to an empty path: name a file" "and says so"
ok $([ ! -e "$T/ran" ] && [ -z "$(ls -A "$T/cwd")" ]; echo $?) "before any run, leaving no temporary file"

# hyperfine's --input null is /dev/null (its default), not a file "null".
cd "$T/cwd" && run "$PERFOPS" bench -N -r 2 --input null --output "$T/in.out" 'wc -c'; cd - >/dev/null
is "$rc" 0 "--input null is accepted"
is "$(sort -u "$T/in.out" | tr -d ' ')" 0 "and the commands read nothing"

# Options of hyperfine's --help that change only its progress bar, and its
# hidden --min-benchmarking-time (perfops' --time-budget): accepted.
run "$PERFOPS" bench -N -r 2 -E true
is "$rc" 0 "-E is accepted"
run "$PERFOPS" bench -N -r 2 --show-elapsed true
is "$rc" 0 "--show-elapsed is accepted"
run "$PERFOPS" bench -N -m 2 -M 20 --min-benchmarking-time 0.001 --export-json "$T/mbt.json" 'sleep 0.3'
is "$rc:$(perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0]; print scalar @{decode_json(<$f>)->{results}[0]{times}}' "$T/mbt.json")" "0:2" \
	"--min-benchmarking-time is --time-budget"

# A command that fails stops the benchmark (exit 1); hyperfine's exports,
# written after each benchmark, then hold the commands finished before it.
run "$PERFOPS" bench -N -r 2 true false 'sleep 0' --export-json "$T/f.json" --export-csv "$T/f.csv"
is "$rc" 1 "a failing second command exits 1"
is "$(perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0]; my $r = decode_json(<$f>)->{results}; print join ",", map { $_->{command} . ":" . scalar @{$_->{times}} } @$r' "$T/f.json")" \
	"true:2" "the JSON export holds the command finished before it"
is "$(cut -d, -f1 "$T/f.csv" | tr '\n' ' ')" "command true " "and so does the CSV"
run "$PERFOPS" bench -N -r 2 false true --export-json "$T/f1.json"
is "$rc" 1 "a failing first command exits 1"
ok $([ ! -e "$T/f1.json" ] && ! ls -a "$T" | grep -q '^\.tmp-'; echo $?) "and writes no export (nothing finished), as hyperfine"

# The same parameter twice: hyperfine's "Duplicate parameter names".
run "$PERFOPS" bench -r 1 -L x a,b -L x c "echo {x} >>$T/dup"
is "$rc" 2 "-L with the same name twice is a usage error"
like "$err" "^perfops bench: parameter 'x' is given twice \(-L/-P\): give each name once" "and says which"
ok $([ ! -e "$T/dup" ]; echo $?) "nothing runs"
run "$PERFOPS" bench -r 1 -P x 1 2 -L x c "echo {x}"
is "$rc" 2 "-P and -L of the same name too"

# A value out of range names the range as the user types it (hyperfine
# itself loops forever on -r 0).
run "$PERFOPS" bench -r 0 true
is "$rc" 2 "-r 0 is a usage error"
like "$err" "^perfops bench: --runs must be at least 1, not '0'" "naming the bound, not 2.14748e+09"

# Interrupted before a command finished a run: its rows say so, not
# "timed out" (there was no --timeout).
marker="sleep 1000.$$3"
"$PERFOPS" bench -N -r 2 "sh -c 'echo x >>$T/starts'" "$marker" \
	--export-markdown "$T/int.md" --export-html "$T/int.html" >"$T/out" 2>"$T/err" &
pid=$!
for i in $(seq 600); do pgrep -f "$marker" >/dev/null && break; sleep 0.1; done
kill -TERM $pid
wait $pid
is "$?" 130 "SIGTERM while the second command runs: exit 130"
is "$(grep "$marker" "$T/int.md")" "| \`$marker\` | no runs | n/a | n/a | n/a |" "Markdown: no runs, not timed out"
like "$(grep -o "<tr><td><code>$marker</code>.*" "$T/int.html")" '<td>no runs</td>' "HTML: the same"

# hyperfine (clap) takes a short option's value after '=' too: -r=2, -i=1.
run "$PERFOPS" bench -N -r=2 --export-json "$T/eq.json" true
is "$rc:$(perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0]; print scalar @{decode_json(<$f>)->{results}[0]{times}}' "$T/eq.json")" "0:2" "-r=2 is -r 2"
run "$PERFOPS" bench -N -r 1 -i=1 false
is "$rc" 0 "-i=1 ignores exit code 1"
run "$PERFOPS" bench -N -r 1 -i=2 false
is "$rc" 1 "-i=2 does not"

# A --cleanup that fails comes after every run of its command: hyperfine
# prints that command's results before its error; they are kept here
# too (shown, and in the exports), and perfops exits 1.
run "$PERFOPS" bench -N -r 3 --cleanup "sh -c 'exit 3'" true --export-json "$T/c.json"
is "$rc" 1 "a failing --cleanup exits 1"
like "$err" "the --cleanup command 'sh -c 'exit 3'' failed with exit code 3" "and names it"
like "$out" "Range \(min … max\):.* 3 runs" "the command's results are shown before the error"
is "$(perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0]; my $r = decode_json(<$f>)->{results}; print join ",", map { $_->{command} . ":" . scalar @{$_->{times}} } @$r' "$T/c.json")" \
	"true:3" "and exported"
# With --interleave every cleanup comes after every run of every command.
run "$PERFOPS" bench --interleave -N -r 3 --cleanup "sh -c 'exit 3'" true 'sleep 0' --export-json "$T/ci.json"
is "$rc" 1 "--interleave: a failing --cleanup exits 1"
is "$(echo "$out" | grep -cE 'Range \(min … max\):.* 3 runs')" 2 "--interleave: the results of both commands are shown"
is "$(perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0]; my $r = decode_json(<$f>)->{results}; print join ",", map { $_->{command} . ":" . scalar @{$_->{times}} } @$r' "$T/ci.json")" \
	"true:3,sleep 0:3" "--interleave: and exported"

# A command that sets the terminal's modes (stty, editors, pagers) from
# its own process group, in the background of the terminal: hyperfine
# runs it; perfops left it stopped by SIGTTOU, hanging for ever.
if command -v script >/dev/null 2>&1; then
	timeout 30 script -qec "$PERFOPS bench -N -r 2 --export-json $T/tty.json 'stty echo -F /dev/tty'" /dev/null >"$T/tty.out" 2>&1
	is "$?" 0 "a command that sets the terminal's modes runs to the end"
	is "$(perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0] or exit; print scalar @{decode_json(<$f>)->{results}[0]{times}}' "$T/tty.json")" 2 "and its runs are measured"
else
	skip "script (util-linux) is not installed" 2
fi

# On a terminal (stdout and stderr together) the warnings sit between
# single blank lines, as hyperfine's: not two blank lines before them and
# none before the next benchmark.
around() { "$@" 2>&1 | grep -B1 -A1 'Warning: Ignoring' | sed 's/^ $/_/; s/.*Warning.*/W/; s/^[^_W].*/x/' | paste -sd' ' -; }
is "$(around "$PERFOPS" bench -N -r 2 -i --style basic false true)" "_ W _" "one blank line before and after the warnings"
if command -v hyperfine >/dev/null 2>&1; then
	is "$(around "$PERFOPS" bench -N -r 2 -i --style basic false true)" "$(around hyperfine -N -r 2 -i --style basic false true)" "as hyperfine lays them out"
else
	skip "hyperfine is not installed"
fi
