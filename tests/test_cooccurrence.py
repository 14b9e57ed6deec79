"""Co-occurrence: hand-computed toy cases for every measure, and properties on the seeds."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from afstudy.cooccurrence import LEVELS, UNITS, Spec, apply_measure, cooccurrence, cooccurrence_counts, cooccurrence_counts_streamed, evidence, grid, long_table, to_long
from afstudy.errors import InputError
from afstudy.io import read_csv
from afstudy.paths import PROJ_ROOT


def mention(sentence: str, unit: str, actor: str, side: str, token: int, article: str = "a1", outlet: str = "o1", part: str = "paragraph") -> dict[str, object]:
    return {"article_id": article, "outlet_id": outlet, "unit_id": unit, "sentence_id": sentence, "part": part, "actor_id": actor, "side": side, "token_start": token, "token_end": token + 1, "text": actor}


# s1: A B | s2: A | s3: B C | s4: no actor.  Paragraphs: p1 = s1 s2, p2 = s3 s4.
TOY = pd.DataFrame(
    [
        mention("s1", "p1", "A", "x", 0),
        mention("s1", "p1", "B", "y", 5),
        mention("s1", "p1", "B", "y", 7),  # a second mention in the same unit counts once
        mention("s2", "p1", "A", "x", 12),
        mention("s3", "p2", "B", "y", 20),
        mention("s3", "p2", "C", "y", 22),
        mention("s3", "p2", "M", "media", 24),
    ]
)
SENTENCES = pd.DataFrame(
    [
        {"article_id": "a1", "unit_id": u, "sentence_id": s, "part": "paragraph", "token_start": t0, "token_end": t1, "text": f"text of {s}"}
        for s, u, t0, t1 in (("s1", "p1", 0, 10), ("s2", "p1", 10, 18), ("s3", "p2", 18, 26), ("s4", "p2", 26, 30))
    ]
)


def matrix(measure: str, unit: str = "sentence", **kw: object) -> pd.DataFrame:
    return cooccurrence(TOY, SENTENCES, Spec(unit=unit, measure=measure, **kw))


def test_counts_by_hand() -> None:
    m = matrix("count")
    assert list(m.index) == ["A", "B", "C"]  # media left out by default
    assert m.to_numpy().tolist() == [[2, 1, 0], [1, 2, 1], [0, 1, 1]]
    assert m.attrs["n_units"] == 4
    assert matrix("count", include_media=True).loc["C", "M"] == 1


def test_jaccard_conditional_pmi_npmi_by_hand() -> None:
    j = matrix("jaccard")
    assert j.loc["A", "B"] == pytest.approx(1 / 3) and j.loc["B", "C"] == pytest.approx(1 / 2) and j.loc["A", "C"] == 0
    cp = matrix("conditional")
    assert cp.loc["A", "B"] == pytest.approx(1 / 2) and cp.loc["C", "B"] == pytest.approx(1.0) and cp.loc["B", "C"] == pytest.approx(1 / 2)
    pmi = matrix("pmi")
    assert pmi.loc["A", "B"] == pytest.approx(0.0) and pmi.loc["B", "C"] == pytest.approx(1.0)
    assert math.isnan(pmi.loc["A", "C"])
    assert pmi.loc["A", "A"] == pytest.approx(math.log2(4 / 2))
    npmi = matrix("npmi")
    assert npmi.loc["A", "B"] == pytest.approx(0.0) and npmi.loc["B", "C"] == pytest.approx(1 / 2) and npmi.loc["A", "C"] == -1.0
    assert np.diag(npmi).tolist() == [1.0, 1.0, 1.0]


def test_paragraph_article_and_window_units_by_hand() -> None:
    p = matrix("count", unit="paragraph")
    assert p.to_numpy().tolist() == [[1, 1, 0], [1, 2, 1], [0, 1, 1]] and p.attrs["n_units"] == 2
    a = matrix("count", unit="article")
    assert a.to_numpy().tolist() == [[1, 1, 1], [1, 1, 1], [1, 1, 1]] and a.attrs["n_units"] == 1
    # k = 3: A@0 and B@5 are too far apart; B@20 and C@22 share windows starting 20.
    w = matrix("count", unit="window", k=3)
    assert w.loc["A", "B"] == 0 and w.loc["B", "C"] == 1
    # k = 6: A@0/B@5 share window 0, A@12/B@7 share window 7; B@20/C@22 share 17..20.
    w6 = matrix("count", unit="window", k=6)
    assert w6.loc["A", "B"] == 2 and w6.loc["B", "C"] == 4


def test_level_side_and_min_count() -> None:
    s = matrix("count", level="side")
    assert s.to_numpy().tolist() == [[2, 1], [1, 2]]
    assert list(matrix("count", min_count=2).index) == ["A", "B"]


def test_empty_scope_gives_an_empty_matrix_with_a_message() -> None:
    m = matrix("count", scope="no_such_outlet")
    assert m.empty and "no mentions in scope 'no_such_outlet'" in m.attrs["message"]
    assert to_long(m, Spec(scope="no_such_outlet")).empty


def test_bad_parameters_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="unit must be one of"):
        Spec(unit="chapter")
    with pytest.raises(ValueError, match="measure must be one of"):
        Spec(measure="cosine")


def test_evidence_traces_every_nonzero_pair_to_text() -> None:
    ev = evidence(TOY, SENTENCES, pd.Series({"p1": "para one", "p2": "para two"}), Spec())
    assert ev[["actor_a", "actor_b", "unit_ref", "text"]].values.tolist() == [["A", "B", "s1", "text of s1"], ["B", "C", "s3", "text of s3"]]
    ev_w = evidence(TOY, SENTENCES, pd.Series(dtype=str), Spec(unit="window", k=6))
    # one row per pair of mentions fewer than k tokens apart: A@0-B@5, B@7-A@12, B@20-C@22
    assert ev_w[["actor_a", "actor_b"]].values.tolist() == [["A", "B"], ["A", "B"], ["B", "C"]]


# ---- properties on the seeds ---------------------------------------------------------
@pytest.fixture(scope="module")
def seed_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = PROJ_ROOT / "data" / "processed" / "actors"
    mentions = read_csv(folder / "mentions.csv")
    sentences = read_csv(folder / "sentences.csv")
    return mentions, sentences


@pytest.mark.parametrize("measure", ["count", "jaccard", "pmi", "npmi"])
def test_symmetric_and_diagonal_equals_unit_counts(seed_tables: tuple[pd.DataFrame, pd.DataFrame], measure: str) -> None:
    mentions, sentences = seed_tables
    m = cooccurrence(mentions, sentences, Spec(measure=measure))
    np.testing.assert_allclose(m.to_numpy(dtype=float), m.to_numpy(dtype=float).T, equal_nan=True)
    counts = cooccurrence(mentions, sentences, Spec())
    body = mentions[(mentions["actor_id"] != "") & mentions["part"].isin(["paragraph", "subheading"]) & (mentions["side"] != "media")]
    expected = body.groupby("actor_id")["sentence_id"].nunique()
    assert np.diag(counts).tolist() == expected.loc[counts.index].tolist()


def test_independent_of_input_order(seed_tables: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    mentions, sentences = seed_tables
    shuffled = mentions.sample(frac=1.0, random_state=7)
    for unit in ("sentence", "window"):
        pd.testing.assert_frame_equal(cooccurrence(mentions, sentences, Spec(unit=unit)), cooccurrence(shuffled, sentences, Spec(unit=unit)))


def test_sentence_le_paragraph_le_article(seed_tables: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """A pair that shares a sentence shares its paragraph and its article: per article, the
    binary co-occurrence at sentence level <= paragraph level <= article level. (Raw unit
    counts need not nest: one paragraph can hold two sentences with the same pair.)"""
    mentions, sentences = seed_tables
    for scope in ("pooled", "voa"):
        support = {}
        for unit in ("sentence", "paragraph", "article"):
            total = None
            for article_id in sorted(mentions["article_id"].unique()):
                m = cooccurrence_counts(mentions[mentions["article_id"] == article_id], sentences, Spec(unit=unit, scope=scope)).matrix
                full = (m > 0).astype(int).reindex(index=sorted(mentions["actor_id"].unique()), columns=sorted(mentions["actor_id"].unique()), fill_value=0)
                total = full if total is None else total + full
            support[unit] = total.to_numpy()
        assert (support["sentence"] <= support["paragraph"]).all() and (support["paragraph"] <= support["article"]).all()
        assert support["sentence"].sum() < support["article"].sum()


def test_the_long_table_holds_every_spec_and_measure(seed_tables: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    mentions, sentences = seed_tables
    specs = grid(["voa"], units=("sentence",), levels=("side",))
    long = long_table(mentions, sentences, specs)
    assert set(long["scope"]) == {"pooled", "voa"} and set(long["measure"]) == {"count", "jaccard", "conditional", "pmi", "npmi"}
    row = long[(long.scope == "pooled") & (long.unit == "sentence") & (long.measure == "count") & (long.actor_a == "russia") & (long.actor_b == "taliban")]
    direct = cooccurrence(mentions, sentences, Spec(level="side")).loc["russia", "taliban"]
    assert row["value"].item() == direct
    _ = apply_measure


def test_streamed_counts_equal_the_in_memory_counts_for_every_spec_and_chunk_size(tmp_path: Path) -> None:
    folder = PROJ_ROOT / "data" / "processed" / "actors"  # the committed tables
    mentions, sentences = read_csv(folder / "mentions.csv"), read_csv(folder / "sentences.csv")
    outlets = sorted(mentions["outlet_id"].unique())
    specs = [Spec(unit=u, level=lv, scope=sc, min_count=mc) for u in UNITS for lv in LEVELS for sc in ["pooled", outlets[0]] for mc in (1, 2)]
    specs.append(Spec(scope="no_such_outlet"))
    for rows in (7, 500, 200_000):  # chunks cut inside articles, a few per article, one chunk
        streamed = cooccurrence_counts_streamed(folder / "mentions.csv", folder / "sentences.csv", specs, chunk_rows=rows)
        for spec in specs:
            expected = cooccurrence_counts(mentions, sentences, spec)
            assert (streamed[spec].n_units, streamed[spec].message) == (expected.n_units, expected.message), spec
            pd.testing.assert_frame_equal(streamed[spec].matrix, expected.matrix)
    assert streamed[Spec(unit="sentence")].matrix.to_numpy().sum() > 0
    kept = cooccurrence_counts_streamed(folder / "mentions.csv", folder / "sentences.csv", specs, chunk_rows=7, dense=False)
    for spec in specs:  # the sparse form holds the same counts
        pd.testing.assert_frame_equal(kept[spec].dense(spec).matrix, cooccurrence_counts(mentions, sentences, spec).matrix)
    big = kept[Spec(unit="sentence")]
    assert big.matrix.nnz < len(big.keys) ** 2 and (big.matrix != big.matrix.T).nnz == 0


def test_streamed_counts_refuse_a_table_whose_articles_are_interleaved(tmp_path: Path) -> None:
    rows = pd.concat([TOY, TOY.assign(article_id="a2"), TOY.iloc[:1]], ignore_index=True)
    rows.to_csv(tmp_path / "mentions.csv", index=False)
    SENTENCES.to_csv(tmp_path / "sentences.csv", index=False)
    for rows in (3, 100):  # the repeat in a later chunk, and within one chunk
        with pytest.raises(InputError, match="rows of article 'a1' are not contiguous"):
            cooccurrence_counts_streamed(tmp_path / "mentions.csv", tmp_path / "sentences.csv", [Spec()], chunk_rows=rows)
    with pytest.raises(ValueError, match="speakers_as_mentions"):
        cooccurrence_counts_streamed(tmp_path / "mentions.csv", tmp_path / "sentences.csv", [Spec(speakers_as_mentions=True)])


NETWORK_SCRIPT = """
import io, sys
import matplotlib; matplotlib.use("agg")
import pandas as pd
from afstudy.plotting import cooccurrence_network
names = [f"actor_{i:02d}" for i in range(12)]
counts = pd.DataFrame(0, index=names, columns=names)
for i, a in enumerate(names):
    counts.loc[a, a] = 3 + i
