"""Streaming extraction for large corpora: files read lazily, ``nlp.pipe`` in batches
(optionally in several processes, or on a dask cluster), every table written incrementally.

Memory does not grow with the number of articles. In memory are one block of articles and
its Docs, the per-table writers, and aggregates that grow only with the number of distinct
labels and candidate spans (label counts; candidate counts with at most 20 article ids
each). The metadata rows, the file names and the text digests for duplicate detection
are in temporary SQLite files in the system's temporary directory (``TMPDIR``;
:class:`afstudy.corpus.CorpusPlan`, :class:`afstudy.corpus.SeenTexts`). After the first
block, articles run inside spaCy memory zones, so the words first seen there leave
spaCy's vocabulary afterwards. Output is byte-identical to the in-memory path whatever
the batch size, number of processes or backend, because every article's rows are built
and formatted as CSV by the same functions and appended in file order; warnings are
collected in a temporary table and written sorted.

Every table, ``rejects.csv``, ``warnings.csv`` and ``ignored.csv`` are staged as hidden
temporary files and renamed into place together when the run ends (all or none, see
:class:`afstudy.io.StagedOutputs`); the accounting of the corpus folder's entries is the
one of :meth:`afstudy.corpus.CorpusPlan.accounting`, shared with ``afstudy parse``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from spacy.language import Language
from tqdm import tqdm

from afstudy.cleaning import Profiles
from afstudy.corpus import MAX_ARTICLE_CHARS, Accounting, CorpusPlan, Metadata, Reject, RunWarning, SeenTexts, plan_corpus, read_article, reject_rows
from afstudy.extraction import FRAME_HIT_COLUMNS, MENTION_COLUMNS, PLACE_COLUMNS, SENTENCE_COLUMNS, CandidateTally, actors_table, article_bundle, candidate_keys, label_counts, labels_table, process_articles
from afstudy.gazetteer import Gazetteer
from afstudy.io import StagedOutputs
from afstudy.parsing import ARTICLE_COLUMNS, LINE_COLUMNS, PARAGRAPH_COLUMNS, REJECT_COLUMNS, Article, ignored_table, iter_parsed, no_body_reject, parse_article, parse_warnings, warnings_table
from afstudy.quotes import QUOTE_COLUMNS, QuoteRules
from afstudy.schemas import did_you_mean
from afstudy.valuesets import ValueSets

T = TypeVar("T")


class TableWriter:
    """A CSV table written row by row into a staged temporary file (see
    :class:`afstudy.io.StagedOutputs`), renamed into place with the run's other tables."""

    def __init__(self, outputs: StagedOutputs, name: str, columns: list[str]) -> None:
        self.outputs = outputs
        self.name = f"{name}.csv"
        self.path = outputs.folder / self.name
        self.columns = columns
        self.handle = outputs.open(self.name)
        self.rows = 0
        self.outputs.write(self.name, self.handle, csv_lines([dict(zip(columns, columns, strict=True))], columns))

    def write_lines(self, data: bytes, rows: int, columns: list[str]) -> None:
        """Append rows already formatted as UTF-8 CSV lines (see :func:`csv_lines`)."""
        if columns != self.columns and rows:
            raise ValueError(f"{self.path}: rows with columns {columns}, the table has {self.columns}")
        self.outputs.write(self.name, self.handle, data)
        self.rows += rows


@dataclass
class Summary:
    """What a streaming run did: the accounting of the folder's entries and the rows
    written per table."""

    accounting: Accounting = field(default_factory=Accounting)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def files_in(self) -> int:
        """Entries of the corpus folder."""
        return self.accounting.entries

    @property
    def processed(self) -> int:
        """Articles processed."""
        return self.accounting.processed

    @property
    def rejected(self) -> int:
        """Entries rejected."""
        return self.accounting.rejected

    @property
    def ignored(self) -> int:
        """Entries ignored."""
        return self.accounting.ignored

    @property
    def reconciles(self) -> bool:
        """True when every entry is processed, rejected or ignored."""
        return self.accounting.reconciles


def _bar_disabled(progress: bool | None) -> bool | None:
    # tqdm's disable=None hides the bar when stderr is not a terminal (logs, notebooks).
    return True if os.environ.get("TQDM_DISABLE") else (None if progress is None else not progress)


def _articles_with_progress(items: Iterator[Article | Reject], total: int, rejects: list[Reject], progress: bool | None) -> Iterator[Article]:
    bar = tqdm(total=total, unit="file", disable=_bar_disabled(progress), file=sys.stderr, desc="afstudy extract")
    for item in items:
        if isinstance(item, Reject):
            rejects.append(item)
            if item.stage != "metadata" and item.entry and item.reason != "duplicate_name":
                bar.update(1)
            continue
        bar.update(1)
        yield item
    bar.close()


