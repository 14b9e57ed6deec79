"""The project's own files: lock vs environment.yml, Makefile, notebooks, figures."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import yaml

from afstudy.paths import NOTEBOOKS_DIR, PROJ_ROOT
from afstudy.plotting import corpus_overview, save_figure, show_figure

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (PROJ_ROOT / "requirements.lock").read_text().splitlines():
        match = PIN.match(line)
        if match:
            pins[_norm(match.group(1))] = match.group(2)
    return pins


def test_environment_yml_pins_agree_with_the_lock() -> None:
    env = yaml.safe_load((PROJ_ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict))
    assert "-e ." in pip_section
    env_pins = {}
    for item in pip_section:
        match = PIN.match(item)
        if match:
            env_pins[_norm(match.group(1))] = match.group(2)
    assert env_pins == lock_pins()


def test_every_direct_dependency_is_locked_with_hashes() -> None:
    lock_text = (PROJ_ROOT / "requirements.lock").read_text()
    assert "--hash=sha256:" in lock_text
    pins = lock_pins()
    for line in (PROJ_ROOT / "requirements.in").read_text().splitlines():
        name = re.split(r"[<>=!~\[ ;#]", line.strip())[0]
        if name:
            assert _norm(name) in pins, name


def test_make_help_is_the_default_goal_and_lists_the_targets() -> None:
    out = subprocess.run(["make", "--no-print-directory", "-C", str(PROJ_ROOT)], capture_output=True, text=True, check=True).stdout
    for target in ("help", "env", "figures", "test", "lab", "clean"):
        assert re.search(rf"^\s+{target}\s", out, re.M), target


def test_notebooks_have_a_tagged_parameters_cell_and_checked_key_numbers() -> None:
    notebooks = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        assert nb.cells[0].cell_type == "markdown"
        assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells), path.name
        checked = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("# NBVAL_CHECK_OUTPUT")]
        assert checked and all(c.outputs for c in checked), path.name
        assert nb.metadata.kernelspec.name == "afstudy"


def test_figures_are_byte_identical_across_saves(tmp_path: Path) -> None:
    articles = pd.DataFrame(
        {
            "article_id": ["a", "b"], "outlet_id": ["x", "y"], "event": ["e1", "e2"],
            "event_date": ["2018-11-09", "2021-01-28"], "published": ["2018-11-12", ""],
            "date_precision": ["day", "none"], "body_words_count": [300, 200],
            "caption_words_count": [10, 0], "removed_words_count": [40, 5],
        }
    )
    first = save_figure(corpus_overview(articles), tmp_path / "one")
    second = save_figure(corpus_overview(articles), tmp_path / "two")
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.suffix
    assert b"<dc:date>" not in first[1].read_bytes()


def test_a_saved_figure_is_shown_as_the_png_it_was_saved_as(tmp_path: Path) -> None:
    articles = pd.DataFrame(
        {
            "article_id": ["a"], "outlet_id": ["x"], "event": ["e1"], "event_date": ["2018-11-09"], "published": ["2018-11-12"],
            "date_precision": ["day"], "body_words_count": [300], "caption_words_count": [10], "removed_words_count": [40],
        }
    )
    fig = corpus_overview(articles)
    png, _ = save_figure(fig, tmp_path / "one")
    shown = show_figure(fig, dpi=150)
    assert shown.data == png.read_bytes() and shown.width == round(int.from_bytes(shown.data[16:20], "big") / 2)
    unsaved = show_figure(corpus_overview(articles), dpi=150)  # never saved: rendered at 150 dpi
    assert unsaved.data[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(unsaved.data[16:20], "big") < int.from_bytes(shown.data[16:20], "big")


def test_many_outlets_get_distinct_styles_and_crowded_panels_show_the_top_groups() -> None:
    from afstudy.plotting import MAX_GROUPS_SHOWN, group_styles, salience_dots, top_groups

    outlets = [f"outlet_{i:02d}" for i in range(40)]
    styles = group_styles(outlets)
    assert len(set(styles.values())) == 40  # no colour and marker pair repeats
    weights = {o: float(i) for i, o in enumerate(outlets)}
    assert top_groups(outlets, weights) == outlets[-MAX_GROUPS_SHOWN:] and top_groups(outlets[:5], weights) == outlets[:5]
    rows = [
        {"group": o, "frame": f, "sentence_share": 0.5, "sentence_share_low": 0.4, "sentence_share_high": 0.6, "sentences_count": i + 1}
        for i, o in enumerate(outlets)
        for f in ("economic", "security_defense")
    ]
    fig = salience_dots(pd.DataFrame(rows), ["economic", "security_defense"], "Frame salience per outlet")
    title = fig._suptitle.get_text()  # noqa: SLF001 - matplotlib keeps the suptitle there
    assert f"{MAX_GROUPS_SHOWN} of 40 groups" in title
    shown = {t.get_text() for ax in fig.axes for t in ax.get_yticklabels()}
    assert "outlet_39" in shown and "outlet_00" not in shown
