"""Actor co-occurrence: who appears with whom, by sentence, paragraph, article or window.

Everything is built from a sparse units x actors incidence matrix X (1 when the actor is
mentioned in the unit): the count matrix is XᵀX, so the cost grows with the number of
mentions, not with actors² x units.

Units: ``sentence``, ``paragraph`` (a body paragraph or other text unit), ``article``, and
``window``: every run of k consecutive tokens of an article (stride 1; a mention at token t
is in the windows starting at t-k+1 … t, so a pair of mentions d tokens apart shares k-d
windows). Levels: ``actor`` or ``side``. Scope: all outlets pooled, or one outlet.

Measures, for actors (or sides) A and B over the N units of the scope, with n_A units
mentioning A and n_AB units mentioning both:

- ``count``: n_AB (diagonal: n_A);
- ``jaccard``: n_AB / (n_A + n_B - n_AB) (diagonal 1; 0 when n_AB = 0);
- ``conditional``: P(B | A) = n_AB / n_A, row A, column B (not symmetric; diagonal 1);
- ``pmi``: log2(n_AB N / (n_A n_B)); undefined (NaN) when n_AB = 0; diagonal log2(N / n_A);
- ``npmi``: pmi / -log2(n_AB / N), in [-1, 1]; -1 when n_AB = 0 (its limit); 1 on the diagonal
  and wherever n_AB = N.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
from scipy.spatial.distance import squareform

from afstudy.errors import InputError, ParameterError
from afstudy.io import read_csv, write_csv

UNITS: tuple[str, ...] = ("sentence", "paragraph", "article", "window")
LEVELS: tuple[str, ...] = ("actor", "side")
MEASURES: tuple[str, ...] = ("count", "jaccard", "conditional", "pmi", "npmi")
BODY_PARTS: tuple[str, ...] = ("paragraph", "subheading")
TEXT_PARTS: tuple[str, ...] = ("headline", "standfirst", "caption", "paragraph", "subheading")
SLUG = re.compile(r"[a-z0-9_]+\Z")
UNIT_COLUMN = {"sentence": "sentence_id", "paragraph": "unit_id", "article": "article_id"}
LONG_COLUMNS = ["scope", "unit", "k", "level", "measure", "actor_a", "actor_b", "value"]
EVIDENCE_COLUMNS = ["scope", "unit", "k", "level", "actor_a", "actor_b", "article_id", "outlet_id", "unit_ref", "text"]


def _whole(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


@dataclass(frozen=True)
class Spec:
    """One co-occurrence parameter set.

    ``scope`` is ``pooled`` or an outlet id; ``k`` only matters for window units;
    ``min_count`` drops actors mentioned in fewer units and zeroes rarer pairs;
    ``include_media`` keeps media actors (left out by default: they are sources, not
    participants); ``speakers_as_mentions`` also counts a quote's speaker as mentioned in
    the quote's sentence (off by default: the counts then reflect the text as written);
    ``parts`` are the text parts whose mentions count (body only by default).
    """

    unit: str = "sentence"
    level: str = "actor"
    scope: str = "pooled"
    measure: str = "count"
    k: int = 20
    min_count: int = 1
    include_media: bool = False
    speakers_as_mentions: bool = False
    parts: tuple[str, ...] = BODY_PARTS

    def __post_init__(self) -> None:
        """Check every parameter: several become parts of file names (``slug``), so
        ``scope`` must be an id (``[a-z0-9_]+``) and ``k`` a whole number; a float such as
        2.7 is an error, not 2."""
        for name, allowed in (("unit", UNITS), ("level", LEVELS), ("measure", MEASURES)):
            if getattr(self, name) not in allowed:
                raise ParameterError(f"{name} must be one of {', '.join(allowed)}, not {getattr(self, name)!r}")
        if not isinstance(self.scope, str) or not SLUG.match(self.scope):
            raise ParameterError(f"scope must be 'pooled' or an outlet id (lowercase letters, digits and _ only), not {self.scope!r}")
        if not _whole(self.k) or self.k < 1:
            raise ParameterError(f"k must be a whole number of at least 1, not {self.k!r}")
        if not _whole(self.min_count) or self.min_count < 0:
            raise ParameterError(f"min_count must be a whole number of at least 0, not {self.min_count!r}")
        for name in ("include_media", "speakers_as_mentions"):
            if not isinstance(getattr(self, name), bool):
                raise ParameterError(f"{name} must be true or false, not {getattr(self, name)!r}")
        if not isinstance(self.parts, tuple) or not self.parts or any(p not in TEXT_PARTS for p in self.parts):
            raise ParameterError(f"parts must be a non-empty tuple of {', '.join(TEXT_PARTS)}, not {self.parts!r}")

    def replace(self, **changes: object) -> Spec:
        """A copy with some parameters changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def slug(self) -> str:
        """A file-name fragment that states the parameters."""
        unit = f"window{self.k}" if self.unit == "window" else self.unit
        return f"{self.scope}_{unit}_{self.level}"


