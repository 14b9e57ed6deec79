"""Curation: stubs for what the gazetteer lacks, and what a curated change did."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from afstudy.cli import main
from afstudy.curate import candidate_name, mention_changes, stubs
from afstudy.gazetteer import ACTORS_FILE, load_gazetteer
from afstudy.io import read_csv

from tests.conftest import CorpusBuilder, metadata_row

TEXT = """Pakistan hosts regional talks on Afghanistan
The Taliban sent a delegation to the talks in Islamabad on Tuesday.
Pakistan's foreign ministry spokesman Yusuf Qadirabadi said the talks were useful.
"We want a stable neighbour," Qadirabadi told reporters after the meeting.
Qadirabadi said Russia and China would join the next round.
"""


@pytest.fixture(scope="module")
def gazetteer():
    return load_gazetteer()


@pytest.fixture
def extracted(make_corpus: CorpusBuilder, tmp_path: Path) -> Path:
    corpus = make_corpus({"a.txt": TEXT}, rows=[metadata_row("a.txt", headline="Pakistan hosts regional talks on Afghanistan")])
    out = tmp_path / "extract"
    assert main(["extract", str(corpus), "--out", str(out)]) == 0
    return out


def test_candidate_names_drop_titles_demonyms_and_single_words(gazetteer) -> None:
    assert candidate_name("Contact Group", gazetteer) == "Contact Group"
    assert candidate_name("Russian Foreign Minister", gazetteer) is None
    assert candidate_name("Defense Minister Mullah", gazetteer) is None
    assert candidate_name("Afghan", gazetteer) is None
    assert candidate_name("Alongside", gazetteer) is None
    assert candidate_name("IEA", gazetteer) == "IEA"
    assert candidate_name("Feb", gazetteer) is None


def test_stub_for_a_person_introduced_by_role(extracted: Path, gazetteer) -> None:
    found = {s.id: s for s in stubs(extracted, gazetteer)}
    stub = found["yusuf_qadirabadi"]
    assert stub.type == "person"
    assert stub.source == "provisional actor prov:yusuf_qadirabadi"
    assert stub.mentions_count >= 2  # the full name and the repeated surname
    assert "Qadirabadi" in stub.surnames
    assert any("spokesman Yusuf Qadirabadi" in e for e in stub.evidence)


def test_stub_yaml_is_a_gazetteer_entry(extracted: Path, gazetteer, tmp_path: Path) -> None:
    out = tmp_path / "stubs.yaml"
    assert main(["curate", str(extracted), "--out", str(out)]) == 0
    entries = yaml.safe_load(out.read_text(encoding="utf-8"))["actors"]
    entry = next(e for e in entries if e["id"] == "yusuf_qadirabadi")
    entry["side"] = "regional_states"
    entry["affiliation"] = "pakistan"
    text = ACTORS_FILE.read_text(encoding="utf-8")
    head, sep, tail = text.partition("\nactors:\n")
    block = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, default_flow_style=None)
    curated = tmp_path / "actors.yaml"
    curated.write_text(head + sep + "".join("  " + line + "\n" for line in block.splitlines()) + tail, encoding="utf-8")
    assert "yusuf_qadirabadi" in load_gazetteer(curated).actors


def test_changes_after_curation(extracted: Path, tmp_path: Path, make_corpus: CorpusBuilder) -> None:
    """Adding the person to the gazetteer turns the provisional mentions into resolved ones
    and `changes` lists exactly those."""
    text = ACTORS_FILE.read_text(encoding="utf-8")
    head, sep, tail = text.partition("\nactors:\n")
    entry = (
        "  - id: yusuf_qadirabadi\n    name: Yusuf Qadirabadi\n    type: person\n    side: regional_states\n    affiliation: pakistan\n"
        "    names: [Yusuf Qadirabadi]\n    aliases: []\n    surnames: [Qadirabadi]\n    descriptors: []\n    labels: []\n    metonyms: []\n"
    )
    curated = tmp_path / "actors.yaml"
    curated.write_text(head + sep + entry + tail, encoding="utf-8")
    after = tmp_path / "after"
    corpus = extracted.parent / "corpus"
    assert main(["extract", str(corpus), "--out", str(after), "--gazetteer", str(curated)]) == 0
    changes = mention_changes(extracted, after)
    assert set(changes["change"]) == {"resolved_differently"}
    assert set(changes["actor_id_before"]) == {"prov:yusuf_qadirabadi"}
    assert set(changes["actor_id_after"]) == {"yusuf_qadirabadi"}
    before = read_csv(extracted / "mentions.csv")
    assert len(changes) == (before["actor_id"] == "prov:yusuf_qadirabadi").sum()
    out = tmp_path / "changes.csv"
    assert main(["changes", str(extracted), str(after), "--out", str(out)]) == 0
    assert read_csv(out).equals(changes.astype(str))


def test_mention_changes_on_hand_built_tables(tmp_path: Path) -> None:
    head = "file,line_no,start,end,text,actor_id\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "mentions.csv").write_text(head + "x.txt,1,0,6,Moscow,russia\nx.txt,2,0,4,Kabul,afghan_government\nx.txt,3,0,3,Foo,\n")
    (tmp_path / "b" / "mentions.csv").write_text(head + "x.txt,1,0,6,Moscow,russia\nx.txt,2,0,4,Kabul,taliban_government\nx.txt,4,0,3,Bar,bar\n")
    changes = mention_changes(tmp_path / "a", tmp_path / "b")
    assert changes[["change", "line_no", "actor_id_before", "actor_id_after"]].values.tolist() == [
        ["resolved_differently", 2, "afghan_government", "taliban_government"],
        ["removed", 3, "", ""],
        ["added", 4, "", "bar"],
    ]


def test_curate_and_changes_need_extraction_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["curate", str(tmp_path), "--out", str(tmp_path / "s.yaml")]) == 2
    assert "mentions.csv: not found" in capsys.readouterr().err
    assert main(["changes", str(tmp_path), str(tmp_path), "--out", str(tmp_path / "c.csv")]) == 2
    assert not (tmp_path / "s.yaml").exists() and not (tmp_path / "c.csv").exists()
