#!/usr/bin/env python3
"""Sums the TRX reports under a folder and names every test that did not pass.

Usage: trx-summary.py RESULTS_DIR TEST_EXIT_CODE [CONSOLE_LOG]

Prints each failed test with the first lines of its message (so a CI log cut to its tail still
says what broke), then, as the last line, "Tests: N passed, N failed[, N skipped]". The counts come
from dotnet test's own run summary in CONSOLE_LOG when given (two test projects that start in the
same instant write TRX files of the same name, and one overwrites the other), else from the TRX files.
Exits 0 when nothing failed and the test command succeeded, 1 otherwise.
"""
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
FAILED = ("failed", "error", "timeout", "aborted")
MESSAGE_LINES = 12


def main() -> int:
    results_dir, test_rc = pathlib.Path(sys.argv[1]), int(sys.argv[2])
    passed = failed = skipped = 0
    failures = []
    for trx in sorted(results_dir.rglob("*.trx")):
        root = ET.parse(trx).getroot()
        counters = root.find("t:ResultSummary/t:Counters", NS)
        if counters is not None:
            count = lambda name: int(counters.get(name, "0"))
            passed += count("passed")
            failed += sum(count(name) for name in FAILED)
            skipped += count("total") - count("executed")
        for result in root.iterfind("t:Results/t:UnitTestResult", NS):
            if result.get("outcome", "").lower() in FAILED:
                message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=NS)
                failures.append((result.get("testName", "?"), message.strip().splitlines()[:MESSAGE_LINES]))

    if len(sys.argv) > 3:
        summary = pathlib.Path(sys.argv[3]).read_text(errors="replace")
        counts = {k: re.findall(rf"^\s*{k}: (\d+)$", summary, re.MULTILINE) for k in ("failed", "succeeded", "skipped")}
        if all(counts.values()):
            failed, passed, skipped = (int(counts[k][-1]) for k in ("failed", "succeeded", "skipped"))

    if test_rc != 0 and failed == 0:
        failed = 1  # a crashed or timed-out test host writes no TRX result: still a failure
        failures.append(("(test host)", [f"dotnet test exited with {test_rc} and no TRX names a failed test"]))

    for name, lines in failures:
        print(f"FAILED {name}")
        for line in lines:
            print(f"    {line}")
    summary = f"Tests: {passed} passed, {failed} failed"
    print(f"{summary}, {skipped} skipped" if skipped else summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