@dataclass
class ArticleResult:
    """One input file's contribution: a reject, or every table's rows as CSV lines.

    Rows are formatted where the article was processed (this process or a cluster
    worker) by the same function, so every backend appends the same bytes.
    """

    file: str
    sha256: str = ""
    reject: Reject | None = None
    csv: dict[str, bytes] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)
    article_id: str = ""
    outlet_id: str = ""
    labels: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    candidates: list[tuple[str, str]] = field(default_factory=list)  # (text, source)
    # set by cluster workers only (the local run checks these where it reads): the text's
    # duplicate digest and content-line hashes, and the warnings of reading and parsing
    dup_digest: str = ""
    fingerprint: tuple[int, ...] = ()
    read_warnings: list[RunWarning] = field(default_factory=list)
    parse_warnings: list[RunWarning] = field(default_factory=list)


TABLE_COLUMNS: dict[str, list[str] | None] = {
    "articles": ARTICLE_COLUMNS, "paragraphs": PARAGRAPH_COLUMNS, "lines": LINE_COLUMNS, "sentences": SENTENCE_COLUMNS,
    "mentions": MENTION_COLUMNS, "places": PLACE_COLUMNS, "quotes": QUOTE_COLUMNS, "frame_hits": FRAME_HIT_COLUMNS,
}


