#!/usr/bin/env python3
"""Check `perfops explain --json` against the plan PostgreSQL returned.

usage: explain-check.py json PG-PLAN.json PERFOPS.json
       explain-check.py text PG-PLAN.txt PERFOPS.json

The figures are computed here independently, from PostgreSQL's own JSON
(json mode) or with regular expressions over its text (text mode), by the
spec's formulas: total = Actual Total Time x loops, divided by (workers
launched + 1) under a Gather (the workers alone when the leader took no
part: the Gather's child then has fewer loops); exclusive = total - the children's (InitPlans
left out unless the parent is a Result), clamped at 0.  Prints one line
per mismatch and exits 1 if there is any.
"""
import json
import re
import sys

TOL = 0.0015  # perfops rounds milliseconds to the microsecond


def processes(launched, gather_loops, child_loops):
    """The workers and the leader, or the workers alone when the leader
    took no part (parallel_leader_participation = off): then the child
    ran as many loops per Gather loop as there were workers."""
    procs = launched + 1
    if gather_loops > 0:
        per = round(child_loops / gather_loops)
        if 1 <= per < procs:
            procs = per
    return procs


def walk_json(node, parent, div, out):
    me = len(out)
    loops = node.get("Actual Loops", 0)
    total = node.get("Actual Total Time", 0) * loops / div
    out.append({
        "type": node["Node Type"],
        "relation": node.get("Relation Name"),
        "loops": loops,
        "rows": node.get("Actual Rows"),
        "plan_rows": node["Plan Rows"],
        "total": total,
        "parent": parent,
        "rel": node.get("Parent Relationship"),
    })
    child_div = div
    if node["Node Type"] in ("Gather", "Gather Merge"):
        child_div = processes(node.get("Workers Launched", 0), loops,
                              node.get("Plans", [{}])[0].get("Actual Loops", 0))
    for c in node.get("Plans", []):
        walk_json(c, me, child_div, out)


NODE = re.compile(r"^(\s*)(->\s+)?(.*?)\s+\(cost=[\d.]+\.\.[\d.]+ rows=(\d+) "
                  r"width=\d+\) \(actual time=[\d.]+\.\.([\d.]+) "
                  r"rows=([\d.]+) loops=(\d+)\)")


def walk_text(path):
    out, stack, gathers = [], [], []
    pending = None
    for line in open(path):
        line = line.rstrip("\n")
        m = NODE.match(line)
        if not m:
            s = line.strip()
            if s.startswith("InitPlan") or s.startswith("SubPlan") or \
                    s.startswith("CTE "):
                pending = s.split()[0]
            w = re.match(r"\s*Workers Launched: (\d+)", line)
            if w and out:
                out[-1]["launched"] = int(w.group(1))
            continue
        col = len(m.group(1))
        while stack and stack[-1][1] >= col:
            stack.pop()
        parent = stack[-1][0] if stack else None
        name = m.group(3)
        rel = pending if pending else ("Outer" if parent is not None else None)
        pending = None
        out.append({
            "name": name, "plan_rows": float(m.group(4)),
            "att": float(m.group(5)), "rows": float(m.group(6)),
            "loops": float(m.group(7)), "parent": parent, "rel": rel,
        })
        stack.append((len(out) - 1, col))
    for i, n in enumerate(out):
        div, p = 1, n["parent"]
        while p is not None:
            if out[p]["name"].startswith("Gather"):
                first = next(c for c in out if c["parent"] == p)
                div = processes(out[p].get("launched", 0), out[p]["loops"],
                                first["loops"])
                break
            p = out[p]["parent"]
        n["total"] = n["att"] * n["loops"] / div
        n["type"] = None
        m = re.search(r" on (\S+)", n["name"])
        n["relation"] = m.group(1).split(".")[-1] if m and \
            re.search(r"(Seq|Index|Only|Heap) Scan", n["name"]) else None
    return out


def exclusive(nodes):
    ex = [n["total"] for n in nodes]
    for i, n in enumerate(nodes):
        p = n["parent"]
        if p is None:
            continue
        if n["rel"] == "InitPlan" and nodes[p].get("type") != "Result":
            continue
        ex[p] -= n["total"]
    return [max(0.0, e) for e in ex]


def main():
    mode, pg, mine = sys.argv[1], sys.argv[2], sys.argv[3]
    got = json.load(open(mine))
    if mode == "json":
        doc = json.load(open(pg))[0]
        want = []
        walk_json(doc["Plan"], None, 1, want)
        execution = doc.get("Execution Time")
    else:
        want = walk_text(pg)
        m = re.search(r"Execution Time: ([\d.]+) ms", open(pg).read())
        execution = float(m.group(1)) if m else None
    bad = 0

    def differ(what, a, b, tol=0.0):
        nonlocal bad
        if a is None or b is None:
            if a != b:
                print(f"{what}: perfops {a!r}, PostgreSQL {b!r}")
                bad += 1
            return
        if isinstance(a, str) or isinstance(b, str):
            if a != b:
                print(f"{what}: perfops {a!r}, PostgreSQL {b!r}")
                bad += 1
        elif abs(a - b) > tol:
            print(f"{what}: perfops {a}, PostgreSQL {b}")
            bad += 1

    nodes = got["nodes"]
    if len(nodes) != len(want):
        print(f"{len(nodes)} nodes, PostgreSQL has {len(want)}")
        sys.exit(1)
    differ("execution_ms", got["execution_ms"], execution, 1e-9)
    ex = exclusive(want)
    for i, (g, w) in enumerate(zip(nodes, want)):
        if w["type"] is not None:
            differ(f"node {i} type", g["type"], w["type"])
        differ(f"node {i} relation", g["relation"], w["relation"])
        differ(f"node {i} parent", g["parent"], w["parent"])
        differ(f"node {i} loops", g["loops"], w["loops"])
        differ(f"node {i} rows", g["rows"], w["rows"])
        differ(f"node {i} plan_rows", g["plan_rows"], w["plan_rows"])
        differ(f"node {i} total_ms", g["total_ms"], w["total"], TOL)
        differ(f"node {i} exclusive_ms", g["exclusive_ms"], ex[i], 2 * TOL)
    sys.exit(1 if bad else 0)


main()
