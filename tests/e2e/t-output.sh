#!/bin/bash
# Outputs of every command: -o onto devices, FIFOs and symlinks; outputs
# checked before the work; a failed run never replaces a file; a reader
# that goes away (| head) ends perfops quietly, as it ends grep.
. "$(dirname "$0")/lib.sh"

plan 34

d=$TOP/tests/data/collapse
in=$d/perf6-fp-cpuclock.txt
want=$d/perf6-fp-cpuclock-collapsed-all.txt
cd "$T" || exit 1

# The system's device nodes are never named directly: a perfops that
# renamed over them would break the machine.  Copies made with mknod and
# links in $T stand for them.
#
# 1. A character device that always fails with ENOSPC (a copy of
# /dev/full): written in place, the error reported, the node kept.
if mknod fulldev c 1 7 2>/dev/null && mknod nulldev c 1 3; then
	full=fulldev null=nulldev
else
	diag "mknod is not permitted here: links to /dev/full and /dev/null"
	ln -s /dev/full fulldev
	ln -s /dev/null nulldev
	full=/dev/full null=/dev/null
fi
run "$PERFOPS" collapse --all -o fulldev "$in"
is "$rc:$err" "1:perfops: cannot write 'fulldev': No space left on device" \
	"-o FULL-DEVICE reports the write error"
test -c "$full" && test -c fulldev
ok $? "-o FULL-DEVICE stays a character device"
is "$(ls | grep -c '\.tmp-')" 0 "no temporary file next to it"

# 2. /dev/null, stdout and /dev/fd/N: written in place, never renamed over.
run "$PERFOPS" flamegraph -o nulldev "$want"
is "$rc:$err" "0:" "-o NULL-DEVICE succeeds"
test -c "$null" && test -c nulldev && [ "$(ls | grep -c '\.tmp-')" = 0 ]
ok $? "it is still a device, no temporary file left"
ln -s /dev/stdout to-stdout
"$PERFOPS" collapse --all -o to-stdout "$in" | cat >got
cmp -s got "$want" && test -L to-stdout
ok $? "-o LINK-TO-/dev/stdout into a pipe gives the whole output"
echo "first line" >log
"$PERFOPS" collapse --all -o /proc/self/fd/1 "$in" >>log
{ echo "first line"; cat "$want"; } | cmp -s - log
ok $? "-o /proc/self/fd/1 >> log appends, keeping what was there"
"$PERFOPS" collapse --all -o /dev/fd/5 "$in" 5>fd5
cmp -s fd5 "$want"
ok $? "-o /dev/fd/5 writes the descriptor the shell opened"
run "$PERFOPS" collapse --all -o /dev/fd/7 "$in"
is "$rc:$err" "1:perfops: cannot write '/dev/fd/7': Bad file descriptor" \
	"-o /dev/fd/N of a closed descriptor is refused"

# 3. A FIFO with a reader gets everything; it stays a FIFO.
mkfifo fifo
cat fifo >from-fifo &
reader=$!
run "$PERFOPS" collapse --all -o ./fifo "$in"
# A FIFO replaced by a file would leave its reader waiting for ever.
if test -p fifo; then wait "$reader"; else kill "$reader"; fi
is "$rc:$err" "0:" "-o FIFO succeeds"
cmp -s from-fifo "$want"
ok $? "the FIFO's reader gets the whole output"
test -p fifo
ok $? "the FIFO is still a FIFO"

# 4. Symbolic links are written through, never replaced.
mkdir sub
echo old >sub/real
ln -s sub/real link
ln -s link link2
run "$PERFOPS" collapse --all -o link2 "$in"
is "$rc" 0 "-o through two symlinks succeeds"
test -L link && test -L link2 && cmp -s sub/real "$want"
ok $? "the links stay links and their target has the output"
is "$(ls sub)" "real" "no temporary file left next to the target"
ln -s new.folded sub/dangling
"$PERFOPS" collapse --all -o sub/dangling "$in"
test -L sub/dangling && cmp -s sub/new.folded "$want"
ok $? "a dangling relative link creates its target next to it"
chmod 0640 sub/real
"$PERFOPS" collapse --all -o link "$in"
is "$(stat -c %a sub/real)" 640 "a replaced file keeps its mode"
run "$PERFOPS" collapse --all -o sub "$in"
is "$rc:$err" "1:perfops: cannot write 'sub': Is a directory" "-o DIR is refused"

