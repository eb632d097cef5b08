#!/bin/bash
# perfops record on a recursion deeper than kernel.perf_event_max_stack:
# every stack is cut by the kernel, and the summary must name that sysctl
# rather than blame missing frame pointers (the workload has them).
. "$(dirname "$0")/lib.sh"
plan 5
need_record 5

max=$(cat /proc/sys/kernel/perf_event_max_stack)
run "$PERFOPS" record -F 499 -g fp -o "$T/deep.folded" -- "$W" deep 1
is "$rc" 0 "record of a 3000-deep recursion"
like "$err" "broken stacks: [0-9.]+% \\(stacks deeper than kernel.perf_event_max_stack = $max frames are cut" \
	"the summary names kernel.perf_event_max_stack"
ok $(echo "$err" | grep -q 'frame pointers'; [ $? -ne 0 ]; echo $?) "and does not blame frame pointers"
# Independent check: every stack holds the thread root and max_stack frames.
depths=$(awk -F';' '{ print NF }' "$T/deep.folded" | sort -u)
is "$depths" "$((max + 1))" "each stack is the root plus $max frames"
# A shallow workload with frame pointers is not cut.
run "$PERFOPS" record -F 499 -g fp -o "$T/cpu.folded" -- "$W" cpu 0.5
ok $(echo "$err" | grep -q 'perf_event_max_stack'; [ $? -ne 0 ]; echo $?) "a shallow recording does not mention it"
