#!/usr/bin/env python3
"""Check `perfops explain --json` against the plan PostgreSQL returned.

usage: explain-check.py json PG-PLAN.json PERFOPS.json
       explain-check.py text PG-PLAN.txt PERFOPS.json

The figures are computed here independently, from PostgreSQL's own JSON
(json mode) or with regular expressions over its text (text mode), by the
spec's formulas: total = Actual Total Time x loops, divided by the
processes that ran the node under a Gather: (workers launched + 1), or
the workers alone when the leader took no part (the Gather's child then
has fewer loops); with VERBOSE, the processes its "Worker N" figures name
(and the leader when they leave it loops); a Parallel Append's child, as
many as its loops per execution of the Append (one for a non-partial
subplan).  Exclusive = total - the children's (InitPlans left out unless
the parent is a Result; a child that ran in other processes than its
parent counts as its CPU time spread over the parent's), clamped at 0.
Each node's per-worker figures are the plan's own.  Prints one line
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


def node_processes(loops, workers, parent, par_div):
    """The processes that ran a node under a Gather (see above)."""
    if workers:
        procs = sum(1 for w in workers if w["loops"] > 0)
        if loops - sum(w["loops"] for w in workers) >= 0.5:
            procs += 1
        if procs >= 1:
            return procs
    if parent is not None and parent["parallel_append"] and parent["loops"] > 0:
        per = round(loops / (parent["loops"] / par_div))
        return min(max(per, 1), par_div)
    return par_div


def walk_json(node, parent, par_div, out, under=False):
    me = len(out)
    loops = node.get("Actual Loops", 0)
    workers = [{"num": w["Worker Number"], "loops": w["Actual Loops"],
                "rows": w["Actual Rows"],
                "ms": w.get("Actual Total Time", 0) * w["Actual Loops"]}
               for w in node.get("Workers", []) if "Actual Loops" in w]
    div = node_processes(loops, workers, out[parent], par_div) if under else 1
    cpu = node.get("Actual Total Time", 0) * loops
    total = cpu / div
    out.append({
        "type": node["Node Type"],
        "relation": node.get("Relation Name"),
        "loops": loops,
        "rows": node.get("Actual Rows"),
        "plan_rows": node["Plan Rows"],
        "total": total,
        "parent": parent,
        "rel": node.get("Parent Relationship"),
        "cpu": cpu, "div": div, "workers": workers,
        "gather": node["Node Type"] in ("Gather", "Gather Merge"),
        "parallel_append": node["Node Type"] == "Append" and
        node.get("Parallel Aware", False),
    })
    child_div, child_under = div, under
    if out[me]["gather"]:
        child_div, child_under = processes(
            node.get("Workers Launched", 0), loops,
            node.get("Plans", [{}])[0].get("Actual Loops", 0)), True
    for c in node.get("Plans", []):
        walk_json(c, me, child_div, out, child_under)


NODE = re.compile(r"^(\s*)(->\s+)?(.*?)\s+\(cost=[\d.]+\.\.[\d.]+ rows=(\d+) "
                  r"width=\d+\) \(actual time=[\d.]+\.\.([\d.]+) "
                  r"rows=([\d.]+) loops=(\d+)\)")


WORKER = re.compile(r"^\s*Worker (\d+):\s+actual (?:time=[\d.]+\.\.([\d.]+) )?"
                    r"rows=([\d.]+) loops=(\d+)")


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
            w = WORKER.match(line)
            if w and out:
                loops = float(w.group(4))
                out[-1]["workers"].append({
                    "num": int(w.group(1)), "loops": loops,
                    "rows": float(w.group(3)),
                    "ms": float(w.group(2) or 0) * loops})
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
            "workers": [],
            "gather": name.startswith("Gather"),
            "parallel_append": name.startswith("Parallel Append"),
        })
        stack.append((len(out) - 1, col))
    # Parents come first: each node's processes from its parent's.
    for i, n in enumerate(out):
        p = n["parent"]
        if p is None or not (out[p]["gather"] or out[p]["under"]):
            n["under"], n["div"] = False, 1
        else:
            par_div = out[p]["div"]
            if out[p]["gather"]:
                first = next(c for c in out if c["parent"] == p)
                par_div = processes(out[p].get("launched", 0),
                                    out[p]["loops"], first["loops"])
            n["under"] = True
            n["div"] = node_processes(n["loops"], n["workers"], out[p],
                                      par_div)
        n["cpu"] = n["att"] * n["loops"]
        n["total"] = n["cpu"] / n["div"]
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
        if nodes[p]["gather"] or n["div"] == nodes[p]["div"]:
            ex[p] -= n["total"]
        else:
            ex[p] -= n["cpu"] / nodes[p]["div"]
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
        gw = [x for x in g.get("workers") or [] if x["worker"] != "leader"]
        if len(gw) != len(w["workers"]):
            print(f"node {i}: perfops {len(gw)} workers, PostgreSQL "
                  f"{len(w['workers'])}")
            bad += 1
        for a, b in zip(gw, w["workers"]):
            differ(f"node {i} worker number", a["worker"], b["num"])
            differ(f"node {i} worker {b['num']} loops", a["loops"], b["loops"])
            differ(f"node {i} worker {b['num']} rows", a["rows"], b["rows"])
            differ(f"node {i} worker {b['num']} total_ms", a["total_ms"],
                   b["ms"], TOL)
    sys.exit(1 if bad else 0)


main()
