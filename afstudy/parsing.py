"""From a corpus folder to parsed articles: line roles, paragraphs, headline, accounting.

Warnings of the parse stage: ``unknown_outlet`` (an outlet_id without a profile in the
outlet profiles: the generic rules are used) and ``headline_mismatch`` (the headline
found in the text differs from the metadata's).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from afstudy.cleaning import ROLES, LineRole, Profiles, classify_lines, load_profiles, words
from afstudy.corpus import MAX_ARTICLE_CHARS, Accounting, CorpusPlan, Ignored, RawArticle, Reject, RunWarning, ignored_rows, iter_corpus, plan_corpus, reject_rows, warning_rows
from afstudy.errors import OutputError
from afstudy.io import StagedOutputs
from afstudy.schemas import did_you_mean
from afstudy.valuesets import ValueSets


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph (or subheading) with a stable id."""

    article_id: str
    paragraph_id: str
    paragraph_no: int
    line_no: int
    kind: str
    text: str
    prefix: str


@dataclass
class Article:
    """A parsed article: its raw record, the role of every line, and its paragraphs."""

    raw: RawArticle
    lines: list[LineRole]
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def article_id(self) -> str:
        """The article's stable slug from metadata.csv."""
        return self.raw.meta.article_id

    @property
    def headline(self) -> str:
        """The headline line's text ('' when none was found)."""
        return next((lr.clean_text for lr in self.lines if lr.subrole == "headline"), "")

    def role_counts(self) -> Counter[str]:
        """Number of lines per role."""
        return Counter(lr.role for lr in self.lines)


@dataclass
class ParsedCorpus:
    """Parsed articles plus every rejected input, the warnings, the ignored entries and
    the accounting of the folder's entries."""

    folder: Path
    articles: list[Article]
    rejects: list[Reject]
    warnings: list[RunWarning] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)
    accounting: Accounting = field(default_factory=Accounting)


def paragraph_id(article_id: str, number: int) -> str:
    """Stable paragraph id: ``<article_id>-p<NN>``."""
    return f"{article_id}-p{number:02d}"


def parse_article(raw: RawArticle, profiles: Profiles) -> Article:
    """Classify every line of ``raw`` and collect its body paragraphs."""
    lines = classify_lines(raw.lines, profiles.for_outlet(raw.meta.outlet_id))
    article = Article(raw, lines)
    body = [lr for lr in lines if lr.role == "body"]
    for number, lr in enumerate(body, start=1):
        article.paragraphs.append(
            Paragraph(raw.meta.article_id, paragraph_id(raw.meta.article_id, number), number, lr.line_no, lr.subrole, lr.clean_text, lr.prefix)
        )
    return article


def parse_warnings(article: Article, profiles: Profiles) -> list[RunWarning]:
    """The parse-stage warnings of one article (unknown_outlet, headline_mismatch)."""
    meta, found = article.raw.meta, []
    if not profiles.knows(meta.outlet_id):
        found.append(RunWarning(meta.file, "parse", "unknown_outlet", f"outlet_id {meta.outlet_id!r} has no profile in {profiles.path.name}: generic rules used{did_you_mean(meta.outlet_id, profiles.outlets)}"))
    if meta.headline and article.headline != meta.headline:
        found.append(RunWarning(meta.file, "parse", "headline_mismatch", f"headline found in the text {article.headline!r} differs from the metadata headline {meta.headline!r}"))
    return found


def article_warnings(article: Article, profiles: Profiles) -> list[RunWarning]:
    """Every warning of one article found where it is read and parsed (reading and
    parse stages; near duplicates are found where the results come together)."""
    return [*article.raw.warnings, *parse_warnings(article, profiles)]


def iter_parsed(folder: str | Path | CorpusPlan, profiles: Profiles | None = None) -> Iterator[Article | Reject]:
    """Parse a corpus folder (or one already planned) lazily; an article without body
    becomes a Reject. Warnings go to the plan's warning log."""
    profiles = profiles or load_profiles()
    plan = folder if isinstance(folder, CorpusPlan) else plan_corpus(folder)
    try:
        for item in iter_corpus(plan):
            if isinstance(item, Reject):
                yield item
                continue
            article = parse_article(item, profiles)
            plan.warnings.add(parse_warnings(article, profiles))
            yield no_body_reject(article) or article
    finally:
        if plan is not folder:
            plan.close()


