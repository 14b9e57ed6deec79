"""The schemas of the curated files and the strict YAML loader: the project's files are
valid, the schemas are valid JSON Schemas, the formats other engineers are adding are
accepted, and every problem is one message with file, line and key path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from afstudy.cleaning import REASONS, load_profiles
from afstudy.errors import ConfigError
from afstudy.framing import load_lexicon
from afstudy.gazetteer import ACTORS_FILE, load_gazetteer
from afstudy.io import format_key_path, load_yaml, load_yaml_document, load_yaml_with_lines, parse_yaml_document
from afstudy.paths import DATA_DIR
from afstudy.quotes import load_quote_rules
from afstudy.schemas import SCHEMAS_DIR, _validator_class, load_checked, load_schema, validate_document
from afstudy.valuesets import VALUE_SETS_FILE, load_value_sets
from tests.test_pipeline import MINI_GAZETTEER

CURATED = {"outlets": "outlets.yaml", "actors": "actors.yaml", "quotes": "quotes.yaml", "frames": "frames.yaml", "value_sets": "value_sets.yaml"}


@pytest.mark.parametrize("name", sorted(CURATED))
def test_the_project_files_are_valid_against_their_schemas(name: str) -> None:
    _validator_class().check_schema(json.loads((SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8")))
    load_checked(DATA_DIR / CURATED[name], name)


def test_every_schema_file_is_used_and_every_loader_passes() -> None:
    assert sorted(p.name.removesuffix(".schema.json") for p in SCHEMAS_DIR.glob("*.schema.json")) == sorted(CURATED)
    assert load_profiles().outlets and load_gazetteer().actors and load_quote_rules().cues and load_lexicon()
    sets = load_value_sets()
    assert set(sets.date_precisions) == {"day", "inferred_day", "month", "year", "none"}
    assert {"wire_service", "state_media", "public_broadcaster", "commercial_broadcaster", "newspaper", "digital_native", "us_government_funded", "independent"} <= set(sets.outlet_types)
    assert sets.events["moscow_conference_2018"].date == "2018-11-09" and sets.events["moscow_format_2023"].date == "2023-09-29"


def test_the_seed_metadata_uses_only_value_set_values() -> None:
    import csv

    sets = load_value_sets()
    for row in csv.DictReader(open(DATA_DIR.parent / "seeds" / "metadata.csv", encoding="utf-8")):
        assert row["outlet_type"] in sets.outlet_types and row["date_precision"] in sets.date_precisions
        assert sets.events[row["event"]].date == row["event_date"]


def test_the_reason_codes_of_the_outlet_schema_are_the_cleaning_reasons() -> None:
    assert set(load_schema("outlets")["$defs"]["reason"]["enum"]) == REASONS


def test_the_gazetteer_accepts_the_fields_being_added(tmp_path: Path) -> None:
    text = MINI_GAZETTEER.replace("places:\n", "historical_modifiers: [former, then, ex-]\nprovisional: {role_words: [envoy], side_words: {russian: kabulov}, enabled: true}\nvariants: {tokens: [[Zamir, Zamira]], letters: [['ee', 'i']]}\nplaces:\n", 1)
    text = text.replace("names: [Zamir Kabulov],", "names: [Zamir Kabulov], period: {from: 2004-01-01}, note: 'Envoy since 2004',", 1)
    text = text.replace("names: [Mohammad Naeem],", "names: [Mohammad Naeem], period: {from: 2019-01-01, until: 2021-08-15}, side_periods: [{from: 2020-01-01, side: russia}],", 1)
    path = tmp_path / "actors.yaml"
    path.write_text(text)
    assert "kabulov" in load_gazetteer(path).actors


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("{from: 20190101}", r"actors\[5\]\.period\.from: 20190101 is not of type 'string'"),
        ("{from: '2019-13-01'}", r"actors\[5\]\.period\.from: '2019-13-01' is not a date \(YYYY-MM-DD\)"),
        ("{from: 2019-W01-1}", r"actors\[5\]\.period\.from: '2019-W01-1' is not a date"),
        ("{since: 2019-01-01}", r"actors\[5\]\.period\.since: unknown key 'since' \(allowed: from, until\)"),
        ("{from: 2021-01-01, until: 2019-01-01}", r"actors\[5\]\.period: actor 'naeem': period from 2021-01-01 is after until 2019-01-01"),
    ],
)
def test_bad_periods_are_errors_with_line_and_key(tmp_path: Path, period: str, message: str) -> None:
    path = tmp_path / "actors.yaml"
    path.write_text(MINI_GAZETTEER.replace("names: [Mohammad Naeem],", f"names: [Mohammad Naeem], period: {period},", 1))
    with pytest.raises(ConfigError, match=r"actors\.yaml:15: " + message):
        load_gazetteer(path)


def test_the_project_gazetteer_error_format(tmp_path: Path) -> None:
    text = ACTORS_FILE.read_text(encoding="utf-8")
    old = "    affiliation: russian_foreign_ministry\n"
    line = text[: text.index(old)].count("\n") + 1
    path = tmp_path / "actors.yaml"
    path.write_text(text.replace(old, "    affiliation: [russia]\n", 1))
    with pytest.raises(ConfigError) as info:
        load_gazetteer(path)
    index = next(i for i, a in enumerate(load_yaml(ACTORS_FILE)["actors"]) if a.get("affiliation") == "russian_foreign_ministry")
    assert str(info.value) == f"{path}:{line}: actors[{index}].affiliation: ['russia'] is not of type 'string', 'null'"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\na: 2\n", r"t\.yaml:2: a: duplicate key 'a' \(first at line 1\)"),
        ("a:\n  - {b: 1, b: 2}\n", r"t\.yaml:2: a\[0\]\.b: duplicate key 'b'"),
        ("a: &x 1\nb: *x\n", r"t\.yaml:1: anchors and aliases \(&name, \*name\) are not allowed"),
        ("a:\n  <<: {b: 1}\n", r"t\.yaml:2: a: merge keys \(<<\) are not allowed"),
        ("? [a, b]\n: 1\n", r"t\.yaml:1: a mapping key must be a plain string"),
        ("a: [1\n", r"t\.yaml:2: YAML syntax error"),
        ("a: !!python/object:os.system x\n", r"t\.yaml:1: YAML syntax error: .*could not determine a constructor"),
    ],
)
def test_the_strict_loader_refuses(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_yaml_document(text, "t.yaml")


def test_the_loader_keeps_lines_and_dates_as_text() -> None:
    doc = parse_yaml_document("a: 2018-09-04\nb:\n  - x\n  - {on: yes, 1: 2}\n", "t.yaml")
    assert doc.data == {"a": "2018-09-04", "b": ["x", {"on": True, "1": 2}]}
    assert (doc.line(("a",)), doc.line(("b", 1)), doc.line(("b", 1, "on")), doc.line(("b", 1, "missing"))) == (1, 4, 4, 4)
    assert format_key_path(("actors", 12, "affiliation")) == "actors[12].affiliation"
    assert format_key_path(("side_words", "u.s.")) == "side_words['u.s.']"
    assert format_key_path((0, "x")) == "[0].x"


def test_line_dicts_are_still_available(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("top:\n  - id: a\n  - id: b\n")
    data = load_yaml_with_lines(path)
    assert [item.line for item in data["top"]] == [2, 3] and data == {"top": [{"id": "a"}, {"id": "b"}]}
    assert load_yaml_document(path).data == data


def test_several_problems_are_counted_in_the_one_message(tmp_path: Path) -> None:
    text = (DATA_DIR / "quotes.yaml").read_text(encoding="utf-8")
    line = text[: text.index("cues: [said,")].count("\n") + 1
    doc = parse_yaml_document(text.replace("cues: [said,", "cues: [1, 2, said,", 1), "quotes.yaml")
    with pytest.raises(ConfigError) as info:
        validate_document(doc, "quotes")
    assert str(info.value) == f"quotes.yaml:{line}: cues[0]: 1 is not of type 'string' (and 1 more problem in this file)"


def test_value_sets_extension_rules(tmp_path: Path) -> None:
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    base = write("base.yaml", "schema_version: 1\nextends: afstudy\nevents:\n  e1: {date: 2020-01-01, description: One.}\n")
    leaf = write("leaf.yaml", "schema_version: 1\nextends: base.yaml\nevents:\n  e2: {date: 2020-01-02, description: Two.}\n")
    sets = load_value_sets(leaf)
    assert {"e1", "e2", "moscow_conference_2018"} <= set(sets.events) and sets.files == (VALUE_SETS_FILE, base, leaf)
    cases = [
        ("schema_version: 1\nextends: afstudy\ndate_precisions:\n  week: Weeks.\n", r":4: date_precisions\.week: key 'week' is not a date precision"),
        ("schema_version: 1\nextends: afstudy\ndate_precisions:\n  day: Again.\n", r":4: date_precisions\.day: date precisions cannot be extended"),
        ("schema_version: 1\nextends: afstudy\noutlet_types:\n  independent: Changed.\n", r":4: outlet_types\.independent: outlet type 'independent' is already defined"),
        ("schema_version: 1\nextends: nowhere.yaml\n", r":2: extends: value sets file '.*nowhere\.yaml' not found"),
        ("schema_version: 1\nextends: x.yaml\n", r":2: extends: value sets extend themselves"),
        ("schema_version: 1\noutlet_types: {a: A}\n", r":1: missing required key 'date_precisions'"),
        ("schema_version: 1\nextends: afstudy\nevents:\n  Bad-Id: {date: 2020-01-01, description: x}\n", r":4: events\.Bad-Id: key 'Bad-Id' is not an id"),
        ("schema_version: 1\nextends: afstudy\nevents:\n  e: {date: 2020-01-01}\n", r":4: events\.e: missing required key 'description'"),
    ]
    for text, message in cases:
        with pytest.raises(ConfigError, match=message):
            load_value_sets(write("x.yaml", text))


def test_reading_a_corpus_does_not_import_jsonschema_until_a_file_is_checked() -> None:
    """A no-op build must not pay jsonschema's import (its format checkers pull in
    rfc3987-syntax, which compiles grammars at import)."""
    import subprocess
    import sys

    code = "import sys, afstudy.cli, afstudy.corpus, afstudy.tabular, afstudy.study, afstudy.build; print('jsonschema' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
    code = "import sys; from afstudy.valuesets import load_value_sets; load_value_sets(); print('jsonschema' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "True"