def csv_lines(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    """Rows as UTF-8 CSV lines (``\\n`` line ends; None as an empty cell), encoded where
    they are built, so a dask client only appends bytes."""
    if not rows:
        return b""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(map(itemgetter(*columns), rows) if len(columns) > 1 else ([row[columns[0]]] for row in rows))
    return buffer.getvalue().encode("utf-8")


def article_result(file: str, sha256: str, bundle: dict[str, list[dict[str, Any]]]) -> ArticleResult:
    """Format one article's row bundle (see ``extraction.article_bundle``)."""
    result = ArticleResult(file, sha256)
    for name, fixed in TABLE_COLUMNS.items():
        rows = bundle[name]
        columns = fixed if fixed is not None else (list(rows[0]) if rows else [])
        result.csv[name], result.rows[name], result.columns[name] = csv_lines(rows, columns), len(rows), columns
    result.labels = label_counts(bundle["mentions"])
    result.article_id = str(bundle["articles"][0]["article_id"])
    result.outlet_id = str(bundle["articles"][0]["outlet_id"])
    result.candidates = candidate_keys(bundle["candidates"])
    return result


def extract_to_dir(
    nlp: Language,
    folder: str | Path,
    out_dir: str | Path,
    *,
    profiles: Profiles,
    quote_rules: QuoteRules,
    batch_size: int = 64,
    n_process: int = 1,
    progress: bool | None = None,
    client: Any = None,
    settings: dict[str, str | None] | None = None,
    value_sets: ValueSets | None = None,
    max_chars: int = MAX_ARTICLE_CHARS,
) -> Summary:
    """Parse and extract a corpus folder, writing every table incrementally into ``out_dir``.

    With a ``dask.distributed`` ``client``, chunks of ``batch_size`` file paths go to the
    cluster's workers, which read, clean, parse and extract them with a pipeline built
    from ``settings`` (spacy_model, gazetteer, frames, quote_rules, outlets paths) and
    send back CSV lines; results are appended in file order and duplicate texts are
    rejected here, so the output is the same bytes as the local run.

    Every table (with its header, also when no article is processed), ``rejects.csv``,
    ``warnings.csv`` and ``ignored.csv`` are written through temporary files and renamed
    into place together at the end: a failed run leaves the earlier outputs as they
    were, and no temporary file.
    """
    gazetteer: Gazetteer = nlp.get_pipe("afstudy_actors").gazetteer
    rejects: list[Reject] = []
    labels: Counter[tuple[str, str, str, str]] = Counter()
    candidates = CandidateTally()
    with plan_corpus(folder, value_sets=value_sets, max_chars=max_chars) as plan, StagedOutputs(out_dir) as outputs:
        summary = Summary()
        # outlets the gazetteer lacks become media actors (named as the metadata names them)
        outlets = {o: n for o, n in plan.outlets().items() if o not in gazetteer.actors}
        added = set(nlp.get_pipe("afstudy_actors").add_outlets(outlets))
        if client is None:
            articles = _articles_with_progress(iter_parsed(plan, profiles), plan.n_planned, rejects, progress)
            results = _local_results(nlp, articles, gazetteer, quote_rules, batch_size, n_process)
        else:
            cluster_settings = {**(settings or {}), "max_chars": str(max_chars), "outlets_added": json.dumps(outlets, sort_keys=True)}
            results = _cluster_results(client, plan, rejects, batch_size, cluster_settings, progress)
        writers = {name: TableWriter(outputs, name, cols or []) for name, cols in TABLE_COLUMNS.items()}
        processed = 0
        for result in results:
            if result.reject is not None:
                rejects.append(result.reject)
                continue
            processed += 1
            for name, data in result.csv.items():
                writers[name].write_lines(data, result.rows[name], result.columns[name])
            labels.update(result.labels)
            candidates.add_article(result.article_id, result.candidates)
            if result.outlet_id in added:
                actor = gazetteer.actors[result.outlet_id]
                known = sorted(a.id for a in gazetteer.actors.values() if a.type == "media" and a.id not in added)
                plan.warnings.add([RunWarning(
                    result.file, "extract", "outlet_not_in_gazetteer",
                    f"outlet_id {result.outlet_id!r} is not an actor of {gazetteer.path.name}: added for this run as a media actor named "
                    f"{actor.name!r} (curate it into the gazetteer to keep it){did_you_mean(result.outlet_id, known)}",
                )])
        summary.rows = {name: w.rows for name, w in writers.items()}
        outputs.write_frame("rejects.csv", _rejects_frame(rejects))
        outputs.write_frame("actors.csv", actors_table(gazetteer))
        outputs.write_frame("labels.csv", labels_table(labels))
        outputs.write_frame("candidates.csv", candidates.table())
        outputs.write_frame("warnings.csv", warnings_table(list(plan.warnings)))
        outputs.write_frame("ignored.csv", ignored_table(list(plan.ignored())))
        summary.accounting = plan.accounting(processed, rejects)
        outputs.commit()
    return summary


ZONE_ARTICLES = 256  # articles per spaCy memory zone (times n_process)


def memory_zone_blocks(nlp: Language, items: Iterable[T], size: int = ZONE_ARTICLES) -> Iterator[list[T]]:
    """``items`` in blocks of ``size``; every block after the first is handed out inside
    ``nlp.memory_zone()``, which ends when the next block is asked for. The first block
    builds the lasting vocabulary (and spaCy's tokenizer cache, which is not filled inside
    a zone); the strings and lexemes of words first seen in a later block are freed after
    it, so the vocabulary does not grow with the corpus. Finish with a block's Docs (only
    plain Python values may leave it) before asking for the next."""
    for n, block in enumerate(chunked(items, size)):
        with nlp.memory_zone() if n else nullcontext():
            yield block


def _local_results(nlp: Language, articles: Iterable[Article], gazetteer: Gazetteer, quote_rules: QuoteRules, batch_size: int, n_process: int) -> Iterator[ArticleResult]:
    """Every article's rows, block by block in memory zones (see :func:`memory_zone_blocks`)."""
    for block in memory_zone_blocks(nlp, articles, max(batch_size, ZONE_ARTICLES) * n_process):
        for ad in process_articles(nlp, block, batch_size=batch_size, n_process=n_process):
            yield article_result(ad.article.raw.meta.file, ad.article.raw.sha256, article_bundle(ad, gazetteer, quote_rules))


_WORKER_STATE: dict[tuple[tuple[str, str | None], ...], tuple[Language, QuoteRules, Profiles]] = {}


def _worker_state(settings: dict[str, str | None]) -> tuple[Language, QuoteRules, Profiles]:
    """The pipeline, quote rules and outlet profiles of ``settings``, built once per process."""
    from afstudy.cleaning import load_profiles
    from afstudy.pipeline import build_pipeline
    from afstudy.quotes import load_quote_rules

    key = tuple(sorted(settings.items()))
    if key not in _WORKER_STATE:
        nlp = build_pipeline(settings.get("spacy_model"), settings.get("gazetteer"), settings.get("frames"))
        nlp.max_length = max(nlp.max_length, int(settings.get("max_chars") or 0))
        if settings.get("outlets_added"):
            nlp.get_pipe("afstudy_actors").add_outlets(json.loads(settings["outlets_added"] or "{}"))
        rules = load_quote_rules(settings["quote_rules"]) if settings.get("quote_rules") else load_quote_rules()
        profiles = load_profiles(settings["outlets"]) if settings.get("outlets") else load_profiles()
        _WORKER_STATE[key] = (nlp, rules, profiles)
    return _WORKER_STATE[key]


def build_worker_state(settings: dict[str, str | None]) -> None:
    """Build this process's pipeline for ``settings`` (a worker initialiser)."""
    _worker_state(settings)


def warm_up(client: Any, settings: dict[str, str | None]) -> None:
    """Build the pipeline on every worker of ``client`` now (as the local run builds
    its own before it starts), so that timings compare like with like."""
    client.run(build_worker_state, settings)


def process_files(items: list[tuple[Path, Metadata]], settings: dict[str, str | None]) -> list[ArticleResult]:
    """Run on a cluster worker: read, clean, parse and extract a chunk of files; one
    result per file, in order (decode and no-body rejects included). A file that was
    read carries its duplicate digest, content-line hashes and warnings, which the
    client checks and records in file order."""
    nlp, rules, profiles = _worker_state(settings)
    gazetteer = nlp.get_pipe("afstudy_actors").gazetteer
    max_chars = int(settings.get("max_chars") or MAX_ARTICLE_CHARS)
    results: list[ArticleResult] = []
    read: list[tuple[int, Article]] = []
    articles: list[Article] = []
    slots: list[int] = []
    for path, meta in items:
        raw = read_article(path, meta, max_chars=max_chars)
        if isinstance(raw, Reject):
            results.append(ArticleResult(meta.file, reject=raw))
            continue
        article = parse_article(raw, profiles)
        read.append((len(results), article))
        results.append(ArticleResult(meta.file, raw.sha256, reject=no_body_reject(article)))
        if results[-1].reject is None:
            articles.append(article)
            slots.append(len(results) - 1)
    for slot, result in zip(slots, _local_results(nlp, articles, gazetteer, rules, batch_size=len(articles) or 1, n_process=1), strict=True):
        results[slot] = result
    for slot, article in read:
        result = results[slot]
        result.dup_digest, result.fingerprint = article.raw.dup_digest, article.raw.fingerprint
        result.read_warnings, result.parse_warnings = list(article.raw.warnings), parse_warnings(article, profiles)
    return results


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last one shorter), read lazily."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _cluster_results(client: Any, plan: CorpusPlan, rejects: list[Reject], batch_size: int, settings: dict[str, str | None], progress: bool | None) -> Iterator[ArticleResult]:
    """Results of every file from the cluster, in file order, with at most two chunks per
    worker in flight; a text seen before becomes a duplicate_text reject, and warnings
    are recorded as the local run records them."""
    rejects.extend(plan.before_reading())
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    seen = SeenTexts()
    bar = tqdm(total=plan.n_planned, unit="file", disable=_bar_disabled(progress), file=sys.stderr, desc="afstudy extract")

    def ordered(chunk_results: list[ArticleResult], paths: dict[str, Path]) -> Iterator[ArticleResult]:
        for result in chunk_results:
            bar.update(1)
            if result.dup_digest:  # the file was read
                plan.warnings.add(result.read_warnings)
                found = seen.check(result.file, paths[result.file], result.dup_digest, result.fingerprint)
                if isinstance(found, Reject):
                    yield ArticleResult(result.file, reject=found)
                    continue
                if found is not None:
                    plan.warnings.add([found])
                plan.warnings.add(result.parse_warnings)
            yield result

    pending: list[tuple[Any, dict[str, Path]]] = []
    try:
        for chunk in chunked(plan.planned(), batch_size):
            for _, _, meta in chunk:
                if isinstance(meta, Reject):
                    bar.update(1)
                    rejects.append(meta)
            todo = [(path, meta) for _, path, meta in chunk if isinstance(meta, Metadata)]
            if todo:
                pending.append((client.submit(process_files, todo, settings, pure=False), {m.file: p for p, m in todo}))
            if len(pending) >= 2 * workers:
                future, paths = pending.pop(0)
                yield from ordered(future.result(), paths)
        for future, paths in pending:
            yield from ordered(future.result(), paths)
    finally:
        bar.close()
        seen.close()
    rejects.extend(plan.missing)


def _rejects_frame(rejects: list[Reject]) -> pd.DataFrame:
    return pd.DataFrame(reject_rows(sorted(rejects, key=lambda r: (r.file, r.stage))), columns=REJECT_COLUMNS)


# A local cluster is started for one batch job on the user's own cores: its workers do
# not sample their stacks for the dashboard's profiler (every 10 ms by default), and the
# scheduler, nannies and workers check their event loops and system metrics less often.
LOCAL_CLUSTER_CONFIG: dict[str, object] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
}


@contextmanager
def dask_client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A dask.distributed Client for ``--scheduler ADDRESS`` or ``--workers N`` (a local
    cluster of N single-threaded worker processes); None when neither is given."""
    if not scheduler and workers <= 0:
        yield None
        return
    import dask
    from dask.distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with dask.config.set(LOCAL_CLUSTER_CONFIG), LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        yield client