def no_body_reject(article: Article) -> Reject | None:
    """The reject of an article in which no line looks like body text (else None)."""
    if any(p.kind == "paragraph" for p in article.paragraphs):
        return None
    return Reject(article.raw.meta.file, "parse", "no_body", f"{article.raw.path}: no line looks like body text")


def parse_corpus(folder: str | Path, profiles: Profiles | None = None, *, value_sets: ValueSets | None = None, max_chars: int = MAX_ARTICLE_CHARS) -> ParsedCorpus:
    """Read and parse a corpus folder; articles without body are rejected with a reason."""
    articles: list[Article] = []
    rejects: list[Reject] = []
    with plan_corpus(folder, value_sets=value_sets, max_chars=max_chars) as plan:
        for item in iter_parsed(plan, profiles):
            (rejects if isinstance(item, Reject) else articles).append(item)  # type: ignore[arg-type]
        return ParsedCorpus(
            Path(folder), articles, sorted(rejects, key=lambda r: (r.file, r.stage)),
            warnings=list(plan.warnings), ignored=list(plan.ignored()), accounting=plan.accounting(len(articles), rejects),
        )


def _word_count(lines: list[LineRole], role: str) -> int:
    return sum(len(words(lr.clean_text)) for lr in lines if lr.role == role and lr.reason != "blank")


def article_row(a: Article) -> dict[str, object]:
    """The articles-table row of one article: metadata, headline, line/word accounting."""
    m, counts = a.raw.meta, a.role_counts()
    row: dict[str, object] = {
        "article_id": m.article_id,
        "file": m.file,
        "outlet": m.outlet,
        "outlet_id": m.outlet_id,
        "outlet_type": m.outlet_type,
        "published": m.published,
        "date_precision": m.date_precision,
        "event": m.event,
        "event_date": m.event_date,
        "headline": a.headline,
        "is_headline_as_metadata": a.headline == m.headline,
        "encoding": a.raw.encoding,
        "has_bom": a.raw.had_bom,
        "lines_count": len(a.lines),
    }
    row.update({f"{role}_lines_count": counts.get(role, 0) for role in ROLES})
    row["blank_lines_count"] = sum(1 for lr in a.lines if lr.reason == "blank")
    row["paragraphs_count"] = sum(1 for p in a.paragraphs if p.kind == "paragraph")
    row["subheadings_count"] = sum(1 for p in a.paragraphs if p.kind == "subheading")
    for role in ("body", "caption", "removed"):
        row[f"{role}_words_count"] = _word_count(a.lines, role)
    row["sha256"] = a.raw.sha256
    return row


def paragraph_rows(a: Article) -> list[dict[str, object]]:
    """One row per body paragraph or subheading of an article."""
    return [
        {
            "article_id": p.article_id,
            "paragraph_id": p.paragraph_id,
            "paragraph_no": p.paragraph_no,
            "line_no": p.line_no,
            "kind": p.kind,
            "words_count": len(words(p.text)),
            "stripped_prefix": p.prefix,
            "text": p.text,
        }
        for p in a.paragraphs
    ]


def line_rows(a: Article) -> list[dict[str, object]]:
    """One row per raw line of an article."""
    return [
        {"article_id": a.article_id, "file": a.raw.meta.file, "line_no": lr.line_no, "role": lr.role, "subrole": lr.subrole, "reason": lr.reason, "rule": lr.rule, "text": lr.text}
        for lr in a.lines
    ]


