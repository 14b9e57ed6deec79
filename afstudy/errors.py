"""One place for afstudy's exceptions and their messages.

Every expected problem is an :class:`AfstudyError` whose message is one line naming the
file (and line and key, when known) and the problem; the command line prints it as
``afstudy: error: <message>`` and exits with status 2. Anything else is a bug.
"""

from __future__ import annotations

from pathlib import Path


class AfstudyError(Exception):
    """Base class: an error whose message is meant for the user, not a traceback."""


class InputError(AfstudyError):
    """Bad input: the message names the file (and line and key, when known) and the problem.

    ``str(err)`` is ``<path>:<line>: <key>: <problem>`` (line and key only when known).
    """

    def __init__(
        self, path: str | Path, problem: str, line: int | None = None, *, code: str = "bad_input", key: str = ""
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.line = line
        self.code = code
        self.key = key
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {key}: {problem}" if key else f"{where}: {problem}")

    def located(self, name: str) -> str:
        """The message with ``name`` (a name inside the corpus, e.g. ``metadata.csv``) in place
        of the path: what a table row says, the same wherever the corpus lies."""
        where = f"{name}:{self.line}" if self.line is not None else name
        return f"{where}: {self.key}: {self.problem}" if self.key else f"{where}: {self.problem}"


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
    """A curated data file (gazetteer, outlet profiles, lexicon, value sets) is malformed."""


class OutputError(AfstudyError):
    """An output could not be written (full disk, read-only or unwritable folder, a file
    where a folder should be, ...): the message names the path."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class ParameterError(AfstudyError, ValueError):
    """A parameter outside its allowed values (also a ValueError, for callers that catch
    those)."""
