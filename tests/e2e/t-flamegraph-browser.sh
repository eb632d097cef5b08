#!/bin/bash
# perfops flamegraph in a real browser: headless Debian chromium, driven by
# playwright-core (tests/e2e/browser), clicks, searches and resets a
# generated flame graph and checks what a user would see.
. "$(dirname "$0")/lib.sh"

dir=$TOP/tests/e2e/browser
need_browser

cat >"$T/in.folded" <<'EOT'
main;foo;bar 30
main;foo 10
main;baz 20
main;<script>alert(1)</script> 5
other 35
EOT
if ! "$PERFOPS" flamegraph "$T/in.folded" -o "$T/flame.svg" 2>"$T/err" ||
	! "$PERFOPS" flamegraph --inverted "$T/in.folded" -o "$T/icicle.svg" 2>"$T/err"; then
	echo "1..1"
	echo "not ok 1 - perfops flamegraph failed: $(cat "$T/err")"
	exit 0
fi
shot=${PERFOPS_SCREENSHOT:-$T/flame.png}
# The script prints its own TAP lines and plan.
timeout 120 node "$dir/flamegraph.js" "$T/flame.svg" "$T/in.folded" "$shot" \
	"$T/icicle.svg"
rc=$?
if [ $rc -eq 124 ]; then
	echo "not ok 99 - the browser test timed out"
fi
exit 0