@dataclass
class Counts:
    """Co-occurrence counts: the symmetric n_AB matrix and the number of units N."""

    matrix: pd.DataFrame
    n_units: int
    message: str = ""


def select_mentions(mentions: pd.DataFrame, spec: Spec, quotes: pd.DataFrame | None = None) -> pd.DataFrame:
    """The resolved mentions in the spec's scope and parts, with a ``key`` column (actor or side)."""
    m = mentions[(mentions["actor_id"] != "") & mentions["part"].isin(spec.parts)].copy()
    if spec.speakers_as_mentions and quotes is not None:
        m = pd.concat([m, _speaker_mentions(quotes, mentions, spec)], ignore_index=True)
    if not spec.include_media:
        m = m[m["side"] != "media"]
    if spec.scope != "pooled":
        m = m[m["outlet_id"] == spec.scope]
    m["key"] = m["actor_id"] if spec.level == "actor" else m["side"]
    return m


def _speaker_mentions(quotes: pd.DataFrame, mentions: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """Quote speakers as extra mentions, placed in the sentence where the quote starts."""
    q = quotes[(quotes["speaker_actor_id"] != "") & quotes["part"].isin(spec.parts)]
    if q.empty:
        return mentions.iloc[0:0]
    sides = mentions.drop_duplicates("actor_id").set_index("actor_id")["side"]
    first = mentions.sort_values("token_start").drop_duplicates(["article_id", "unit_id", "line_no"])
    rows = []
    for r in q.itertuples():
        anchor = first[(first["article_id"] == r.article_id) & (first["unit_id"] == r.unit_id)]
        sentence = anchor["sentence_id"].iloc[0] if len(anchor) else f"{r.unit_id}-s01"
        token = int(anchor["token_start"].iloc[0]) if len(anchor) else 0
        rows.append({"article_id": r.article_id, "outlet_id": r.outlet_id, "unit_id": r.unit_id, "part": r.part, "sentence_id": sentence, "token_start": token, "token_end": token + 1, "actor_id": r.speaker_actor_id, "side": r.speaker_side or sides.get(r.speaker_actor_id, ""), "text": r.speaker_text})
    return pd.DataFrame(rows)


def _unit_codes(m: pd.DataFrame, spec: Spec, key_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unit code, key code) of each mention; windows expand each mention to the k
    windows holding it, a window being coded as one integer (article, first token)."""
    if spec.unit != "window":
        return pd.factorize(m[UNIT_COLUMN[spec.unit]].astype(str), sort=False)[0], key_codes
    starts = m["token_start"].astype(np.int64).to_numpy()
    window_start = (starts[:, None] - np.arange(spec.k)[None, :]).ravel()
    article = np.repeat(pd.factorize(m["article_id"])[0].astype(np.int64), spec.k)
    keep = window_start >= 0
    windows = article[keep] * (int(starts.max(initial=0)) + 1) + window_start[keep]
    return pd.factorize(windows, sort=False)[0], np.repeat(key_codes, spec.k)[keep]


def count_units(sentences: pd.DataFrame, spec: Spec, outlets: pd.Series) -> int:
    """N: the number of units of the spec's kind in its scope (mentions or not)."""
    s = sentences[sentences["part"].isin(spec.parts)]
    if spec.scope != "pooled":
        s = s[s["article_id"].map(outlets) == spec.scope]
    if spec.unit == "window":
        return int(s.groupby("article_id")["token_end"].max().astype(int).sum())
    column = {"sentence": "sentence_id", "paragraph": "unit_id", "article": "article_id"}[spec.unit]
    return int(s[column].nunique())


def incidence(m: pd.DataFrame, spec: Spec) -> tuple[sparse.csr_matrix, list[str]]:
    """The binary units x keys incidence matrix (units in order of first mention) and
    its sorted key labels."""
    key_codes, key_labels = pd.factorize(m["key"], sort=True)
    unit_codes, key_codes = _unit_codes(m, spec, key_codes)
    data = np.ones(len(unit_codes), dtype=np.int64)
    x = sparse.csr_matrix((data, (unit_codes, key_codes)), shape=(int(unit_codes.max(initial=-1)) + 1, len(key_labels)))
    x.data[:] = 1  # binary per unit: several mentions in one unit count once
    return x, list(key_labels)


def cooccurrence_counts(mentions: pd.DataFrame, sentences: pd.DataFrame, spec: Spec, quotes: pd.DataFrame | None = None) -> Counts:
    """n_AB for every pair of actors (or sides) in scope, as a labelled symmetric frame."""
    m = select_mentions(mentions, spec, quotes)
    outlets = mentions.drop_duplicates("article_id").set_index("article_id")["outlet_id"]
    if m.empty:
        return _no_mentions(spec)
    x, keys = incidence(m, spec)
    return _counts(spec, (x.T @ x).toarray(), keys, count_units(sentences, spec, outlets))


def _no_mentions(spec: Spec) -> Counts:
    """The empty result of a spec whose scope and parts hold no mentions."""
    return Counts(pd.DataFrame(dtype=np.int64), 0, f"no mentions in scope {spec.scope!r} for parts {', '.join(spec.parts)}: empty matrix")


def _counts(spec: Spec, c: np.ndarray, keys: list[str], n_units: int) -> Counts:
    """Counts from an n_AB array over sorted ``keys`` (``min_count`` applied here)."""
    matrix = pd.DataFrame(c, index=keys, columns=keys)
    if spec.min_count > 1:
        keep = [k for k in keys if matrix.loc[k, k] >= spec.min_count]
        matrix = matrix.loc[keep, keep].where(lambda f: f >= spec.min_count, 0)
    matrix.index.name, matrix.columns.name = spec.level, spec.level
    return Counts(matrix.astype(np.int64), n_units)


MENTION_FIELDS = ["article_id", "outlet_id", "unit_id", "part", "sentence_id", "token_start", "actor_id", "side"]
SENTENCE_FIELDS = ["article_id", "unit_id", "part", "sentence_id", "token_end"]


def article_chunks(path: str | Path, columns: list[str], rows: int) -> Iterator[pd.DataFrame]:
    """A table read ``rows`` lines at a time, cut at article boundaries (the rows of one
    article must be contiguous, as afstudy writes them)."""
    carry: pd.DataFrame | None = None
    finished: set[str] = set()
    for chunk in read_csv(path, usecols=columns, chunksize=rows):
        if carry is not None:
            chunk = pd.concat([carry, chunk], ignore_index=True)
        ids = chunk["article_id"]
        runs = ids.ne(ids.shift()).to_numpy()
        repeated = set(ids[runs][ids[runs].duplicated()]) | (set(ids) & finished)
        if repeated:
            raise InputError(Path(path), f"the rows of article {sorted(repeated)[0]!r} are not contiguous; sort the table by article first")
        tail = ids == ids.iloc[-1]
        carry, done = chunk[tail], chunk[~tail]
        finished.update(done["article_id"])
        if len(done):
            yield done
    if carry is not None and len(carry):
        yield carry


@dataclass(frozen=True)
class SparseCounts:
    """Co-occurrence counts of a large corpus: n_AB as a sparse symmetric matrix over the
    sorted ``keys`` (the non-zero pairs only), and the number of units N."""

    matrix: sparse.csr_array
    keys: list[str]
    n_units: int

    def dense(self, spec: Spec) -> Counts:
        """The same counts as :func:`cooccurrence_counts` gives (``min_count`` applied)."""
        return _counts(spec, self.matrix.toarray(), self.keys, self.n_units) if self.keys else _no_mentions(spec)


class _PairCounts:
    """n_AB accumulated as sparse blocks over a growing key index: memory grows with the
    number of co-occurring pairs, not with the square of the number of actors."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.blocks: list[sparse.coo_array] = []

    def add(self, c: sparse.spmatrix, keys: list[str]) -> None:
        where = np.array([self.index.setdefault(k, len(self.index)) for k in keys], dtype=np.int64)
        block = sparse.coo_array(c)
        self.blocks.append(sparse.coo_array((block.data, (where[block.row], where[block.col]))))
        if len(self.blocks) >= 16:  # fold the blocks, so that they do not pile up
            self.blocks = [self._total()]

    def _total(self) -> sparse.coo_array:
        n = len(self.index)
        if not self.blocks:
            return sparse.coo_array((n, n), dtype=np.int64)
        rows, cols, data = (np.concatenate([getattr(b, part) for b in self.blocks]) for part in ("row", "col", "data"))
        total = sparse.coo_array((data.astype(np.int64), (rows, cols)), shape=(n, n))
        total.sum_duplicates()
        return total

    def sorted(self) -> tuple[sparse.csr_array, list[str]]:
        keys = sorted(self.index)
        where = np.array([self.index[k] for k in keys], dtype=np.intp)
        return self._total().tocsr()[where][:, where], keys


def cooccurrence_counts_streamed(
    mentions_csv: str | Path, sentences_csv: str | Path, specs: list[Spec], *, chunk_rows: int = 50_000, dense: bool = True
) -> dict[Spec, Counts] | dict[Spec, SparseCounts]:
    """The counts of several specs from the mentions and sentences tables on disk, in one
    pass over each, holding about ``chunk_rows`` rows at a time: memory does not grow
    with the corpus. With ``dense`` the result equals :func:`cooccurrence_counts` for each
    spec; with ``dense=False`` it is :class:`SparseCounts` (for the thousands of actors a
    large corpus names, whose dense matrices would not fit in memory; ``min_count`` is not
    applied). Quote speakers as mentions are not supported here."""
    if any(spec.speakers_as_mentions for spec in specs):
        raise ValueError("speakers_as_mentions needs the quotes table: use cooccurrence_counts")
    pairs = {spec: _PairCounts() for spec in specs}
    outlets: dict[str, str] = {}
    for chunk in article_chunks(mentions_csv, MENTION_FIELDS, chunk_rows):
        first = chunk.drop_duplicates("article_id")
        outlets.update(zip(first["article_id"], first["outlet_id"], strict=True))
        for spec in specs:
            m = select_mentions(chunk, spec)
            if not m.empty:
                x, keys = incidence(m, spec)
                pairs[spec].add(x.T @ x, keys)
    n_units = dict.fromkeys(specs, 0)
    outlet_of = pd.Series(outlets, dtype=object)
    for chunk in article_chunks(sentences_csv, SENTENCE_FIELDS, chunk_rows):
        for spec in specs:
            n_units[spec] += count_units(chunk, spec, outlet_of)
    found = {spec: SparseCounts(*pairs[spec].sorted(), n_units[spec]) for spec in specs}
    if not dense:
        return found
    return {spec: c.dense(spec) for spec, c in found.items()}


def apply_measure(counts: Counts, measure: str) -> pd.DataFrame:
    """Turn counts into one of MEASURES (see the module docstring for zero handling)."""
    c = counts.matrix.to_numpy(dtype=float)
    if measure == "count" or c.size == 0:
        return counts.matrix.copy()
    diag = np.diag(c)
    n = float(counts.n_units)
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "jaccard":
            out = c / (diag[:, None] + diag[None, :] - c)
        elif measure == "conditional":
            out = c / diag[:, None]
        else:
            pmi = np.log2(c * n / (diag[:, None] * diag[None, :]))
            pmi[c == 0] = np.nan
            if measure == "pmi":
                out = pmi
            else:
                denom = -np.log2(c / n)
                out = np.where(c == 0, -1.0, np.where(denom == 0, 1.0, pmi / denom))
                np.fill_diagonal(out, np.where(diag > 0, 1.0, np.nan))
    if measure in ("jaccard", "conditional"):
        out = np.nan_to_num(out, nan=0.0)
    return pd.DataFrame(out, index=counts.matrix.index, columns=counts.matrix.columns)


def cooccurrence(mentions: pd.DataFrame, sentences: pd.DataFrame, spec: Spec, quotes: pd.DataFrame | None = None) -> pd.DataFrame:
    """The co-occurrence matrix for ``spec`` (empty, with ``attrs['message']``, when the
    scope has no mentions)."""
    counts = cooccurrence_counts(mentions, sentences, spec, quotes)
    matrix = apply_measure(counts, spec.measure)
    matrix.attrs["message"] = counts.message
    matrix.attrs["n_units"] = counts.n_units
    return matrix


def to_long(matrix: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """A matrix as tidy rows (scope, unit, k, level, measure, actor_a, actor_b, value):
    every ordered pair, diagonal included, so asymmetric measures keep both directions."""
    if matrix.empty:
        return pd.DataFrame(columns=LONG_COLUMNS)
    named = matrix.rename_axis(index="actor_a", columns="actor_b")
    long = named.stack().rename("value").reset_index()  # keeps NaN (pandas >= 3)
    long.insert(0, "measure", spec.measure)
    long.insert(0, "level", spec.level)
    long.insert(0, "k", spec.k if spec.unit == "window" else 0)
    long.insert(0, "unit", spec.unit)
    long.insert(0, "scope", spec.scope)
    return long[LONG_COLUMNS]


def evidence(mentions: pd.DataFrame, sentences: pd.DataFrame, paragraphs_text: pd.Series, spec: Spec) -> pd.DataFrame:
    """For every non-zero pair, the units behind it with their text.

    Sentence and paragraph units cite the unit's text; article units cite the sentences
    that mention either actor; window units cite each pair of mentions at most k-1 tokens
    apart, with the sentences that hold them.
    """
    m = select_mentions(mentions, spec)
    if m.empty:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    sentence_text = sentences.set_index("sentence_id")["text"]
    rows = []
    k_value = spec.k if spec.unit == "window" else 0
    if spec.unit == "window":
        for article_id, group in m.sort_values("token_start").groupby("article_id", sort=True):
            g = group.to_dict("records")
            for i, a in enumerate(g):
                for b in g[i + 1 :]:
                    if int(b["token_start"]) - int(a["token_start"]) >= spec.k:
                        break
                    if a["key"] == b["key"]:
                        continue
                    pair = sorted((a["key"], b["key"]))
                    ids = sorted({a["sentence_id"], b["sentence_id"]})
                    rows.append([spec.scope, spec.unit, k_value, spec.level, *pair, article_id, a["outlet_id"], f"tokens {a['token_start']}-{b['token_end']}", " … ".join(sentence_text[i2] for i2 in ids)])
    else:
        column = UNIT_COLUMN[spec.unit]
        for unit_ref, group in m.groupby(column, sort=True):
            keys = sorted(set(group["key"]))
            first = group.iloc[0]
            if spec.unit == "sentence":
                text = sentence_text[unit_ref]
            elif spec.unit == "paragraph":
                text = paragraphs_text.get(unit_ref, " ".join(sentences[sentences["unit_id"] == unit_ref]["text"]))
            for a, b in combinations(keys, 2):
                if spec.unit == "article":
                    ids = sorted(set(group[group["key"].isin([a, b])]["sentence_id"]))
                    text = " … ".join(sentence_text[i] for i in ids)
                rows.append([spec.scope, spec.unit, k_value, spec.level, a, b, first["article_id"], first["outlet_id"], unit_ref, text])
    out = pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
    return out.sort_values(["actor_a", "actor_b", "article_id", "unit_ref"], kind="stable").reset_index(drop=True)


def grid(outlets: list[str], *, units: tuple[str, ...] = ("sentence", "paragraph", "article"), levels: tuple[str, ...] = LEVELS, k: int = 20, window_scopes: tuple[str, ...] = ("pooled",)) -> list[Spec]:
    """The parameter sets the paper needs: every unit x level, pooled and per outlet, plus
    k-token windows (pooled by default)."""
    specs = [Spec(unit=u, level=lv, scope=s) for u in units for lv in levels for s in ["pooled", *outlets]]
    specs += [Spec(unit="window", level=lv, scope=s, k=k) for lv in levels for s in window_scopes]
    return specs


def long_table(mentions: pd.DataFrame, sentences: pd.DataFrame, specs: list[Spec], measures: tuple[str, ...] = MEASURES) -> pd.DataFrame:
    """One tidy table with every spec x measure, for the pairs that co-occur at least once
    (and the diagonal); a missing pair has count 0, jaccard 0, npmi -1 and pmi undefined."""
    parts = []
    for spec in specs:
        counts = cooccurrence_counts(mentions, sentences, spec)
        support = to_long(counts.matrix, spec)["value"].to_numpy() > 0 if not counts.matrix.empty else None
        for measure in measures:
            long = to_long(apply_measure(counts, measure), replace(spec, measure=measure))
            parts.append(long[support] if support is not None else long)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=LONG_COLUMNS)


def clustered_order(matrix: pd.DataFrame, groups: dict[str, str], group_rank: dict[str, int]) -> list[str]:
    """Rows ordered by group (side), then by hierarchical clustering (average linkage on
    Jaccard-like distances, optimal leaf order) within each group: deterministic."""
    order: list[str] = []
    labels = list(matrix.index)
    for group in sorted({groups.get(x, "") for x in labels}, key=lambda g: (group_rank.get(g, 99), g)):
        members = sorted(x for x in labels if groups.get(x, "") == group)
        if len(members) < 3:
            order += members
            continue
        sub = matrix.loc[members, members].to_numpy(dtype=float)
        diag = np.diag(sub)
        with np.errstate(divide="ignore", invalid="ignore"):
            sim = np.nan_to_num(sub / (diag[:, None] + diag[None, :] - sub))
        dist = 1 - sim
        np.fill_diagonal(dist, 0)
        dist = (dist + dist.T) / 2
        z = linkage(squareform(dist, checks=False), method="average")
        z = optimal_leaf_ordering(z, squareform(dist, checks=False))
        order += [members[i] for i in leaves_list(z)]
    return order



def write_wide(counts: Counts, spec: Spec, out_dir: Path) -> list[Path]:
    """Write the wide matrix of every measure as ``<slug>_<measure>.csv`` (rows: actor_a)."""
    paths = []
    for measure in MEASURES:
        wide = apply_measure(counts, measure).rename_axis(index="actor_a", columns=None).reset_index()
        paths.append(write_csv(wide, out_dir / f"{spec.slug}_{measure}.csv"))
    return paths


def focus_pairs(mentions: pd.DataFrame, sentences: pd.DataFrame, *, unit: str, outlets: list[str], focus: str = "russia", measure: str = "jaccard") -> pd.DataFrame:
    """For each outlet, ``measure`` between the ``focus`` side and every other side."""
    rows = []
    for outlet in outlets:
        m = cooccurrence(mentions, sentences, Spec(unit=unit, level="side", scope=outlet, measure=measure))
        if m.empty or focus not in m.index:
            continue
        for other in m.columns:
            if other != focus:
                rows.append({"pair": f"{focus}–{other}", "outlet_id": outlet, "value": float(m.loc[focus, other])})
    return pd.DataFrame(rows, columns=["pair", "outlet_id", "value"])


def write_grid_tables(extract_dir: Path, out_dir: Path, *, k: int = 20) -> dict[str, Path]:
    """The long table and the evidence table of the paper's grid (outlets from the
    mentions table), from an extraction folder, into ``out_dir``."""
    from afstudy.columnar import has_table, read_extract

    tables = {name: read_extract(extract_dir, name) for name in ("mentions", "sentences")}
    paragraph_text = read_extract(extract_dir, "paragraphs").set_index("paragraph_id")["text"] if has_table(extract_dir, "paragraphs") else pd.Series(dtype=str)
    specs = grid(sorted(tables["mentions"]["outlet_id"].unique()), k=k)
    long = long_table(tables["mentions"], tables["sentences"], specs)
    rows = [evidence(tables["mentions"], tables["sentences"], paragraph_text, spec) for spec in specs]
    return {
        "cooccurrence_long": write_csv(long, out_dir / "cooccurrence_long.csv"),
        "cooccurrence_evidence": write_csv(pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=EVIDENCE_COLUMNS), out_dir / "cooccurrence_evidence.csv"),
    }


def checked_spec(*, unit: object, level: object, scope: object, measure: object = "count", k: object = 20, min_count: object = 1, outlets: list[str]) -> Spec:
    """A Spec from notebook or command-line values, each checked where it enters: ``scope``
    must be ``pooled`` or an outlet of the corpus (it becomes part of file names), ``k`` and
    ``min_count`` whole numbers (2.7 is an error, not 2)."""
    from afstudy.errors import AfstudyError

    def whole(value: object, name: str, least: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) and not (isinstance(value, str) and value.isdigit()):
            raise AfstudyError(f"{name} must be a whole number, got {value!r}")
        if int(value) < least:
            raise AfstudyError(f"{name} must be at least {least}, got {value!r}")
        return int(value)

    if scope != "pooled" and scope not in outlets:
        raise AfstudyError(f"scope must be 'pooled' or an outlet of the corpus ({', '.join(outlets) or 'none'}), got {scope!r}")
    for name, value, allowed in (("unit", unit, UNITS), ("level", level, LEVELS), ("measure", measure, MEASURES)):
        if value not in allowed:
            raise AfstudyError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return Spec(unit=str(unit), level=str(level), scope=str(scope), measure=str(measure), k=whole(k, "k", 1), min_count=whole(min_count, "min_count", 0))
