#!/usr/bin/env python3
"""Write a webpack-like stats.json of about SIZE_MB megabytes to stdout:
NMOD modules in a chain of imports from ./src/index.js, each with a long
"source" string (what makes real stats files huge), under a few packages,
one of them at two install paths.  Used to check that perfops reads big
stats files in bounded memory (tests/e2e/t-bundle-stats.sh, bench/)."""
import json, sys

size_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 100
nmod = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
src_len = max(1, size_mb * 1000000 // nmod)
filler = ('x' * 63 + '\n')
source = (filler * (src_len // 64 + 1))[:src_len]
out = sys.stdout
out.write('{"version":"5.0.0","assets":[{"name":"main.js","size":1}],"modules":[')
pkgs = ['node_modules/pkg%d' % i for i in range(10)] + ['node_modules/pkg0/node_modules/dup', 'node_modules/dup']
prev = './src/index.js'
for i in range(nmod):
    if i == 0:
        name, reasons = prev, [{"moduleName": None, "type": "entry"}]
    else:
        name = './%s/m%d.js' % (pkgs[i % len(pkgs)], i)
        reasons = [{"moduleName": prev, "type": "harmony import specifier"}]
    m = {"name": name, "size": 1000 + i, "reasons": reasons, "source": source}
    if i:
        out.write(',')
    out.write(json.dumps(m))
    prev = name
out.write('],"chunks":[]}\n')
