"""Keeping the notebooks' nbval references in step with their executed copies.

The notebooks in ``notebooks/`` are committed with the outputs of their key-number cells
(marked ``# NBVAL_CHECK_OUTPUT``) only; nbval (``--nbval-lax``) re-runs them in
``make test`` and compares those cells. ``make notebooks`` copies the key outputs of the
executed notebooks in ``build/notebooks/`` back into the sources, after a deliberate change.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import nbformat

from afstudy.io import atomic_open

CHECK_MARK = "# NBVAL_CHECK_OUTPUT"


def is_checked(cell: nbformat.NotebookNode) -> bool:
    """True for a code cell whose output nbval compares."""
    return cell.cell_type == "code" and cell.source.lstrip().startswith(CHECK_MARK)


def store_reference_outputs(source: str | Path, executed: str | Path) -> int:
    """Copy the outputs of checked cells from ``executed`` into ``source``; clear the rest.

    Cells are paired by their ``id``; returns the number of checked cells stored.
    """
    src = nbformat.read(source, as_version=4)
    run = {c.get("id"): c for c in nbformat.read(executed, as_version=4).cells}
    stored = 0
    for cell in src.cells:
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        cell.outputs = []
        if is_checked(cell) and cell.get("id") in run:
            # nbval skips cells without an execution count, so keep papermill's (1, 2, ...).
            cell.execution_count = run[cell["id"]].execution_count
            cell.outputs = run[cell["id"]].outputs
            stored += 1
    with atomic_open(source, "w", encoding="utf-8", newline="\n") as handle:
        nbformat.write(src, handle)
    return stored


def run_notebook(
    source: str | Path, output: str | Path, parameters: Mapping[str, object], *, kernel: str = "afstudy",
    cwd: str | Path | None = None, warm: bool = False,
) -> Path:
    """Execute ``source`` with papermill into ``output`` (atomically): one run of the WarmRunner.

    The kernel (cold by default; ``warm=True`` forks it from a fork server, worth it only
    for many runs) talks over IPC sockets in a private temporary folder instead of TCP
    ports, so parallel runs (``make -j2``) never race for a port; progress bars are off.
    A failed run raises a NotebookError naming the notebook and the cell, and leaves no
    ``output`` behind (the partial notebook is kept beside it as ``*.failed.ipynb``).
    """
    from afstudy.warm import NotebookRun, WarmRunner

    run = NotebookRun(Path(source), Path(output), dict(parameters), Path(cwd) if cwd else None)
    with WarmRunner(jobs=1, kernel=kernel, warm=warm) as runner:
        (result,) = runner.run([run])
    if result.exception is not None:
        raise result.exception
    return Path(output)


def parameterize_copies(source_dir: str | Path, target_dir: str | Path, parameters: dict[str, object]) -> list[Path]:
    """Copy every notebook of ``source_dir`` into ``target_dir`` with ``parameters`` injected
    the way papermill injects them (a tagged cell after the parameters cell), keeping the
    stored reference outputs: nbval then runs the copies into a temporary output root."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    written = []
    for source in sorted(Path(source_dir).glob("*.ipynb")):
        book = parameterize_notebook(load_notebook_node(str(source)), parameters)
        target = Path(target_dir) / source.name
        with atomic_open(target, "w", encoding="utf-8", newline="\n") as handle:
            nbformat.write(book, handle)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m afstudy.notebooks parameterize SOURCE_DIR TARGET_DIR --out-root ROOT``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m afstudy.notebooks")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parameterize", help="copies of the notebooks with their output root set")
    p.add_argument("source_dir", type=Path)
    p.add_argument("target_dir", type=Path)
    p.add_argument("--out-root", type=Path, required=True)
    args = parser.parse_args(argv)
    written = parameterize_copies(args.source_dir, args.target_dir, {"out_root": str(args.out_root.resolve())})
    print(f"{len(written)} notebooks parameterised into {args.target_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
