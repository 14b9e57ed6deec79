"""Benchmark (``make bench``): throughput against the tokenizer floor, co-occurrence cost,
peak memory, and the speed-up of a 2-worker dask cluster. Not a test: numbers are
reported as ratios measured in one run on the same texts.

Usage: python -m afstudy.bench --articles 10000 --out build/bench [--dask]
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd
from spacy.language import Language

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
CHROME_TOP = [["Accessibility links", "Breaking News"], ["Log In"], ["Skip to main content", "Menu"], ["Support us!"], []]
CHROME_BOTTOM = [["Tagged under", "Leave a Reply"], ["Advertisement"], ["XS", "SM", "MD", "LG"], ["Share on Facebook"], []]
OUTLETS = [("rferl", "RFE/RL", "us_government_funded"), ("voa", "VOA", "us_government_funded"), ("trt_world", "TRT World", "public_broadcaster"), ("abc_news", "ABC News", "commercial_broadcaster"), ("moscow_times", "The Moscow Times", "independent")]


def synthetic_corpus(folder: Path, n_articles: int, *, seed: int = 2021) -> int:
    """Write ``n_articles`` recombined seed articles with varied boilerplate and metadata."""
    paragraphs = read_csv(PROJ_ROOT / "data" / "processed" / "corpus" / "paragraphs.csv")
    body = list(paragraphs[paragraphs["kind"] == "paragraph"]["text"])
    heads = list(read_csv(PROJ_ROOT / "data" / "processed" / "corpus" / "articles.csv")["headline"])
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "metadata.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file", "article_id", "outlet", "outlet_id", "outlet_type", "headline", "published", "date_precision", "event", "event_date", "evidence"])
        for n in range(n_articles):
            outlet_id, outlet, kind = rng.choice(OUTLETS)
            headline = f"{rng.choice(heads)} ({n})"
            lines = [*rng.choice(CHROME_TOP), headline]
            lines += rng.sample(body, k=rng.randint(6, 18))
            if rng.random() < 0.3:
                lines.insert(rng.randint(len(lines) // 2, len(lines)), "READ MORE: Related coverage of the talks")
            lines += rng.choice(CHROME_BOTTOM)
            name = f"{n:07d}.txt"
            (folder / name).write_text("\n\n".join(lines) + "\n", encoding="utf-8")
            day = f"20{rng.randint(18, 21)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            writer.writerow([name, f"bench-{n:07d}", outlet, outlet_id, kind, headline, day, "day", "synthetic", day, "synthetic benchmark article"])
    return n_articles


def cpu_seconds() -> float:
    """CPU time of this process so far (user + system), scheduler threads included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def tokenizer_seconds(nlp: Language, corpus: Path, profiles: Profiles) -> tuple[float, int]:
    """Seconds spent in the tokenizer alone over the corpus's article texts (the floor),
    streaming, with the same memory zones as the extraction; returns (seconds, words)."""
    seconds, words = 0.0, 0
    articles = (a for a in iter_parsed(corpus, profiles) if not isinstance(a, Reject))
    for block in memory_zone_blocks(nlp, articles):
        for article in block:
            text = article_text(article_units(article))
            start = time.perf_counter()
            nlp.make_doc(text)
            seconds += time.perf_counter() - start
            words += len(text.split())
    return seconds, words


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


def run(n_articles: int, out: Path, *, with_dask: bool, batch_size: int = 64, profile_articles: int = 1000) -> pd.DataFrame:
    """Measure and return one results row per measurement."""
    corpus = out / f"corpus_{n_articles}"
    if not (corpus / "metadata.csv").exists():
        synthetic_corpus(corpus, n_articles)
    profiles, rules = load_profiles(), load_quote_rules()
    nlp = build_pipeline()
    tokenizer_s, words = tokenizer_seconds(nlp, corpus, profiles)
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        summary = extract_to_dir(nlp, corpus, Path(tmp) / "local", profiles=profiles, quote_rules=rules, batch_size=batch_size, progress=False)
        extract_s = time.perf_counter() - start
        extract_rss = peak_rss_mib()
        specs = [Spec(unit=unit, level=level) for unit in UNITS for level in LEVELS]
        start = time.perf_counter()
        cooccurrence_counts_streamed(Path(tmp) / "local" / "mentions.csv", Path(tmp) / "local" / "sentences.csv", specs)
        cooc_s = time.perf_counter() - start
        rows += [
            {"measure": "articles", "value": n_articles},
            {"measure": "articles_processed", "value": summary.processed},
            {"measure": "words", "value": words},
            {"measure": "mentions", "value": summary.rows["mentions"]},
            {"measure": "tokenizer_words_per_s", "value": words / tokenizer_s},
            {"measure": "extract_words_per_s", "value": words / extract_s},
            {"measure": "extract_over_tokenizer_ratio", "value": tokenizer_s / extract_s},
            {"measure": "extract_s", "value": extract_s},
            {"measure": "cooccurrence_all_units_s", "value": cooc_s},
            {"measure": "cooccurrence_over_extract_ratio", "value": cooc_s / extract_s},
            {"measure": "peak_rss_mib_after_extract", "value": extract_rss},
            {"measure": "peak_rss_mib_after_cooccurrence", "value": peak_rss_mib()},
        ]
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
    stages = stage_seconds(nlp, corpus, profiles, rules, min(profile_articles, n_articles))
    total = sum(stages.values())
    rows += [{"measure": f"stage_share_{name}", "value": seconds / total} for name, seconds in stages.items()]
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the ratios."""
    parser = argparse.ArgumentParser(prog="python -m afstudy.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=PROJ_ROOT / "build" / "bench")
    parser.add_argument("--dask", action="store_true", help="also time a 2-worker local dask cluster")
    args = parser.parse_args(argv)
    results = run(args.articles, args.out, with_dask=args.dask)
    write_csv(results, args.out / f"results_{args.articles}.csv")
    print(results.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
