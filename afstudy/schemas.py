"""JSON Schemas (draft 2020-12) of the curated data files, kept as data in
``data/schemas/<name>.schema.json`` and checked with ``jsonschema`` when a file is loaded.

:func:`validate_document` turns the first problem (in file order) into one
:class:`~afstudy.errors.ConfigError` naming the file, the line and the key path::

    data/actors.yaml:214: actors[12].affiliation: ['russia'] is not of type 'string', 'null'

Conventions of afstudy's schemas:

- unknown keys are rejected (``additionalProperties: false``), with the allowed keys in
  the message (or the schema's ``x-unknown-key`` text);
- ``integer`` means an int (not ``true``, not ``2.0``); booleans are never numbers;
- ``format: date`` is exactly ``YYYY-MM-DD`` (Python 3.11's ``date.fromisoformat`` also
  takes ``20181109`` and ``2018-W36-2``; the schemas do not);
- ``x-error``: a message template for a failed keyword (``{instance}`` is the value).

To extend a format, add the new key to the ``properties`` of its block in the schema;
what a schema cannot express (ids from another list, cycles, exclusive names) is checked
by the loader, which names file, line and key the same way (:meth:`YamlDocument.error`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from afstudy.errors import ConfigError
from afstudy.io import KeyPath, YamlDocument, load_yaml_document
from afstudy.paths import DATA_DIR

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

# jsonschema is imported when a file is first checked, not with this module: importing it
# imports its format checkers, and rfc3987-syntax (in the environment for Jupyter) compiles
# 38 grammars at import, over a second that every command and kernel would pay.

SCHEMAS_DIR: Path = DATA_DIR / "schemas"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def is_iso_date(value: str) -> bool:
    """True for exactly ``YYYY-MM-DD`` naming a real day (not ``20181109``, ``2018-W36-2``)."""
    if not ISO_DATE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _check_date(instance: object) -> bool:
    return not isinstance(instance, str) or is_iso_date(instance)


def _is_int(checker: object, instance: object) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


@lru_cache(maxsize=None)
def _validator_class() -> Any:
    """Draft 2020-12 with ``integer`` excluding booleans (YAML's ``true`` is not 1)."""
    from jsonschema import Draft202012Validator, validators

    return validators.extend(Draft202012Validator, type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_int))


@lru_cache(maxsize=None)
def _formats() -> Any:
    """The one format the schemas use: ``date`` as exactly ``YYYY-MM-DD``."""
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    checker.checks("date")(_check_date)
    return checker


def _schema_error() -> type[Exception]:
    from jsonschema import SchemaError

    return SchemaError


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict[str, Any]:
    """The schema ``data/schemas/<name>.schema.json`` (checked against the metaschema)."""
    path = SCHEMAS_DIR / f"{name}.schema.json"
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
        _validator_class().check_schema(schema)
    except FileNotFoundError as exc:
        raise ConfigError(path, "schema file not found") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(path, f"not valid JSON: {exc.msg}", exc.lineno) from exc
    except _schema_error() as exc:
        raise ConfigError(path, f"not a valid JSON Schema: {exc.message}") from exc
    return schema


def short(value: object, limit: int = 60) -> str:
    """``repr(value)`` (``true``, ``false`` and ``null`` as YAML writes them), shortened for
    a one-line message."""
    text = {True: "true", False: "false", None: "null"}.get(value, repr(value)) if isinstance(value, (bool, type(None))) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def did_you_mean(value: object, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when one of ``choices`` is close to ``value``, else ''."""
    if not isinstance(value, str) or not value:
        return ""
    close = difflib.get_close_matches(value, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _locate(doc: YamlDocument, err: ValidationError) -> tuple[KeyPath, str]:
    """The key path and the message of one validation error."""
    if err.context:
        from jsonschema.exceptions import best_match

        return _locate(doc, best_match(err.context))
    keys: KeyPath = tuple(err.absolute_path)
    schema = err.schema if isinstance(err.schema, dict) else {}
    instance = err.instance
    if "propertyNames" in err.relative_schema_path:  # the error is about a key, not a value
        keys = keys + (str(instance),)
        template = schema.get("x-error")
        return keys, "key " + (template.format(instance=short(instance)) if template else err.message)
    if err.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        extras = [k for k in instance if k not in allowed]
        key = min(extras, key=lambda k: doc.line(keys + (k,)) or 0)
        template = schema.get("x-unknown-key")
        if template:
            return keys + (key,), template.format(key=short(key))
        return keys + (key,), f"unknown key {key!r}{did_you_mean(key, allowed)} (allowed: {', '.join(allowed)})"
    if err.validator == "required" and isinstance(instance, dict):
        missing = [r for r in err.validator_value if r not in instance]
        return keys, f"missing required key {missing[0]!r}"
    if err.validator == "type":
        types = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        return keys, f"{short(instance)} is not of type {', '.join(repr(t) for t in types)}"
    if "x-error" in schema:
        return keys, schema["x-error"].format(instance=short(instance))
    if err.validator == "enum":
        values = [str(v) for v in err.validator_value]
        return keys, f"{short(instance)} is not one of {', '.join(values)}{did_you_mean(instance, values)}"
    if err.validator == "format":
        return keys, f"{short(instance)} is not a {err.validator_value} (YYYY-MM-DD)" if err.validator_value == "date" else err.message
    if err.validator in ("minItems", "minProperties") and not instance:
        return keys, "must not be empty"
    return keys, err.message


def validate_document(doc: YamlDocument, name: str) -> None:
    """Check ``doc`` against schema ``name``; raise the first problem in file order as
    ConfigError (file, line, key path), counting the others."""
    errors = list(_validator_class()(load_schema(name), format_checker=_formats()).iter_errors(doc.data))
    if not errors:
        return
    # file order; on one line a wrong value comes before a missing key
    ranked = sorted((doc.line(k) or 0, e.validator == "required", [str(x) for x in k], k, m) for e in errors for k, m in [_locate(doc, e)])
    located = [(k, m) for *_, k, m in ranked]
    keys, message = located[0]
    others = len({(k, m) for k, m in located}) - 1
    if others:
        message += f" (and {others} more problem{'s' if others > 1 else ''} in this file)"
    raise doc.error(keys, message)


def load_checked(path: str | Path, name: str) -> YamlDocument:
    """Load a curated YAML file strictly and check it against schema ``name``."""
    doc = load_yaml_document(path)
    validate_document(doc, name)
    return doc


def compile_regex(doc: YamlDocument, keys: KeyPath, pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compile a regular expression of a curated file; a bad one is a ConfigError naming
    the file, line and key."""
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise doc.error(keys, f"bad regular expression {pattern!r}: {exc}") from exc
