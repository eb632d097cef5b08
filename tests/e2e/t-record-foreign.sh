#!/bin/bash
# perfops record on programs built the way other toolchains build them
# (tests/helper/record-cases.c linked by lld, as Rust and clang builds
# often are), checked against what the program's own structure says.
. "$(dirname "$0")/lib.sh"
plan 2

need_record 2

# 1-2: lld loads code at addresses that are not its file offsets (the
# text segment starts a page after its offset): DWARF unwinding must
# still find the CFI of every frame, by default and with -g dwarf.
L=$BUILD/tests/helper/perfops-cases-lld
if [ -x "$L" ]; then
	for g in dwarf auto; do
		run "$PERFOPS" record -g $g --user-only -o "$T/lld-$g.folded" -- "$L" libc 1
		all=$(weight ';__strlen[a-z0-9_]* ' "$T/lld-$g.folded")
		good=$(weight ';main;libc_mode;scan_text;__strlen[a-z0-9_]* ' "$T/lld-$g.folded")
		awk -v g="$good" -v a="$all" 'BEGIN { exit !(a > 0 && g >= 0.95 * a) }'
		ok $? "lld-linked, -g $g: strlen is called from scan_text ($good of $all ns)"
	done
else
	skip "perfops-cases-lld was not built (no lld: scripts/install-deps --check)" 2
fi
