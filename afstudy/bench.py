"""Benchmark (``make bench``): throughput against the tokenizer floor, co-occurrence cost,
peak memory, and the speed-up of a 2-worker dask cluster. Not a test: numbers are
reported as ratios measured in one run on the same texts.

Usage: python -m afstudy.bench --articles 10000 --out build/bench [--dask]
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from afstudy.cleaning import load_profiles
from afstudy.cooccurrence import Spec, cooccurrence_counts
from afstudy.io import read_csv, write_csv
from afstudy.parsing import iter_parsed
from afstudy.paths import PROCESSED_DIR, PROJ_ROOT
from afstudy.pipeline import build_pipeline
from afstudy.quotes import load_quote_rules
from afstudy.streaming import dask_client, extract_to_dir
from afstudy.units import article_text, article_units

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


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(n_articles: int, out: Path, *, with_dask: bool, batch_size: int = 64) -> pd.DataFrame:
    """Measure and return one results row per measurement."""
    corpus = out / f"corpus_{n_articles}"
    if not (corpus / "metadata.csv").exists():
        synthetic_corpus(corpus, n_articles)
    profiles, rules = load_profiles(), load_quote_rules()
    nlp = build_pipeline()
    texts = [article_text(article_units(a)) for a in iter_parsed(corpus, profiles) if not hasattr(a, "reason")]
    words = sum(len(t.split()) for t in texts)
    start = time.perf_counter()
    for text in texts:
        nlp.make_doc(text)
    tokenizer_s = time.perf_counter() - start
    del texts
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        extract_to_dir(nlp, corpus, Path(tmp) / "local", profiles=profiles, quote_rules=rules, batch_size=batch_size, progress=False)
        extract_s = time.perf_counter() - start
        rss = peak_rss_mib()
        mentions = read_csv(Path(tmp) / "local" / "mentions.csv")
        sentences = read_csv(Path(tmp) / "local" / "sentences.csv")
        start = time.perf_counter()
        for unit in ("sentence", "paragraph", "article", "window"):
            for level in ("actor", "side"):
                cooccurrence_counts(mentions, sentences, Spec(unit=unit, level=level))
        cooc_s = time.perf_counter() - start
        rows += [
            {"measure": "articles", "value": n_articles},
            {"measure": "words", "value": words},
            {"measure": "tokenizer_words_per_s", "value": words / tokenizer_s},
            {"measure": "extract_words_per_s", "value": words / extract_s},
            {"measure": "extract_over_tokenizer_ratio", "value": tokenizer_s / extract_s},
            {"measure": "extract_s", "value": extract_s},
            {"measure": "cooccurrence_all_units_s", "value": cooc_s},
            {"measure": "cooccurrence_over_extract_ratio", "value": cooc_s / extract_s},
            {"measure": "peak_rss_mib", "value": rss},
        ]
        if with_dask:
            settings = {"spacy_model": None, "gazetteer": None, "frames": None, "quote_rules": None}
            from afstudy.framing import FRAMES_FILE
            from afstudy.gazetteer import ACTORS_FILE

            settings.update(gazetteer=str(ACTORS_FILE), frames=str(FRAMES_FILE))
            with dask_client(None, 2) as client:
                start = time.perf_counter()
                extract_to_dir(nlp, corpus, Path(tmp) / "dask", profiles=profiles, quote_rules=rules, batch_size=batch_size, progress=False, client=client, settings=settings)
                dask_s = time.perf_counter() - start
            rows += [{"measure": "dask_2_workers_s", "value": dask_s}, {"measure": "dask_2_workers_speedup", "value": extract_s / dask_s}]
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the ratios."""
    parser = argparse.ArgumentParser(prog="python -m afstudy.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=PROCESSED_DIR.parent.parent / "build" / "bench")
    parser.add_argument("--dask", action="store_true", help="also time a 2-worker local dask cluster")
    args = parser.parse_args(argv)
    results = run(args.articles, args.out, with_dask=args.dask)
    write_csv(results, args.out / f"results_{args.articles}.csv")
    print(results.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
