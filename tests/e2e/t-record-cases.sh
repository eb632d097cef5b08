#!/bin/bash
# perfops record on programs whose right profile is known
# (tests/helper/record-cases.c): stacks through libc by default, the
# program's stdout and exit status left alone, the default output file,
# nothing lost under load, the name of a process at each sample.
. "$(dirname "$0")/lib.sh"
plan 22

C=$BUILD/tests/helper/perfops-cases
need_record 22

# 1-4: the default (-g auto) gives the stacks -g dwarf gives when the leaf
# is libc code without frame pointers: blocked in read() (off-CPU) and
# on the CPU in strlen.  A frame-pointer walk from there skips the caller.
rd='main;pipe_mode;wait_pipe;[_A-Za-z]*read;'
for g in dwarf auto; do
	run "$PERFOPS" record -g $g --off-cpu -o "$T/pipe-$g.folded" -- "$C" pipe 1
	# (Kernel frames may be unnamed: kernel.kptr_restrict.)
	all=$(weight '\[off-cpu\];.*;main;pipe_mode;([^;]*;)*[_A-Za-z]*read;' "$T/pipe-$g.folded")
	good=$(weight "\[off-cpu\];.*;$rd" "$T/pipe-$g.folded")
	awk -v g="$good" -v a="$all" 'BEGIN { exit !(a > 0 && g >= 0.95 * a) }'
	ok $? "-g $g: the time blocked in read() is under main;pipe_mode;wait_pipe ($good of $all ns)"
done
for g in dwarf auto; do
	run "$PERFOPS" record -g $g --user-only -o "$T/libc-$g.folded" -- "$C" libc 1
	all=$(weight ';__strlen[a-z0-9_]* ' "$T/libc-$g.folded")
	good=$(weight ';main;libc_mode;scan_text;__strlen[a-z0-9_]* ' "$T/libc-$g.folded")
	awk -v g="$good" -v a="$all" 'BEGIN { exit !(a > 0 && g >= 0.95 * a) }'
	ok $? "-g $g: strlen is called from scan_text ($good of $all ns)"
done

# 5: --user-only still records where threads block (a context switch
# happens in the kernel; only its kernel frames are left out).
run "$PERFOPS" record --off-cpu --user-only -o "$T/pu.folded" -- "$C" pipe 1
good=$(weight "^[^;]*;\[off-cpu\];.*$rd" "$T/pu.folded")
awk -v g="$good" 'BEGIN { exit !(g > 0.7e9) }' && ! grep -q 'schedule\|entry_SYSCALL' "$T/pu.folded"
ok $? "--off-cpu --user-only: the blocked read, without kernel frames ($good ns)"

# 6-7: the program's stdout is its own: a gzip run under perfops gives a
# valid archive of the input.
head -c 300000 "$C" >"$T/in.bin"
"$PERFOPS" record -o "$T/gz.pb.gz" -- gzip -c "$T/in.bin" >"$T/y.gz" 2>"$T/gz.err"
gzip -t "$T/y.gz" 2>/dev/null && gzip -dc "$T/y.gz" | cmp -s - "$T/in.bin"
ok $? "gzip -c under perfops record writes a valid archive on stdout"
like "$(cat "$T/gz.err")" '^recorded [0-9]+ samples' "the summary is on stderr"

# 8-11: the exit status is the command's (128 + signal when killed), and
# 0 when perfops itself ended the recording.
run "$PERFOPS" record -o "$T/e.folded" -- sh -c "$C spin1 0.2; exit 3"
is "$rc" 3 "the command exits 3: perfops record exits 3"
run "$PERFOPS" record -o "$T/e.folded" -- sh -c "$C spin1 0.2; kill -TERM \$\$"
is "$rc" 143 "the command is killed by SIGTERM: exit 128+15"
# At 1 sample a second, a shell that exits at once is never sampled, however
# busy the machine (at 999 Hz a loaded run once caught dash starting up).
run "$PERFOPS" record -F 1 -o "$T/e.folded" -- sh -c 'exit 5'
like "$rc $err" "^5 .*no samples were recorded: 'sh' exited with status 5" "a failing command too short to sample: its status, and why nothing was written"
run "$PERFOPS" record -d 0.3 -o "$T/e.folded" -- "$C" spin1 5
is "$rc" 0 "--duration ends the recording and the command: exit 0"

# 12: without -o the manual's default, perfops.pb.gz, is written.
mkdir "$T/cwd"
(cd "$T/cwd" && "$PERFOPS" record -- "$C" spin1 0.3 >/dev/null 2>&1)
[ -s "$T/cwd/perfops.pb.gz" ] && gzip -t "$T/cwd/perfops.pb.gz" &&
	[ "$(ls "$T/cwd")" = perfops.pb.gz ]
ok $? "no -o: perfops.pb.gz and nothing else ($(ls "$T/cwd" | tr '\n' ' '))"

