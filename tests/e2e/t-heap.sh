#!/bin/bash
# perfops heap on workloads with a known allocation pattern
# (tests/helper/heap-workload.c): exact counts, peak, leaks, temporaries,
# fork, exec, threads, SIGKILL, every allocation function, the outputs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/heap-lib.sh"
plan 71

# hrun ARGS...: perfops heap ARGS, a run whose report (which goes to
# stderr, apart from the program's stdout) is written to a file with
# --report-file: $out holds the report, $err what perfops said.
hrun() {
	rm -f "$T/rep"
	run "$PERFOPS" heap --report-file "$T/rep" "$@"
	if [ -f "$T/rep" ]; then cp "$T/rep" "$T/out"; else : >"$T/out"; fi
	out=$(cat "$T/out")
}

hrun --json -o "$T/leak.heap" -- "$H" leak 100 1000
is "$rc" 0 "heap runs the program: $(echo "$err" | head -1)"
cp "$T/out" "$T/leak.json"
is "$(jf "$T/leak.json" allocations)" 200 "200 allocations"
is "$(jf "$T/leak.json" frees)" 100 "100 frees"
is "$(jf "$T/leak.json" allocated_bytes)" 200000 "200000 bytes allocated"
is "$(jf "$T/leak.json" leaked_bytes)" 100000 "100000 bytes leaked"
is "$(jf "$T/leak.json" leaked_blocks)" 100 "in 100 blocks"
is "$(jf "$T/leak.json" peak_bytes)" 101000 "peak: the leaked blocks and one transient"
# The leak's stack names the functions of the workload.
like "$(tr -d ' \n' <"$T/leak.json")" '"stack":\["leak_one","do_leak","main"' "the leak's stack is leak_one < do_leak < main"

# The report of a run never mixes with the program's stdout: it goes to
# stderr (or --report-file), and the program's stdout is left as it was.
printf 'line one\nline two\n' >"$T/prog.out"
"$PERFOPS" heap --json -o "$T/so.heap" -- sh -c "printf 'line one\\nline two\\n'; exec '$H' leak 3 100" >"$T/so.out" 2>"$T/so.err"
is "$?:$(cmp "$T/prog.out" "$T/so.out" && echo same)" "0:same" "--json run: the program's stdout is untouched"
is "$(jq -r '.leaked_bytes' <"$T/so.err" 2>&1)" 300 "--json run: stderr is the JSON report, jq reads it"
"$PERFOPS" heap --json --report-file "$T/so.json" -o "$T/so.heap" -- sh -c "printf 'line one\\nline two\\n'; exec '$H' leak 3 100" >"$T/so.out" 2>"$T/so.err"
is "$?:$(cmp "$T/prog.out" "$T/so.out" && echo same):$(jf "$T/so.json" leaked_bytes):$(cat "$T/so.err")" "0:same:300:" \
	"--report-file: the JSON in the file, stdout the program's, nothing else said"
run "$PERFOPS" heap report --json "$T/so.heap"
is "$(jf "$T/out" leaked_bytes):$(wc -c <"$T/err")" "300:0" "heap report --json prints on stdout"

# The tracer's helper (RSS, periodic flushes) is no thread glibc knows
# of: a pthread would make glibc's malloc lock its arena on every call
# for good, a fifth of a single-threaded program's malloc time.
for m in --exact "--sample 1"; do
	"$PERFOPS" heap $m --json --report-file "$T/st.json" -o "$T/st.heap" -- "$H" single >"$T/st.out" 2>"$T/st.err"
	like "$(cat "$T/st.out"):$(jf "$T/st.json" allocations)" "^1:[1-9]" "$m: the program stays single-threaded to glibc, and is traced"
done

run "$PERFOPS" heap report "$T/leak.heap"
like "$out" "leaked: 97.7 KiB in 100 blocks" "report: the text report reads the trace again"
like "$out" "leak_one < do_leak < main" "report: the leak's stack in the text"

printf '# known\nleak:leak_one\n' >"$T/supp"
run "$PERFOPS" heap report --json --suppressions "$T/supp" "$T/leak.heap"
is "$(jf "$T/out" leaked_bytes):$(jf "$T/out" suppressed_bytes)" "0:100000" "--suppressions moves the leak to suppressed"
printf 'leek:x\n' >"$T/badsupp"
run "$PERFOPS" heap report --suppressions "$T/badsupp" "$T/leak.heap"
like "$rc:$err" "^1:.*badsupp:1: expected 'leak:PATTERN'" "a bad suppressions line is named"

