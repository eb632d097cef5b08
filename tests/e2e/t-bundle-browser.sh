#!/bin/bash
# perfops bundle --html in a real browser: headless Debian chromium driven
# by playwright-core (tests/e2e/browser) opens the treemap of the fixture
# app's esbuild build, zooms, switches to brotli, reads the findings; a
# source named like markup stays text.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bundle-lib.sh"

dir=$TOP/tests/e2e/browser
if [ ! -x /usr/bin/chromium ] || [ ! -d "$dir/node_modules/playwright-core" ]; then
	plan 1
	skip "chromium or playwright-core is not installed (scripts/install-deps --check)"
	exit 0
fi
if ! command -v node >/dev/null || [ ! -x "$BIN/esbuild" ]; then
	plan 1
	skip "npm cannot be reached: esbuild is not installed (scripts/install-deps --check)"
	exit 0
fi
setup_app
cd "$T/app" || exit 1
# A source whose name is markup, to check the page keeps it as text.
mkdir -p 'src/</script><img src=x onerror=alert(1)>'
printf 'export const x = "xss";\n' >'src/</script><img src=x onerror=alert(1)>/x.js'
printf "import { x } from './</script><img src=x onerror=alert(1)>/x.js';\nconsole.log(x);\n" >>src/index.js
"$BIN/esbuild" src/index.js --bundle --charset=utf8 --minify --sourcemap \
	--preserve-symlinks --log-level=warning --outdir=dist
"$PERFOPS" bundle --json --html "$T/page.html" dist >"$T/report.json" 2>"$T/err" ||
	echo "# perfops: $(cat "$T/err")"
timeout 120 node "$dir/bundle.js" "$T/page.html" "$T/report.json" "${PERFOPS_SCREENSHOT:-$T/shot.png}"
[ $? -eq 124 ] && echo "not ok 99 - the browser test timed out"
exit 0
