"""Reads an Autobahn|Testsuite fuzzingclient report (reports/servers/index.json) and judges it.

Every case's `behavior` must be OK, NON-STRICT or INFORMATIONAL and its `behaviorClose` OK or
INFORMATIONAL. Prints the count per verdict and every case that is not, and exits 1 when any is not
(FAILED, UNIMPLEMENTED, WRONG CODE, ...), 2 when the report is missing or holds no case.

Usage: python summarize.py INDEX_JSON [AGENT]   (runs on Python 2.7 and 3)
"""
from __future__ import print_function

import json
import sys

ACCEPTED_BEHAVIOR = ("OK", "NON-STRICT", "INFORMATIONAL")
ACCEPTED_CLOSE = ("OK", "INFORMATIONAL")


def case_key(case_id):
    """Sorts "9.10.2" after "9.2.1" (numeric, part by part)."""
    return [int(part) if part.isdigit() else part for part in case_id.split(".")]


def main(argv):
    if len(argv) < 2:
        print("usage: summarize.py INDEX_JSON [AGENT]", file=sys.stderr)
        return 2
    try:
        with open(argv[1]) as handle:
            index = json.load(handle)
    except (IOError, OSError, ValueError) as error:
        print("error: cannot read the Autobahn report %s: %s" % (argv[1], error), file=sys.stderr)
        return 2
    agent = argv[2] if len(argv) > 2 else None
    if agent is None:
        if len(index) != 1:
            print("error: expected one agent in the report, found %r" % sorted(index), file=sys.stderr)
            return 2
        agent = list(index)[0]
    cases = index.get(agent) or {}
    if not cases:
        print("error: the report holds no case for agent %r" % agent, file=sys.stderr)
        return 2

    behavior_counts = {}
    close_counts = {}
    bad = []
    for case_id in sorted(cases, key=case_key):
        result = cases[case_id]
        behavior = result.get("behavior", "MISSING")
        close = result.get("behaviorClose", "MISSING")
        behavior_counts[behavior] = behavior_counts.get(behavior, 0) + 1
        close_counts[close] = close_counts.get(close, 0) + 1
        if behavior not in ACCEPTED_BEHAVIOR or close not in ACCEPTED_CLOSE:
            bad.append((case_id, behavior, close, result.get("reportfile", "")))

    print("Autobahn|Testsuite, agent %s: %d cases" % (agent, len(cases)))
    print("  behavior:      " + ", ".join("%s %d" % item for item in sorted(behavior_counts.items())))
    print("  behaviorClose: " + ", ".join("%s %d" % item for item in sorted(close_counts.items())))
    if bad:
        print("%d case(s) not accepted:" % len(bad))
        for case_id, behavior, close, report in bad:
            print("  %-10s behavior=%-14s behaviorClose=%-14s %s" % (case_id, behavior, close, report))
        return 1
    print("every case accepted (behavior OK/NON-STRICT/INFORMATIONAL, behaviorClose OK/INFORMATIONAL)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
