"""The data dictionary (``data/dictionary.yaml``): documented columns of every output table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from afstudy.errors import ConfigError
from afstudy.io import load_yaml
from afstudy.paths import DICTIONARY_FILE

TYPES: frozenset[str] = frozenset({"string", "integer", "number", "boolean", "date"})


@dataclass(frozen=True)
class Column:
    """One documented column."""

    name: str
    type: str
    description: str


def load_dictionary(path: str | Path = DICTIONARY_FILE) -> dict[str, list[Column]]:
    """Table name -> documented columns, in order (for a table family with
    ``dynamic_columns``, the fixed leading columns)."""
    data = load_yaml(path)
    tables = (data or {}).get("tables")
    if not isinstance(tables, dict):
        raise ConfigError(path, "expected a 'tables' mapping")
    result: dict[str, list[Column]] = {}
    for table, spec in tables.items():
        cols = []
        for col in spec.get("columns", []):
            if col.get("type") not in TYPES:
                raise ConfigError(path, f"{table}.{col.get('name')}: unknown type {col.get('type')!r}")
            if not col.get("description"):
                raise ConfigError(path, f"{table}.{col.get('name')}: missing description")
            cols.append(Column(col["name"], col["type"], col["description"]))
        result[table] = cols
    return result


def column_problems(frame: pd.DataFrame, columns: list[Column], dynamic: Column | None = None) -> list[str]:
    """Differences between a table and its documented columns (empty list when they agree).

    With ``dynamic``, the documented columns lead and every further column has that type.
    """
    problems = []
    names = [c.name for c in columns]
    head = list(frame.columns)[: len(names)] if dynamic is not None else list(frame.columns)
    if head != names:
        problems.append(f"columns {list(frame.columns)} != documented {names}")
        return problems
    if dynamic is not None:
        columns = columns + [Column(c, dynamic.type, dynamic.description) for c in list(frame.columns)[len(names) :]]
    for col in columns:
        values = frame[col.name].astype(str)
        values = values[values != ""]
        if col.type == "integer" and not values.str.fullmatch(r"-?\d+").all():
            problems.append(f"{col.name}: not all integers")
        elif col.type == "boolean" and not values.isin(["True", "False"]).all():
            problems.append(f"{col.name}: not all booleans")
        elif col.type == "date" and not values.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all():
            problems.append(f"{col.name}: not all ISO dates")
        elif col.type == "number" and pd.to_numeric(values, errors="coerce").isna().any():
            problems.append(f"{col.name}: not all numbers")
    return problems
