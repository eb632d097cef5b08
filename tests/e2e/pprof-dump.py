#!/usr/bin/env python3
"""Print the mappings and locations of a pprof file, read with nothing but
the protobuf wire format (an independent reader for the record tests):

  M id start limit offset filename
  L id mapping_id address function-name[;inlined-callee...] (innermost last)
"""
import gzip
import sys


def varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return v, i


def fields(b):
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 2:
            n, i = varint(b, i)
            v = b[i:i + n]
            i += n
        elif wt == 1:
            v, i = int.from_bytes(b[i:i + 8], "little"), i + 8
        elif wt == 5:
            v, i = int.from_bytes(b[i:i + 4], "little"), i + 4
        else:
            raise ValueError("bad wire type %d" % wt)
        yield num, v


def msg(b):
    d = {}
    for n, v in fields(b):
        d.setdefault(n, []).append(v)
    return d


def main():
    data = open(sys.argv[1], "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    p = msg(data)
    strings = [s.decode() for s in p.get(6, [])]
    funcs = {}
    for f in p.get(5, []):
        f = msg(f)
        funcs[f[1][0]] = strings[f.get(2, [0])[0]]
    for m in p.get(3, []):
        m = msg(m)
        g = lambda k: m.get(k, [0])[0]
        print("M %d %#x %#x %#x %s" % (g(1), g(2), g(3), g(4), strings[g(5)]))
    for loc in p.get(4, []):
        loc = msg(loc)
        g = lambda k: loc.get(k, [0])[0]
        names = [funcs.get(msg(l).get(1, [0])[0], "?") for l in loc.get(4, [])]
        # profile.proto lists lines innermost first; print the caller first.
        print("L %d %d %#x %s" % (g(1), g(2), g(3), ";".join(reversed(names))))


main()