hrun --json -o "$T/peak.heap" -- "$H" peak
is "$(jf "$T/out" peak_bytes):$(jf "$T/out" peak_blocks)" "1000000:10" "exact peak: 10 blocks of 100000"
like "$(tr -d ' \n' <"$T/out")" '"peak_stacks":\[[^]]*"peak_bytes":1000000' "the live stacks at the peak hold 1000000 bytes"
# Each batch is freed once all of it is allocated: the last block of a
# batch is freed after no other allocation but after other frees, which
# is no temporary for heaptrack (nor for us).
is "$(jf "$T/out" temporary)" 0 "peak: no temporaries (frees in between)"

hrun --json -o "$T/temp.heap" --raw "$T/temp.raw" -- "$H" temp 500
# 500 blocks freed right away; 500 held, each freed 499 heap events (the
# allocations after it, the frees before it) after its allocation.
is "$(jf "$T/out" temporary)" 500 "temp 500: 500 temporary allocations"
run "$PERFOPS" heap report --json --temporary-window 499 "$T/temp.raw"
is "$(jf "$T/out" temporary)" 1000 "--temporary-window 499 counts the held blocks too"
run "$PERFOPS" heap report --json --temporary-window 498 "$T/temp.raw"
is "$(jf "$T/out" temporary)" 500 "--temporary-window 498: not yet"

hrun --json -o "$T/fork.heap" -- "$H" fork 7 300
is "$(grep -c '"end": "exit"' "$T/out")" 2 "fork: two processes"
is "$(jf "$T/out" leaked_blocks):$(jf "$T/out" leaked_bytes)" "14:4200" "fork: both leak 7 x 300"
ppid=$(sed -n 's/^      "pid": \([0-9]*\),/\1/p' "$T/out" | head -1)
like "$(cat "$T/out")" "\"ppid\": $ppid," "fork: the child's parent is the first process"

# Children made without the atfork handlers.  _Fork (glibc 2.34): the
# child allocates in its own stream, and the parent's events are counted
# once; then the same child execs.  vfork: the child shares the parent's
# memory and TLS, and must neither end nor flush the parent's stream,
# whether its exec succeeds or fails (the parent then goes on leaking).
# Each process: [end, allocations, leaked blocks, leaked bytes].
procs() { jq -c '[.processes[] | [.end, .allocations, .leaked_blocks, .leaked_bytes]]' "$T/out"; }
hrun --json -o "$T/_fork.heap" -- "$H" _fork 7 300
is "$(procs)" '[["exit",14,7,2100],["exit",14,7,4200]]' "_Fork: parent and child, each its own events once"
hrun --json -o "$T/_forkx.heap" -- "$H" _forkexec 7 300
is "$(procs)" '[["exit",14,7,2100],["exec",14,0,0],["exit",14,7,6300]]' "_Fork then exec: parent, child, and the exec'd program"
hrun --json -o "$T/vfork.heap" -- "$H" vfork 7 300
is "$(procs)" '[["exit",28,14,4200],["exit",14,7,4200]]' "vfork and exec: the parent's stream goes on, the exec'd program has its own"
hrun --json -o "$T/vforkf.heap" -- "$H" vforkfail 7 300
is "$(procs)" '[["exit",28,14,4200]]' "vfork, exec fails, _exit: the parent's events after it are all counted"

# The process ends when its last thread does, the tracer's helper
# notwithstanding: glibc exits when the last thread it knows of calls
# pthread_exit (a pthread helper kept such a process alive, unkillable
# but by SIGKILL, as it blocks every signal).
hrun --json -o "$T/pexit.heap" -- timeout -s KILL 60 "$H" pthread_exit
like "$rc:$(jq -r '[.processes[].end] | join(",")' "$T/out"):$(tr -d ' \n' <"$T/out")" '^0:exit,exec,exit:.*"stack":\["leak_one","leak_later"' \
	"main calls pthread_exit: the process ends with its last thread, traced"

# glibc's own blocks (stdout's buffer, NSS, a locale, dlerror's message)
# are freed at exit by __libc_freeres, as Valgrind does, and not
# reported as the program's leaks (t-heap-compare.sh checks the figures
# against memcheck); --no-libc-freeres leaves them; with another thread
# still running, freeres would pull glibc's state from under it: skipped.
hrun --json -o "$T/libc.heap" -- "$H" libc
is "$rc:$(jf "$T/out" leaked_blocks):$(jf "$T/out" leaked_bytes)" "0:0:0" "glibc's blocks are not leaks"
hrun --no-libc-freeres --json -o "$T/libc.heap" -- "$H" libc
like "$rc:$(jf "$T/out" leaked_blocks)" "^0:[1-9]" "--no-libc-freeres: glibc's blocks are left"
hrun --json -o "$T/libct.heap" -- "$H" libcthread
# A thread still running at exit: __libc_freeres runs in a copy of the
# process, where no other thread can see glibc's state go; what is left
# is the running thread's own descriptor (its DTV), as memcheck leaves it.
is "$rc:$(jf "$T/out" leaked_blocks):$err" "0:1:" "a thread still running at exit: glibc's blocks are freed all the same"

