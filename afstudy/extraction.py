"""Running the spaCy pipeline over parsed articles and tabulating what it finds.

One spaCy ``Doc`` per article: its headline, standfirst, captions and body paragraphs in
reading order, joined by blank lines, so that names resolve across the whole article.
Every offset in the output tables is a character offset into the raw line of the seed
file (``line_no``), so each row can be traced back to the text.
"""

from __future__ import annotations

from bisect import insort
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from spacy.language import Language
from spacy.tokens import Doc

from afstudy.cleaning import words
from afstudy.framing import FRAMES_KEY, frame_hit_rows
from afstudy.gazetteer import Gazetteer
from afstudy.io import write_csv
from afstudy.parsing import Article, ParsedCorpus, article_row, line_rows, paragraph_rows
from afstudy.pipeline import BYLINE_KEY, DATE_KEY, MENTIONS_KEY, PLACES_KEY, PROVISIONAL_KEY, UNRESOLVED
from afstudy.quotes import QUOTE_COLUMNS, QuoteRules, load_quote_rules, quote_rows
from afstudy.units import ArticleDoc, Unit, article_date, article_text, article_units

CANDIDATE_SKIP = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december".split()
)


def article_doc_input(nlp: Language, article: Article, units: list[Unit]) -> Doc:
    """The article's tokenised Doc, carrying its date for date-restricted actor identities."""
    doc = nlp.make_doc(article_text(units))
    doc.user_data[DATE_KEY] = article_date(article)
    doc.user_data[BYLINE_KEY] = [(u.doc_start, u.doc_end) for u in units if u.part == "byline"]
    return doc


def process_articles(nlp: Language, articles: Iterable[Article], *, batch_size: int = 16, n_process: int = 1) -> Iterator[ArticleDoc]:
    """Run the pipeline over articles lazily, in order (one batch of Docs in memory)."""
    stream = ((article_doc_input(nlp, article, units), (article, units)) for article in articles for units in [article_units(article)])
    for doc, (article, units) in nlp.pipe(stream, as_tuples=True, batch_size=batch_size, n_process=n_process):
        yield ArticleDoc(article, units, doc)


def _locate(ad: ArticleDoc, start_char: int, end_char: int) -> tuple[Unit, int, int]:
    unit = ad.unit_at(start_char)
    base = unit.raw_offset - unit.doc_start
    return unit, start_char + base, end_char + base


def sentence_rows(ad: ArticleDoc) -> list[dict[str, object]]:
    """One row per sentence of the article."""
    rows = []
    for sent, raw, (sentence_id, number) in zip(ad.sentences, ad.sentence_texts, ad.sentence_ids, strict=True):
        lead = len(raw) - len(raw.lstrip())
        text = raw.strip()
        start_char = sent.start_char + lead
        unit, start, end = _locate(ad, start_char, start_char + len(text))
        rows.append(
            {
                "article_id": ad.article.article_id,
                "unit_id": unit.unit_id,
                "part": unit.part,
                "sentence_id": sentence_id,
                "sentence_no": number,
                "line_no": unit.line_no,
                "start": start,
                "end": end,
                "token_start": sent.start,
                "token_end": sent.end,
                "words_count": len(words(text)),
                "text": text,
            }
        )
    return rows


def mention_rows(ad: ArticleDoc, gazetteer: Gazetteer) -> list[dict[str, object]]:
    """One row per actor mention."""
    rows = []
    provisional = ad.doc.user_data.get(PROVISIONAL_KEY, {})
    for n, span in enumerate(ad.doc.spans[MENTIONS_KEY], start=1):
        unit, start, end = _locate(ad, span.start_char, span.end_char)
        actor = gazetteer.actors.get(span.label_)
        new = provisional.get(span.label_)
        rows.append(
            {
                "mention_id": f"{ad.article.article_id}-m{n:03d}",
                "article_id": ad.article.article_id,
                "outlet_id": ad.article.raw.meta.outlet_id,
                "unit_id": unit.unit_id,
                "part": unit.part,
                "sentence_id": ad.sentence_id_at(span.start),
                "file": ad.article.raw.meta.file,
                "line_no": unit.line_no,
                "start": start,
                "end": end,
                "token_start": span.start,
                "token_end": span.end,
                "text": span.text,
                "actor_id": "" if span.label_ == UNRESOLVED else span.label_,
                "side": actor.side_on(ad.date) if actor else (new["side"] if new else ""),
                "actor_type": actor.type if actor else (new["type"] if new else ""),
                "how": span.kb_id_,
                "is_provisional": new is not None,
            }
        )
    return rows


