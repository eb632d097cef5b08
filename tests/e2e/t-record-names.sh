#!/bin/bash
# perfops record's names and addresses: C++ and Rust names demangled,
# PLT stubs named func@plt (not _init), a stripped binary's functions
# kept apart by their .eh_frame FDEs, and pprof addresses that a reader
# can re-symbolize (process addresses inside their mapping, the main
# binary first), checked with binutils, perf and an independent pprof
# reader (tests/e2e/pprof-dump.py).
. "$(dirname "$0")/lib.sh"
plan 23

need_record 17
H=$BUILD/tests/helper
DUMP="python3 $TOP/tests/e2e/pprof-dump.py"

# 1-3: C++ (g++) names as perf prints them: demangled, without the
# parameters and the return type (the same function then has the same
# name in 'perf script | perfops collapse', so that diff matches them).
if command -v g++ >/dev/null 2>&1 && [ -x "$H/perfops-symtest-cxx" ]; then
	run "$PERFOPS" record -g dwarf -o "$T/cxx.folded" -- "$H/perfops-symtest-cxx" 400
	is "$rc" 0 "record a C++ program"
	like "$(cat "$T/cxx.folded")" ';main;twice<int>;geo::Shape::spin [0-9]+$' \
		"C++ frames are demangled as perf names them (no parameters or return type)"
	! grep -qE '(^|;)_Z' "$T/cxx.folded"
	ok $? "no mangled C++ name is left"
else
	skip "g++ or the C++ helper is absent" 3
fi

# 4-6: Rust, both mangling schemes (legacy and v0).
if command -v rustc >/dev/null 2>&1; then
	cat >"$T/names.rs" <<'EOF'
#[inline(never)]
fn spin_hot(n: u64) -> u64 {
    let mut x = 1u64;
    for i in 0..n {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(i);
    }
    x
}
fn main() {
    let t = std::time::Instant::now();
    let mut s = 0u64;
    while t.elapsed().as_secs_f64() < 0.6 {
        s = s.wrapping_add(spin_hot(std::hint::black_box(1_000_000)));
    }
    println!("{}", s);
}
EOF
	for scheme in legacy v0; do
		# Stable rustc takes v0 but wants RUSTC_BOOTSTRAP for an explicit
		# legacy (its default for user code; its std comes with v0).
		rf="-O -g -C force-frame-pointers=yes -C symbol-mangling-version=$scheme"
		# shellcheck disable=SC2086
		if ! rustc $rf -o "$T/names-$scheme" "$T/names.rs" 2>"$T/rustc.err" &&
			! RUSTC_BOOTSTRAP=1 rustc -Z unstable-options $rf -o "$T/names-$scheme" \
				"$T/names.rs" 2>>"$T/rustc.err"; then
			skip "rustc cannot build with $scheme mangling: $(head -1 "$T/rustc.err")" 1
			continue
		fi
		run "$PERFOPS" record -o "$T/rs-$scheme.folded" -- "$T/names-$scheme"
		like "$(cat "$T/rs-$scheme.folded" 2>/dev/null)" ';names::spin_hot( [0-9]+$|;)' \
			"Rust $scheme names are demangled (names::spin_hot)"
	done
	# The standard library's frames (std::rt::lang_start...) too.
	! grep -qE '(^|;)(_ZN|_R)' "$T"/rs-*.folded && grep -q ';std::rt::' "$T"/rs-*.folded
	ok $? "no mangled Rust name is left, the standard library's included"
else
	skip "rustc is absent" 3
fi

# 7-9: samples in the PLT are func@plt, as objdump and perf name them.
run "$PERFOPS" record -o "$T/plt.folded" -- "$H/perfops-symtest" plt 1
ours=$(grep -oE '[A-Za-z_]+@plt' "$T/plt.folded" | sort -u | tr '\n' ' ')
like "$ours" 'atoi@plt.*strlen@plt' "the PLT stubs of atoi and strlen are named ($ours)"
! grep -qE '(^|;)_init[; ]' "$T/plt.folded"
ok $? "no sample is charged to _init"
if command -v perf >/dev/null && perf record -q -e cpu-clock -o "$T/plt.data" -- "$H/perfops-symtest" plt 1 >/dev/null 2>&1; then
	# The loop's two stubs (a rare clock_gettime@plt sample may add one).
	theirs=$(perf script -i "$T/plt.data" -F ip,sym 2>/dev/null | grep -oE '(atoi|strlen)@plt' | sort -u | tr '\n' ' ')
	is "$(printf '%s' "$ours" | tr ' ' '\n' | grep -E '^(atoi|strlen)@plt$' | tr '\n' ' ')" "$theirs" "perf names the same PLT stubs"
else
	skip "perf is absent or cannot record here" 1
fi

