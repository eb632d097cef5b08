#!/bin/bash
# perfops heap against independent tools on the same workload: Valgrind's
# memcheck (leaks), Massif (the peak, made exact with --peak-inaccuracy=0)
# and heaptrack (calls, temporaries, leaks, peak); glibc's own blocks at
# exit, freed by __libc_freeres as Valgrind frees them.
. "$(dirname "$0")/lib.sh"
H=$BUILD/tests/helper/heap-workload
plan 18

jf() { sed -n "s/^  \"$2\": \\([0-9-]*\\),*\$/\\1/p" "$1" | head -1; }

"$PERFOPS" heap --json --report-file "$T/leak.json" -o "$T/leak.heap" -- "$H" leak 300 700 2>/dev/null
"$PERFOPS" heap --json --report-file "$T/peak.json" -o "$T/peak.heap" -- "$H" peak 2>/dev/null

if command -v valgrind >/dev/null 2>&1; then
	valgrind --leak-check=full "$H" leak 300 700 >/dev/null 2>"$T/memcheck"
	lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes in \([0-9,]*\) blocks.*/\1:\2/p' "$T/memcheck" | tr -d ,)
	is "$(jf "$T/leak.json" leaked_bytes):$(jf "$T/leak.json" leaked_blocks)" "$lost" "leaks agree with memcheck's definitely lost ($lost)"
	for w in "peak" "leak 300 700"; do
		valgrind --tool=massif --peak-inaccuracy=0.0 --heap-admin=0 \
			--massif-out-file="$T/massif" "$H" $w >/dev/null 2>&1
		mpeak=$(sed -n 's/^mem_heap_B=//p' "$T/massif" | sort -n | tail -1)
		f=$T/peak.json
		[ "$w" = peak ] || f=$T/leak.json
		is "$(jf "$f" peak_bytes)" "$mpeak" "$w: the exact peak agrees with Massif's"
	done
else
	skip "valgrind is not installed (scripts/install-deps --check)" 3
fi