def place_rows(ad: ArticleDoc, gazetteer: Gazetteer) -> list[dict[str, object]]:
    """One row per place use (a name used as a location, not as an actor)."""
    rows = []
    for span in ad.doc.spans[PLACES_KEY]:
        unit, start, end = _locate(ad, span.start_char, span.end_char)
        place = gazetteer.places.get(span.label_)
        country = place.country if place else (span.label_ if span.label_ in gazetteer.actors else "")
        rows.append(
            {
                "article_id": ad.article.article_id,
                "unit_id": unit.unit_id,
                "sentence_id": ad.sentence_id_at(span.start),
                "file": ad.article.raw.meta.file,
                "line_no": unit.line_no,
                "start": start,
                "end": end,
                "text": span.text,
                "place_id": span.label_,
                "country": country or "",
                "cue": span.kb_id_,
            }
        )
    return rows


def candidate_rows(ad: ArticleDoc, gazetteer: Gazetteer) -> list[dict[str, object]]:
    """Capitalised spans (and pretrained-NER entities) that no gazetteer entry covers."""
    covered: set[int] = set()
    for key in (MENTIONS_KEY, PLACES_KEY):
        for span in ad.doc.spans[key]:
            covered.update(range(span.start, span.end))
    titles = {t.lower() for title in gazetteer.titles for t in title.split()}
    rows = []
    run: list[int] = []

    def flush() -> None:
        tokens = [ad.doc[i] for i in run]
        while tokens and (tokens[0].is_stop or tokens[0].lower_ in titles):
            tokens = tokens[1:]
        if tokens and not (len(tokens) == 1 and tokens[0].is_sent_start):
            rows.append({"text": " ".join(t.text for t in tokens), "source": "capitalised", "article_id": ad.article.article_id})
        run.clear()

    layout = ad.layout
    for i, (text, lower) in enumerate(zip(layout.texts, layout.lowers, strict=True)):
        capital = text.isalpha() and text[0].isupper() and lower not in CANDIDATE_SKIP  # Token.is_alpha is str.isalpha
        if capital and i not in covered and ad.unit_at(layout.token_starts[i]).part != "headline":
            run.append(i)
        elif run:
            flush()
    if run:
        flush()
    for ent in ad.doc.ents:
        if not covered.intersection(range(ent.start, ent.end)):
            rows.append({"text": ent.text, "source": f"ner:{ent.label_}", "article_id": ad.article.article_id})
    return rows


def actors_table(gazetteer: Gazetteer) -> pd.DataFrame:
    """The gazetteer flattened: one row per actor."""
    rows = []
    for a in gazetteer.actors.values():
        rows.append(
            {
                "actor_id": a.id,
                "name": a.name,
                "type": a.type,
                "side": a.side,
                "side_label": gazetteer.sides[a.side],
                "affiliation": a.affiliation or "",
                "affiliation_chain": " > ".join(gazetteer.ancestors(a.id)),
                **{key: "; ".join(getattr(a, key)) for key in ("names", "aliases", "surnames", "descriptors", "labels", "metonyms")},
            }
        )
    return pd.DataFrame(rows).sort_values("actor_id", kind="stable").reset_index(drop=True)


LABEL_COLUMNS = ["outlet_id", "actor_id", "label", "how", "mentions_count"]


def label_counts(mentions: Iterable[dict[str, object]]) -> Counter[tuple[str, str, str, str]]:
    """(outlet, actor, surface form with whitespace collapsed, how) -> mentions, over
    mention rows of resolved actors."""
    return Counter((str(m["outlet_id"]), str(m["actor_id"]), " ".join(str(m["text"]).split()), str(m["how"])) for m in mentions if m["actor_id"])


def labels_table(counts: Counter[tuple[str, str, str, str]]) -> pd.DataFrame:
    """Outlet x actor x surface form used for it, with counts (the outlet's labels)."""
    rows = [{"outlet_id": o, "actor_id": a, "label": lab, "how": h, "mentions_count": n} for (o, a, lab, h), n in sorted(counts.items())]
    return pd.DataFrame(rows, columns=LABEL_COLUMNS)


LABEL_ACTORS: tuple[str, ...] = ("taliban", "afghan_government", "taliban_government")  # label_use: the words outlets use for these actors
ARTICLES_LISTED = 20  # article ids listed per candidate (articles_count has them all)
CANDIDATE_COLUMNS = ["text", "source", "mentions_count", "articles_count", "articles"]


def candidate_keys(rows: Iterable[dict[str, object]]) -> list[tuple[str, str]]:
    """Candidate rows as the (text, source) keys :class:`CandidateTally` counts."""
    return [(str(c["text"]), str(c["source"])) for c in rows]