ARTICLE_COLUMNS = [
    "article_id", "file", "outlet", "outlet_id", "outlet_type", "published", "date_precision", "event", "event_date", "headline",
    "is_headline_as_metadata", "encoding", "has_bom", "lines_count", *(f"{role}_lines_count" for role in ROLES), "blank_lines_count",
    "paragraphs_count", "subheadings_count", "body_words_count", "caption_words_count", "removed_words_count", "sha256",
]
PARAGRAPH_COLUMNS = ["article_id", "paragraph_id", "paragraph_no", "line_no", "kind", "words_count", "stripped_prefix", "text"]
LINE_COLUMNS = ["article_id", "file", "line_no", "role", "subrole", "reason", "rule", "text"]
REJECT_COLUMNS = ["file", "stage", "reason", "message"]
WARNING_COLUMNS = ["file", "stage", "code", "message"]
IGNORED_COLUMNS = ["entry", "kind", "rule", "message"]
PARSE_TABLES: tuple[str, ...] = ("articles", "paragraphs", "lines", "rejects", "warnings", "ignored")
# Tables that only `afstudy extract` writes: `parse` removes them from its output folder
# (when their header is the documented one), so that no folder mixes two runs.
EXTRACT_ONLY_TABLES: tuple[str, ...] = ("sentences", "mentions", "places", "quotes", "frame_hits", "actors", "labels", "candidates")


def articles_table(parsed: ParsedCorpus) -> pd.DataFrame:
    """One row per processed article (the documented columns even when there is none)."""
    return pd.DataFrame([article_row(a) for a in parsed.articles], columns=ARTICLE_COLUMNS)


def paragraphs_table(parsed: ParsedCorpus) -> pd.DataFrame:
    """One row per body paragraph or subheading."""
    return pd.DataFrame([r for a in parsed.articles for r in paragraph_rows(a)], columns=PARAGRAPH_COLUMNS)


def lines_table(parsed: ParsedCorpus) -> pd.DataFrame:
    """One row per raw line of every processed article, with its role and reason."""
    return pd.DataFrame([r for a in parsed.articles for r in line_rows(a)], columns=LINE_COLUMNS)


def rejects_table(parsed: ParsedCorpus) -> pd.DataFrame:
    """One row per rejected input."""
    return pd.DataFrame(reject_rows(parsed.rejects), columns=REJECT_COLUMNS)


def warnings_table(warnings: list[RunWarning]) -> pd.DataFrame:
    """One row per warning, sorted."""
    return pd.DataFrame(warning_rows(sorted(set(warnings))), columns=WARNING_COLUMNS)


def ignored_table(ignored: list[Ignored]) -> pd.DataFrame:
    """One row per ignored directory entry, sorted."""
    return pd.DataFrame(ignored_rows(sorted(ignored)), columns=IGNORED_COLUMNS)


def stale_tables(out: Path, names: tuple[str, ...]) -> list[Path]:
    """The afstudy tables among ``names`` in ``out`` (an earlier run's); OutputError when
    such a file is not an afstudy table (its header is not the documented one)."""
    from afstudy.schema import load_dictionary

    dictionary = load_dictionary()
    found = []
    for name in names:
        path = out / f"{name}.csv"
        if not path.exists():
            continue
        documented = ",".join(c.name for c in dictionary.get(name, []))
        try:
            with open(path, encoding="utf-8", errors="replace", newline="") as handle:
                header = handle.readline().rstrip("\r\n")
        except OSError as exc:
            raise OutputError(path, f"cannot read an earlier table: {exc.strerror or exc}") from exc
        if not path.is_file() or header != documented:
            raise OutputError(path, "is not a table of an earlier afstudy run, and a parse run would leave it beside tables it does not match: move it, or choose another --out")
        found.append(path)
    return found


def write_parse_outputs(parsed: ParsedCorpus, out_dir: str | Path) -> dict[str, Path]:
    """Write the articles, paragraphs, lines, rejects, warnings and ignored tables as CSV
    into ``out_dir``, all or none (each through a temporary file, renamed when every one
    is complete); tables of an earlier ``extract`` in ``out_dir`` are removed."""
    tables = {
        "articles": articles_table(parsed),
        "paragraphs": paragraphs_table(parsed),
        "lines": lines_table(parsed),
        "rejects": rejects_table(parsed),
        "warnings": warnings_table(parsed.warnings),
        "ignored": ignored_table(parsed.ignored),
    }
    with StagedOutputs(out_dir) as outputs:
        stale = stale_tables(outputs.folder, EXTRACT_ONLY_TABLES)
        written = {name: outputs.write_frame(f"{name}.csv", frame) for name, frame in tables.items()}
        outputs.commit(remove=stale)
    return written
