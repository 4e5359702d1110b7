#!/usr/bin/env python3
"""The controlled scheduler's figures: throughput, schedules to the first violation, silence of the safe presets.

Usage: bench/sched.py [--build DIR] [--schedules N] [--blocks B] [--free-trials N]
                      [--free-duration S] [--safe N] [--seed N] [--out DIR] [--quick]

1. Throughput: controlled schedules per second (pct, one process, in-process
   trials) against free-running trials per second (each --free-duration long),
   both from `modsim matrix` wall time over the same cells.
2. Every cell the post predicts unsafe: --schedules pct schedules and as many
   random ones (seeds 1..N of the cell), and --free-trials free-running trials
   at the default amplification.  The N results, in seed order, are cut into
   --blocks blocks; the schedules (or trials) to the first violation in each
   block are the samples, and the median of the blocks is printed (">K" when
   more than half the blocks of K found none).  Also: the share of schedules
   that found a violation.
3. Every cell predicted safe: pct schedules until each scenario has had at
   least --safe schedules over the safe presets; the count of schedules and of
   violations.  Target: zero violations over at least 10,000 per scenario.

One SUMMARY line per figure, grep-able; the exit status is 0 whatever the
figures say (2 bad usage, 1 modsim could not run).  The trial lines are kept in
--out DIR.  The default run (100 schedules of each policy per cell, 10 free
trials of 0.2 s, 10,000 safe schedules per scenario) takes about half an hour
on 2 cores; --quick is a smoke run of a minute or two.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def matrix(modsim, out_path, args):
    """Run `modsim matrix ARGS --jsonl`, keep the lines in out_path; return (trials, seconds)."""
    t0 = time.monotonic()
    with open(out_path, "w") as f:
        r = subprocess.run([modsim, "matrix", "--jsonl", "--no-hunt"] + args, stdout=f,
                           stderr=subprocess.PIPE, text=True)
    spent = time.monotonic() - t0
    if r.returncode not in (0, 3):
        sys.exit(f"sched.py: modsim matrix {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
    trials = []
    with open(out_path) as f:
        for line in f:
            trials.append(json.loads(line))
    return trials, spent


def plan(modsim, sched):
    """The cells and their predictions, as the matrix sees them under sched."""
    args = [modsim, "matrix", "--plan"] + (["--sched", sched] if sched else [])
    r = subprocess.run(args, capture_output=True, text=True, check=True)
    cells = []
    for line in r.stdout.splitlines():
        strategy, scenario, hazard, predict = line.split()
        cells.append((strategy, scenario, hazard, predict))
    return cells


def by_cell(trials):
    cells = {}
    for t in trials:
        cells.setdefault((t["strategy"], t["scenario"]), []).append(t)
    for v in cells.values():
        v.sort(key=lambda t: t["trial"])
    return cells


def first_found_median(found, blocks):
    """Median over blocks of the 1-based index of the first True; '>K' when most blocks found none."""
    if not found:
        return "-"
    size = max(1, len(found) // blocks)
    samples = []
    for b in range(0, len(found) - size + 1, size):
        chunk = found[b:b + size]
        samples.append(next((i + 1 for i, x in enumerate(chunk) if x), None))
    hits = sorted(s for s in samples if s is not None)
    if len(hits) * 2 <= len(samples):
        return f">{size}"
    # Misses count as the largest values: the median is among the hits.
    ordered = hits + [size + 1] * (len(samples) - len(hits))
    return str(statistics.median_low(ordered))


def main():
    ap = argparse.ArgumentParser(add_help=True, description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="")
    ap.add_argument("--schedules", type=int, default=100)
    ap.add_argument("--blocks", type=int, default=10)
    ap.add_argument("--free-trials", type=int, default=10)
    ap.add_argument("--free-duration", type=float, default=0.2)
    ap.add_argument("--safe", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    if a.quick:
        a.schedules, a.blocks, a.free_trials, a.free_duration, a.safe = 20, 4, 4, 0.1, 40

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    build = a.build or next((os.path.join(root, d) for d in ("build-release", "build")
                             if os.path.exists(os.path.join(root, d, "modsim"))), "")
    modsim = os.path.join(build, "modsim")
    if not os.path.exists(modsim):
        sys.exit("sched.py: no modsim built (cmake --preset release && cmake --build --preset release)")
    out = a.out or tempfile.mkdtemp(prefix="modsim-sched.")
    os.makedirs(out, exist_ok=True)
    seed = str(a.seed)
    print(f"modsim sched figures: {modsim}; trial lines in {out}")

    unsafe = [(s, c) for s, c, h, p in plan(modsim, "pct") if p == "unsafe"]
    safe = [(s, c) for s, c, h, p in plan(modsim, "pct") if p == "safe"]
    strategies = sorted({s for s, _ in unsafe + safe}, key=[s for s, _ in unsafe + safe].index)
    scenarios = sorted({c for _, c in unsafe + safe}, key=[c for _, c in unsafe + safe].index)

    # 1 and 2: every cell, so that the matrix's lists stay simple; unsafe cells are read out.
    runs = {}
    for name, args in (
        ("pct", ["--sched", "pct", "--trials", str(a.schedules)]),
        ("random", ["--sched", "random", "--trials", str(a.schedules)]),
        ("free", ["--duration", str(a.free_duration), "--trials", str(a.free_trials)]),
    ):
        trials, spent = matrix(modsim, os.path.join(out, f"{name}.jsonl"), args + ["--seed", seed])
        runs[name] = (by_cell(trials), len(trials), spent)
        print(f"  {name}: {len(trials)} trials in {spent:.1f} s")

    pct_rate = runs["pct"][1] / runs["pct"][2]
    rnd_rate = runs["random"][1] / runs["random"][2]
    free_rate = runs["free"][1] / runs["free"][2]
    print()
    print(f"SUMMARY throughput pct={pct_rate:.1f}/s random={rnd_rate:.1f}/s "
          f"free={free_rate:.2f}/s (free trials of {a.free_duration} s) "
          f"pct/free={pct_rate / free_rate:.1f}x")

    print()
    print(f"Unsafe cells: schedules (trials) to the first violation, median over {a.blocks} blocks "
          f"of {max(1, a.schedules // a.blocks)} schedules ({max(1, a.free_trials // a.blocks)} free trials); "
          "share of schedules that found one")
    print(f"{'strategy':15} {'scenario':13} {'pct':>6} {'random':>7} {'free':>6}   "
          f"{'pct %':>6} {'random %':>8} {'free %':>6}")
    for s, c in unsafe:
        row = []
        share = []
        for name, n in (("pct", a.schedules), ("random", a.schedules), ("free", a.free_trials)):
            ts = runs[name][0].get((s, c), [])
            found = [t["violations"] > 0 for t in ts]
            blocks = a.blocks if name != "free" else min(a.blocks, max(1, len(found)))
            row.append(first_found_median(found, blocks))
            share.append(100.0 * sum(found) / len(found) if found else 0.0)
        print(f"{s:15} {c:13} {row[0]:>6} {row[1]:>7} {row[2]:>6}   "
              f"{share[0]:6.1f} {share[1]:8.1f} {share[2]:6.1f}")
        print(f"SUMMARY cell strategy={s} scenario={c} pct_median={row[0]} random_median={row[1]} "
              f"free_median={row[2]} pct_share={share[0]:.1f} random_share={share[1]:.1f} "
              f"free_share={share[2]:.1f}")

    # 3: the safe presets, scenario by scenario, until each has --safe schedules.
    print()
    safe_by_scn = {}
    for s, c in safe:
        safe_by_scn.setdefault(c, []).append(s)
    total_bad = 0
    for c, ss in safe_by_scn.items():
        per_cell = -(-a.safe // len(ss))
        trials, spent = matrix(modsim, os.path.join(out, f"safe-{c}.jsonl"),
                               ["--sched", "pct", "--trials", str(per_cell), "--seed", seed,
                                "--strategies", ",".join(ss), "--scenarios", c])
        bad = sum(1 for t in trials if t["violations"] > 0)
        total_bad += bad
        verdict = "PASS" if bad == 0 and len(trials) >= a.safe else "FAIL"
        print(f"SUMMARY safe scenario={c} presets={','.join(ss)} schedules={len(trials)} "
              f"violations={bad} seconds={spent:.0f} {verdict}")
    print(f"VERDICT safe {'PASS' if total_bad == 0 else 'FAIL'}: {total_bad} schedules of the safe "
          f"presets found a violation (target 0, with at least {a.safe} schedules per scenario)")


if __name__ == "__main__":
    main()