# 5. Outputs are checked before the work: the output error comes first,
# and nothing of the work is done (no input read, no command run).
for c in collapse flamegraph report; do
	run "$PERFOPS" $c -o /nonexistent/x.folded missing-input
	is "$rc:$err" "1:perfops: cannot write '/nonexistent/x.folded': No such file or directory" \
		"$c checks -o before reading its input"
done
run "$PERFOPS" diff --svg /nonexistent/d.svg -o d.folded "$want" "$want"
is "$rc:$(test -e d.folded; echo $?)" "1:1" "diff checks --svg before writing anything"
run "$PERFOPS" record -o ok.folded -o /nonexistent/x.folded -- touch ran-by-record
is "$rc:$(test -e ran-by-record; echo $?)" "1:1" "record checks every -o before running the command"
is "$err" "perfops: cannot write '/nonexistent/x.folded': No such file or directory" "record names the output"
run "$PERFOPS" bench --runs 2 --export-json /nonexistent/b.json 'touch ran-by-bench'
is "$rc:$(test -e ran-by-bench; echo $?)" "1:1" "bench checks every export before running the command"

# An output directory the user may not write (root may write anywhere:
# then the command runs as nobody).
chmod 755 "$T"
mkdir ro && chmod 555 ro
if [ "$(id -u)" != 0 ]; then
	as=
elif command -v setpriv >/dev/null; then
	as="setpriv --reuid=65534 --regid=65534 --clear-groups"
else
	as=none
fi
if [ "$as" = none ]; then
	skip "running as root without setpriv to drop the privileges"
else
	run $as "$PERFOPS" collapse --all -o ro/x.folded "$in"
	is "$rc:$err" "1:perfops: cannot write 'ro/x.folded': Permission denied" \
		"an unwritable directory is refused"
fi

# 6. A failed run never replaces (nor creates) an output file.
cp "$want" good.folded
{ cat "$in"; head -c 4000 /dev/zero | tr '\0' '\001'; echo; } >bad.txt
run "$PERFOPS" collapse --all -o good.folded bad.txt
is "$rc" 1 "collapse of a bad input fails"
cmp -s good.folded "$want"
ok $? "... and leaves the old output file as it was"
run "$PERFOPS" collapse --all -o new.folded bad.txt
test ! -e new.folded
ok $? "... and creates no new output file"

cp "$want" good.folded
run "$PERFOPS" diff --svg fulldev -o good.folded "$want" "$d/perf6-fp-cpuclock-collapsed-pid.txt"
is "$rc:$(cmp -s good.folded "$want"; echo $?)" "1:0" "diff whose SVG fails leaves its -o file as it was"

# 7. A reader that goes away ends perfops quietly (killed by SIGPIPE,
# like grep), whatever the command.
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "main;fn%d;leaf%d %d\n", i, i, i + 1 }' >big.folded
"$PERFOPS" report -n 100000 big.folded 2>err | head -1 >/dev/null
is "${PIPESTATUS[0]}:$(cat err)" "141:" "report | head ends quietly"
"$PERFOPS" report --json -n 100000 big.folded 2>err | head -1 >/dev/null
is "${PIPESTATUS[0]}:$(cat err)" "141:" "report --json | head ends quietly"
"$PERFOPS" flamegraph big.folded 2>err | head -1 >/dev/null
is "${PIPESTATUS[0]}:$(cat err)" "141:" "flamegraph | head ends quietly"
mkfifo fifo2
head -c 10 fifo2 >/dev/null &
run "$PERFOPS" flamegraph big.folded -o fifo2
wait
is "$rc:$err" "141:" "-o FIFO whose reader quits early ends quietly too"
