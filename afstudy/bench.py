"""Benchmark (``make bench``): throughput against the tokenizer floor and against a real
peer pipeline, co-occurrence cost, peak memory, the share of writing the tables (CSV and
Parquet), and the speed-up of a 2-worker dask cluster. Not a test: numbers are reported as
ratios measured in one run on the same texts.

The corpus (``--corpus``): ``realistic`` (the default, :mod:`afstudy.benchcorpus`) recombines
the sentences of the real validation texts with new names, rare words and numbers, so that
spaCy's tokenizer cache does not answer nearly every chunk as it does on ``synthetic``
(recombined seed paragraphs, kept for comparison). Its vocabulary novelty, beside the
validation texts', and the tokenizer cache's hit share are reported with the results.

What is measured, in one run:

* ``tokenizer_words_per_s``: the tokenizer alone (``nlp.make_doc``) on the cleaned article
  texts, with the extraction's memory zones (the floor); ``extract_words_per_s``: ``afstudy
  extract`` end to end (read, clean, parse, extract, write CSV); ``extract_over_tokenizer_ratio``
  (target >= 0.25); ``stage_share_*``: where the time of the first 1,000 articles goes;
* ``peer_words_per_s`` (``--peer-model NAME``, any installed spaCy pipeline, ``spacy.load``):
  the peer's ``nlp.pipe`` on the cleaned body texts afstudy tokenizes (the first 1,000
  articles'), and ``extract_over_peer_ratio``: afstudy end to end over that (target >= 5);
  without the model the rows say "not measured";
* co-occurrence of all units at both levels (streamed) over extraction time; peak RSS after
  extraction and after co-occurrence (run with ``--articles 100000`` for the large row);
* writing: ``csv_writing_share`` (the stage profile's CSV formatting, scaled to all articles,
  plus writing the tables' bytes again, over the extract time) and ``parquet_writing_share``
  (the same plus the Parquet conversion of ``afstudy extract --format parquet``, timed on a
  copy of the CSV tables, over extract + conversion);
* with ``--dask``: a 2-worker cluster against the mean of two one-process runs around it,
  and what two plain processes gain without dask.

Usage: python -m afstudy.bench --articles 10000 --out build/bench [--dask] [--corpus synthetic] [--peer-model NAME]
"""

from __future__ import annotations

import argparse
import csv
import math
import multiprocessing
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pandas as pd
from spacy.language import Language

from afstudy.benchcorpus import CacheMeter, VocabularyMeter, benchmark_events, corpus_is_current, heaps_fit, heaps_novelty, realistic_corpus, validation_paragraphs, vocabulary, write_articles
from afstudy.cleaning import Profiles, load_profiles
from afstudy.cooccurrence import LEVELS, UNITS, Spec, cooccurrence_counts_streamed
from afstudy.corpus import Metadata, Reject, plan_corpus, read_article
from afstudy.extraction import article_bundle
from afstudy.io import read_csv, write_csv
from afstudy.parsing import iter_parsed, no_body_reject, parse_article
from afstudy.framing import FRAMES_FILE
from afstudy.gazetteer import ACTORS_FILE
from afstudy.paths import OUTLETS_FILE, PROJ_ROOT
from afstudy.pipeline import build_pipeline
from afstudy.quotes import QUOTE_RULES_FILE, QuoteRules, load_quote_rules
from afstudy.streaming import article_result, build_worker_state, dask_client, extract_to_dir, memory_zone_blocks, process_files, warm_up
from afstudy.units import ArticleDoc, article_text, article_units

T = TypeVar("T")
CORPORA: tuple[str, ...] = ("realistic", "synthetic")


def synthetic_corpus(folder: Path, n_articles: int, *, seed: int = 2021) -> int:
    """Write ``n_articles`` recombined seed articles with varied boilerplate and metadata."""
    paragraphs = read_csv(PROJ_ROOT / "data" / "processed" / "corpus" / "paragraphs.csv")
    body = list(paragraphs[paragraphs["kind"] == "paragraph"]["text"])
    heads = list(read_csv(PROJ_ROOT / "data" / "processed" / "corpus" / "articles.csv")["headline"])
    rng = random.Random(seed)
    write_articles(folder, n_articles, rng, benchmark_events(), lambda n: [f"{rng.choice(heads)} ({n})", *rng.sample(body, k=rng.randint(6, 18))], "synthetic benchmark article")
    return n_articles


