#!/usr/bin/env python3
"""EXPLAIN's YAML or XML format as its JSON format, for explain-check.py.

usage: explain-yaml-xml.py yaml|xml PLAN > PLAN.json

PyYAML reads the YAML; the XML is turned into the same tree by the rules
of explain.c (tags are keys with '-' for ' ', lists are <Plans>,
<Workers>, <Triggers> and <Item>s).  psql's header, rule, trailer and '+'
marks around the cell are removed first.
"""
import json
import re
import sys
import xml.etree.ElementTree as ET

LISTS = {"Plans", "Workers", "Triggers", "Grouping-Sets", "Group-Keys"}


def value(text):
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def element(e):
    kids = list(e)
    name = e.tag.split("}")[-1]
    if name in LISTS or (kids and all(k.tag.split("}")[-1] == "Item" for k in kids)):
        return [element(k) for k in kids]
    if not kids:
        return value((e.text or "").strip())
    return {re.sub(r"^I O ", "I/O ", k.tag.split("}")[-1].replace("-", " ")): element(k)
            for k in kids}


def unpsql(text):
    lines = []
    for line in text.splitlines():
        s = line.rstrip()
        if s.strip() in ("QUERY PLAN", "") or re.fullmatch(r"-+", s.strip()) or \
                re.fullmatch(r"\(\d+ rows?\)", s.strip()):
            continue
        if s.endswith("+"):
            s = s[:-1].rstrip()
        lines.append(s[1:] if s.startswith(" ") else s)
    return "\n".join(lines)


def main():
    fmt, path = sys.argv[1], sys.argv[2]
    text = unpsql(open(path).read())
    if fmt == "yaml":
        import yaml
        doc = yaml.safe_load(text)
    else:
        doc = [element(q) for q in ET.fromstring(text)]
    json.dump(doc, sys.stdout)


main()
