#!/bin/bash
# perfops bench: exports, plots, counters, usage errors, help.
. "$(dirname "$0")/lib.sh"
plan 41

run "$PERFOPS" bench -N --runs 3 -n '<a&b>' -n two 'sleep 0.001' 'sleep 0.002' \
	--export-csv "$T/r.csv" --export-markdown "$T/r.md" \
	--export-asciidoc "$T/r.adoc" --export-orgmode "$T/r.org" \
	--export-svg "$T/r.svg" --export-html "$T/r.html" --histogram
ok $rc "all exports at once"
like "$(head -1 "$T/r.csv")" '^command,mean,stddev,median,user,system,min,max,p5,' "CSV header: hyperfine's columns first"
is "$(wc -l <"$T/r.csv" | tr -d ' ')" 3 "CSV has a row per command"
like "$(cat "$T/r.md")" '^\| `<a&b>` \| [0-9.]+ ± [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+( ± [0-9.]+)? \|$' "Markdown row with the command name"
like "$(head -2 "$T/r.adoc")" '^\|===$' "AsciiDoc table"
like "$(head -2 "$T/r.org")" '^\|--\+--\+--\+--\+--\|$' "Org table"
like "$(cat "$T/r.svg")" '&lt;a&amp;b&gt;' "SVG escapes the command name"
ok $(grep -c '<a&b>' "$T/r.svg" | grep -qx 0; echo $?) "no raw name in the SVG"
like "$(cat "$T/r.html")" '<svg .*' "HTML embeds the plot"
like "$out" 'Histogram:' "terminal histogram"
ok $(ls "$T" | grep -c '\.tmp-' | grep -qx 0; echo $?) "no temporary files left"

run "$PERFOPS" bench -N --runs 3 --counters 'sleep 0.001'
ok $rc "--counters works"
like "$out" 'Counters \(mean\): +task-clock [0-9.]+ ms context-switches [0-9.]+ cpu-migrations [0-9.]+ page-faults [0-9.]+' "software counters are printed"
if grep -q "no hardware performance counters" "$T/err"; then
	like "$err" "notice: no hardware performance counters on this machine" "one-line notice without a PMU"
	run "$PERFOPS" bench -N --runs 2 --metric instructions true
	is "$rc" 3 "--metric instructions without a PMU is an environment error (3)"
else
	like "$out" 'instructions' "instructions are counted with a PMU"
	run "$PERFOPS" bench -N --runs 2 --metric instructions true
	is "$rc" 0 "--metric instructions with a PMU"
fi
run "$PERFOPS" bench -N --runs 3 --metric page-faults 'sleep 0.001'
like "$out" '^  page-faults \(mean ± σ\)' "--metric picks the primary metric"

run "$PERFOPS" bench --runs 2 --bogus true
is "$rc" 2 "unknown option exits 2"
run "$PERFOPS" bench
is "$rc" 2 "no command exits 2"
run "$PERFOPS" bench --fail-if-slower 5 true
is "$rc" 2 "--fail-if-slower without --baseline exits 2"
run "$PERFOPS" bench -N --runs 1 no-such-command-perfops
is "$rc" 1 "a command that does not exist exits 1"
like "$err" "cannot run command 'no-such-command-perfops': No such file" "and says why"
run "$PERFOPS" help bench
like "$out" "fail-if-slower PCT" "perfops help bench prints the manual"

# An export that cannot be written is found before the first run.
run "$PERFOPS" bench --runs 3 --export-csv "$T/ok.csv" --export-json "$T/no/such/dir/x.json" "echo x >>$T/ran"
is "$rc" 1 "an unwritable export path exits 1"
like "$err" "$T/no/such/dir/x.json" "naming the path"
ok $([ ! -e "$T/ran" ]; echo $?) "before any run"
ok $([ ! -e "$T/ok.csv" ] && ! ls "$T" | grep -q '\.tmp'; echo $?) "and leaves no other export or temporary file behind"