def cpu_seconds() -> float:
    """CPU time of this process so far (user + system), scheduler threads included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Floor:
    """The tokenizer-only pass over a corpus: its seconds and words, the vocabulary growth
    and the replayed tokenizer cache of its texts, and the first texts (for the peer)."""

    seconds: float
    words: int
    vocabulary: VocabularyMeter
    cache: CacheMeter
    sample: list[str]


def tokenizer_seconds(nlp: Language, corpus: Path, profiles: Profiles, *, keep: int = 0) -> Floor:
    """Seconds spent in the tokenizer alone over the corpus's article texts (the floor),
    streaming, with the same memory zones as the extraction; the vocabulary and cache
    measures are taken on the same texts, outside the timing; the first ``keep`` texts
    are kept."""
    seconds, words = 0.0, 0
    vocabulary, cache, sample = VocabularyMeter(), CacheMeter(set(nlp.tokenizer.rules or {}), nlp.tokenizer.max_cache_size), []
    articles = (a for a in iter_parsed(corpus, profiles) if not isinstance(a, Reject))
    for n, block in enumerate(memory_zone_blocks(nlp, articles)):
        for article in block:
            text = article_text(article_units(article))
            start = time.perf_counter()
            nlp.make_doc(text)
            seconds += time.perf_counter() - start
            words += len(text.split())
            vocabulary.add(text)
            cache.add(text, in_zone=n > 0)
            if len(sample) < keep:
                sample.append(text)
    return Floor(seconds, words, vocabulary, cache, sample)


def stage_seconds(nlp: Language, corpus: Path, profiles: Profiles, rules: QuoteRules, limit: int) -> dict[str, float]:
    """Where the time goes: seconds per stage over the first ``limit`` articles, each stage
    run over all of them in turn (reading and cleaning, tokenizer, every pipeline
    component, each table's row builder)."""
    gazetteer = nlp.get_pipe("afstudy_actors").gazetteer
    times: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], T]) -> T:
        start = time.perf_counter()
        value = fn()
        times[name] = times.get(name, 0.0) + time.perf_counter() - start
        return value

    with plan_corpus(corpus) as plan:  # the metadata index is built once per run, outside the timing
        chosen = plan.to_read()[:limit]
    raws = timed("read_and_clean", lambda: [r for r in (read_article(path, meta) for path, meta in chosen) if not isinstance(r, Reject)])
    parsed = timed("read_and_clean", lambda: [a for a in (parse_article(r, profiles) for r in raws) if no_body_reject(a) is None])
    units = [article_units(a) for a in parsed]
    docs = timed("tokenizer", lambda: [nlp.make_doc(article_text(u)) for u in units])
    for name, component in nlp.pipeline:
        docs = timed(name, lambda c=component: [c(d) for d in docs])
    ads = timed("article_doc_index", lambda: [ArticleDoc(a, u, d) for a, u, d in zip(parsed, units, docs, strict=True)])
    bundles = timed("row_builders", lambda: [article_bundle(ad, gazetteer, rules) for ad in ads])
    timed("csv_formatting", lambda: [article_result("", "", b) for b in bundles])
    return times


def _count_processed(items: list[tuple[Path, Metadata]], settings: dict[str, str | None], chunk: int) -> int:
    return sum(len(process_files(items[i : i + chunk], settings)) for i in range(0, len(items), chunk))


