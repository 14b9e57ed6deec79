"""Value sets of the metadata columns (``data/value_sets.yaml``): outlet types, date
precisions and events, with a documented way for a study to extend them.

A study's file names the file it extends (``extends: afstudy`` for the package's, or a
path relative to the extending file) and adds ids to its sets; it may not redefine an id
(its meaning would change under the other studies' data) nor add a date precision (each
has a date rule in :mod:`afstudy.corpus`). Errors name the file, line and key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from afstudy.io import YamlDocument
from afstudy.paths import DATA_DIR, VALUE_SETS_FILE
from afstudy.schemas import load_checked

PACKAGE_NAME = "afstudy"
DATE_PRECISIONS: tuple[str, ...] = ("day", "inferred_day", "month", "year", "none")
SETS: tuple[str, ...] = ("outlet_types", "date_precisions", "events")


@dataclass(frozen=True)
class Event:
    """One event a report can cover."""

    id: str
    date: str
    description: str


@dataclass(frozen=True)
class ValueSets:
    """The allowed values of outlet_type, date_precision and event."""

    files: tuple[Path, ...]
    outlet_types: dict[str, str] = field(default_factory=dict)
    date_precisions: dict[str, str] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        """The file these value sets were loaded from (the most specific one)."""
        return self.files[-1]


def _parent(doc: YamlDocument) -> Path:
    name = doc.data["extends"]
    if name == PACKAGE_NAME:
        return VALUE_SETS_FILE
    parent = Path(name)
    return parent if parent.is_absolute() else (doc.path.parent / parent)


def _load(path: Path, chain: tuple[Path, ...]) -> ValueSets:
    doc = load_checked(path, "value_sets")
    data = doc.data
    here = path.resolve()
    if "extends" not in data:
        missing = [s for s in SETS if s not in data]
        if missing:
            raise doc.error((), f"missing required key {missing[0]!r} (a file that extends no other defines every set)")
        absent = [p for p in DATE_PRECISIONS if p not in data["date_precisions"]]
        if absent:
            raise doc.error(("date_precisions",), f"missing date precision {absent[0]!r} (all of {', '.join(DATE_PRECISIONS)})")
        base = ValueSets(files=(path,))
    else:
        parent = _parent(doc)
        if parent.resolve() in chain + (here,):
            cycle = " -> ".join(map(str, chain + (here, parent.resolve())))
            raise doc.error(("extends",), f"value sets extend themselves ({cycle})")
        if not parent.is_file():
            raise doc.error(("extends",), f"value sets file {str(parent)!r} not found")
        base = _load(parent, chain + (here,))
        for key in data.get("date_precisions") or {}:
            raise doc.error(("date_precisions", key), "date precisions cannot be extended: each has a date rule in afstudy.corpus")
        base = ValueSets(files=base.files + (path,), outlet_types=dict(base.outlet_types), date_precisions=dict(base.date_precisions), events=dict(base.events))
    for key, description in (data.get("outlet_types") or {}).items():
        if key in base.outlet_types and base.outlet_types[key] != description:
            raise doc.error(("outlet_types", key), f"outlet type {key!r} is already defined in {base.files[0]}: a study may add ids, not redefine them")
        base.outlet_types[key] = description
    for key, description in (data.get("date_precisions") or {}).items():
        base.date_precisions[key] = description
    for key, spec in (data.get("events") or {}).items():
        event = Event(key, spec["date"], spec["description"])
        if key in base.events and (base.events[key].date, base.events[key].description) != (event.date, event.description):
            raise doc.error(("events", key), f"event {key!r} is already defined (date {base.events[key].date}): a study may add ids, not redefine them")
        base.events[key] = event
    return base


def load_value_sets(path: str | Path = VALUE_SETS_FILE) -> ValueSets:
    """Load a value sets file (and the files it extends)."""
    return _load(Path(path), ())
