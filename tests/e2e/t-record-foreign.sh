#!/bin/bash
# perfops record on programs built the way other toolchains build them
# (tests/helper/record-cases.c linked by lld, as Rust and clang builds
# often are), checked against what the program's own structure says.
. "$(dirname "$0")/lib.sh"
plan 6

need_record 6

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

# 3-4: a Rust program (rustc, when installed): whole stacks through its
# own code and std's, and the functions inlined into its hot loop, which
# Rust declares inside namespaces (modules), as addr2line -i names them.
RUSTC=$(command -v rustc)
if [ -n "$RUSTC" ]; then
	cat >"$T/inl.rs" <<'RS'
mod geo {
    #[inline(always)]
    fn step(x: u64) -> u64 { x.wrapping_mul(6364136223846793005).wrapping_add(1) }
    #[inline(always)]
    fn steps(x: u64) -> u64 { let mut y = x; for _ in 0..1000 { y = step(y) ^ (y >> 7); } y }
    #[inline(never)]
    pub fn spin(secs: f64) -> u64 {
        let t = std::time::Instant::now();
        let mut x = 1;
        while t.elapsed().as_secs_f64() < secs { x = steps(x); }
        x
    }
}
fn main() { println!("{}", geo::spin(1.0)); }
RS
	"$RUSTC" -O -g -C force-frame-pointers=no -o "$T/inl" "$T/inl.rs" 2>"$T/rustc.err"
	run "$PERFOPS" record -g dwarf --user-only -o "$T/rs.folded" -- "$T/inl"
	all=$(weight 'inl::geo::spin' "$T/rs.folded")
	good=$(weight ';main;.*;inl::main;inl::geo::spin' "$T/rs.folded")
	awk -v g="$good" -v a="$all" 'BEGIN { exit !(a > 0 && g >= 0.95 * a) }'
	ok $? "Rust: geo::spin is called from main ($good of $all ns)"
	inl=$(weight ';inl::geo::spin;inl::geo::steps;inl::geo::step[; ]' "$T/rs.folded")
	awk -v g="$inl" -v a="$all" 'BEGIN { exit !(a > 0 && g >= 0.3 * a) }'
	ok $? "Rust: the inlined steps and step are frames under spin ($inl of $all ns)"
else
	skip "rustc is not installed (rustup.rs; not a Debian package here)" 2
fi

# 5: a Go program (go, from scripts/install-deps --check): its
# goroutines' stacks end at runtime.goexit, a root frame like
# start_thread: they are whole, not broken.
if command -v go >/dev/null 2>&1; then
	mkdir -p "$T/gop"
	cat >"$T/gop/main.go" <<'GO'
package main

import (
	"fmt"
	"time"
)

//go:noinline
func spin(d time.Duration) uint64 {
	x := uint64(1)
	for end := time.Now().Add(d); time.Now().Before(end); {
		for i := 0; i < 100000; i++ {
			x = x*6364136223846793005 + 1
		}
	}
	return x
}

func main() { fmt.Println(spin(800 * time.Millisecond)) }
GO
	(cd "$T/gop" && go build -o gop main.go) 2>"$T/go.err"
	run "$PERFOPS" record --user-only -o "$T/go.folded" -- "$T/gop/gop"
	like "$err" 'broken stacks: [0-4]\.[0-9]%' "Go: the stacks are whole, ending at runtime.goexit"
else
	skip "go is not installed (scripts/install-deps --check)" 1
fi

# 6: JIT code without CFI between two C functions, as Python 3.12's
# -X perf trampolines sit between its interpreter frames: the DWARF
# unwind goes on past it through the frame it set up.
if [ "$(uname -m)" = x86_64 ]; then
	run "$PERFOPS" record -g dwarf --user-only -o "$T/tramp.folded" -- "$W" jitcall 1
	all=$(weight ';jit_callee;' "$T/tramp.folded")
	good=$(weight ';main;jit_call_mode;jit_tramp;jit_callee;' "$T/tramp.folded")
	awk -v g="$good" -v a="$all" 'BEGIN { exit !(a > 0 && g >= 0.9 * a) }'
	ok $? "-g dwarf: the stacks through a JIT trampoline reach main ($good of $all ns)"
else
	skip "the JIT trampoline is x86-64 machine code" 1
fi
