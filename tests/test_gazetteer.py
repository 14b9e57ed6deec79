"""The actor gazetteer: the project's file is complete and valid; malformed files fail clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from afstudy.errors import ConfigError
from afstudy.gazetteer import load_gazetteer
from tests.test_pipeline import MINI_GAZETTEER

REQUIRED = """zamir_kabulov sher_mohammad_abbas_stanekzai mohammad_naeem muhammad_sohail_shaheen zabihullah_mujahid
abdul_ghani_baradar sergey_lavrov vladimir_putin alexander_mantytski antony_blinken joe_biden donald_trump
zalmay_khalilzad jacob_choi ashraf_ghani hanif_atmar abdul_qayyum_kochai habiba_sarabi haji_deen_mohammad
hamid_karzai gulbuddin_hekmatyar ali_shamkhani taliban afghan_government high_peace_council
russian_foreign_ministry us_state_department iran_snsc al_qaeda islamic_state nato russia united_states
afghanistan iran china pakistan qatar""".split()


def test_the_project_gazetteer_covers_the_actors_named_in_the_seeds() -> None:
    gaz = load_gazetteer()
    assert set(REQUIRED) <= set(gaz.actors)
    assert set(gaz.sides) == {"russia", "taliban", "united_states", "afghan_government", "other_afghan", "regional_states", "international", "media"}
    assert gaz.ancestors("zamir_kabulov")[:2] == ["russian_foreign_ministry", "russia"]
    assert {"Stanekzai", "Stanikzai"} <= {n.split()[-1] for n in gaz.actors["sher_mohammad_abbas_stanekzai"].names}
    assert any("Sergei" in n for n in gaz.actors["sergey_lavrov"].names)
    assert any("Haneef" in n for n in gaz.actors["hanif_atmar"].names)
    assert {a.side for a in gaz.actors.values() if a.type == "media"} == {"media"}
    assert "Moscow" in gaz.actors["russia"].metonyms and "Kabul" in gaz.actors["afghan_government"].metonyms


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "actors.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("sides: {", "sides: [", r"actors\.yaml:2: YAML syntax error"),
        ("{id: naeem,", "{id: kabulov,", r"actors\.yaml:15: actors\[5\]\.id: duplicate actor id 'kabulov' \(first at line 13\)"),
        ("side: taliban, affiliation: taliban, names: [Mohammad Naeem]", "side: rebels, affiliation: taliban, names: [Mohammad Naeem]", r"actors\.yaml:15: actors\[5\]\.side: actor 'naeem': unknown side 'rebels'"),
        ("affiliation: taliban, names: [Mohammad Naeem]", "affiliation: taleban, names: [Mohammad Naeem]", r"actors\.yaml:15: actors\[5\]\.affiliation: actor 'naeem': unknown affiliation 'taleban' \(did you mean 'taliban'\?\)"),
        ("names: [Suhail Shaheen, Sohail Shaheen]", "names: [Suhail Shaheen, Mohammad Naeem]", r"actors\.yaml:16: actors\[6\]\.names\[1\]: 'Mohammad Naeem' is claimed by 'naeem' \(line 15\) and 'shaheen'"),
        ("name: Russia, type: state, side: russia, affiliation: null", "name: Russia, type: state, side: russia, affiliation: kabulov", r"affiliation cycle"),
        ("type: organisation, side: taliban", "type: militia, side: taliban", r"unknown type 'militia'"),
        ("country: null}", "country: atlantis}", r"place 'doha': unknown country 'atlantis'"),
    ],
)
def test_malformed_gazetteers_fail_with_file_and_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in MINI_GAZETTEER
    path = _write(tmp_path, MINI_GAZETTEER.replace(old, new, 1))
    with pytest.raises(ConfigError, match=message):
        load_gazetteer(path)


def test_shared_descriptors_and_surnames_are_allowed(tmp_path: Path) -> None:
    gaz = load_gazetteer(_write(tmp_path, MINI_GAZETTEER))
    owners = [a.id for a in gaz.actors.values() if "Taliban spokesman" in a.descriptors]
    assert owners == ["naeem", "shaheen"]
