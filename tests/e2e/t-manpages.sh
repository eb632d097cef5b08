#!/bin/bash
# Each command's manual page documents exactly the options its option table
# accepts: the options listed by `perfops help CMD` (printed from the table)
# and those in docs/perfops-CMD.1's OPTIONS section are the same sets.
. "$(dirname "$0")/lib.sh"
cmds=$("$PERFOPS" help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p')
plan $(($(echo "$cmds" | wc -l) + 1))
test "$(echo "$cmds" | wc -l)" -ge 6
ok $? "help lists the commands ($(echo $cmds))"

# Long option names, one a line, sorted; --help is everywhere and left out,
# and --no-NAME is the automatic negation of --NAME.
help_opts() {
	"$PERFOPS" help "$1" | grep -E '^  (-[A-Za-z0-9], )?(    )?--' |
		grep -oE -- '--[a-z0-9][a-z0-9-]*' | grep -vx -- --help |
		sed 's/^--no-/--/' | sort -u
}
man_opts() {
	sed -n '/^\.SH OPTIONS/,/^\.SH [^O]/p' "$TOP/docs/perfops-$1.1" |
		grep -A1 '^\.TP' | grep -v '^\.TP' | sed 's/\\-/-/g; s/\\f[BIRP]//g' |
		grep -oE -- '--[a-z0-9][a-z0-9-]*' | grep -vx -- --help |
		sed 's/^--no-/--/' | sort -u
}
for c in $cmds; do
	if [ ! -f "$TOP/docs/perfops-$c.1" ]; then
		ok 1 "$c has a manual page docs/perfops-$c.1"
		continue
	fi
	d=$(diff <(help_opts "$c") <(man_opts "$c"))
	is "$d" "" "perfops-$c.1 documents the options of 'perfops help $c' (< help only, > man only)"
done