# 10-12: a stripped binary: one row per function, named by its FDE start,
# which is where nm puts the function in the unstripped file.
nm_of() { nm --defined-only "$H/perfops-symtest" | awk -v f="$1" '$3 == f { sub(/^0+/, "", $1); print "0x" $1 }'; }
run "$PERFOPS" record -o "$T/st.folded" -o "$T/st.pb.gz" -- "$H/perfops-symtest-stripped" spin 1.5
top=$(awk '{ n = split($0, a, ";"); sub(/ [0-9]+$/, "", a[n]); s[a[n]] += $NF }
	END { for (k in s) print s[k], k }' "$T/st.folded" | sort -rn | head -2 | awk '{ print $2 }' | tr '\n' ' ')
is "$top" "perfops-symtest-stripped+$(nm_of sym_hot_one) perfops-symtest-stripped+$(nm_of sym_hot_two) " \
	"the two hot functions are two rows, at nm's addresses"
! grep -q '\[perfops-symtest-stripped\]' "$T/st.folded"
ok $? "no sample collapses into [perfops-symtest-stripped]"
# Each FDE-named location's address, taken back to the file, is inside the
# function nm gives for that start.
$DUMP "$T/st.pb.gz" >"$T/st.dump" 2>&1
python3 - "$T/st.dump" "$H/perfops-symtest" <<'PY'
import subprocess, sys
lines = open(sys.argv[1]).read().split("\n")
maps = {l.split()[1]: l.split()[2:] for l in lines if l.startswith("M ")}
funcs = []
for l in subprocess.run(["nm", "-S", "--defined-only", sys.argv[2]], capture_output=True, text=True).stdout.split("\n"):
    f = l.split()
    if len(f) == 4 and f[2] in "tT":
        funcs.append((int(f[0], 16), int(f[1], 16), f[3]))
n = 0
for l in lines:
    f = l.split()
    if len(f) < 5 or f[0] != "L" or "+0x" not in f[4]:
        continue
    start, limit, off, path = maps[f[2]]
    addr = int(f[3], 16)
    assert int(start, 16) <= addr < int(limit, 16), l
    # PIE: file offsets are link-time addresses.
    vaddr = addr - int(start, 16) + int(off, 16)
    want = int(f[4].split("+")[1], 16)
    assert any(s == want and s <= vaddr < s + z for s, z, _ in funcs), l
    n += 1
assert n >= 2, n
PY
ok $? "pprof keeps each stripped function's address, inside its FDE's function"

# 13-16: pprof addresses are process addresses inside their mapping, the
# main binary comes first even when the first samples are in libc, and
# each address re-symbolizes (addr2line) to its location's function.
run "$PERFOPS" record -o "$T/l.pb.gz" -- "$H/perfops-symtest" libc 1
$DUMP "$T/l.pb.gz" >"$T/l.dump" 2>&1
like "$(grep -m1 '^M ' "$T/l.dump")" '^M 1 .* /.*/perfops-symtest$' "the first mapping is the program"
python3 - "$T/l.dump" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
maps = {l.split()[1]: [int(x, 16) for x in l.split()[2:4]] for l in lines if l.startswith("M ")}
n = 0
for l in lines:
    f = l.split()
    if len(f) >= 5 and f[0] == "L" and f[2] != "0":
        lo, hi = maps[f[2]]
        assert lo <= int(f[3], 16) < hi, l
        n += 1
assert n >= 3, n
PY
ok $? "every location's address is inside its mapping"
python3 - "$T/l.dump" "$H/perfops-symtest" <<'PY'
import subprocess, sys
lines = open(sys.argv[1]).read().split("\n")
m1 = lines[0].split()
start, off, path = int(m1[2], 16), int(m1[4], 16), m1[5]
assert path == sys.argv[2], path
n = 0
for l in lines:
    f = l.split()
    if len(f) < 5 or f[0] != "L" or f[2] != "1":
        continue
    vaddr = int(f[3], 16) - start + off
    out = subprocess.run(["addr2line", "-f", "-i", "-e", path, hex(vaddr)],
                         capture_output=True, text=True).stdout.split("\n")
    # addr2line -i: innermost first; the outer function is the last one.
    names = [out[i] for i in range(0, len(out) - 1, 2)]
    assert names and names[-1] == f[4].split(";")[0], (l, names)
    n += 1
assert n >= 2, n
PY
ok $? "addr2line on each address of the program gives its function"
if command -v go >/dev/null 2>&1; then
	like "$(go tool pprof -top "$T/l.pb.gz" 2>/dev/null | head -3)" '^File: perfops-symtest$' \
		"go tool pprof names the program as the profile's file"
else
	skip "go (Debian golang-go) is absent" 1
fi

# 17: JIT code (the workload's perf map) is in an anonymous mapping: its
# address is inside it, and there is no file offset to give.
if [ "$(uname -m)" = x86_64 ]; then
	run "$PERFOPS" record -o "$T/jit.pb.gz" -- "$W" jit 1
	$DUMP "$T/jit.pb.gz" >"$T/jit.dump" 2>&1
	python3 - "$T/jit.dump" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
maps = {l.split()[1]: l.split()[2:] for l in lines if l.startswith("M ")}
locs = [l.split() for l in lines if l.startswith("L ") and l.endswith(" jit_hot_loop")]
assert locs, "no jit_hot_loop location"
for f in locs:
    # An anonymous mapping may have no file name at all ("" in pprof).
    start, limit, off = maps[f[2]][:3]
    assert int(start, 16) <= int(f[3], 16) < int(limit, 16), f
    assert int(off, 16) == 0, (off, maps[f[2]])
PY
	ok $? "a JIT location is inside its anonymous mapping, at file offset 0"
else
	skip "the JIT workload is x86-64 only" 1
fi

# 18: perf names the same C++ functions the same way: the frames that
# carry 5% of the time or more, in 'perf script | perfops collapse' of a
# perf recording of the same program and in ours, are one set (else diff
# of a perf recording against ours would pair none of them).
# hot_cxx FOLDED: those frames with a C++ name, sorted.
hot_cxx() {
	awk '{ c = $NF; sub(/ [0-9]+$/, ""); n = split($0, f, ";"); t += c
		delete seen
		for (i = 2; i <= n; i++) if (!(f[i] in seen)) { seen[f[i]] = 1; w[f[i]] += c } }
		END { for (k in w) if (w[k] >= 0.05 * t && k ~ /[:<]/) print k }' "$1" | sort | tr '\n' ' '
}
if command -v perf >/dev/null && [ -x "$H/perfops-symtest-cxx" ] &&
	perf record -q -e cpu-clock -F 999 --call-graph dwarf -o "$T/cxx.data" -- "$H/perfops-symtest-cxx" 400 >/dev/null 2>&1; then
	perf script -i "$T/cxx.data" 2>/dev/null | "$PERFOPS" collapse >"$T/cxx-perf.folded"
	theirs=$(hot_cxx "$T/cxx-perf.folded")
	like "$theirs" 'geo::Shape::spin' "perf's recording has the hot C++ frames ($theirs)"
	is "$(hot_cxx "$T/cxx.folded")" "$theirs" "perf names the hot C++ frames as perfops record does"
