# Shared helpers for the TAP end-to-end tests (sourced by tests/e2e/t-*.sh).
# Each test file: . "$(dirname "$0")/lib.sh"; plan N; then ok/is/like/skip.
set -u
TOP=${PERFOPS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
PERFOPS=${PERFOPS:-$TOP/build/src/perfops}
SHARED=${PERFOPS_SHARED:-$TOP/../shared}
export PERFOPS_NO_PROGRESS=1
T=$(mktemp -d /tmp/perfops-e2e.XXXXXX)
trap 'rm -rf "$T"' EXIT
_n=0

plan() { echo "1..$1"; }
# ok COND-EXIT-STATUS NAME: "ok" when the previous command (or given status) is 0.
ok() {
	local st=$1; shift
	_n=$((_n + 1))
	if [ "$st" -eq 0 ]; then echo "ok $_n - $*"; else echo "not ok $_n - $*"; fi
}
# is GOT WANT NAME
is() {
	_n=$((_n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $_n - $3"
	else
		echo "not ok $_n - $3"
		echo "#   got:  '$1'"
		echo "#   want: '$2'"
	fi
}
# like TEXT REGEX NAME (grep -E)
like() {
	_n=$((_n + 1))
	if printf '%s\n' "$1" | grep -qE -- "$2"; then
		echo "ok $_n - $3"
	else
		echo "not ok $_n - $3"
		echo "#   text: '$(printf '%s' "$1" | head -c 600)'"
		echo "#   does not match: '$2'"
	fi
}
# skip REASON [COUNT]
skip() {
	local i
	for i in $(seq "${2:-1}"); do
		_n=$((_n + 1))
		echo "ok $_n # skip $1"
	done
}
diag() { echo "# $*"; }
# run CMD...: runs it, stdout in $T/out, stderr in $T/err, status in $rc.
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}
# need_browser: Debian's chromium and playwright-core (tests/e2e/browser)
# for the browser tests; without them, one skip and the end of the file.
need_browser() {
	if [ ! -x /usr/bin/chromium ]; then
		plan 1
		skip "chromium is not installed (scripts/install-deps --check)"
		exit 0
	fi
	if ! command -v node >/dev/null || [ ! -d "$TOP/tests/e2e/browser/node_modules/playwright-core" ]; then
		plan 1
		skip "playwright-core is not installed (npm install in tests/e2e/browser)"
		exit 0
	fi
}
# The record tests' workload, and a guard for them.
BUILD=${PERFOPS_BUILD:-$TOP/build}
W=$BUILD/tests/helper/perfops-workload
# need_record N: when perf_event_open is refused here (exit 3) or the
# workload is not built, skip the N planned tests and end the file.
need_record() {
	run "$PERFOPS" record -F 499 -o "$T/probe.folded" -- "$W" cpu 0.2
	if [ "$rc" -eq 3 ] || [ ! -x "$W" ]; then
		skip "perf_event_open not usable here or no workload: $(echo "$err" | head -1)" "$1"
		exit 0
	fi
}
# recording PID: perfops record -p (PID) records: its perf events are
# open and its worker thread runs, which starts after /proc/kallsyms is
# read, just before the events are enabled.
recording() {
	local n
	n=$(awk '/^Threads:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	[ "${n:-0}" -ge 2 ] && ls -l "/proc/$1/fd" 2>/dev/null | grep -q 'perf_event'
}
# runs_workload PID: PID's child runs the workload $W (it has exec'd it).
# perfops record lets its command exec once it records, its SIGINT
# handler set: the evidence that a Ctrl-C now ends a recording.
runs_workload() {
	local c
	c=$(pgrep -P "$1" | head -1)
	[ -n "$c" ] && [ "$(readlink "/proc/$c/exe")" = "$(readlink -f "$W")" ]
}
# cpu_ticks PID: the CPU time PID has used, in clock ticks (0 if gone).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# weight REGEX FILE: the folded weight of the stacks matching REGEX.
weight() {
	grep -E -- "$1" "$2" | awk '{ t += $NF } END { print t + 0 }'
}
# wait_for SECS WHAT CMD...: run CMD every 0.1 s until it succeeds, for
# SECS seconds at most (generous: a loaded CI machine is slow to start
# things, and a wait that gives up early fails the test for nothing).
# Returns 1 after a diagnostic naming WHAT and how long it waited.
wait_for() {
	local secs=$1 what=$2 i
	shift 2
	for i in $(seq $((secs * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	"$@" && return 0
	echo "# gave up after $secs s waiting for $what"
	return 1
}
