# Shared by tests/e2e/t-bundle*.sh: the fixture app (tests/data/bundle/app)
# copied to $T/app with the npm packages of tests/e2e/bundle, and helpers
# that compare perfops' JSON with the reference tools'.
NM=$TOP/tests/e2e/bundle/node_modules
BIN=$NM/.bin

# need_npm N: skip the N planned tests unless the npm packages are there.
need_npm() {
	if ! command -v node >/dev/null || [ ! -x "$BIN/esbuild" ] ||
		[ ! -x "$BIN/source-map-explorer" ]; then
		if timeout 10 npm ping >/dev/null 2>&1; then
			echo "Bail out! npm is reachable but tests/e2e/bundle has no node_modules: run scripts/install-deps --check"
			exit 1
		fi
		skip "npm cannot be reached, so esbuild, webpack and source-map-explorer are not installed (scripts/install-deps --check)" "$1"
		exit 0
	fi
}

# The app with node_modules as a link: bundlers run with symlinks kept,
# so the maps say node_modules/... as in a real project.
setup_app() {
	cp -r "$TOP/tests/data/bundle/app" "$T/app"
	ln -s "$NM" "$T/app/node_modules"
}

# cmp_sme ASSET: perfops' bytes per source vs source-map-explorer's, as
# "DIFF path sme perfops" lines (empty when equal); sources of 0 bytes
# left out on both sides, webpack://NS/ stripped from SME's names (perfops
# strips it by the spec).  SME needs --no-border-checks with source-map 0.7.
cmp_sme() {
	"$BIN/source-map-explorer" "$1" --json --no-root --no-border-checks \
		>"$T/sme.json" 2>"$T/sme.err" || {
		echo "source-map-explorer failed: $(head -3 "$T/sme.err")"
		return
	}
	"$PERFOPS" bundle --json --sizes raw "$1" >"$T/pf.json" 2>"$T/pf.err" || {
		echo "perfops failed: $(cat "$T/pf.err")"
		return
	}
	node "$TOP/tests/e2e/bundle/compare-sme.js" "$T/sme.json" "$T/pf.json"
}

# jq-like access to perfops' JSON: js EXPR FILE (EXPR sees `d`).
js() {
	node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));
const r=('"$1"'); console.log(typeof r=="object"?JSON.stringify(r):r)' "$2"
}
