#!/bin/bash
# Reading pprof: a small gzip file that inflates without end (a gzip bomb)
# is refused as soon as inflating passes the limit, in bounded memory.
. "$(dirname "$0")/lib.sh"

plan 6

# 300 MB of zeros: a 1.3 MB .pb.gz, past the default limit of 256 MB.
head -c 300M /dev/zero | gzip -1 >"$T/bomb.pb.gz"
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f '%M' -o "$T/rss" "$PERFOPS" collapse "$T/bomb.pb.gz" \
		>"$T/out" 2>"$T/err"
	rc=$?
	err=$(grep -v 'exited with non-zero' "$T/err")
	rss=$(tail -1 "$T/rss")
	diag "peak RSS ${rss} KB"
	# The limit and the program (about 10 MB), never the whole 300 MB.
	[ "$rss" -lt $((280 * 1024)) ]
	ok $? "peak RSS (${rss} KB) stays under the 256 MB limit + 24 MB"
else
	run "$PERFOPS" collapse "$T/bomb.pb.gz"
	skip "/usr/bin/time is absent (Debian package time)"
fi
is "$rc:$err" "1:perfops: $T/bomb.pb.gz: the gzip data inflates to more than 256 MB (a gzip bomb?); set PERFOPS_PPROF_MAX_MB=N to allow N MB" \
	"a gzip bomb: exit 1, the limit and how to raise it"
[ ! -s "$T/out" ]
ok $? "nothing is written"

# The limit can be lowered (and raised) through the environment.
head -c 16M /dev/zero | gzip >"$T/b16.pb.gz"
PERFOPS_PPROF_MAX_MB=8 run "$PERFOPS" report "$T/b16.pb.gz"
is "$rc:$err" "1:perfops: $T/b16.pb.gz: the gzip data inflates to more than 8 MB (a gzip bomb?); set PERFOPS_PPROF_MAX_MB=N to allow N MB" \
	"PERFOPS_PPROF_MAX_MB=8 refuses 16 MB"
PERFOPS_PPROF_MAX_MB=1 run "$PERFOPS" collapse "$TOP/tests/data/pprof/go-cpu.pb.gz"
[ "$rc" -eq 0 ] && [ -n "$out" ]
ok $? "a real profile reads under a 1 MB limit"
PERFOPS_PPROF_MAX_MB=lots run "$PERFOPS" collapse "$T/b16.pb.gz"
is "$rc:$err" "1:perfops: PERFOPS_PPROF_MAX_MB='lots' is not a size in MB (a whole number from 1, default 256)" \
	"a bad PERFOPS_PPROF_MAX_MB is named"
