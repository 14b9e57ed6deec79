"""A benchmark corpus with the vocabulary novelty of real news (the default of ``make bench``).

Why: spaCy's tokenizer keeps a cache of the whitespace-separated chunks it has split
(``Tokenizer._cache``, keyed by the chunk's string hash, at most ``max_cache_size`` = 10,000
chunks, and not filled inside a memory zone). A corpus that recombines a few hundred fixed
paragraphs (:func:`afstudy.bench.synthetic_corpus`) hits that cache for nearly every chunk,
so its "tokenizer floor" runs several times faster than on real news, and every ratio to it
is off. Real news keeps bringing new names, numbers and places.

What :func:`realistic_corpus` writes (seeded, deterministic, the same files for the same
seed and size): articles whose body paragraphs recombine the *sentences* of the validation
corpus (``data/validation/corpus``: 95 real news texts, read and cleaned by afstudy's own
reader and parser, body paragraphs only; sentences inside an open quotation are kept
together so quotations stay balanced). In every article:

* capitalised words that are rare in the validation texts (in fewer than
  :data:`KEEP_MIN_ARTICLES` of its articles: the one-off people, places and organisations)
  are replaced, consistently within the article, by generated capitalised names (syllables
  from a seeded RNG): a fresh name with probability :data:`NEW_NAME_SHARE`, else one generated
  earlier (names recur across articles, as in a news stream). The recurring actors and places
  (Russia, Taliban, Lavrov, Moscow, ...) are kept, so the extraction still finds its actors;
* lowercase words of 6 or more letters that are rare in the validation texts (same rule)
  are replaced, with probability :data:`RARE_WORD_SHARE`, by generated words of 2-3
  syllables keeping the word's last three letters (new or recurring as names are): real news
  keeps bringing rare words too, which recombined sentences would repeat;
* every run of digits is replaced by new digits of the same length (years by a year of
  2000-2024), so numbers, sums and dates are new as in real reports;
* a sentence's first word is kept; the headline is a short sentence of the pool (5-12 words,
  ending with a full stop, which is dropped); a few page-chrome lines above and below, an
  occasional "READ MORE" line and the ``metadata.csv`` columns are written as
  :func:`afstudy.bench.synthetic_corpus` writes them (the seed outlets, whose cleaning
  profiles the pipeline has; an event of the package's value sets and a publication day
  within a week after it).

Two measures make the claim checkable (:func:`afstudy.bench.run` reports them):

* **vocabulary novelty**: new token types per 1,000 words, where a word is a whitespace
  chunk and its type the chunk without leading and trailing punctuation, case kept (what
  the tokenizer cache distinguishes, up to punctuation). Novelty falls as a text stream
  grows (Heaps' law, types ~ K * words ** beta), so a corpus is compared with the real
  validation texts at the same length: the novelty of its first W words, W the validation
  body's word count, beside the validation texts' own; and the novelty of its last tenth
  beside what Heaps' law fitted on the validation texts predicts for that stretch (a rough
  upper reference: beta fitted on some 20,000 words is larger than a large news corpus's);
* **tokenizer cache hit share** (:class:`CacheMeter`): the share of the tokenizer's chunks
  (spaCy's own split: runs of non-space, and runs of whitespace less one leading space) that
  spaCy answers from its special cases or its cache, with the cache replayed as spaCy
  3.8 fills it: in text order, outside memory zones only (afstudy tokenizes the first block
  of :data:`afstudy.streaming.ZONE_ARTICLES` articles outside a zone, every later block
  inside one), until it holds ``max_cache_size`` chunks. spaCy also skips caching the rest
  of a text after a special case; the replay does not, so the share is an upper bound
  (the private ``_cache`` cannot be read from Python).
"""

from __future__ import annotations

import csv
import datetime
import functools
import math
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from afstudy.paths import PROJ_ROOT