class CandidateTally:
    """Candidate spans counted as articles stream past: mentions, articles, and the
    first ``ARTICLES_LISTED`` article ids in sorted order, so memory is bounded by the
    number of distinct candidates, not by the size of the corpus."""

    def __init__(self) -> None:
        self.mentions: Counter[tuple[str, str]] = Counter()
        self.articles: Counter[tuple[str, str]] = Counter()
        self.listed: dict[tuple[str, str], list[str]] = {}

    def add_article(self, article_id: str, candidates: Iterable[tuple[str, str]]) -> None:
        """Count one article's candidates, given as (text, source); once per article."""
        for key, n in Counter(candidates).items():
            self.mentions[key] += n
            self.articles[key] += 1
            ids = self.listed.setdefault(key, [])
            insort(ids, article_id)
            del ids[ARTICLES_LISTED:]

    def table(self) -> pd.DataFrame:
        """Candidates by mentions (most first), then text."""
        rows = [
            {"text": t, "source": s, "mentions_count": n, "articles_count": self.articles[(t, s)], "articles": "; ".join(self.listed[(t, s)])}
            for (t, s), n in sorted(self.mentions.items())
        ]
        frame = pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)
        return frame.sort_values(["mentions_count", "text"], ascending=[False, True], kind="stable")


@dataclass
class Extraction:
    """All tables of an extraction run."""

    sentences: pd.DataFrame
    mentions: pd.DataFrame
    places: pd.DataFrame
    actors: pd.DataFrame
    labels: pd.DataFrame
    candidates: pd.DataFrame
    quotes: pd.DataFrame
    frame_hits: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """Table name -> frame, in output order."""
        return dict(self.__dict__)


FRAME_HIT_COLUMNS = ["article_id", "outlet_id", "unit_id", "part", "sentence_id", "line_no", "start", "end", "frame", "term", "text"]
SENTENCE_COLUMNS = ["article_id", "unit_id", "part", "sentence_id", "sentence_no", "line_no", "start", "end", "token_start", "token_end", "words_count", "text"]
MENTION_COLUMNS = ["mention_id", "article_id", "outlet_id", "unit_id", "part", "sentence_id", "file", "line_no", "start", "end", "token_start", "token_end", "text", "actor_id", "side", "actor_type", "how", "is_provisional"]
PLACE_COLUMNS = ["article_id", "unit_id", "sentence_id", "file", "line_no", "start", "end", "text", "place_id", "country", "cue"]


def article_bundle(ad: ArticleDoc, gazetteer: Gazetteer, quote_rules: QuoteRules) -> dict[str, list[dict[str, object]]]:
    """Every row one article contributes, by table (shared by the in-memory and the
    streaming paths, so both write the same bytes)."""
    article = ad.article
    return {
        "articles": [article_row(article)],
        "paragraphs": paragraph_rows(article),
        "lines": line_rows(article),
        "sentences": sentence_rows(ad),
        "mentions": mention_rows(ad, gazetteer),
        "places": place_rows(ad, gazetteer),
        "quotes": quote_rows(ad, gazetteer, quote_rules),
        "frame_hits": frame_hit_rows(ad) if FRAMES_KEY in ad.doc.spans else [],
        "candidates": candidate_rows(ad, gazetteer),
    }


def extract(nlp: Language, parsed: ParsedCorpus, *, quote_rules: QuoteRules | None = None, batch_size: int = 16, n_process: int = 1) -> Extraction:
    """Run the pipeline over every parsed article and build the tables."""
    gazetteer: Gazetteer = nlp.get_pipe("afstudy_actors").gazetteer
    rules = quote_rules or load_quote_rules()
    rows: dict[str, list[dict[str, object]]] = {}
    candidates = CandidateTally()
    labels: Counter[tuple[str, str, str, str]] = Counter()
    for ad in process_articles(nlp, parsed.articles, batch_size=batch_size, n_process=n_process):
        bundle = article_bundle(ad, gazetteer, rules)
        labels.update(label_counts(bundle["mentions"]))
        candidates.add_article(ad.article.article_id, candidate_keys(bundle.pop("candidates")))
        for name, part in bundle.items():
            rows.setdefault(name, []).extend(part)
    return Extraction(
        sentences=pd.DataFrame(rows.get("sentences", []), columns=SENTENCE_COLUMNS),
        mentions=pd.DataFrame(rows.get("mentions", []), columns=MENTION_COLUMNS),
        places=pd.DataFrame(rows.get("places", []), columns=PLACE_COLUMNS),
        actors=actors_table(gazetteer),
        labels=labels_table(labels),
        candidates=candidates.table(),
        quotes=pd.DataFrame(rows.get("quotes", []), columns=QUOTE_COLUMNS),
        frame_hits=pd.DataFrame(rows.get("frame_hits", []), columns=FRAME_HIT_COLUMNS),
    )


ACTOR_TABLES: tuple[str, ...] = ("sentences", "mentions", "places", "actors", "labels", "candidates")


def write_extraction(result: Extraction, out_dir: str | Path, names: tuple[str, ...] | None = None) -> dict[str, Path]:
    """Write extraction tables (all, or those in ``names``) as CSV into ``out_dir``."""
    out = Path(out_dir)
    tables = result.tables()
    return {name: write_csv(tables[name], out / f"{name}.csv") for name in (names or tuple(tables))}