hrun --json -o "$T/exec.heap" -- "$H" exec 5 100
like "$(tr -d ' \n' <"$T/out")" '"end":"exec","allocations":10.*"end":"exit","allocations":10' "exec: the image before and after exec, one stream each"
is "$(jf "$T/out" leaked_bytes):$(jf "$T/out" leaked_blocks)" "1000:5" "exec: only the exec'd program's blocks leak (5 x 200)"

hrun --json -o "$T/execenv.heap" -- "$H" execenv 5 100
is "$(jf "$T/out" leaked_bytes):$(grep -c '"end"' "$T/out")" "1000:2" "exec with a bare environment: the exec'd program is still traced"

# A library dlopen'ed and dlclose'ed within the helper's 100 ms still
# names its frames: the mappings are recorded when a new stack appears.
hrun --json -o "$T/dl.heap" -- "$H" dlopen
like "$(tr -d ' \n' <"$T/out" | grep -o '"leaks":\[[^]]*')" 'deflateInit2_' "dlopen'ed and dlclose'd library: its leak's frames are named"

hrun --json -o "$T/thr.heap" -- "$H" threads 4 50000
is "$(jf "$T/out" allocations):$(jf "$T/out" frees):$(jf "$T/out" leaked_blocks)" "200044:200004:40" \
	"threads: no lost or double-counted event (4 x 50000 + 40 leaked + 4 thread blocks, glibc's, freed at exit)"
like "$(tr -d ' \n' <"$T/out")" '"malloc":200040' "threads: exactly 200040 malloc calls"

# Blocks allocated in one thread and freed in another, their addresses
# reused at once: the events of the two threads must stay in causal order
# (each free before the allocation that reuses its address), or frees
# would go unmatched and blocks look leaked.
hrun --json -o "$T/hand.heap" --raw "$T/hand.raw" -- "$H" handoff 200000
is "$(jf "$T/out" allocations):$(jf "$T/out" frees):$(jf "$T/out" leaked_blocks):$(jf "$T/out" unknown_frees)" \
	"200001:200001:0:0" "handoff: 200000 blocks freed by another thread, every free matched, nothing leaked"
is "$(awk -v p="$(jf "$T/out" peak_blocks)" 'BEGIN { print (p <= 70) }')" 1 \
	"handoff: the peak is at most the ring's 64 blocks and a few of glibc's ($(jf "$T/out" peak_blocks))"

hrun --json -o "$T/all.heap" -- "$H" all
for f in malloc calloc realloc reallocarray posix_memalign aligned_alloc memalign valloc pvalloc mmap munmap mremap; do
	grep -q "\"$f\": [1-9]" "$T/out" || break
done
is "$f" mremap "all: every allocation function is seen (stopped at: $f)"
is "$(jf "$T/out" leaked_blocks):$(jf "$T/out" mmap_bytes)" "0:3145728" "all: nothing leaks; mmap 1 MiB + mremap to 2 MiB"

# SIGKILL: the file has everything up to the last periodic flush.
"$PERFOPS" heap --json --report-file "$T/kill.json" -o "$T/kill.heap" -- "$H" sleep 40 500 >/dev/null 2>"$T/kill.err" &
pp=$!
# Killed once its 40 blocks are flushed: a periodic flush every 100 ms
# once the program runs, which a loaded machine may take long to start.
wait_for 120 "the 40 blocks in kill.heap.partial" leaked_in "$T/kill.heap.partial" 40
kill -KILL "$(pgrep -P $pp)"
wait $pp
is "$?" 137 "SIGKILL: perfops reports the killed program and exits 128 + 9, as a shell would"
hrun -o "$T/st.heap" -- sh -c 'exit 7'
is "$rc:$(printf '%s\n' "$err" | grep -c 'exited with status 7')" "7:1" \
	"the program's exit status 7 is perfops heap's, after its report"
hrun --fail-if 'allocations>=0' -o "$T/st.heap" -- sh -c 'exit 7'
is "$rc" 4 "a failing gate wins over the program's status: exit 4"
is "$(jf "$T/kill.json" leaked_blocks):$(jf "$T/kill.json" leaked_bytes)" "40:20000" "SIGKILL: the trace is readable, with every block"