# glibc's own blocks (NSS after getpwuid, a locale, stdout's buffer,
# dlerror's message): after __libc_freeres nothing is left, as memcheck
# says; without it (--no-libc-freeres, --run-libc-freeres=no) the same
# blocks are left in both.  Then a real program: sqlite3 (its getpwuid
# for ~/.sqliterc), and a C++ one.
# vg_use CMD...: memcheck's "allocs:frees:bytes in use:blocks in use".
vg_use() {
	valgrind --leak-check=full "$@" >/dev/null 2>"$T/vg"
	sed -n -e 's/.*in use at exit: \([0-9,]*\) bytes in \([0-9,]*\) blocks.*/\1:\2/p' \
		-e 's/.*total heap usage: \([0-9,]*\) allocs, \([0-9,]*\) frees.*/\1:\2/p' "$T/vg" |
		tr -d , | tac | paste -sd:
}
# ours FILE: the same from a --json report.
ours() { echo "$(jf "$1" allocations):$(jf "$1" frees):$(jf "$1" leaked_bytes):$(jf "$1" leaked_blocks)"; }
if command -v valgrind >/dev/null 2>&1; then
	"$PERFOPS" heap --json --report-file "$T/libc.json" -o "$T/libc.heap" -- "$H" libc >/dev/null 2>&1
	want=$(vg_use "$H" libc)
	is "$(ours "$T/libc.json")" "$want" "glibc's blocks freed at exit, as memcheck frees them ($want)"
	like "$want" ":0:0\$" "... and memcheck leaves nothing either"
	"$PERFOPS" heap --no-libc-freeres --json --report-file "$T/libc.json" -o "$T/libc.heap" -- "$H" libc >/dev/null 2>&1
	want=$(vg_use --run-libc-freeres=no "$H" libc)
	is "$(ours "$T/libc.json")" "$want" "--no-libc-freeres: the blocks memcheck sees without freeres ($want)"
	# Threads still running at exit (a sleeping thread; xz -T2, which
	# leaves its workers to exit_group): glibc's blocks are freed in a
	# copy of the process, and the blocks left are memcheck's.  Each
	# running thread's DTV is 16 bytes larger per TLS module the
	# library brings (itself, libunwind): the bytes may differ by that.
	# cmp_left NAME WANT GOT: allocs, frees and blocks equal, bytes near.
	cmp_left() {
		local w=(${2//:/ }) g=(${3//:/ })
		is "${g[0]}:${g[1]}:${g[3]}" "${w[0]}:${w[1]}:${w[3]}" "$1: allocations, frees and blocks left agree with memcheck ($2)"
		ok $(awk -v a="${g[2]}" -v b="${w[2]}" 'BEGIN { d = a - b; exit !(d >= 0 && d <= 128) }'; echo $?) \
			"$1: bytes left $3 = memcheck's + the library's TLS in the DTVs"
	}
	"$PERFOPS" heap --json --report-file "$T/lt.json" -o "$T/lt.heap" -- "$H" libcthread >/dev/null 2>&1
	cmp_left "a thread running at exit" "$(vg_use "$H" libcthread)" "$(ours "$T/lt.json")"
	if command -v xz >/dev/null 2>&1; then
		seq 1 200000 >"$T/seq"
		"$PERFOPS" heap --json --report-file "$T/xz.json" -o "$T/xz.heap" -- xz -T2 -c "$T/seq" >/dev/null 2>&1
		cmp_left "xz -T2" "$(vg_use xz -T2 -c "$T/seq")" "$(ours "$T/xz.json")"
	else
		skip "xz is not installed" 2
	fi
	if command -v sqlite3 >/dev/null 2>&1; then
		"$PERFOPS" heap --json --report-file "$T/sq.json" -o "$T/sq.heap" -- sqlite3 :memory: 'select 1;' >/dev/null 2>&1
		want=$(vg_use sqlite3 :memory: 'select 1;')
		is "$(ours "$T/sq.json")" "$want" "sqlite3: allocations, frees and what is left agree with memcheck ($want)"
	else
		skip "sqlite3 is not installed (scripts/install-deps --check)"
	fi
	# A C++ program: libstdc++'s emergency exception pool (71 kB at
	# start-up) is freed by __gnu_cxx::__freeres, as memcheck frees it,
	# and is no leak of the program's.
	if [ -x "$BUILD/tests/helper/heap-cxx" ]; then
		"$PERFOPS" heap --json --report-file "$T/cxx.json" -o "$T/cxx.heap" -- "$BUILD/tests/helper/heap-cxx" >/dev/null 2>&1
		want=$(vg_use "$BUILD/tests/helper/heap-cxx")
		is "$(ours "$T/cxx.json")" "$want" "C++ threads and exceptions: what is left agrees with memcheck ($want)"
	else
		skip "no C++ compiler: tests/helper/heap-cxx was not built"
	fi
else
	skip "valgrind is not installed (scripts/install-deps --check)" 9
fi

# heaptrack prints sizes with 1000-based units and 2 decimals.
ht_bytes() {
	awk -v s="$1" 'BEGIN { n = s + 0; u = substr(s, length(s));
		m = u == "K" ? 1e3 : u == "M" ? 1e6 : u == "G" ? 1e9 : 1;
		printf "%d\n", n * m }'
}
if command -v heaptrack >/dev/null 2>&1 && command -v heaptrack_print >/dev/null 2>&1; then
	heaptrack -o "$T/ht" "$H" leak 300 700 >/dev/null 2>"$T/ht.err"
	heaptrack_print -f "$T/ht.zst" >"$T/ht.txt" 2>/dev/null
	calls=$(sed -n 's/^calls to allocation functions: \([0-9]*\).*/\1/p' "$T/ht.txt")
	leaked=$(ht_bytes "$(sed -n 's/^total memory leaked: \([0-9.]*[KMG]*\).*/\1/p' "$T/ht.txt")")
	peak=$(ht_bytes "$(sed -n 's/^peak heap memory consumption: \([0-9.]*[KMG]*\).*/\1/p' "$T/ht.txt")")
	ours=$(jf "$T/leak.json" allocations)
	# heaptrack's own libstdc++ allocates its exception pool (71 kB) once
	# in the traced process: one call more, counted in its peak.
	is "$((calls - ours))" 1 "calls: heaptrack's $calls = ours $ours + its own pool"
	ol=$(jf "$T/leak.json" leaked_bytes)
	ok $(awk -v a="$leaked" -v b="$ol" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= b * 0.005) }'; echo $?) \
		"leaked: heaptrack $leaked ~ ours $ol (its 2-decimal rounding)"
	op=$(jf "$T/leak.json" peak_bytes)
	ok $(awk -v a="$peak" -v b="$op" 'BEGIN { d = a - b; exit !(d >= 0 && d <= 80000) }'; echo $?) \
		"peak: heaptrack $peak = ours $op + at most its 71 kB pool"
	# Temporaries: a block freed by the very next heap event of its
	# process, as heaptrack counts them when the run ends ("temporary
	# allocations" on its stderr).  A C++ loop that throws a
	# runtime_error with a long message allocates the string, the
	# exception and its copy of the string, then frees the string: the
	# copy, freed after that free, is no temporary.  (heaptrack_print's
	# own figure compares size and stack, not the address, and is one
	# more: a block of heaptrack's own at start-up.)
	for w in "$H temp 500" "$H peak" "$BUILD/tests/helper/heap-cxx 1 1000"; do
		if [ ! -x "${w%% *}" ]; then
			skip "no C++ compiler: tests/helper/heap-cxx was not built"
			continue
		fi
		heaptrack -o "$T/ht2" $w >/dev/null 2>"$T/ht.err"
		rm -f "$T/ht2.zst"
		want=$(sed -n 's/.*temporary allocations:[[:space:]]*\([0-9]*\).*/\1/p' "$T/ht.err")
		"$PERFOPS" heap --json --report-file "$T/tmp.json" -o "$T/tmp.heap" -- $w >/dev/null 2>&1
		is "$(jf "$T/tmp.json" temporary)" "$want" "temporaries agree with heaptrack's on ${w##*/} ($want)"
	done
else
	skip "heaptrack is not installed (scripts/install-deps --check)" 6
fi
