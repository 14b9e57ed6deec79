"""Framing: frame dimensions found by a lemma-based lexicon, and per-outlet measures.

The lexicon (``data/frames.yaml``) is data: terms written as lowercase lemmas and spaCy
Matcher token patterns for each of 13 dimensions adapted from the Policy Frames Codebook
(Boydstun et al. 2014; Card et al. 2015). Two pipeline components do the matching:

- ``afstudy_lemmas``: lowercase lookup lemmas from spacy-lookups-data (the lookup table
  is case-sensitive, so a capitalised word falls back to the lemma of its lowercase form);
- ``afstudy_frames``: every hit as a span in ``doc.spans["afstudy_frames"]`` (label =
  dimension id, kb_id = the term or pattern that matched), excluded phrases removed.
  Terms go through a lemma ``PhraseMatcher``; token patterns through
  ``afstudy.tokenpatterns`` (the same matches as spaCy's ``Matcher``, much faster), and
  any pattern outside its subset through spaCy's ``Matcher``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import srsly
from spacy.attrs import LEMMA, ORTH
from spacy.language import Language
from spacy.lookups import load_lookups
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from afstudy.errors import ConfigError
from afstudy.intervals import ratio_interval
from afstudy.intervals import ratio_interval
from afstudy.paths import DATA_DIR, FRAMES_FILE
from afstudy.schemas import compile_regex, load_checked
from afstudy.tokenpatterns import TokenPatternMatcher, supported
from afstudy.units import ArticleDoc

FRAMES_KEY = "afstudy_frames"


@dataclass(frozen=True)
class Dimension:
    """One frame dimension with its lexicon."""

    id: str
    name: str
    description: str
    terms: tuple[str, ...]
    patterns: tuple[list[dict[str, Any]], ...]
    exclude: tuple[str, ...]


def load_lexicon(path: str | Path = FRAMES_FILE) -> list[Dimension]:
    """Load the frame lexicon, checked against ``data/schemas/frames.schema.json`` (only
    ``matching: {attr: LEMMA, lowercase: true}`` is implemented; token attributes the
    pipeline never sets, such as POS, are rejected), with duplicate ids and REGEX values
    checked here; errors name the file, line and key."""
    doc = load_checked(path, "frames")
    first: dict[str, int] = {}
    dims = []
    for i, item in enumerate(doc.data["dimensions"]):
        if item["id"] in first:
            raise doc.error(("dimensions", i, "id"), f"duplicate dimension id {item['id']!r} (first at line {doc.line(('dimensions', first[item['id']]))})")
        first[item["id"]] = i
        patterns = item.get("patterns") or []
        if not item.get("terms") and not patterns:
            raise doc.error(("dimensions", i), f"dimension {item['id']!r} has neither terms nor patterns")
        for n, pattern in enumerate(patterns):
            for t, token in enumerate(pattern):
                for attr, value in token.items():
                    if isinstance(value, dict) and "REGEX" in value:
                        compile_regex(doc, ("dimensions", i, "patterns", n, t, attr, "REGEX"), value["REGEX"])
        dims.append(
            Dimension(
                id=item["id"],
                name=item["name"],
                description=str(item.get("description", "")),
                terms=tuple(t.strip().lower() for t in item.get("terms") or []),
                patterns=tuple(_plain(pt) for pt in patterns),
                exclude=tuple(t.strip().lower() for t in item.get("exclude") or []),
            )
        )
    return dims


def _plain(value: Any) -> Any:
    """Plain dicts and lists (spaCy's pattern validation wants plain types)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@Language.factory("afstudy_lemmas", assigns=["token.lemma"])
def make_lemmas(nlp: Language, name: str) -> LookupLemmas:
    """Factory of the lowercase lookup lemmatizer."""
    return LookupLemmas()


class LookupLemmas:
    """Lowercase lemmas from spaCy's English lookup table, with a lowercase fallback.

    Lemmas are looked up once per distinct word form (cached by its hash) and written in
    one ``Doc.from_array`` call. Inside ``nlp.memory_zone()`` the lemma strings it adds
    are transient, so the cache entries made in a zone are dropped when the zone ends.
    """

    def __init__(self) -> None:
        self.table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
        self._cache: dict[int, int] = {}  # word form hash -> lemma hash, in insertion order

    @contextmanager
    def memory_zone(self, mem: Any = None) -> Iterator[None]:
        """Called by ``Language.memory_zone``: forget the lemmas first cached in the zone
        (their strings are freed with it)."""
        mark = len(self._cache)
        try:
            yield
        finally:
            for key in list(islice(self._cache, mark, None)):
                del self._cache[key]

    def lemma(self, text: str) -> str:
        """The lowercase lemma of one word."""
        found = self.table.get(text)
        if found is None:
            lower = text.lower()
            found = self.table.get(lower, lower)
        return str(found).lower()

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        strings = doc.vocab.strings
        cache = self._cache
        orths, inverse = np.unique(doc.to_array(ORTH), return_inverse=True)
        lemmas = np.fromiter(
            (cache[h] if h in cache else cache.setdefault(h, strings.add(self.lemma(strings[h]))) for h in orths.tolist()),
            dtype=np.uint64,
            count=len(orths),
        )
        doc.from_array([LEMMA], lemmas[inverse].reshape(-1, 1))
        return doc


def longest_first(hits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping hits count once: the longest, then the first (``spacy.util.filter_spans``
    on (start, end, term) tuples, without building Spans)."""
    ordered = sorted(hits, key=lambda h: (h[1] - h[0], -h[0]), reverse=True)
    seen: set[int] = set()
    out = []
    for start, end, term in ordered:
        if start not in seen and end - 1 not in seen:
            out.append((start, end, term))
            seen.update(range(start, end))
    return sorted(out, key=lambda h: h[0])


@Language.factory("afstudy_frames", assigns=["doc.spans"], default_config={"lexicon_path": None})
def make_frames(nlp: Language, name: str, lexicon_path: str | None) -> FrameFinder:
    """Factory of the frame lexicon matcher."""
    return FrameFinder(nlp, load_lexicon(lexicon_path or FRAMES_FILE), Path(lexicon_path or FRAMES_FILE))


class FrameFinder:
    """Lexicon hits of every frame dimension, matched on lowercase lemmas."""

    def __init__(self, nlp: Language, dimensions: list[Dimension], path: Path) -> None:
        self.nlp = nlp
        self.path = path
        self._build(dimensions)

    def _build(self, dimensions: list[Dimension]) -> None:
        self.dimensions = dimensions
        self.terms = PhraseMatcher(self.nlp.vocab, attr="LEMMA")
        self.excludes = PhraseMatcher(self.nlp.vocab, attr="LEMMA")
        self.fast_patterns = TokenPatternMatcher(self.nlp.vocab.strings)
        self.patterns = Matcher(self.nlp.vocab, validate=True)  # patterns outside the fast subset
        for dim in dimensions:
            if dim.terms:
                self.terms.add(dim.id, [self._lemma_doc(t) for t in dim.terms])
            if dim.exclude:
                self.excludes.add(dim.id, [self._lemma_doc(t) for t in dim.exclude])
            for n, pattern in enumerate(dim.patterns):
                key = f"{dim.id}|pattern{n + 1}"
                try:
                    Matcher(self.nlp.vocab, validate=True).add(key, [pattern])
                except (ValueError, KeyError) as exc:
                    raise ConfigError(self.path, f"dimension {dim.id!r}: bad token pattern {n + 1}: {str(exc).splitlines()[0]}") from exc
                if supported(pattern):
                    self.fast_patterns.add(key, pattern)
                else:
                    self.patterns.add(key, [pattern])

    def _lemma_doc(self, term: str) -> Doc:
        """A pattern Doc for a term written as lemmas: each token's lemma is its text."""
        doc = self.nlp.make_doc(term)
        for token in doc:
            token.lemma_ = token.lower_
        return doc

    def __call__(self, doc: Doc) -> Doc:
        strings = doc.vocab.strings
        blocked: dict[str, set[int]] = {}
        for match_id, start, end in self.excludes(doc):
            blocked.setdefault(strings[match_id], set()).update(range(start, end))
        hits: dict[str, list[tuple[int, int, str]]] = {}  # dimension -> (start, end, term or pattern)
        lemmas: list[int] | None = None
        for match_id, start, end in self.terms(doc):
            dim = strings[match_id]
            if not blocked.get(dim, set()).intersection(range(start, end)):
                lemmas = doc.to_array(LEMMA).tolist() if lemmas is None else lemmas
                hits.setdefault(dim, []).append((start, end, " ".join(strings[h] for h in lemmas[start:end])))
        pattern_matches = self.fast_patterns(doc)
        if len(self.patterns):
            pattern_matches += [(strings[m], start, end) for m, start, end in self.patterns(doc)]
        for key, start, end in pattern_matches:
            dim, pattern = key.split("|")
            if not blocked.get(dim, set()).intersection(range(start, end)):
                hits.setdefault(dim, []).append((start, end, pattern))
        kept = [(start, end, dim, term) for dim in sorted(hits) for start, end, term in longest_first(hits[dim])]
        kept.sort(key=lambda h: (h[0], h[1], h[2]))
        doc.spans[FRAMES_KEY] = [Span(doc, start, end, label=dim, kb_id=term) for start, end, dim, term in kept]
        return doc

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Save the lexicon beside the pipeline."""
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        (out / "frames.yaml").write_bytes(self.path.read_bytes())
        srsly.write_json(out / "dimensions.json", [d.id for d in self.dimensions])

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> FrameFinder:
        """Load the lexicon saved by ``to_disk``."""
        self.path = Path(path) / "frames.yaml"
        self._build(load_lexicon(self.path))
        return self


# ---- measures ---------------------------------------------------------------------------
def frame_hit_rows(ad: ArticleDoc) -> list[dict[str, object]]:
    """One row per lexicon hit of an article, with its sentence and raw-line offsets."""
    rows = []
    for span in ad.doc.spans[FRAMES_KEY]:
        unit = ad.unit_at(span.start_char)
        base = unit.raw_offset - unit.doc_start
        rows.append(
            {
                "article_id": ad.article.article_id,
                "outlet_id": ad.article.raw.meta.outlet_id,
                "unit_id": unit.unit_id,
                "part": unit.part,
                "sentence_id": ad.sentence_id_at(span.start),
                "line_no": unit.line_no,
                "start": span.start_char + base,
                "end": span.end_char + base,
                "frame": span.label_,
                "term": span.kb_id_,
                "text": span.text,
            }
        )
    return rows


def sentence_frames(sentences: pd.DataFrame, hits: pd.DataFrame, frames: list[str]) -> pd.DataFrame:
    """Sentences x frames: the number of lexicon hits of each frame in each sentence."""
    counts = hits.groupby(["sentence_id", "frame"]).size().unstack(fill_value=0) if len(hits) else pd.DataFrame()
    counts = counts.reindex(index=sentences["sentence_id"], columns=frames, fill_value=0)
    out = sentences[["article_id", "sentence_id", "part", "words_count"]].reset_index(drop=True)
    return pd.concat([out, counts.reset_index(drop=True).astype(int)], axis=1)


def salience(per_sentence: pd.DataFrame, groups: pd.Series, frames: list[str], *, parts: tuple[str, ...] = ("paragraph", "subheading"), n_boot: int = 2000, seed: int = 2018) -> pd.DataFrame:
    """Frame salience per group (outlet, event, outlet type): share of body sentences with a
    hit and hits per 1,000 words, each with a 95% bootstrap interval that resamples the
    group's articles (``afstudy.intervals``; no interval for a group of one article)."""
    body = per_sentence[per_sentence["part"].isin(parts)].copy()
    body["group"] = body["article_id"].map(groups)
    body["words"] = body["words_count"].astype(int)
    rows = []
    for group, part in body.groupby("group", sort=True):
        values = part[frames].astype(int)
        by_article = part["article_id"]
        sentences = by_article.value_counts().sort_index().to_numpy()
        words_arr = part.groupby("article_id", sort=True)["words"].sum().to_numpy()
        has_all = (values > 0).groupby(by_article, sort=True).sum()
        hits_all = values.groupby(by_article, sort=True).sum()
        for k, frame in enumerate(frames):
            has, hit_sums = has_all[frame].to_numpy(), hits_all[frame].to_numpy()
            share, lo, hi, method = ratio_interval(has, sentences, n_boot=n_boot, seed=seed + k)
            rate, rlo, rhi, _ = ratio_interval(hit_sums, words_arr, scale=1000.0, n_boot=n_boot, seed=seed + k)
            rows.append(
                {
                    "group": group,
                    "frame": frame,
                    "articles_count": len(sentences),
                    "sentences_count": int(sentences.sum()),
                    "sentences_with_frame_count": int(has.sum()),
                    "sentence_share": share,
                    "sentence_share_low": lo,
                    "sentence_share_high": hi,
                    "hits_count": int(hit_sums.sum()),
                    "words_count": int(words_arr.sum()),
                    "hits_per_1000_words": rate,
                    "hits_per_1000_words_low": rlo,
                    "hits_per_1000_words_high": rhi,
                    "interval_method": method,
                }
            )
    return pd.DataFrame(rows)


def frame_scores(per_sentence: pd.DataFrame, gold: pd.DataFrame, frames: list[str]) -> pd.DataFrame:
    """Per-frame precision and recall of the lexicon against hand-coded sentence frames
    (a sentence has a frame when it has at least one lexicon hit), plus micro averages."""
    coded = sorted(set(gold["sentence_id"]))
    gold_sets = {f: set(gold[gold["frame"] == f]["sentence_id"]) for f in frames}
    pred = per_sentence[per_sentence["sentence_id"].isin(coded)].set_index("sentence_id")
    rows = []
    tp_all = pred_all = gold_all = 0
    for f in frames:
        predicted = set(pred.index[pred[f] > 0])
        true = gold_sets[f]
        tp = len(predicted & true)
        tp_all, pred_all, gold_all = tp_all + tp, pred_all + len(predicted), gold_all + len(true)
        p = tp / len(predicted) if predicted else float("nan")
        r = tp / len(true) if true else float("nan")
        f1 = 2 * p * r / (p + r) if predicted and true and (p + r) else float("nan")
        rows.append({"frame": f, "precision": p, "recall": r, "f1": f1, "gold_count": len(true), "predicted_count": len(predicted), "true_positives": tp})
    p, r = tp_all / pred_all if pred_all else float("nan"), tp_all / gold_all if gold_all else float("nan")
    rows.append({"frame": "micro_average", "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else float("nan"), "gold_count": gold_all, "predicted_count": pred_all, "true_positives": tp_all})
    return pd.DataFrame(rows)


def headline_frames(per_sentence: pd.DataFrame, frames: list[str]) -> pd.DataFrame:
    """The frames of each article's headline (and standfirst), one row per article."""
    head = per_sentence[per_sentence["part"].isin(("headline", "standfirst"))]
    rows = []
    for article_id, part in head.groupby("article_id", sort=True):
        found = [f for f in frames if part[f].sum() > 0]
        rows.append({"article_id": article_id, "headline_frames": "; ".join(found), "frames_count": len(found)})
    return pd.DataFrame(rows, columns=["article_id", "headline_frames", "frames_count"])


def portrayal(per_sentence: pd.DataFrame, mentions: pd.DataFrame, groups: pd.Series, frames: list[str], *, side: str = "russia", parts: tuple[str, ...] = ("paragraph", "subheading")) -> pd.DataFrame:
    """Which frames co-occur with a side: per group, the share of body sentences that
    mention the side and carry each frame."""
    mentioning = set(mentions[(mentions["side"] == side) & (mentions["part"].isin(parts))]["sentence_id"])
    body = per_sentence[per_sentence["part"].isin(parts) & per_sentence["sentence_id"].isin(mentioning)].copy()
    body["group"] = body["article_id"].map(groups)
    rows = []
    for group, part in body.groupby("group", sort=True):
        for frame in frames:
            rows.append({"group": group, "side": side, "frame": frame, "sentences_count": len(part), "sentence_share": float((part[frame] > 0).mean())})
    return pd.DataFrame(rows, columns=["group", "side", "frame", "sentences_count", "sentence_share"])


def to_booktabs(frame: pd.DataFrame, *, caption: str, label: str, float_format: str = "{:.2f}") -> str:
    r"""A table as LaTeX with booktabs rules (needs \usepackage{booktabs})."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            text = "--" if np.isnan(value) else float_format.format(value)
        else:
            text = str(value)
        for char, escaped in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"), ("#", r"\#")):
            text = text.replace(char, escaped)
        return text

    align = "l" + "r" * (frame.shape[1] - 1)
    lines = [
        r"\begin{table}[htbp]",
        r"\centering",
        rf"\caption{{{cell(caption)}}}",
        rf"\label{{{label}}}",
        rf"\begin{{tabular}}{{{align}}}",
        r"\toprule",
        " & ".join(cell(c) for c in frame.columns) + r" \\",
        r"\midrule",
        *[" & ".join(cell(v) for v in row) + r" \\" for row in frame.itertuples(index=False)],
        r"\bottomrule",
        r"\end{tabular}",
        r"\end{table}",
    ]
    return "\n".join(lines) + "\n"


def outlet_comparison(sal: pd.DataFrame, attention: pd.DataFrame, sourcing: pd.DataFrame, *, frames: list[str], sides: list[str]) -> pd.DataFrame:
    """One row per outlet: frame salience (share of body sentences), attention by side
    (mentions per 1,000 words), quoted-word share by side and the anonymous quote share."""
    table = sal[sal["frame"].isin(frames)].pivot(index="group", columns="frame", values="sentence_share")[frames]
    table.columns = [f"{f} share" for f in frames]
    att = attention[attention["side"].isin(sides)].pivot(index="outlet_id", columns="side", values="mentions_per_1000_words").reindex(columns=sides).fillna(0.0)
    att.columns = [f"{s} per 1k words" for s in sides]
    src = sourcing[sourcing["side"].isin(sides)].pivot(index="outlet_id", columns="side", values="quoted_words_share").reindex(columns=sides).fillna(0.0)
    src.columns = [f"{s} quoted share" for s in sides]
    anonymous = sourcing.assign(anon=sourcing["anonymous_share"] * sourcing["quotes_count"]).groupby("outlet_id").apply(
        lambda d: d["anon"].sum() / d["quotes_count"].sum() if d["quotes_count"].sum() else float("nan"), include_groups=False
    )
    out = table.join(att).join(src)
    out["anonymous quote share"] = anonymous
    return out.rename_axis("outlet").reset_index()


@dataclass
class Framing:
    """The framing tables of a corpus (see :func:`write_framing`)."""

    per_sentence: pd.DataFrame
    salience: pd.DataFrame
    headlines: pd.DataFrame
    portrayal: pd.DataFrame
    labels: pd.DataFrame
    attention: pd.DataFrame
    sourcing: pd.DataFrame
    comparison: pd.DataFrame


COMPARISON_FRAMES = ["political", "security_defense", "external_regulation_reputation", "policy_prescription"]
COMPARISON_SIDES = ["russia", "taliban", "united_states", "afghan_government"]
LABEL_ACTORS = ("taliban", "afghan_government", "taliban_government", "russia")


def write_framing(tables: dict[str, pd.DataFrame], out_dir: Path, *, frames: list[str], sides: list[str], outlets: list[str] | None = None, n_boot: int = 2000, seed: int = 2018) -> Framing:
    """Every framing table of a corpus from its extraction tables (articles, sentences,
    mentions, quotes, frame_hits, labels, actors), for ``outlets`` (all when empty), written
    into ``out_dir`` as CSV (and the outlet comparison as LaTeX)."""
    from afstudy.io import atomic_open, write_csv
    from afstudy.mentions import label_use, mention_rates, side_attention
    from afstudy.quotes import sourcing_table

    articles = tables["articles"]
    chosen = sorted(outlets) if outlets else sorted(articles["outlet_id"].unique())
    unknown = sorted(set(chosen) - set(articles["outlet_id"]))
    if unknown:
        raise ConfigError(out_dir, f"outlets not in the corpus: {', '.join(unknown)}")
    articles = articles[articles["outlet_id"].isin(chosen)]
    ids = set(articles["article_id"])
    hits, sentences, mentions, quotes = (tables[n][tables[n]["article_id"].isin(ids)] for n in ("frame_hits", "sentences", "mentions", "quotes"))
    per_sentence = sentence_frames(sentences, hits, frames)
    by = articles.set_index("article_id")
    groups = {"outlet": by["outlet_id"], "event": by["event"], "outlet_type": by["outlet_type"]}
    sal = pd.concat([salience(per_sentence, mapping, frames, n_boot=n_boot, seed=seed).assign(group_type=kind) for kind, mapping in groups.items()], ignore_index=True)
    sal = sal[["group_type"] + [c for c in sal.columns if c != "group_type"]]
    heads = headline_frames(per_sentence, frames)
    russia = portrayal(per_sentence, mentions, groups["outlet"], frames, side="russia")
    labels = label_use(tables["labels"][tables["labels"]["outlet_id"].isin(chosen)], LABEL_ACTORS)
    attention = side_attention(mention_rates(mentions, articles, tables["actors"]))
    sourcing = sourcing_table(quotes, chosen, sides)
    comparison = outlet_comparison(sal[sal.group_type == "outlet"], attention, sourcing, frames=[f for f in COMPARISON_FRAMES if f in frames], sides=[s for s in COMPARISON_SIDES if s in sides])
    for name, frame in (("frame_hits", hits), ("sentence_frames", per_sentence), ("salience", sal), ("headline_frames", heads), ("portrayal", russia), ("attention", attention), ("outlet_comparison", comparison)):
        write_csv(frame, out_dir / f"{name}.csv")
    latex = to_booktabs(comparison, caption="Framing, attention and sourcing per outlet (share of body sentences; mentions per 1,000 body words; share of quoted words)", label="tab:outlet-comparison")
    with atomic_open(out_dir / "outlet_comparison.tex", "w", encoding="utf-8", newline="\n") as handle:
        handle.write(latex)
    return Framing(per_sentence, sal, heads, russia, labels, attention, sourcing, comparison)