# Ctrl-C (SIGINT) ends the program, not perfops, which still reports.
# (A background job starts with SIGINT ignored: perl restores it.)
timeout 300 perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV' "$PERFOPS" heap --json --report-file "$T/int.json" -o "$T/int.heap" -- "$H" sleep 3 100 >/dev/null 2>"$T/int.err" &
pp=$!
wait_for 120 "the 3 blocks in int.heap.partial" leaked_in "$T/int.heap.partial" 3
perf_pid=$(pgrep -P $pp | head -1)
kill -INT "$(pgrep -P "$perf_pid" | head -1)" 2>/dev/null
wait $pp
like "$?:$(cat "$T/int.err")" "^130:.*killed by signal 2" "SIGINT ends the program, perfops reports it and exits 128 + 2"

# Outputs: pprof for go tool pprof, folded, flame graph.
run "$PERFOPS" heap report --profile "$T/heap.pb.gz" "$T/leak.heap"
if command -v go >/dev/null 2>&1; then
	run go tool pprof -top -sample_index=inuse_space "$T/heap.pb.gz"
	like "$out" "97.66kB +100% .*leak_one" "go tool pprof reads inuse_space: leak_one holds it all"
else
	skip "go is not installed"
fi
run "$PERFOPS" heap report --weight leaked --profile "$T/leak.folded" "$T/leak.heap"
like "$(wc -l <"$T/leak.folded"):$(cat "$T/leak.folded")" "^1:.*;main;do_leak;leak_one 100000\$" "folded weighted by leaked bytes: one stack"
run "$PERFOPS" heap report --weight count --profile "$T/count.svg" "$T/leak.heap"
like "$(cat "$T/count.svg")" "do_leak \\(200 " "flame graph weighted by count"

# The timeline: a sleeping program gets RSS samples; its chart is an
# SVG with both lines, and its JSON timeline ends with the 20000 leaked
# bytes live.
tail -c 400 "$T/kill.json" | tr -d ' \n' >"$T/tl"
like "$(cat "$T/tl")" '"heap_bytes":20000,"rss_bytes":[1-9][0-9]*}\]}$' "the timeline ends with the leaked bytes live"
run "$PERFOPS" heap report --timeline "$T/tl.svg" "$T/kill.heap"
like "$rc:$(grep -c '<polyline' "$T/tl.svg")" "^0:2$" "--timeline draws heap and RSS"

# A program rebuilt since the trace is not used to name its frames.
cp "$H" "$T/hw"
hrun -o "$T/hw.heap" -- "$T/hw" leak 3 100
like "$out" "leak_one < do_leak < main" "a copied program is named"
cp "$BUILD/tests/helper/alloc-touch" "$T/hw"
run "$PERFOPS" heap report "$T/hw.heap"
like "$rc:$(echo "$out" | grep -c leak_one):$err" "^0:0:.*'$T/hw' changed since the trace was recorded" "a rebuilt program's frames are left unnamed, with a warning"

# CI gates.
run "$PERFOPS" heap report --fail-if 'leaked>0' --fail-if 'peak>1MB' "$T/leak.heap"
like "$rc:$err" "^4:.*--fail-if 'leaked>0' failed: the value is 97.7 KiB" "--fail-if leaked>0 exits 4"
run "$PERFOPS" heap report --fail-if 'peak>200MB' "$T/leak.heap"
is "$rc" 0 "--fail-if peak>200MB passes"
run "$PERFOPS" heap report --fail-if 'peek>1' "$T/leak.heap"
like "$rc:$err" "^2:.*unknown metric" "an unknown gate metric is a usage error"

# A real program with threads, dlopen'ed modules (walked through ld.so's
# own frames) and a child: python3, when installed.
if command -v python3 >/dev/null 2>&1; then
	hrun --json -o "$T/py.heap" -- python3 -c '
import threading, subprocess, json
def work():
    for i in range(500): json.dumps({str(j): j for j in range(50)})
ts = [threading.Thread(target=work) for _ in range(3)]
[t.start() for t in ts]; [t.join() for t in ts]
subprocess.run(["true"])'
	like "$rc:$(grep -c '"end": "killed"' "$T/out"):$err" "^0:0:\$" "python3 with threads, imports and a child runs to its end"
else
	skip "python3 is not installed"
fi

# Not a trace, and a program that cannot be traced.
echo hello >"$T/junk"
run "$PERFOPS" heap report "$T/junk"
like "$rc:$err" "^1:.*not a perfops heap trace" "junk is refused"
if [ -x /bin/busybox ] && ! file -L /bin/busybox 2>/dev/null | grep -q dynamic; then
	hrun -o "$T/static.heap" -- /bin/busybox true
	like "$rc:$err" "^1:.*statically linked" "a static binary gets a notice"
