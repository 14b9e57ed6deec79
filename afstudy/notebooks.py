"""Keeping the notebooks' nbval references in step with their executed copies.

The notebooks in ``notebooks/`` are committed with the outputs of their key-number cells
(marked ``# NBVAL_CHECK_OUTPUT``) only; nbval (``--nbval-lax``) re-runs them in
``make test`` and compares those cells. ``make notebooks`` copies the key outputs of the
executed notebooks in ``build/notebooks/`` back into the sources, after a deliberate change.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import nbformat

from afstudy.io import atomic_open, atomic_path

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


def run_notebook(source: str | Path, output: str | Path, parameters: dict[str, object], *, kernel: str = "afstudy", cwd: str | Path | None = None) -> Path:
    """Execute ``source`` with papermill into ``output`` (atomically).

    The kernel talks over IPC sockets in a private temporary folder instead of TCP
    ports, so parallel runs (``make -j2``) never race for a port; progress bars are off.
    A failed run leaves no ``output`` behind (the partial notebook is kept beside it as
    ``*.failed.ipynb`` for inspection).
    """
    import papermill as pm
    from traitlets.config import Config

    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    failed = target.with_suffix(".failed.ipynb")
    with tempfile.TemporaryDirectory(prefix="afstudy-kernel-") as sockets, atomic_path(target) as tmp:
        config = Config({"KernelManager": {"transport": "ipc", "ip": str(Path(sockets) / "kernel")}})
        try:
            pm.execute_notebook(
                str(source), str(tmp), parameters=parameters, kernel_name=kernel, progress_bar=False,
                log_output=False, cwd=str(cwd) if cwd else None, config=config,
            )
        except Exception:
            if tmp.exists():
                tmp.replace(failed)
            raise
    failed.unlink(missing_ok=True)
    return target