else
	skip "perf is absent or cannot record here" 2
fi

# 20-21: a process that execs keeps its thread id under a new name: the
# pprof's thread (report --per-thread) is named as the folded root
# frame is, by the name the thread had when each sample was taken.
run "$PERFOPS" record -o "$T/ex.pb.gz" -o "$T/ex.folded" -- sh -c 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; exec "$1" cpu 0.3' sh "$W"
roots=$(awk '{ split($0, f, ";"); w[f[1]] += $NF } END { for (k in w) if (w[k] >= 20000000) print k }' "$T/ex.folded" | sort | tr '\n' ' ')
is "$roots" "perfops-workloa sh " "the folded roots: the shell, then the program it exec'd"
tables=$("$PERFOPS" report --per-thread -n 1 "$T/ex.pb.gz" 2>/dev/null | awk '/ of all\)/ { sub(/-[0-9]+\/[0-9]+$/, "", $1); print $1 }' | sort -u | tr '\n' ' ')
is "$tables" "perfops-workloa sh " "report --per-thread names the same two threads"

# 22-23: a debug file found through .gnu_debuglink that belongs to another
# build is not used, and the warning says so, not "install the -dbg
# package" (which is already there, for another build).
if command -v objcopy >/dev/null && command -v strip >/dev/null; then
	mkdir -p "$T/dl"
	cp "$H/perfops-symtest" "$T/dl/prog"
	objcopy --only-keep-debug "$H/perfops-symtest-cxx" "$T/dl/prog.debug" 2>/dev/null ||
		objcopy --only-keep-debug "$W" "$T/dl/prog.debug"
	strip --strip-all "$T/dl/prog"
	objcopy --add-gnu-debuglink="$T/dl/prog.debug" "$T/dl/prog"
	run "$PERFOPS" record -o "$T/dl.folded" -- "$T/dl/prog" spin 1
	is "$rc" 0 "record a stripped program whose debug link names a stale file"
	like "$err" "perfops: warning: ignoring '$T/dl/prog.debug': the debug file of another build \(build-id [0-9a-f]+, not [0-9a-f]+ as '$T/dl/prog'\)" \
		"the stale debug file is named, with both build-ids"
else
	skip "objcopy/strip (binutils) are absent" 2
fi