else
	printf 'int main(void){return 0;}\n' >"$T/s.c"
	if cc -static -o "$T/static" "$T/s.c" 2>/dev/null; then
		hrun -o "$T/static.heap" -- "$T/static"
		like "$rc:$err" "^1:.*statically linked: LD_PRELOAD cannot" "a static binary gets a notice"
	else
		skip "no static libc to build a static program"
	fi
fi

# diff: two runs of the same program with three times the leaks.
hrun -o "$T/d2.heap" -- "$H" leak 300 1000
run "$PERFOPS" heap diff --json "$T/leak.heap" "$T/d2.heap"
is "$(tr -d ' \n' <"$T/out" | grep -o '"delta":{[^}]*}')" \
	'"delta":{"allocations":400,"frees":200,"allocated_bytes":400000,"peak_bytes":200000,"leaked_bytes":200000,"leaked_blocks":200,"temporary":200}' \
	"diff: the deltas of every total"
like "$(tr -d ' \n' <"$T/out")" '"stack":"[^"]*;main;do_leak;leak_one","old_bytes":100000,"new_bytes":300000' "diff: the leaking stack, matched across pids"
run "$PERFOPS" heap diff "$T/leak.heap"
like "$rc:$err" "^2:.*diff needs two traces" "diff needs two traces"
# A gate on the run itself.
hrun --fail-if 'leaked_blocks>=5' -o "$T/g.heap" -- "$H" leak 5 10
like "$rc:$err" "^4:.*'leaked_blocks>=5' failed: the value is 5" "a gate on the run exits 4"

# A program that brings its own allocator, preloaded after perfops's
# library (LD_PRELOAD=libjemalloc.so.2 perfops heap -- ...): jemalloc's
# malloc maps its memory with mmap through the PLT.  Those maps are the
# allocator's, as glibc's own are, not the program's mmap; recording
# them inside jemalloc's malloc (under its lock) made the tracer
# allocate there and deadlock.
J=$(ls /usr/lib/*/libjemalloc.so.2 2>/dev/null | head -1)
if [ -n "$J" ]; then
	rm -f "$T/rep"
	LD_PRELOAD=$J timeout 60 "$PERFOPS" heap --json --report-file "$T/rep" -o "$T/je.heap" -- "$H" leak 100 1000 >/dev/null 2>&1
	# (jemalloc links libstdc++, whose exception pool is one more
	# allocation, freed at exit.)
	is "$?:$(jf "$T/rep" leaked_bytes):$(jf "$T/rep" leaked_blocks):$(jf "$T/rep" mmap_bytes)" "0:100000:100:0" \
		"jemalloc preloaded: the program's leaks, not the allocator's maps, and no deadlock"
else
	skip "libjemalloc2 is not installed (scripts/install-deps --check)"
fi

# A program that closes every descriptor above stderr (close in a loop,
# close_range, closefrom), as daemons do: the trace's descriptor is the
# library's, not the program's, and is kept; the leaks of both halves.
hrun --json -o "$T/cf.heap" -- "$H" closefds 10 100
is "$rc:$(jf "$T/out" allocations):$(jf "$T/out" leaked_blocks):$(jf "$T/out" leaked_bytes)" "0:40:20:2000" \
	"closing every descriptor keeps the trace: $(echo "$err" | head -1)"

# daemon(): glibc forks and its parent leaves by glibc's own _exit, which
# no hook sees; the parent's events before the fork were left in its
# buffer (the child starts empty) and lost.  They are written at the fork.
hrun --json -o "$T/dm.heap" -- "$H" daemon 10 100
is "$rc:$(jq -r '.processes[0] | "\(.allocations):\(.frees)"' "$T/out" 2>&1)" "0:20:10" \
	"daemon(): the parent's allocations before the fork are kept"

# A real program built without frame pointers: make keeps data in %rbp,
# so a walk reaches a pc in no mapping, for which libunwind still gives a
# function start; reading it crashed make (SIGSEGV).
if command -v make >/dev/null 2>&1; then
	mkdir -p "$T/mk"
	printf 'all: a b\n\t@echo done\na b:\n\t@true\n' >"$T/mk/Makefile"
	hrun --json -o "$T/mk.heap" -- make -s -j2 -C "$T/mk"
	is "$rc:$(echo "$err" | grep -c 'killed by signal'):$(test "$(jf "$T/out" allocations)" -gt 0 && echo some)" "0:0:some" \
		"make -j2 runs to its end, traced"
else
	skip "make is not installed"
fi
