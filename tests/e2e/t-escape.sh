#!/bin/bash
# Hostile names: bytes that are not UTF-8 and terminal escapes, from symbol
# names and command lines, must leave perfops as valid JSON / XML (checked
# with Python's own parsers) and never reach the terminal raw.
. "$(dirname "$0")/lib.sh"

plan 18

cd "$T" || exit 1
if ! command -v python3 >/dev/null; then
	skip "python3 is absent (the independent JSON and XML parsers)" 18
	exit 0
fi
valid_json() { python3 -c 'import json, sys; json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))' "$1"; }
valid_xml() { python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$1"; }
esc=$(printf '\033')

# Non-UTF-8 bytes (a stray \xff\xfe, a cut 3-byte sequence, an overlong
# '/'), U+FFFF, control characters, and an OSC title sequence and a
# clear-screen in names.
printf 'main;bad\xff\xfename;leaf\xe2\x82 5\nmain;over\xc0\xafload\xef\xbf\xbf 3\nmain;ctl\001\002x\033[2Jclear 2\nmain;t\033]0:pwned\007 1\n' >evil.folded

run "$PERFOPS" report --json evil.folded
is "$rc" 0 "report --json succeeds"
echo "$out" >r.json
valid_json r.json
ok $? "report --json is valid UTF-8 JSON"
like "$(python3 -c 'import json; print(sorted(f["name"] for f in json.load(open("r.json"))["functions"]))')" \
	"'bad\\\\ufffd\\\\ufffdname'|'bad��name'" "a bad byte becomes U+FFFD"
"$PERFOPS" report evil.folded -o s.json >/dev/null
valid_json s.json
ok $? "speedscope JSON is valid"
"$PERFOPS" flamegraph evil.folded -o f.svg
valid_xml f.svg
ok $? "flame graph SVG is valid XML"
"$PERFOPS" diff evil.folded evil.folded --svg d.svg >/dev/null
valid_xml d.svg
ok $? "differential SVG is valid XML"

# Terminal: the report's table and the error messages.
run "$PERFOPS" report evil.folded
like "$out" 'ctl\\x01\\x02x\\x1b\[2Jclear' "report's table shows control characters escaped"
case "$out" in *"$esc"*) st=1 ;; *) st=0 ;; esac
ok $st "no ESC byte reaches the terminal from the table"
run "$PERFOPS" report "$(printf 'no\033]0;pwned\007file')"
is "$err" "perfops: cannot open 'no\\x1b]0;pwned\\x07file': No such file or directory" \
	"an error message shows the escape sequence as text"
run "$PERFOPS" flamegraph --colors "$(printf 'x\033[2J')"
like "$err" "'x\\\\x1b\\[2J'" "a usage error shows it as text too"
run "$PERFOPS" "$(printf 'cmd\033[2J')"
like "$err" "'cmd\\\\x1b\\[2J' is not a perfops command" "an unknown command too"

# bench: the command names go into JSON, SVG, HTML and the text summary.
name=$(printf "true '\xff\xfe \033[2J <&>'")
run "$PERFOPS" bench --runs 2 --style basic --export-json b.json \
	--export-svg b.svg --export-html b.html "$name"
is "$rc" 0 "bench with a hostile command name succeeds"
valid_json b.json
ok $? "bench --export-json is valid"
valid_xml b.svg
ok $? "bench --export-svg is valid XML"
python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' b.html
ok $? "bench --export-html is valid UTF-8"
like "$out" "Benchmark 1: true '\\\\xff\\\\xfe \\\\x1b\\[2J <&>'" "bench's summary shows the name escaped"

# record: the traced program's own symbol names, in its summary table.
cat >evil.c <<'C'
volatile unsigned long sink;
void spin(void) __asm__("\"spin\033]0;pwned\007\033[2J\"");
void spin(void)
{
	for (unsigned long i = 0; i < 400000000UL; i++)
		sink += i;
}
int main(void) { spin(); return 0; }
C
if ! ${CC:-cc} -O0 -fno-omit-frame-pointer -o evil evil.c 2>/dev/null; then
	skip "no C compiler that takes quoted symbol names" 2
else
	run "$PERFOPS" record -F 499 -o evil.folded -- ./evil
	if [ "$rc" -eq 3 ]; then
		skip "perf_event_open not usable here: $(echo "$err" | head -1)" 2
	else
		like "$err" 'spin\\x1b\]0;pwned\\x07\\x1b\[2J' "record's top functions show a hostile symbol escaped"
		case "$err" in *"$esc"*) st=1 ;; *) st=0 ;; esac
		ok $st "no ESC byte reaches the terminal from record's summary"
	fi
fi