def parallel_ceiling(corpus: Path, settings: dict[str, str | None], chunk: int) -> tuple[float, float]:
    """What two processes can gain on this machine, without dask: the same work (read,
    clean, parse, extract, format; nothing written) on the two halves of the corpus, one
    after the other in this process, then in two processes at once, then one after the
    other again. Returns the mean of the sequential times and the parallel time."""
    with plan_corpus(corpus) as plan:
        items = plan.to_read()
    halves = [items[: len(items) // 2], items[len(items) // 2 :]]
    build_worker_state(settings)

    def one_process() -> float:
        start = time.perf_counter()
        for half in halves:
            _count_processed(half, settings, chunk)
        return time.perf_counter() - start

    before = one_process()
    with multiprocessing.get_context("spawn").Pool(2, initializer=build_worker_state, initargs=(settings,)) as pool:
        pool.starmap(_count_processed, [([], settings, chunk)] * 2)  # both workers started and warm
        start = time.perf_counter()
        pool.starmap(_count_processed, [(half, settings, chunk) for half in halves], chunksize=1)
        two = time.perf_counter() - start
    return (before + one_process()) / 2, two


def make_corpus(kind: str, n_articles: int, out: Path, *, seed: int = 2021) -> Path:
    """The benchmark corpus of ``kind`` (realistic or synthetic) under ``out``, written
    unless the same one is there already."""
    folder = out / f"corpus_{kind}_{n_articles}"
    if kind == "realistic":
        if not corpus_is_current(folder, n_articles, seed=seed):
            shutil.rmtree(folder, ignore_errors=True)
            realistic_corpus(folder, n_articles, seed=seed)
    elif kind == "synthetic":
        if not (folder / "metadata.csv").exists():
            synthetic_corpus(folder, n_articles, seed=seed)
    else:
        raise ValueError(f"unknown corpus kind {kind!r} (one of {', '.join(CORPORA)})")
    return folder


def load_peer(name: str) -> Language | None:
    """The installed spaCy pipeline ``name`` (``spacy.load``), or None, with one line said,
    when it cannot be loaded."""
    import spacy

    try:
        return spacy.load(name)
    except (OSError, ImportError, ValueError) as exc:
        print(f"bench: peer model {name!r} is not installed or cannot be loaded ({str(exc).splitlines()[0][:120]}); peer rows not measured", file=sys.stderr)
        return None


def peer_seconds(peer: Language, texts: list[str], batch_size: int) -> float:
    """Seconds for the peer pipeline's ``nlp.pipe`` over ``texts`` (after an untimed
    warm-up on the first few), in a memory zone."""
    with peer.memory_zone():
        for _ in peer.pipe(texts[:8]):
            pass
        start = time.perf_counter()
        for _ in peer.pipe(texts, batch_size=batch_size):
            pass
        return time.perf_counter() - start


PEER_MEASURES = ("peer_words_per_s", "extract_over_peer_ratio", "profile_over_peer_ratio")


def peer_rows(name: str | None, texts: list[str], extract_words_per_s: float, profile_seconds: float, batch_size: int) -> list[dict[str, object]]:
    """The peer rows: its throughput on ``texts`` and afstudy's relative to it, end to end
    and as the stage profile of the same articles (timed just before the peer, so that a
    drift in the machine's speed counts less); or the rows as not measured."""
    words = sum(len(t.split()) for t in texts)
    peer = load_peer(name) if name else None
    if peer is None:
        why = f"not measured: spaCy pipeline {name!r} not installed" if name else "not measured: no --peer-model given"
        return [{"measure": m, "value": math.nan, "note": why} for m in PEER_MEASURES]
    peer_words_per_s = words / peer_seconds(peer, texts, batch_size)
    note = f"{name} ({', '.join(peer.pipe_names)}), nlp.pipe on the cleaned texts of the first {len(texts)} articles ({words} words)"
    return [
        {"measure": "peer_words_per_s", "value": peer_words_per_s, "note": note},
        {"measure": "extract_over_peer_ratio", "value": extract_words_per_s / peer_words_per_s, "note": "afstudy end to end (read, clean, extract, write) over the peer's nlp.pipe alone; target >= 5"},
        {"measure": "profile_over_peer_ratio", "value": words / profile_seconds / peer_words_per_s, "note": "afstudy's stage profile (read to CSV lines, in memory) on the same articles over the peer"},
    ]


def folder_mib(folder: Path, pattern: str) -> float:
    """Size of the files of ``folder`` matching ``pattern`` (MiB)."""
    return sum(p.stat().st_size for p in folder.glob(pattern)) / 2**20


def file_write_seconds(folder: Path, target: Path) -> float:
    """Seconds to write the bytes of ``folder``'s CSV tables again (streamed copies, the
    sources read from the page cache): the file-writing part of the CSV output."""
    target.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for source in sorted(folder.glob("*.csv")):
        with open(source, "rb") as src, open(target / source.name, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    return time.perf_counter() - start


def parquet_conversion(folder: Path, work: Path) -> tuple[float, float]:
    """Seconds of the Parquet conversion (:func:`afstudy.columnar.convert_folder`, what
    ``afstudy extract --format parquet`` runs after the streaming CSV pass) on a copy of the
    CSV tables, and the Parquet tables' size (MiB)."""
    from afstudy.columnar import convert_folder

    shutil.copytree(folder, work, ignore=shutil.ignore_patterns("*.json", "*.txt"))
    start = time.perf_counter()
    convert_folder(work)
    return time.perf_counter() - start, folder_mib(work, "*.parquet")


def vocabulary_rows(corpus: VocabularyMeter, cache: CacheMeter) -> list[dict[str, object]]:
    """Vocabulary novelty of the corpus beside the validation texts', and the cache hit share
    (see :mod:`afstudy.benchcorpus`)."""
    validation = vocabulary(" ".join(p) for p in validation_paragraphs())
    k, beta = heaps_fit(validation)
    length = min(validation.words, corpus.words)
    tail = (int(corpus.words * 0.9), corpus.words)
    return [
        {"measure": "validation_words", "value": validation.words, "note": "body words of the real validation texts (data/validation/corpus)"},
        {"measure": "validation_novelty_per_1000_words", "value": validation.novelty(0, validation.words), "note": "new token types per 1,000 words over the validation texts"},
        {"measure": "novelty_per_1000_words_at_validation_length", "value": corpus.novelty(0, length), "note": "the same over this corpus's first validation_words words"},
        {"measure": "novelty_per_1000_words_last_tenth", "value": corpus.novelty(*tail), "note": "over this corpus's last tenth of words"},
        {"measure": "heaps_novelty_per_1000_words_last_tenth", "value": heaps_novelty(k, beta, *tail), "note": f"Heaps' law fitted on the validation texts (beta {beta:.2f}) extrapolated to that stretch: a rough upper reference"},
        {"measure": "tokenizer_cache_hit_share", "value": cache.hit_share, "note": f"chunks answered from spaCy's special cases or cache (replay, upper bound); {len(cache.cache)} chunks cached"},
    ]


LONG_ARTICLE_SENTENCES = (4_000, 16_000)


def run(
    n_articles: int,
    out: Path,
    *,
    with_dask: bool,
    corpus_kind: str = "realistic",
    peer_model: str | None = None,
    batch_size: int = 64,
    profile_articles: int = 1000,
    long_sentences: tuple[int, int] = LONG_ARTICLE_SENTENCES,
) -> pd.DataFrame:
    """Measure and return one results row per measurement (measure, value, note)."""
    corpus = make_corpus(corpus_kind, n_articles, out)
    profiles, rules = load_profiles(), load_quote_rules()
    nlp = build_pipeline()
    limit = min(profile_articles, n_articles)
    floor = tokenizer_seconds(nlp, corpus, profiles, keep=limit if peer_model else 0)
    tokenizer_s, words = floor.seconds, floor.words
    rows: list[dict[str, object]] = [{"measure": "corpus_realistic", "value": int(corpus_kind == "realistic"), "note": f"1: recombined validation sentences with new names and numbers; 0: recombined seed paragraphs ({corpus})"}]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        summary = extract_to_dir(nlp, corpus, Path(tmp) / "local", profiles=profiles, quote_rules=rules, batch_size=batch_size, progress=False)
        extract_s = time.perf_counter() - start
        extract_rss = peak_rss_mib()
        specs = [Spec(unit=unit, level=level) for unit in UNITS for level in LEVELS]
        start = time.perf_counter()
        counted = cooccurrence_counts_streamed(Path(tmp) / "local" / "mentions.csv", Path(tmp) / "local" / "sentences.csv", specs, dense=False)
        cooc_s = time.perf_counter() - start
        distinct_actors = max(len(c.keys) for c in counted.values())  # type: ignore[union-attr]
        del counted
        rows += [
            {"measure": "articles", "value": n_articles},
            {"measure": "articles_processed", "value": summary.processed},
            {"measure": "words", "value": words},
            {"measure": "mentions", "value": summary.rows["mentions"]},
            {"measure": "tokenizer_words_per_s", "value": words / tokenizer_s},
            {"measure": "extract_words_per_s", "value": words / extract_s},
            {"measure": "extract_over_tokenizer_ratio", "value": tokenizer_s / extract_s, "note": "target >= 0.25"},
            {"measure": "extract_s", "value": extract_s, "note": "afstudy extract, CSV tables"},
            {"measure": "cooccurrence_all_units_s", "value": cooc_s, "note": "streamed, sparse counts (dense=False)"},
            {"measure": "cooccurrence_distinct_keys", "value": distinct_actors, "note": "actors co-occurring in the largest spec (provisional ones included)"},
            {"measure": "cooccurrence_over_extract_ratio", "value": cooc_s / extract_s},
            {"measure": "peak_rss_mib_after_extract", "value": extract_rss},
            {"measure": "peak_rss_mib_after_cooccurrence", "value": peak_rss_mib()},
        ]
        csv_mib = folder_mib(Path(tmp) / "local", "*.csv")
        write_s = file_write_seconds(Path(tmp) / "local", Path(tmp) / "rewritten")
        shutil.rmtree(Path(tmp) / "rewritten")
        conversion_s, parquet_mib = parquet_conversion(Path(tmp) / "local", Path(tmp) / "parquet")
        if with_dask:
            settings = {"spacy_model": None, "gazetteer": str(ACTORS_FILE), "frames": str(FRAMES_FILE), "quote_rules": str(QUOTE_RULES_FILE), "outlets": str(OUTLETS_FILE)}
            with dask_client(None, 2) as client:
                warm_up(client, settings)
                start, cpu = time.perf_counter(), cpu_seconds()
                extract_to_dir(nlp, corpus, Path(tmp) / "dask", profiles=profiles, quote_rules=rules, batch_size=batch_size, progress=False, client=client, settings=settings)
                dask_s, client_cpu = time.perf_counter() - start, cpu_seconds() - cpu
            same = all((Path(tmp) / "local" / f.name).read_bytes() == f.read_bytes() for f in sorted((Path(tmp) / "dask").glob("*.csv")))
            # the one-process run again, so that the dask run sits between two of them and a
            # drift in the machine's speed during the benchmark cancels out of the ratio
            start = time.perf_counter()
            extract_to_dir(nlp, corpus, Path(tmp) / "local_again", profiles=profiles, quote_rules=rules, batch_size=batch_size, progress=False)
            extract_again_s = time.perf_counter() - start
            one, two = parallel_ceiling(corpus, settings, batch_size)
            rows += [
                {"measure": "extract_again_s", "value": extract_again_s},
                {"measure": "dask_2_workers_s", "value": dask_s},
                {"measure": "dask_2_workers_speedup", "value": (extract_s + extract_again_s) / 2 / dask_s},
                {"measure": "dask_output_identical", "value": int(same)},
                {"measure": "dask_client_cpu_share", "value": client_cpu / dask_s},
                {"measure": "two_processes_no_dask_speedup", "value": one / two},
            ]
    stages = stage_seconds(nlp, corpus, profiles, rules, limit)
    total = sum(stages.values())
    rows += [{"measure": f"stage_share_{name}", "value": seconds / total, "note": f"of {limit} articles, stage by stage"} for name, seconds in stages.items()]
    formatting_s = stages.get("csv_formatting", 0.0) * summary.processed / max(limit, 1)
    rows += writing_rows(extract_s, formatting_s, write_s, conversion_s, csv_mib, parquet_mib)
    rows += vocabulary_rows(floor.vocabulary, floor.cache)
    rows += peer_rows(peer_model, floor.sample, words / extract_s, total, batch_size)
    with tempfile.TemporaryDirectory() as tmp:
        rows += long_article_rows(nlp, profiles, rules, Path(tmp), long_sentences)
    frame = pd.DataFrame(rows)
    frame["note"] = frame["note"].fillna("")
    return frame[["measure", "value", "note"]]


def long_article_rows(nlp: Language, profiles: Profiles, rules: QuoteRules, work: Path, sizes: tuple[int, int] = LONG_ARTICLE_SENTENCES) -> list[dict[str, object]]:
    """Seconds to extract one article of 4,000 and one of 16,000 sentences (``sizes``; a
    third of them quotes with a pronoun speaker), and their ratio: about 4 when quote
    attribution and the rest are linear in the article's length, 16 when quadratic."""
    with open(PROJ_ROOT / "seeds" / "metadata.csv", encoding="utf-8", newline="") as handle:
        row = next(csv.DictReader(handle))
    seconds = {}
    for n in sizes:
        folder = work / f"long_{n}"
        folder.mkdir(parents=True)
        body = "".join(f"Speaker {k} said the talks on item {k} would resume. “We will see,” he added. Others disagreed on point {k}.\n\n" for k in range(n // 3))
        (folder / "long.txt").write_text("Long Report\n\n" + body, encoding="utf-8")
        with open(folder / "metadata.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(row), lineterminator="\n")
            writer.writeheader()
            writer.writerow(dict(row, file="long.txt", article_id=f"long-{n}", headline=""))
        start = time.perf_counter()
        extract_to_dir(nlp, folder, work / f"out_{n}", profiles=profiles, quote_rules=rules, progress=False)
        seconds[n] = time.perf_counter() - start
    small, large = sizes
    linear = large / small
    return [
        *({"measure": f"long_article_{i}_s", "value": seconds[n], "note": f"afstudy extract of one article of {n:,} sentences"} for i, n in (("short", small), ("long", large))),
        {"measure": "long_article_time_ratio", "value": seconds[large] / seconds[small], "note": f"{large:,} over {small:,} sentences: {linear:g} if linear, {linear ** 2:g} if quadratic"},
    ]


def writing_rows(extract_s: float, formatting_s: float, write_s: float, conversion_s: float, csv_mib: float, parquet_mib: float) -> list[dict[str, object]]:
    """The share of the extraction spent writing its tables, as CSV and as Parquet."""
    parquet_s = extract_s + conversion_s
    return [
        {"measure": "csv_tables_mib", "value": csv_mib},
        {"measure": "parquet_tables_mib", "value": parquet_mib},
        {"measure": "csv_formatting_s", "value": formatting_s, "note": "the stage profile's csv_formatting, scaled to all articles"},
        {"measure": "csv_file_write_s", "value": write_s, "note": "writing the CSV tables' bytes again"},
        {"measure": "csv_writing_share", "value": (formatting_s + write_s) / extract_s, "note": "(csv_formatting_s + csv_file_write_s) / extract_s"},
        {"measure": "parquet_conversion_s", "value": conversion_s, "note": "convert_folder on a copy of the CSV tables"},
        {"measure": "extract_parquet_s", "value": parquet_s, "note": "extract_s + parquet_conversion_s (what --format parquet runs)"},
        {"measure": "parquet_writing_share", "value": (formatting_s + write_s + conversion_s) / parquet_s, "note": "(CSV writing + conversion) / extract_parquet_s"},
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the results."""
    parser = argparse.ArgumentParser(prog="python -m afstudy.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=PROJ_ROOT / "build" / "bench")
    parser.add_argument("--dask", action="store_true", help="also time a 2-worker local dask cluster")
    parser.add_argument("--corpus", choices=CORPORA, default="realistic", help="realistic (default: validation sentences, new names and numbers) or synthetic (recombined seed paragraphs)")
    parser.add_argument("--peer-model", default=None, metavar="NAME", help="an installed spaCy pipeline (spacy.load) to time on the same texts")
    args = parser.parse_args(argv)
    results = run(args.articles, args.out, with_dask=args.dask, corpus_kind=args.corpus, peer_model=args.peer_model)
    name = f"results_{args.articles}.csv" if args.corpus == "realistic" else f"results_{args.corpus}_{args.articles}.csv"
    write_csv(results, args.out / name)
    with pd.option_context("display.width", 250, "display.max_colwidth", 140):
        print(results.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    print(f"written: {args.out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
