#!/bin/bash
# perfops load --html in a real browser: headless Debian chromium, driven by
# playwright-core (tests/e2e/browser), opens the report of a run and finds
# its charts drawn with one point per second, the spectrum, the summary and
# a URL with markup in it shown as text.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/load-lib.sh"

dir=$TOP/tests/e2e/browser
need_browser
start_server html
url="http://127.0.0.1:$PORT/?q=<script>alert(1)</script>"
if ! "$PERFOPS" load --rate 200 -c 10 -d 2.5s --json --html "$T/report.html" "$url" \
	>"$T/out.json" 2>"$T/err"; then
	echo "1..1"
	echo "not ok 1 - perfops load --html failed: $(cat "$T/err")"
	exit 0
fi
stop_server
shot=${PERFOPS_SCREENSHOT:-$T/report.png}
# 2.5 s: seconds 0, 1 and the half second 2.  The script prints its TAP.
timeout 120 node "$dir/load-report.js" "$T/report.html" 3 \
	"$(jget "$T/out.json" o.requests)" "$url" "$shot"
[ $? -eq 124 ] && echo "not ok 99 - the browser test timed out"
exit 0
