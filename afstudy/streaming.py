"""Streaming extraction for large corpora: files read lazily, ``nlp.pipe`` in batches
(optionally in several processes), every table written incrementally.

Memory stays flat as the corpus grows: only one batch of Docs, the per-table writers and
small aggregates (label and candidate counts, text hashes for duplicate detection) are
held. Output is byte-identical to the in-memory path whatever the batch size and number
of processes, because rows are written in file order by the same row builders.
"""

from __future__ import annotations

import csv
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import pandas as pd
from spacy.language import Language
from tqdm import tqdm

from afstudy.cleaning import Profiles
from afstudy.corpus import Reject, iter_text_files, reject_rows
from afstudy.extraction import FRAME_HIT_COLUMNS, MENTION_COLUMNS, PLACE_COLUMNS, SENTENCE_COLUMNS, actors_table, article_bundle, process_articles
from afstudy.gazetteer import Gazetteer
from afstudy.io import write_csv
from afstudy.parsing import LINE_COLUMNS, PARAGRAPH_COLUMNS, REJECT_COLUMNS, Article, iter_parsed
from afstudy.quotes import QUOTE_COLUMNS, QuoteRules

def _cell(value: object) -> object:
    return "" if value is None else value


class TableWriter:
    """A CSV table written row by row into a temporary file, renamed on success."""

    def __init__(self, path: Path, columns: list[str] | None) -> None:
        self.path = path
        self.columns = columns
        path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.csv")
        self.handle: IO[str] = open(self.tmp, "w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.handle, lineterminator="\n")
        self.rows = 0
        if columns is not None:
            self.writer.writerow(columns)

    def write(self, rows: Iterable[dict[str, Any]]) -> None:
        """Append rows (dicts keyed by column)."""
        for row in rows:
            if self.columns is None:
                self.columns = list(row)
                self.writer.writerow(self.columns)
            self.writer.writerow([_cell(row[c]) for c in self.columns])
            self.rows += 1

    def close(self, ok: bool) -> None:
        """Finish: rename into place when ``ok``, else delete the temporary file."""
        self.handle.close()
        if ok:
            if self.columns is None:
                raise ValueError(f"{self.path}: no columns known for an empty table")
            os.chmod(self.tmp, 0o644)
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


@dataclass
class Summary:
    """What a streaming run did."""

    files_in: int = 0
    processed: int = 0
    rejected: int = 0
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def reconciles(self) -> bool:
        """True when every input file is either processed or rejected."""
        return self.files_in == self.processed + self.rejected


class Tables:
    """The incremental writers of one run (a context manager: all or nothing)."""

    def __init__(self, out: Path, names: dict[str, list[str] | None]) -> None:
        self.writers = {name: TableWriter(out / f"{name}.csv", cols) for name, cols in names.items()}

    def __enter__(self) -> Tables:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        for w in self.writers.values():
            w.close(ok=kind is None)

    def write(self, name: str, rows: Iterable[dict[str, Any]]) -> None:
        """Append rows to one table."""
        self.writers[name].write(rows)


def _articles_with_progress(items: Iterator[Article | Reject], total: int, rejects: list[Reject], progress: bool | None) -> Iterator[Article]:
    # tqdm's disable=None hides the bar when stderr is not a terminal (logs, notebooks).
    disable = True if os.environ.get("TQDM_DISABLE") else (None if progress is None else not progress)
    bar = tqdm(total=total, unit="file", disable=disable, file=sys.stderr, desc="afstudy extract")
    for item in items:
        if isinstance(item, Reject):
            rejects.append(item)
            if item.stage != "metadata" and item.reason != "missing_file":
                bar.update(1)
            continue
        bar.update(1)
        yield item
    bar.close()


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
) -> Summary:
    """Parse and extract a corpus folder, writing every table incrementally into ``out_dir``.

    With a ``dask.distributed`` ``client``, articles are sent in chunks of ``batch_size``
    to the cluster's workers, which build the pipeline from ``settings`` (spacy_model,
    gazetteer, frames, quote_rules paths); results come back in order, so the output is
    the same bytes as the local run.
    """
    out = Path(out_dir)
    gazetteer: Gazetteer = nlp.get_pipe("afstudy_actors").gazetteer
    files = list(iter_text_files(Path(folder)))
    rejects: list[Reject] = []
    summary = Summary(files_in=len(files))
    labels: Counter[tuple[str, str, str, str]] = Counter()
    candidate_counts: Counter[tuple[str, str]] = Counter()
    candidate_articles: dict[tuple[str, str], set[str]] = defaultdict(set)
    names: dict[str, list[str] | None] = {
        "articles": None, "paragraphs": PARAGRAPH_COLUMNS, "lines": LINE_COLUMNS, "sentences": SENTENCE_COLUMNS,
        "mentions": MENTION_COLUMNS, "places": PLACE_COLUMNS, "quotes": QUOTE_COLUMNS, "frame_hits": FRAME_HIT_COLUMNS,
    }
    articles = _articles_with_progress(iter_parsed(folder, profiles), len(files), rejects, progress)
    with Tables(out, names) as tables:
        for bundle in bundles(nlp, articles, gazetteer, quote_rules, batch_size=batch_size, n_process=n_process, client=client, settings=settings):
            summary.processed += 1
            for name, rows in bundle.items():
                if name != "candidates":
                    tables.write(name, rows)
            for m in bundle["mentions"]:
                if m["actor_id"]:
                    labels[(str(m["outlet_id"]), str(m["actor_id"]), " ".join(str(m["text"]).split()), str(m["how"]))] += 1
            for c in bundle["candidates"]:
                key = (str(c["text"]), str(c["source"]))
                candidate_counts[key] += 1
                candidate_articles[key].add(str(c["article_id"]))
        summary.rows = {name: w.rows for name, w in tables.writers.items()}
    names_in = {f.name for f in files}
    summary.rejected = len({r.file for r in rejects} & names_in)
    write_csv(_rejects_frame(rejects), out / "rejects.csv")
    write_csv(actors_table(gazetteer), out / "actors.csv")
    write_csv(_labels_frame(labels), out / "labels.csv")
    write_csv(_candidates_frame(candidate_counts, candidate_articles), out / "candidates.csv")
    return summary