for a, b in [(0, 1), (1, 2), (2, 0), (3, 4), (5, 6), (6, 7), (8, 9), (10, 11), (0, 3)]:
    counts.iloc[a, b] = counts.iloc[b, a] = 2 + a
buf = io.BytesIO()
cooccurrence_network(counts, {}, {}, "t").savefig(buf, format="svg", metadata={"Date": None})
sys.stdout.write(buf.getvalue().decode())
"""


def test_the_network_layout_does_not_depend_on_the_hash_seed() -> None:
    """Small components are laid out from their own node order, not a set's (a subgraph view
    of under half the graph iterates a set, whose order changes with PYTHONHASHSEED)."""
    import os
    import subprocess
    import sys

    svgs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "MPLBACKEND": "agg"}
        run = subprocess.run([sys.executable, "-c", NETWORK_SCRIPT], env=env, capture_output=True, text=True, check=True)
        svgs.add(run.stdout)
    assert len(svgs) == 1 and "<svg" in next(iter(svgs))


def test_afstudy_build_sets_the_makefiles_reproducible_environment() -> None:
    import re

    from afstudy.build import REPRODUCIBLE_ENV

    exported = dict(re.findall(r"^export (\w+) := (\S+)$", (PROJ_ROOT / "Makefile").read_text(encoding="utf-8"), re.M))
    assert exported == REPRODUCIBLE_ENV