# 13-14: DWARF mode on two busy threads: the rings are emptied by a loop
# that only copies records out, so the kernel reports no lost sample.
run "$PERFOPS" record -g dwarf -o "$T/spin2.folded" -- "$C" spin2 2
like "$err" '^lost samples: 0$' "-g dwarf, two busy threads: no sample lost (kernel's PERF_RECORD_LOST count)"
grep -q '^spin-a;.*;spin_a ' "$T/spin2.folded" && grep -q '^spin-b;.*;spin_b ' "$T/spin2.folded"
ok $? "both threads are in the profile"

# 15: a JIT names its code in /tmp/perf-PID.map after the code first ran:
# the samples after that get the name.
if [ "$(uname -m)" = x86_64 ]; then
	run "$PERFOPS" record -o "$T/jl.folded" -- "$W" jitlate 2
	j=$(awk '/;jit_late_loop( |;)/ { s += $NF } /;(jit_late_loop|\[anon\])( |;)/ { t += $NF } END { if (t) printf "%d", 100 * s / t; else print 0 }' "$T/jl.folded")
	within() { awk -v g="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(g >= lo && g <= hi) }'; }
	within "$j" 25 75
	ok $? "the half of the JIT code's time after its map entry was written is named ($j%)"
else
	skip "the JIT workload needs x86-64"
fi

# 16: fork then exec: each sample carries the name the process had
# when it was taken (before exec "fe-before" in spin_b, after it
# "perfops-cases" in spin_a).
run "$PERFOPS" record -o "$T/fe.folded" -- "$C" forkexec 1
b=$(weight ';spin_b( |;)' "$T/fe.folded"); bn=$(weight '^fe-before;.*;spin_b( |;)' "$T/fe.folded")
a=$(weight ';spin_a( |;)' "$T/fe.folded"); an=$(weight '^perfops-cases;.*;spin_a( |;)' "$T/fe.folded")
[ "$b" -gt 0 ] && [ "$a" -gt 0 ] && [ "$b" = "$bn" ] && [ "$a" = "$an" ]
ok $? "fork then exec: the name before exec and after it ($bn of $b, $an of $a)"

# 17-18: a shell loop of gzip children (forked by sh, then exec'd; gzip is
# stripped and built without frame pointers): every stack is unwound from
# the library that starts it, none gets a made-up [unknown] caller.
if command -v gzip >/dev/null; then
	head -c 3000000 /dev/urandom >"$T/rnd.bin"
	run "$PERFOPS" record --user-only -o "$T/gz.folded" -- sh -c \
		"for i in 1 2 3 4 5 6; do gzip -c '$T/rnd.bin' >/dev/null; done"
	all=$(weight '^gzip;' "$T/gz.folded")
	rooted=$(weight '^gzip;(__libc_start_call_main|_start|_dl_start_user|\[ld-linux[^;]*\]);' "$T/gz.folded")
	awk -v r="$rooted" -v a="$all" 'BEGIN { exit !(a > 0 && r >= 0.95 * a) }'
	ok $? "gzip children: stacks start at libc's start ($rooted of $all ns)"
	# (A sample taken inside execve has the old image's pc, a true
	# unknown leaf; a made-up caller has frames after it.)
	! grep -q '^[^;]*;\[unknown\];' "$T/gz.folded"
	ok $? "no made-up [unknown] caller right under the process name"
else
	skip "gzip is not installed" 2
fi

# 19-22: --off-cpu keeps blocked time apart: sample types samples, cpu,
# offcpu and wall (their sum, the default); a stack is either on or off
# the CPU.  Two threads blocked about 1 s each in the pipe case.
run "$PERFOPS" record --off-cpu -o "$T/oc.pb.gz" -o "$T/oc.svg" -- "$C" pipe 1
run "$PERFOPS" report --value cpu "$T/oc.pb.gz"
! printf '%s\n' "$out" | grep -q 'off-cpu\]' && printf '%s\n' "$out" | grep -q '^[^:]*: cpu (nanoseconds)'
ok $? "the cpu sample type holds no blocked time"
run "$PERFOPS" report --value offcpu -n 0 "$T/oc.pb.gz"
like "$out" 'wait_pipe' "the offcpu sample type holds the blocked read"
grep -q '<title>all ([0-9,]* ns, 100%)' "$T/oc.svg"
ok $? "the flame graph's unit comes from the profile (ns)"
if command -v go >/dev/null && go tool pprof -h >/dev/null 2>&1; then
	go tool pprof -raw "$T/oc.pb.gz" 2>/dev/null | awk '
		/^Samples:/ { getline; types = $0; s = 1; next }
		s && /^ *[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+:/ {
			sub(":", "", $4); o += $3
			if ($4 != $2 + $3 || ($2 && $3)) bad++ }
		END { print types; printf "%d %.2f\n", bad, o / 1e9 }' >"$T/raw"
	read -r bad off < <(tail -1 "$T/raw")
	[ "$(head -1 "$T/raw" | tr -s ' ')" = "samples/count cpu/nanoseconds offcpu/nanoseconds wall/nanoseconds[dflt]" ] &&
		[ "$bad" = 0 ] && awk -v o="$off" 'BEGIN { exit !(o >= 1.5 && o <= 3) }'
	ok $? "go tool pprof: types samples, cpu, offcpu, wall (default); wall = cpu + offcpu; $off s blocked"
else
	skip "go tool pprof is not installed"
fi
