#!/bin/bash
# perfops heap on process trees that leave the usual path: a program that
# changes its user then execs (setuid, setpriv), the tracer's helper task
# after such a change, and a daemon whose grandchild outlives the program.
. "$(dirname "$0")/lib.sh"
plan 12

# The helper, perfops and its library in a directory another user can
# reach (mktemp -d is 0700, the build tree may be too: the library must
# load in a program that became that user); the trace stays root's,
# 0644, which that user cannot open by its path.
chmod 711 "$T"
mkdir -m 755 "$T/bin"
H=$T/bin/hw
cp "$BUILD/tests/helper/heap-workload" "$H"
cp "$PERFOPS" "$BUILD/src/libperfops-heap.so" "$T/bin/"
chmod 755 "$H" "$T/bin/perfops" "$T/bin/libperfops-heap.so"
PERFOPS=$T/bin/perfops
procs() { jq -r '.processes[] | "\(.end):\(.allocations):\(.leaked_bytes):\(.leaked_blocks)"' "$T/rep" 2>&1 | paste -sd' '; }
hrun() {
	rm -f "$T/rep"
	run "$PERFOPS" heap --json --report-file "$T/rep" "$@"
}

# A daemon: daemon() forks, its parent leaves (glibc's own _exit, which
# no hook sees) and the child goes on, reparented to perfops (its
# subreaper), which waits until every traced process has ended.  The
# child leaks 10 blocks of 200 bytes after 500 ms.
hrun -o "$T/dm.heap" -- "$H" daemon 10 100 500
is "$rc:$(procs)" "0:_exit:20:1000:10 exit:20:2000:10" \
	"daemon(): the grandchild is waited for and traced to its end, the parent's end is the _exit perfops saw"
like "$err" "waiting for the processes it left running that are still traced" \
	"perfops says what it waits for"

# A grandchild killed by a signal is named, with its real end.
hrun -o "$T/dk.heap" -- "$H" daemon 10 100 300 9
like "$err" "pid [0-9]*, left running by '$H', was killed by signal 9 \\(Killed\\)" \
	"an orphan killed by a signal is named"
is "$(jq -r '[.processes[].end] | join(" ")' "$T/rep")" "_exit killed" "... and reported killed"

# Ctrl-C while perfops waits: it stops waiting and reports; the process
# still running is "running", and its live blocks are no leaks.
"$PERFOPS" heap --json --report-file "$T/rep" -o "$T/run.heap" -- sh -c "\"$H\" sleep 10 100 & exit 0" >/dev/null 2>"$T/err" &
pp=$!
for i in $(seq 300); do grep -q "waiting for" "$T/err" && break; sleep 0.1; done
kill -INT $pp
wait $pp
rc=$?
left=$(sed -n 's/.*still traced (\([0-9]*\)).*/\1/p' "$T/err")
[ -n "$left" ] && kill "$left" 2>/dev/null
is "$rc:$(procs | tr ' ' '\n' | tail -1)" "0:running:20:0:0" \
	"Ctrl-C: perfops stops waiting; the process left running is reported running, its 10 live blocks no leaks"
like "$(cat "$T/err")" "stopped waiting: the processes 'sh' left running \\($left\\) are reported" "... and says so"

if [ "$(id -u)" != 0 ]; then
	skip "not root: the tests of a program that changes its user need root" 6
	exit 0
fi
# A program that drops root then execs: the exec'd program could not open
# the trace by its path; it writes to perfops's inherited descriptor.
hrun -o "$T/su.heap" -- "$H" setuid 65534 10 100
is "$rc:$(procs):$(grep -c 'not traced' "$T/err")" "0:exec:20:0:0 exit:20:2000:10:0" \
	"setuid then exec: the new program is traced as the new user"
if command -v setpriv >/dev/null 2>&1; then
	hrun -o "$T/sp.heap" -- setpriv --reuid=65534 --regid=65534 --clear-groups "$H" leak 10 100
	is "$rc:$(jq -r '.processes | length' "$T/rep"):$(jq -r '.processes[1].leaked_bytes' "$T/rep")" "0:2:1000" \
		"setpriv --reuid: the program it runs is traced"
else
	skip "setpriv is not installed (util-linux)"
fi
# Its descriptors closed behind the library's back, the new program
# cannot open the trace: it says so, naming itself and the reason.
hrun -o "$T/sc.heap" -- "$H" setuid 65534 10 100 close
like "$err" "^perfops heap: pid [0-9]* \\($H\\) is not traced: cannot open the trace '$T/sc.heap.partial': Permission denied" \
	"a process that cannot be traced says which and why"

# The helper task (RSS, flushes) is no thread glibc knows, so setuid did
# not change its credentials: a program that dropped root kept one task
# running as root in its address space.  It is ended and started again
# with the new ones (set*id), or ends itself (a raw system call).
"$H" dropcheck 65534 libc >"$T/bare" 2>&1
hrun -o "$T/dc.heap" -- "$H" dropcheck 65534 libc
is "$rc:$out" "0:tasks 2 root 0" "setresuid: the helper task follows the program's credentials (bare: $(cat "$T/bare"))"
hrun -o "$T/dr.heap" -- "$H" dropcheck 65534 raw
is "$rc:$out" "0:tasks 2 root 0" "a raw setresuid: the helper ends itself and a new one starts with the new credentials"
# And the trace goes on: the allocation after the change is recorded.
is "$(jq -r '.processes[0].allocations > 0 and .processes[0].end == "exit"' "$T/rep")" true \
	"the trace goes on after the change"