def _local_bundles(nlp: Language, articles: Iterable[Article], gazetteer: Gazetteer, quote_rules: QuoteRules, batch_size: int, n_process: int) -> Iterator[dict[str, list[dict[str, Any]]]]:
    for ad in process_articles(nlp, articles, batch_size=batch_size, n_process=n_process):
        yield article_bundle(ad, gazetteer, quote_rules)


_WORKER_STATE: dict[tuple[tuple[str, str | None], ...], tuple[Language, QuoteRules]] = {}


def process_chunk(articles: list[Article], settings: dict[str, str | None]) -> list[dict[str, list[dict[str, Any]]]]:
    """Run on a cluster worker: the pipeline (built once per worker and settings) over a
    chunk of parsed articles; returns their row bundles in order."""
    from afstudy.pipeline import build_pipeline
    from afstudy.quotes import load_quote_rules

    key = tuple(sorted(settings.items()))
    if key not in _WORKER_STATE:
        nlp = build_pipeline(settings.get("spacy_model"), settings.get("gazetteer"), settings.get("frames"))
        _WORKER_STATE[key] = (nlp, load_quote_rules(settings["quote_rules"]) if settings.get("quote_rules") else load_quote_rules())
    nlp, rules = _WORKER_STATE[key]
    gazetteer = nlp.get_pipe("afstudy_actors").gazetteer
    return list(_local_bundles(nlp, articles, gazetteer, rules, batch_size=len(articles) or 1, n_process=1))


def _chunks(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    chunk: list[Article] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _cluster_bundles(client: Any, articles: Iterable[Article], batch_size: int, settings: dict[str, str | None], window: int) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Submit chunks with at most ``window`` in flight; yield results in submission order."""
    pending: list[Any] = []
    for chunk in _chunks(articles, batch_size):
        pending.append(client.submit(process_chunk, chunk, settings, pure=False))
        if len(pending) >= window:
            yield from pending.pop(0).result()
    for future in pending:
        yield from future.result()


def bundles(nlp: Language, articles: Iterable[Article], gazetteer: Gazetteer, quote_rules: QuoteRules, *, batch_size: int, n_process: int, client: Any, settings: dict[str, str | None] | None) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Row bundles of every article, locally or on a dask cluster, in input order."""
    if client is None:
        yield from _local_bundles(nlp, articles, gazetteer, quote_rules, batch_size, n_process)
        return
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    yield from _cluster_bundles(client, articles, batch_size, settings or {}, window=2 * workers)


def _rejects_frame(rejects: list[Reject]) -> pd.DataFrame:
    return pd.DataFrame(reject_rows(sorted(rejects, key=lambda r: (r.file, r.stage))), columns=REJECT_COLUMNS)


def _labels_frame(labels: Counter[tuple[str, str, str, str]]) -> pd.DataFrame:
    rows = [{"outlet_id": o, "actor_id": a, "label": lab, "how": h, "mentions_count": n} for (o, a, lab, h), n in sorted(labels.items())]
    return pd.DataFrame(rows, columns=["outlet_id", "actor_id", "label", "how", "mentions_count"])


def _candidates_frame(counts: Counter[tuple[str, str]], articles: dict[tuple[str, str], set[str]]) -> pd.DataFrame:
    rows = [
        {"text": t, "source": s, "mentions_count": n, "articles_count": len(articles[(t, s)]), "articles": "; ".join(sorted(articles[(t, s)]))}
        for (t, s), n in sorted(counts.items())
    ]
    frame = pd.DataFrame(rows, columns=["text", "source", "mentions_count", "articles_count", "articles"])
    return frame.sort_values(["mentions_count", "text"], ascending=[False, True], kind="stable")


@contextmanager
def dask_client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A dask.distributed Client for ``--scheduler ADDRESS`` or ``--workers N`` (a local
    cluster of N single-threaded worker processes); None when neither is given."""
    if not scheduler and workers <= 0:
        yield None
        return
    from dask.distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        yield client
