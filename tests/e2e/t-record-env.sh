#!/bin/bash
# perfops record against what real systems throw at it: JIT code named
# only by /tmp/perf-PID.map, a binary deleted while it runs, and an
# unprivileged user under a strict kernel.perf_event_paranoid.
. "$(dirname "$0")/lib.sh"
# The sysctls below are the machine's: two runs of this file at once would
# save each other's temporary value and leave it behind.  Each change and
# its restore hold one lock.
sysctl_lock() { exec 9>/tmp/perfops-e2e-sysctl.lock && flock 9; }
sysctl_unlock() { flock -u 9 2>/dev/null; exec 9>&-; }
plan 19

need_record 19

# 0: DWARF-unwound stacks (through qsort) and frame-pointer stacks end at
# the same root, so main sits at one depth of the graph.
run "$PERFOPS" record -g auto -o "$T/mix.folded" -- "$W" all 1
bad=$(grep ';main;' "$T/mix.folded" | grep -vcE '^[^;]*;__libc_start_call_main;main;')
is "$bad" 0 "every stack through main starts at __libc_start_call_main"

# 1-2: JIT code: an anonymous executable page named in the perf map.
if [ "$(uname -m)" = x86_64 ]; then
	run "$PERFOPS" record -o "$T/jit.folded" -- "$W" jit 1
	is "$rc" 0 "record of JIT code exits 0"
	j=$(awk '/;jit_hot_loop( |;)/ { s += $NF } { t += $NF } END { if (t) printf "%d", 100 * s / t; else print 0 }' "$T/jit.folded")
	awk -v j="$j" 'BEGIN { exit !(j >= 80) }'
	ok $? "the JIT loop is named from /tmp/perf-PID.map ($j% of the time)"
else
	skip "the JIT workload is x86-64 machine code" 2
fi

# 2b: the same inside a PID namespace (as in a container): the process
# names its map after its own pid (1 here), read through /proc/PID/root.
if [ "$(uname -m)" = x86_64 ] && command -v unshare >/dev/null &&
	unshare --pid --fork --mount-proc true 2>/dev/null; then
	unshare --pid --fork --mount-proc "$W" jit 3 >/dev/null &
	ns=$!
	# Until unshare's child runs the workload and it has written its map.
	jit_in_ns() {
		pid=$(pgrep -P "$ns" | head -1)
		[ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$W")" ] &&
			[ -s "/proc/$pid/root/tmp/perf-1.map" ]
	}
	wait_for 120 "the workload in its namespace and its perf map" jit_in_ns
	nspid=$(awk '/^NSpid:/ { print $NF }' "/proc/${pid:-0}/status" 2>/dev/null)
	run "$PERFOPS" record -p "${pid:-0}" --duration 1 -o "$T/ns.folded"
	kill "$ns" "${pid:-0}" 2>/dev/null
	wait "$ns" 2>/dev/null
	# Killed before it could remove its map.
	rm -f /tmp/perf-1.map
	is "$nspid" 1 "the workload is pid 1 of its namespace (host pid $pid)"
	grep -q ';jit_hot_loop ' "$T/ns.folded"
	ok $? "its JIT code is named from the map of its namespaced pid"
else
	skip "needs x86-64 and unshare --pid (util-linux) with the right to use it" 2
fi

# 3-4: a binary deleted after it started is read through map_files.
cp "$W" "$T/wl-deleted"
"$T/wl-deleted" cpu 4 >/dev/null &
pid=$!
# Deleted once it runs (exec'd), however long the machine takes.
wait_for 120 "wl-deleted to start" eval '[ "$(readlink /proc/$pid/exe)" = "$T/wl-deleted" ]'
rm -f "$T/wl-deleted"
run "$PERFOPS" record -p "$pid" --duration 1 -o "$T/del.folded"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
is "$rc" 0 "attaching to a process whose binary was deleted works"
grep -q ';hot_a ' "$T/del.folded"
ok $? "its functions are still named (through /proc/PID/map_files)"

# 4b: a thread started after -p attached is recorded (inherited events).
"$W" late 1.5 >/dev/null &
pid=$!
sleep 0.3
run "$PERFOPS" record -p "$pid" --duration 2.5 -o "$T/late.folded"
wait "$pid" 2>/dev/null
is "$rc" 0 "attach, then the target starts a thread"
grep -qE '^wl-late;.*late_spin;hot_b ' "$T/late.folded"
ok $? "the thread born after attaching is in the profile"

