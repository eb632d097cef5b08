#!/bin/bash
# `make install` puts the binary and every manual page under the prefix, and
# the installed copy runs on its own (staged with DESTDIR, so the test does
# not reconfigure the build tree's prefix).
. "$(dirname "$0")/lib.sh"
plan 9
run meson install -C "$BUILD" --no-rebuild --quiet --destdir "$T/stage"
ok $rc "meson install into a staging directory: $(echo "$err" | tail -1)"
# Wherever the build's prefix points, the staged tree mirrors it.
bin=$(find "$T/stage" -path '*/bin/perfops' | head -1)
prefix=${bin%/bin/perfops}
run env -i PATH=/usr/bin:/bin "$bin" --version
like "$rc:$out" "^0:perfops [0-9]" "the installed binary runs: $bin"
n_docs=$(ls "$TOP"/docs/perfops-*.1 | wc -l)
n_inst=$(ls "$prefix/share/man/man1/"perfops-*.1 2>/dev/null | wc -l)
is "$n_inst" "$n_docs" "every manual page is installed in share/man/man1"
run man -l "$prefix/share/man/man1/perfops-collapse.1"
like "$rc:$out" "^0:.*PERFOPS-COLLAPSE" "an installed page renders with man"
# perfops bench starts its runs from perfops-launcher, found from the
# binary's own directory (../libexec/perfops).
ok $([ -x "$prefix/libexec/perfops/perfops-launcher" ]; echo $?) "perfops-launcher is installed in libexec/perfops"
run env -i PATH=/usr/bin:/bin "$bin" bench -N -r 1 /bin/true
like "$rc:$out" "^0:Benchmark 1: /bin/true" "the installed binary benchmarks"
# perfops heap preloads libperfops-heap.so, found the same way (the
# configured libdir/perfops).
lib=$(find "$prefix" -name libperfops-heap.so | head -1)
like "$lib" "/perfops/libperfops-heap.so\$" "libperfops-heap.so is installed: ${lib#$prefix/}"
run env -i PATH=/usr/bin:/bin "$bin" heap --json --report-file "$T/ls.json" -o "$T/ls.heap" -- /bin/ls /
like "$rc:$err" "^0:" "the installed binary traces ls: $(echo "$err" | head -1)"
like "$(cat "$T/ls.json")" '"allocations": [1-9]' "... and sees its allocations"
