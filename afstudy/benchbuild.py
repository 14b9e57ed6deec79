"""Benchmark of the build (``make bench``): warm parallel notebook kernels against cold ones.

In one run, into fresh output roots under ``--out``, for the seeds study:

1. ``cold``: every step from clean with a fresh kernel per notebook run, one run at a time
   (papermill's own way; what ``make figures`` did before the warm runner): the baseline;
2. ``warm``: every step from clean on the warm runner with ``--jobs`` parallel kernels;
3. ``touched``: after a one-line change to the study's gazetteer that changes no entry (a copy of
   ``data/actors.yaml``: a comment), what the incremental build reruns;
4. ``curated``: then a one-line curation (a new actor), what it reruns;
5. ``no-op``: ``afstudy build`` as a command when nothing changed (median of 5, process start
   and imports included).

Each is reported in seconds and as a ratio to the cold build of the same run (the machine's
speed drifts between runs), beside the issue's targets (45 s, 30 s, 30 s, 1 s on the 2-core
machine). The warm and cold output roots are compared file by file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from afstudy.build import build
from afstudy.paths import PROJ_ROOT
from afstudy.study import Study, make_study

TARGETS: dict[str, float] = {"warm": 45.0, "touched": 30.0, "curated": 30.0, "no-op": 1.0}
CURATED_LINE = "  - {id: bench_new_actor, name: Bench New Actor, type: person, side: russia, affiliation: null, names: [Bench New Actor], aliases: [], surnames: [], descriptors: [], labels: [], metonyms: []}\n"
COLUMNS = ["measure", "seconds", "ratio_to_cold", "steps_run", "target_seconds", "target_met", "note"]


def published(root: Path) -> dict[str, bytes]:
    """The tables and figures of an output root."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for d in ("data/processed", "figures") for p in sorted((root / d).rglob("*")) if p.is_file()}


def _study(out: Path, gazetteer: Path) -> Study:
    return make_study(None, str(out), gazetteer_file=str(gazetteer))


def _timed(study: Study, *, cold: bool, jobs: int) -> tuple[float, int]:
    start = time.perf_counter()
    report = build(study, jobs=jobs, cold=cold, log=lambda _: None)
    seconds = time.perf_counter() - start
    if report.failed:
        raise SystemExit(f"bench: build failed: {report.failed[0]}")
    return seconds, len(report.ran)


def noop_seconds(out: Path, gazetteer: Path, repeats: int = 5) -> float:
    """Median wall time of the ``afstudy build`` command when nothing changed."""
    command = [str(Path(sys.executable).with_name("afstudy")), "build", "--out", str(out), "--gazetteer", str(gazetteer)]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=PROJ_ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(out: Path, *, jobs: int) -> pd.DataFrame:
    """The four measures (see the module docstring) as a table."""
    work = out / "build-bench"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    gazetteer = work / "actors.yaml"
    shutil.copyfile(PROJ_ROOT / "data" / "actors.yaml", gazetteer)
    cold, cold_steps = _timed(_study(work / "cold", gazetteer), cold=True, jobs=1)
    warm, warm_steps = _timed(_study(work / "warm", gazetteer), cold=False, jobs=jobs)
    differ = [k for k, v in published(work / "warm").items() if published(work / "cold").get(k) != v]
    with open(gazetteer, "a", encoding="utf-8") as handle:
        handle.write("# touched by the build benchmark\n")
    touched, touched_steps = _timed(_study(work / "warm", gazetteer), cold=False, jobs=jobs)
    text = gazetteer.read_text(encoding="utf-8")
    gazetteer.write_text(text.replace("\nplaces:\n", "\n" + CURATED_LINE + "places:\n", 1), encoding="utf-8")
    curated, curated_steps = _timed(_study(work / "warm", gazetteer), cold=False, jobs=jobs)
    noop = noop_seconds(work / "warm", gazetteer)
    rows = [
        {"measure": "cold", "seconds": cold, "steps_run": cold_steps, "note": "fresh kernel per notebook run, one at a time (baseline)"},
        {"measure": "warm", "seconds": warm, "steps_run": warm_steps, "note": f"warm runner, {jobs} jobs; outputs identical to cold: {'yes' if not differ else 'no, ' + str(len(differ)) + ' differ'}"},
        {"measure": "touched", "seconds": touched, "steps_run": touched_steps, "note": "after a one-line change to the gazetteer that changes no entry (a comment)"},
        {"measure": "curated", "seconds": curated, "steps_run": curated_steps, "note": "after a one-line curation: a new actor (its row reaches actors.csv, so every step that reads it reruns)"},
        {"measure": "no-op", "seconds": noop, "steps_run": 0, "note": "the afstudy build command, nothing changed (median of 5)"},
    ]
    frame = pd.DataFrame(rows)
    frame["ratio_to_cold"] = frame["seconds"] / cold
    frame["target_seconds"] = frame["measure"].map(TARGETS)
    frame["target_met"] = [("" if pd.isna(t) else "yes" if s <= t else "no") for s, t in zip(frame["seconds"], frame["target_seconds"], strict=True)]
    return frame[COLUMNS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m afstudy.benchbuild", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJ_ROOT / "build" / "bench")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    frame = run(args.out, jobs=args.jobs)
    args.out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out / "build_results.csv", index=False, float_format="%.3f", lineterminator="\n")
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        print(frame.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"written: {args.out / 'build_results.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