# 5-6: an unprivileged user with kernel.perf_event_paranoid=3: either user
# space only with a notice, or exit 3 with a message naming the setting.
par=/proc/sys/kernel/perf_event_paranoid
if [ "$(id -u)" = 0 ] && [ -w "$par" ] && command -v setpriv >/dev/null &&
	id nobody >/dev/null 2>&1; then
	sysctl_lock
	old=$(cat "$par")
	echo 3 >"$par"
	cp "$W" "$T/wl" && chmod 755 "$T" "$T/wl"
	setpriv --reuid nobody --regid nogroup --clear-groups \
		"$PERFOPS" record -o /tmp/perfops-np-$$.folded -- "$T/wl" cpu 0.3 \
		>"$T/np.out" 2>"$T/np.err"
	rc=$?
	echo "$old" >"$par"
	sysctl_unlock
	like "$(cat "$T/np.err")" 'kernel\.perf_event_paranoid' "the message names kernel.perf_event_paranoid"
	if [ "$rc" -eq 0 ]; then
		! grep -q '_\[k\]\|entry_SYSCALL\|asm_sysvec' /tmp/perfops-np-$$.folded
		ok $? "recorded user space only (no kernel frames)"
	else
		is "$rc" 3 "refused: exit 3 (environment)"
	fi
	rm -f /tmp/perfops-np-$$.folded
else
	skip "needs root, a writable $par, setpriv and user nobody" 2
fi

# 7-8: the mlock budget used up (an unprivileged user with no RLIMIT_MEMLOCK
# and kernel.perf_event_mlock_kb=8): exit 3 with the sysctl that fixes it.
ml=/proc/sys/kernel/perf_event_mlock_kb
if [ "$(id -u)" = 0 ] && [ -w "$ml" ] && command -v setpriv >/dev/null &&
	command -v prlimit >/dev/null && id nobody >/dev/null 2>&1; then
	sysctl_lock
	old=$(cat "$ml")
	echo 8 >"$ml"
	cp "$W" "$T/wl" && chmod 755 "$T" "$T/wl"
	prlimit --memlock=0:0 setpriv --reuid nobody --regid nogroup \
		--clear-groups "$PERFOPS" record -o /tmp/perfops-ml-$$.folded \
		-- "$T/wl" cpu 0.3 >"$T/ml.out" 2>"$T/ml.err"
	rc=$?
	echo "$old" >"$ml"
	sysctl_unlock
	rm -f /tmp/perfops-ml-$$.folded
	is "$rc" 3 "mlock budget used up: exit 3"
	like "$(cat "$T/ml.err")" 'sysctl kernel\.perf_event_mlock_kb=' "and the fix is named"
else
	skip "needs root, a writable $ml, setpriv, prlimit and user nobody" 2
fi

# 9-10: kernel.kptr_restrict=2 hides kernel addresses even from root: a
# warning names the setting, kernel frames fall back to [kernel.kallsyms].
kp=/proc/sys/kernel/kptr_restrict
if [ "$(id -u)" = 0 ] && [ -w "$kp" ]; then
	sysctl_lock
	old=$(cat "$kp")
	echo 2 >"$kp"
	# --off-cpu: every switch-out stack ends in the kernel (schedule).
	run "$PERFOPS" record --off-cpu -o "$T/kp.folded" -- "$W" threads 0.5
	echo "$old" >"$kp"
	sysctl_unlock
	like "$err" 'kernel\.kptr_restrict=2.*sysctl kernel\.kptr_restrict=0' "kptr_restrict: a warning with the fix"
	grep -q ';hot_a ' "$T/kp.folded"
	ok $? "user frames are still named"
else
	skip "needs root and a writable $kp" 2
fi

# 14-17: perf_event_open blocked by seccomp, as container runtimes do:
# exit 3 and a message that names seccomp and the way out.
NP=$BUILD/tests/helper/no-perf-events
if [ -x "$NP" ]; then
	run "$NP" EPERM "$PERFOPS" record -o "$T/sc.folded" -- "$W" cpu 0.2
	is "$rc" 3 "seccomp EPERM: exit 3"
	like "$err" 'seccomp filter or container policy.*allows perf_event_open' "and the message names seccomp and the fix"
	run "$NP" ENOSYS "$PERFOPS" record -o "$T/sc.folded" -- "$W" cpu 0.2
	is "$rc" 3 "seccomp ENOSYS: exit 3"
	like "$err" 'not available \(ENOSYS\).*seccomp' "and the message says why"
else
	skip "the seccomp helper is built on x86-64 only" 4
fi
