# Helpers for the `perfops heap` tests (sourced after lib.sh).
H=$BUILD/tests/helper/heap-workload
# jf FILE KEY: a top-level number of a --json report.
jf() { sed -n "s/^  \"$2\": \\([0-9-]*\\),*\$/\\1/p" "$1" | head -1; }
# leaked_in PARTIAL N: the trace being written (FILE.partial) already
# holds N leaked blocks: the program ran that far and it was flushed.
# With wait_for, the evidence to act on instead of a sleep.
leaked_in() {
	"$PERFOPS" heap report --json "$1" >"$T/partial.json" 2>/dev/null &&
		[ "$(jf "$T/partial.json" leaked_blocks)" = "$2" ]
}