# The option table: hyperfine's multi-value options in every spelling,
# options after the commands, values checked with one line each.
run "$PERFOPS" bench -N -r 1 --export-json "$T/p.json" 'echo {n}' 'echo -{n}' --parameter-scan=n 1 2
is "$(perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0]; print join ",", map { $_->{command} } @{decode_json(<$f>)->{results}}' "$T/p.json")" \
	"echo 1,echo -1,echo 2,echo -2" "--parameter-scan=NAME MIN MAX after the commands"
run "$PERFOPS" bench -N -r 1 --export-json "$T/p.json" 'echo {x}' --parameter-list x a,b
is "$(perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0]; print join ",", map { $_->{command} } @{decode_json(<$f>)->{results}}' "$T/p.json")" \
	"echo a,echo b" "--parameter-list NAME LIST after the command"
run "$PERFOPS" bench -N -r 1 -P n 1
is "$rc:$(echo "$err" | head -1)" "2:perfops bench: --parameter-scan needs 3 values (NAME MIN MAX) (see 'perfops help bench')" "-P with two values is a usage error naming what it needs"
run "$PERFOPS" bench -r 0 true
is "$rc" 2 "--runs 0 exits 2"
like "$err" "runs" "naming the option"
# --runs with --min-runs or --max-runs: one of them would be ignored
# (hyperfine refuses them together too).
run "$PERFOPS" bench -N -r 3 -m 5 true
is "$rc:$(echo "$err" | head -1)" "2:perfops bench: --runs cannot be combined with --min-runs (see 'perfops help bench')" "--runs with --min-runs is a usage error"
run "$PERFOPS" bench -N --max-runs 5 --runs 2 true
is "$rc:$(echo "$err" | head -1)" "2:perfops bench: --runs cannot be combined with --max-runs (see 'perfops help bench')" "--runs with --max-runs is a usage error"
run "$PERFOPS" bench --style fancy true
is "$rc:$(echo "$err" | grep -c 'auto.*none')" "2:1" "--style lists its values"
run "$PERFOPS" bench -N --time-budget 200ms --export-json "$T/tb.json" true
ok $rc "--time-budget takes a duration (200ms)"
run "$PERFOPS" bench --help
like "$rc:$out" "^0:usage: perfops bench" "--help prints the manual from the table"

# --export-html: every cell holds its own figure (Max and p95 once showed
# the mean and sigma).  Parse the cells, compare with the JSON export of
# the same run, formatted as the table formats them.
run "$PERFOPS" bench -N --runs 7 --export-html "$T/h.html" --export-json "$T/h.json" 'sleep 0.002' 'sleep 0.03'
ok $rc "HTML and JSON exports of one run"
cells=$(perl -ne 'print join("|", m{<td>(?:<code>)?(.*?)(?:</code>)?</td>}g), "\n" if /^<tr><td>/' "$T/h.html")
want=$(perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0]; my $j = decode_json(<$f>);
	for my $r (@{$j->{results}}) {
		my $u = sub { sprintf "%.1f ms", $_[0] * 1000 };
		print join("|", $r->{command}, $u->($r->{mean}) . " ± " . $u->($r->{stddev}),
			$u->($r->{median}) . " [" . $u->($r->{median_ci}{low}) . " … " . $u->($r->{median_ci}{high}) . "]",
			$u->($r->{min}), $u->($r->{max}), $u->($r->{percentiles}{p95}), scalar @{$r->{times}}), "\n";
	}' "$T/h.json")
is "$cells" "$want" "every HTML cell matches the JSON figures (Max is the max, p95 the p95)"

# A shell whose empty command takes 0.1 s: every run, shell start-up
# subtracted, is clamped at 0, and the ratios do not exist.  hyperfine
# then explains instead of printing 'inf' or '-nan times faster'.
cat >"$T/slowsh" <<'SH'
#!/bin/sh
[ -z "$2" ] && exec sleep 0.1
exec /bin/sh "$@"
SH
chmod +x "$T/slowsh"
run "$PERFOPS" bench -S "$T/slowsh" --runs 3 true 'true x'
ok $rc "commands faster than the shell's start-up run"
like "$err" "Note: The benchmark comparison could not be computed as some benchmark times are zero" "the comparison says why it is missing"
ok $(! grep -qiE 'inf|nan' "$T/out"; echo $?) "no inf or nan printed"
