"""One place for afstudy's exceptions and their messages."""

from __future__ import annotations

from pathlib import Path


class AfstudyError(Exception):
    """Base class: an error whose message is meant for the user, not a traceback."""


class InputError(AfstudyError):
    """Bad input: the message names the file (and line, when known) and the problem."""

    def __init__(
        self, path: str | Path, problem: str, line: int | None = None, *, code: str = "bad_input"
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.line = line
        self.code = code
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")


class ConfigError(InputError):
    """A curated data file (gazetteer, outlet profiles, lexicon) is malformed."""


class NotebookError(AfstudyError):
    """A notebook run failed: the message names the notebook and, for a failing cell, the cell."""

    def __init__(self, notebook: str | Path, problem: str, *, cell: int | None = None) -> None:
        self.notebook = str(notebook)
        self.problem = problem
        self.cell = cell
        where = f"{self.notebook}: cell {cell} failed" if cell is not None else self.notebook
        super().__init__(f"{where}: {problem}")


class KernelSetupError(AfstudyError):
    """A kernel or the warm runner could not be set up."""

    def __init__(self, what: str, problem: str) -> None:
        super().__init__(f"{what}: {problem}")