VALIDATION_CORPUS = PROJ_ROOT / "data" / "validation" / "corpus"
VALIDATION_VALUE_SETS = PROJ_ROOT / "data" / "validation" / "value_sets.yaml"
GENERATOR_VERSION = "4"  # written beside a corpus (FOLDER.generator); a corpus of another version is rewritten
KEEP_MIN_ARTICLES = 3  # a capitalised word in at least this many validation articles is kept
NEW_NAME_SHARE = 0.7  # share of replaced names and words that are new (the others recur)
RARE_WORD_SHARE = 0.5  # share of the rare lowercase words (6+ letters) that are replaced
CHROME_TOP = [["Accessibility links", "Breaking News"], ["Log In"], ["Skip to main content", "Menu"], ["Support us!"], []]
CHROME_BOTTOM = [["Tagged under", "Leave a Reply"], ["Advertisement"], ["XS", "SM", "MD", "LG"], ["Share on Facebook"], []]
OUTLETS = [("rferl", "RFE/RL", "us_government_funded"), ("voa", "VOA", "us_government_funded"), ("trt_world", "TRT World", "public_broadcaster"), ("abc_news", "ABC News", "commercial_broadcaster"), ("moscow_times", "The Moscow Times", "independent")]
METADATA_HEADER = ["file", "article_id", "outlet", "outlet_id", "outlet_type", "headline", "published", "date_precision", "event", "event_date", "evidence"]
PUNCT = "\"'“”‘’.,;:!?()[]{}<>«»—–-…/*#|"
ONSETS = ["b", "d", "f", "g", "h", "k", "kh", "l", "m", "n", "p", "r", "s", "sh", "t", "v", "z", "zh", "ch", "y", "j", "q", "gh", "dr", "st", "br"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ia", "ou", "ee", "y"]
CODAS = ["", "", "", "n", "r", "v", "m", "l", "k", "d", "sh", "t", "z", "ov", "in", "ullah"]
NAME = re.compile(r"(?<![\w’'-])[A-Z][a-z]+(?:[-’'][A-Za-z]?[a-z]+)*(?![\w-])")
WORD = re.compile(r"(?<![\w’'-])[a-z]{6,}(?![\w’'-])")
DIGITS = re.compile(r"\d+")
SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][”\"’)]))\s+(?=[“\"‘(]?[A-Z0-9])")
MONTHS_DAYS = {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}


# ---- the validation texts -------------------------------------------------------------
@functools.lru_cache(maxsize=2)
def validation_paragraphs(folder: Path = VALIDATION_CORPUS) -> tuple[tuple[str, ...], ...]:
    """The body paragraphs of every validation article, as afstudy reads and cleans them
    (read once per process)."""
    from afstudy.parsing import parse_corpus
    from afstudy.valuesets import load_value_sets

    value_sets = load_value_sets(VALIDATION_VALUE_SETS) if folder == VALIDATION_CORPUS else None
    parsed = parse_corpus(folder, value_sets=value_sets)
    return tuple(tuple(p.text for p in a.paragraphs if p.kind == "paragraph") for a in parsed.articles)


def _quote_open(text: str) -> bool:
    """Whether a text leaves a quotation open (more opening than closing quotes)."""
    return text.count("“") > text.count("”") or text.count('"') % 2 == 1


def sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph; sentences inside an open quotation stay together."""
    out: list[str] = []
    for piece in (s.strip() for s in SENTENCE_END.split(paragraph)):
        if not piece:
            continue
        if out and _quote_open(out[-1]):
            out[-1] += " " + piece
        else:
            out.append(piece)
    return out


def common_words(articles: Iterable[Iterable[str]], pattern: re.Pattern[str], min_articles: int = KEEP_MIN_ARTICLES) -> set[str]:
    """The words matching ``pattern`` found in at least ``min_articles`` articles (for
    capitalised words: the recurring actors, places and title words): never replaced."""
    seen: Counter[str] = Counter()
    for paragraphs in articles:
        seen.update({m.group() for p in paragraphs for m in pattern.finditer(p)})
    return {word for word, n in seen.items() if n >= min_articles}


# ---- substitution ----------------------------------------------------------------------
def _syllables(rng: random.Random, counts: tuple[int, ...]) -> str:
    return "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(rng.choice(counts)))


def generated_name(rng: random.Random) -> str:
    """A new capitalised name of 2-4 syllables."""
    return (_syllables(rng, (2, 2, 3, 3, 4)) + rng.choice(CODAS)).capitalize()


def generated_word(rng: random.Random, like: str) -> str:
    """A new lowercase word of 2-3 syllables ending as ``like`` does (its last 3 letters)."""
    return _syllables(rng, (2, 3)) + like[-3:]


def _sentence_start(match: re.Match[str]) -> bool:
    """Whether a match opens its line or a sentence (after end punctuation and a space)."""
    before = match.string[: match.start()].rstrip("“\"‘( ")
    return not before or before[-1] in ".!?:"


@dataclass
class Substituter:
    """Replaces the rare names, some rare words and all numbers of one article at a time
    (see the module docstring)."""

    names: set[str]  # capitalised words kept
    words: set[str]  # lowercase words kept
    rng: random.Random
    new_share: float = NEW_NAME_SHARE
    word_share: float = RARE_WORD_SHARE
    pools: dict[str, list[str]] = field(default_factory=lambda: {"name": [], "word": []})

    def _new(self, kind: str, like: str) -> str:
        pool = self.pools[kind]
        if not pool or self.rng.random() < self.new_share:
            pool.append(generated_name(self.rng) if kind == "name" else generated_word(self.rng, like))
            return pool[-1]
        return pool[int(len(pool) * self.rng.random() ** 2)]  # earlier ones recur more

    def _number(self, digits: str) -> str:
        if len(digits) == 4 and digits[:2] in ("19", "20"):
            return str(self.rng.randint(2000, 2024))
        first = str(self.rng.randint(1, 9)) if len(digits) > 1 else str(self.rng.randint(0, 9))
        return first + "".join(str(self.rng.randint(0, 9)) for _ in digits[1:])

    def article(self, lines: list[str]) -> list[str]:
        """The lines of one article with its names, words and numbers replaced (one mapping
        per article; a sentence's first word is kept)."""
        mapping: dict[str, str] = {}

        def name(match: re.Match[str]) -> str:
            word = match.group()
            if word in self.names or word in MONTHS_DAYS or _sentence_start(match):
                return word
            if word not in mapping:
                mapping[word] = self._new("name", word)
            return mapping[word]

        def rare(match: re.Match[str]) -> str:
            word = match.group()
            if word in self.words:
                return word
            if word not in mapping:
                mapping[word] = self._new("word", word) if self.rng.random() < self.word_share else word
            return mapping[word]

        return [DIGITS.sub(lambda m: self._number(m.group()), WORD.sub(rare, NAME.sub(name, line))) for line in lines]


# ---- the corpus ------------------------------------------------------------------------
def headline_pool(pool: list[str]) -> list[str]:
    """Sentences that can stand as headlines: 5-12 words, opening with a capital, closing
    with a full stop (dropped), without quotation marks, colons or semicolons."""
    return [s.rstrip(".") for s in pool if 5 <= len(s.split()) <= 12 and s[0].isupper() and s.endswith(".") and not re.search(r"[\"“”‘’:;]", s)]


def _body(pool: list[str], rng: random.Random) -> list[str]:
    return [" ".join(rng.choice(pool) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(4, 12))]


def benchmark_events() -> list[tuple[str, str]]:
    """(id, date) of the events of the package's value sets, sorted: what a metadata row may name."""
    from afstudy.valuesets import load_value_sets

    return sorted((e.id, e.date) for e in load_value_sets().events.values())


def metadata_dates(rng: random.Random, events: list[tuple[str, str]]) -> list[str]:
    """published, date_precision, event, event_date of one article: a known event and a
    publication day within a week after it."""
    event, date = rng.choice(events)
    day = datetime.date.fromisoformat(date) + datetime.timedelta(days=rng.randint(0, 7))
    return [day.isoformat(), "day", event, date]


def realistic_corpus(folder: Path, n_articles: int, *, seed: int = 2021, source: Path = VALIDATION_CORPUS) -> int:
    """Write ``n_articles`` articles of recombined validation sentences with new names and
    numbers into ``folder`` (``*.txt`` and ``metadata.csv``); returns the number written."""
    articles = validation_paragraphs(source)
    pool = [s for paragraphs in articles for p in paragraphs for s in sentences(p)]
    heads = headline_pool(pool)
    events = benchmark_events()
    rng = random.Random(seed)
    substituter = Substituter(common_words(articles, NAME), common_words(articles, WORD), random.Random(seed + 1))
    write_articles(folder, n_articles, rng, events, lambda n: substituter.article([rng.choice(heads), *_body(pool, rng)]), "realistic benchmark article")
    _stamp(folder).write_text(f"realistic {GENERATOR_VERSION} seed {seed} articles {n_articles}\n", encoding="utf-8")
    return n_articles


def write_articles(folder: Path, n_articles: int, rng: random.Random, events: list[tuple[str, str]], article: Callable[[int], list[str]], evidence: str) -> None:
    """Write ``n_articles`` benchmark articles into ``folder``: ``article(n)`` gives the
    headline and body lines, framed by page chrome (and now and then a "READ MORE" line)
    with an outlet and dates drawn from ``rng``; ``metadata.csv`` beside them."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "metadata.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(METADATA_HEADER)
        for n in range(n_articles):
            outlet_id, outlet, kind = rng.choice(OUTLETS)
            headline, *body = article(n)
            lines = [*rng.choice(CHROME_TOP), headline, *body]
            if rng.random() < 0.3:
                lines.insert(rng.randint(len(lines) // 2, len(lines)), "READ MORE: Related coverage of the talks")
            lines += rng.choice(CHROME_BOTTOM)
            name = f"{n:07d}.txt"
            (folder / name).write_text("\n\n".join(lines) + "\n", encoding="utf-8")
            writer.writerow([name, f"bench-{n:07d}", outlet, outlet_id, kind, headline, *metadata_dates(rng, events), evidence])


def _stamp(folder: Path) -> Path:
    """The file beside a corpus folder naming the generator, seed and size that wrote it."""
    return folder.with_name(folder.name + ".generator")


def corpus_is_current(folder: Path, n_articles: int, *, seed: int = 2021) -> bool:
    """Whether ``folder`` holds the corpus this generator writes for ``n_articles`` and ``seed``."""
    stamp = _stamp(folder)
    return (folder / "metadata.csv").exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == f"realistic {GENERATOR_VERSION} seed {seed} articles {n_articles}\n"


# ---- measures --------------------------------------------------------------------------
def word_types(text: str) -> list[str]:
    """The text's words (whitespace chunks) as types: punctuation stripped at both ends, case kept."""
    return [t for t in (chunk.strip(PUNCT) for chunk in text.split()) if t]


@dataclass
class VocabularyMeter:
    """The growth of the vocabulary over a stream of texts: (words so far, types so far)
    after every text."""

    types: set[str] = field(default_factory=set)
    words: int = 0
    growth: list[tuple[int, int]] = field(default_factory=lambda: [(0, 0)])

    def add(self, text: str) -> None:
        """Count one text."""
        self.words += len(text.split())
        self.types.update(word_types(text))
        self.growth.append((self.words, len(self.types)))

    def types_at(self, words: int) -> float:
        """Types seen after ``words`` words (linear between texts)."""
        for (w0, t0), (w1, t1) in zip(self.growth, self.growth[1:]):
            if w1 >= words:
                return t0 + (t1 - t0) * (words - w0) / max(w1 - w0, 1)
        return float(self.growth[-1][1])

    def novelty(self, start: int, end: int) -> float:
        """New types per 1,000 words between word ``start`` and word ``end``."""
        return 1000 * (self.types_at(end) - self.types_at(start)) / max(end - start, 1)


def vocabulary(texts: Iterable[str]) -> VocabularyMeter:
    """The vocabulary growth of ``texts``."""
    meter = VocabularyMeter()
    for text in texts:
        meter.add(text)
    return meter


def heaps_fit(meter: VocabularyMeter, points: int = 20) -> tuple[float, float]:
    """(K, beta) of Heaps' law types = K * words ** beta, least squares on logs over
    ``points`` log-spaced positions of the stream."""
    top = meter.words
    xs = [math.log(top ** ((i + 1) / points)) for i in range(points)]
    ys = [math.log(max(meter.types_at(round(math.exp(x))), 1.0)) for x in xs]
    mx, my = sum(xs) / points, sum(ys) / points
    beta = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return math.exp(my - beta * mx), beta


def heaps_novelty(k: float, beta: float, start: int, end: int) -> float:
    """New types per 1,000 words between word ``start`` and ``end`` by Heaps' law."""
    return 1000 * k * (end**beta - start**beta) / max(end - start, 1)


def tokenizer_chunks(text: str) -> list[str]:
    """The chunks spaCy's tokenizer looks up in its cache: runs of non-space characters,
    and runs of whitespace less one leading space."""
    chunks = []
    for run in re.findall(r"\S+|\s+", text):
        if run[0].isspace() and run[0] == " ":
            run = run[1:]
        if run:
            chunks.append(run)
    return chunks


@dataclass
class CacheMeter:
    """A replay of spaCy's tokenizer cache over a stream of texts (see the module docstring)."""

    specials: set[str]
    max_size: int = 10_000
    cache: set[str] = field(default_factory=set)
    chunks: int = 0
    hits: int = 0

    def add(self, text: str, *, in_zone: bool) -> None:
        """Count the chunks of one text tokenized inside a memory zone or not."""
        for chunk in tokenizer_chunks(text):
            self.chunks += 1
            if chunk in self.specials or chunk in self.cache:
                self.hits += 1
            elif not in_zone and len(self.cache) < self.max_size:
                self.cache.add(chunk)

    @property
    def hit_share(self) -> float:
        """Share of chunks answered from the special cases or the cache."""
        return self.hits / max(self.chunks, 1)
