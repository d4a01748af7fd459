#!/usr/bin/env python3
"""Alternating A/B timing of two or more commands, for changes smaller than this VM's drift.

    PREP='rm -rf $GS_STATE' bench/engine/ab.py 20 "old=/tmp/a/gsagent sync SPEC --no-progress" "new=/tmp/b/gsagent sync SPEC --no-progress"

Runs every command N times, in alternating order (A B, B A, ...), with PREP (a shell command, untimed) before each
run; a failing run stops it. Prints per command the median wall time (min, max) and the median CPU time (user + system
of the command's process tree).
"""
import os
import statistics
import subprocess
import sys
import time


def main() -> None:
    if len(sys.argv) < 3 or not sys.argv[1].isdigit():
        sys.exit(__doc__)
    runs = int(sys.argv[1])
    variants = [a.split("=", 1) for a in sys.argv[2:]]
    prep = os.environ.get("PREP")
    wall = {label: [] for label, _ in variants}
    cpu = {label: [] for label, _ in variants}
    for i in range(runs):
        for label, command in variants if i % 2 == 0 else variants[::-1]:
            if prep:
                subprocess.run(prep, shell=True, check=True)
            start = time.perf_counter()
            child = subprocess.Popen(command, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(child.pid, 0)
            wall[label].append(time.perf_counter() - start)
            cpu[label].append(usage.ru_utime + usage.ru_stime)
            if os.waitstatus_to_exitcode(status) != 0:
                sys.exit(f"{label}: exit code {os.waitstatus_to_exitcode(status)}: {command}")
    for label, _ in variants:
        w = wall[label]
        print(f"{label:12s} wall median {statistics.median(w):.3f} s (min {min(w):.3f}, max {max(w):.3f})  "
              f"cpu median {statistics.median(cpu[label]):.3f} s  ({runs} runs)")


if __name__ == "__main__":
    main()
