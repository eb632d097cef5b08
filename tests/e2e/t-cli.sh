#!/bin/bash
# The command layer: --version, help, CMD --help, unknown commands/options.
. "$(dirname "$0")/lib.sh"
plan 11

run "$PERFOPS" --version
like "$rc:$out" '^0:perfops [0-9]+\.[0-9]+\.[0-9]+' "--version prints the version"

run "$PERFOPS" help
like "$rc:$out" "^0:usage: perfops" "help prints the usage"
for c in collapse flamegraph diff; do
	echo "$out" | grep -qE "^  $c "
	ok $? "help lists $c"
done

"$PERFOPS" help collapse >"$T/a"
"$PERFOPS" collapse --help >"$T/b"
cmp -s "$T/a" "$T/b" && grep -q -- "--event-filter" "$T/a"
ok $? "'help collapse' and 'collapse --help' print the same manual"

run "$PERFOPS" colapse
is "$rc" 2 "an unknown command exits 2"
like "$err" "did you mean 'collapse'" "and suggests the nearest command"

run "$PERFOPS" frobnicate
like "$rc:$err" "^2:.*not a perfops command" "a far-off name gets no suggestion but exit 2"

run "$PERFOPS" --frob
is "$rc" 2 "an unknown global option exits 2"

run "$PERFOPS"
is "$rc" 2 "no command: usage on stderr, exit 2"
