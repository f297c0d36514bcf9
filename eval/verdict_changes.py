#!/usr/bin/env python3
"""Rows of an older eval/realfixes table whose verdict a newer one changed.

    eval/verdict_changes.py OLD.csv NEW.csv [--all]

Rows are matched by their .c file (the header list after " + " may differ
between the runs: a later run can add the headers a kbuild error names).
Without --all only header rows (a header in either run) and rows the older
run refused for a data layout are compared: the rows the header index and
the compiled layout check (issue 19) can change. Prints one line per changed
row (old result -> new result, then both details, shortened) and a count.
"""
import csv
import sys


def rows_by_source(path):
    with open(path, newline="") as f:
        return {r["file"].split(" + ")[0]: r for r in csv.DictReader(f)}


def layout_refusal(row):
    d = row["detail"]
    return row["result"] == "refused" and ("layout" in d or "definition of" in d)


def short(text, n=110):
    return text if len(text) <= n else text[: n - 3] + "..."


def main(argv):
    args = [a for a in argv[1:] if a != "--all"]
    if len(args) != 2:
        sys.exit("usage: verdict_changes.py OLD.csv NEW.csv [--all]")
    everything = "--all" in argv
    old, new = rows_by_source(args[0]), rows_by_source(args[1])
    compared = changed = missing = 0
    for src in sorted(old):
        o, n = old[src], new.get(src)
        header = " + " in o["file"] or (n is not None and " + " in n["file"])
        if not (everything or header or layout_refusal(o)):
            continue
        if n is None:
            missing += 1
            print(f"{o['file']}: not in the newer table")
            continue
        compared += 1
        if o["result"] != n["result"]:
            changed += 1
            print(f"{n['file']}: {o['result']} -> {n['result']}")
            print(f"    was: {short(o['detail']) or '-'}")
            print(f"    now: {short(n['detail']) or '-'}")
    print(f"{compared} rows compared, {changed} changed verdict, {missing} missing")


if __name__ == "__main__":
    main(sys.argv)
