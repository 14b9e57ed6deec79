"""The shape of a line: outlet-independent evidence for its role.

Boilerplate removal decides from what a line looks like, not from which outlet printed it:
how many words it has and whether it ends like a sentence, how much of it is stopwords,
capitalised words, numbers or the vocabulary of web chrome (log in, share, search, icons),
whether it is only a date, a breadcrumb of separators or a run of code identifiers. The word
lists are data (``data/outlets.yaml``, ``generic.lexicon``); this module only measures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from spacy.lang.en.stop_words import STOP_WORDS

WORD_RE = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
TOKEN_RE = re.compile(r"\S+")
TERMINAL_RE = re.compile(r"[.!?…:;][\"'”’)\]]*$")
SENTENCE_END_RE = re.compile(r"[.!?…][\"'”’)\]]*$")
INITIALISM_END_RE = re.compile(r"(?:^|\s)(?:[A-Z]\.){2,}$")  # "U.S." ends a title, not a sentence
IDENTIFIER_RE = re.compile(r"^(?:[a-z]+_[a-z_]+|\w*icon\w*|[a-z]+-[a-z]*icon\w*)$", re.I)
NUMERIC_RE = re.compile(r"^[^A-Za-z]*\d[^A-Za-z]*$|^\d+[a-z]{1,3}$")  # "30,355", "(8.51%)", "624hr"
SEPARATORS = "»›►>|/·•→"
PHOTO_CREDIT_RE = re.compile(r"\((?:[^()]*\b(?:photos?|image|picture|file)\b[^()]*)\)\s*$", re.I)


def words(text: str) -> list[str]:
    """Word tokens of ``text`` (letters and digits, inner apostrophes, dots and hyphens)."""
    return WORD_RE.findall(text)


@dataclass(frozen=True)
class Lexicon:
    """The word lists behind the measures (``generic.lexicon`` of the outlet profiles)."""

    chrome: frozenset[str]
    login: frozenset[str]
    date: frozenset[str]
    stamp: frozenset[str]
    abbreviations: frozenset[str] = frozenset()  # lowercase, without the period: "govt"


@dataclass(frozen=True)
class Shape:
    """Measured features of one stripped line."""

    text: str
    lexicon: Lexicon

    @cached_property
    def words(self) -> list[str]:
        """Word tokens."""
        return words(self.text)

    @property
    def n(self) -> int:
        """Number of words."""
        return len(self.words)

    @cached_property
    def lowers(self) -> list[str]:
        """Lowercased word tokens."""
        return [w.lower() for w in self.words]

    @property
    def ends_abbreviation(self) -> bool:
        """The final period belongs to an abbreviation ("govt.", "U.S.")."""
        last = self.text.rsplit(None, 1)[-1] if self.text.strip() else ""
        return bool(INITIALISM_END_RE.search(self.text)) or (last.endswith(".") and last[:-1].lower() in self.lexicon.abbreviations)

    @property
    def ends_sentence(self) -> bool:
        """Ends with sentence punctuation that is not an abbreviation's period."""
        return bool(SENTENCE_END_RE.search(self.text)) and not self.ends_abbreviation

    @property
    def ends_clause(self) -> bool:
        """Ends with any terminal punctuation (sentence, colon, semicolon)."""
        return bool(TERMINAL_RE.search(self.text)) and not self.ends_abbreviation

    @property
    def opens_quote(self) -> bool:
        """Starts with an opening quote mark (a quote paragraph)."""
        return self.text[:1] in "“\"‘'"

    @property
    def is_caps_name(self) -> bool:
        """Two to four words in capitals and nothing else: an author's name ("JANE DOE")."""
        return 2 <= self.n <= 4 and self.text.replace(".", "").replace("-", "").replace("'", "").replace(" ", "").isalpha() and self.text.isupper()

    @property
    def stopword_share(self) -> float:
        """Share of words that are English stopwords (running text has many)."""
        return sum(w in STOP_WORDS for w in self.lowers) / self.n if self.n else 0.0

    @property
    def capital_share(self) -> float:
        """Share of content words (not stopwords) that start with a capital."""
        content = [w for w in self.words if w.lower() not in STOP_WORDS]
        return sum(w[:1].isupper() for w in content) / len(content) if content else 0.0

    def share(self, vocabulary: frozenset[str]) -> float:
        """Share of words in ``vocabulary``."""
        return sum(w in vocabulary for w in self.lowers) / self.n if self.n else 0.0

    def count(self, vocabulary: frozenset[str]) -> int:
        """Words in ``vocabulary``."""
        return sum(w in vocabulary for w in self.lowers)

    @cached_property
    def tokens(self) -> list[str]:
        """Whitespace tokens (words with their punctuation)."""
        return TOKEN_RE.findall(self.text)

    @property
    def identifier_share(self) -> float:
        """Share of tokens that are code identifiers or icon names ("exit_to_app", "fbicon")."""
        return sum(bool(IDENTIFIER_RE.match(t.strip(",.;:"))) for t in self.tokens) / len(self.tokens) if self.tokens else 0.0

    @property
    def numeric_share(self) -> float:
        """Share of tokens that are numbers, prices, percentages or symbols."""
        return sum(bool(NUMERIC_RE.match(t)) or not any(c.isalnum() for c in t) for t in self.tokens) / len(self.tokens) if self.tokens else 0.0

    @property
    def separators(self) -> int:
        """Breadcrumb separators standing as their own token ("News / World / Asia")."""
        return sum(1 for t in self.tokens if len(t) <= 2 and all(c in SEPARATORS for c in t))

    @property
    def is_date_line(self) -> bool:
        """Only a date, a time, a stamp word or a short place or agency name: a dateline or
        a page stamp, not a sentence ("14 September 2019 08:55", "New Delhi, November 8",
        "(Last Updated On: March 17, 2021)", "07.09.2021")."""
        if not self.n or self.n > 12:
            return False
        dated = sum(w in self.lexicon.date or bool(re.fullmatch(r"\d[\d.:/-]*(?:st|nd|rd|th|am|pm|hr)?", w)) for w in self.lowers)
        other = [w for w, lw in zip(self.words, self.lowers, strict=True) if not (lw in self.lexicon.date or lw in self.lexicon.stamp or re.fullmatch(r"\d[\d.:/-]*(?:st|nd|rd|th|am|pm|hr)?", lw))]
        has_date = any(lw in self.lexicon.date and not lw.isdigit() for lw in self.lowers) or bool(re.search(r"\d{1,4}[./-]\d{1,2}[./-]\d{2,4}|\d{1,2}:\d{2}", self.text))
        return has_date and dated >= 1 and len(other) <= 3 and all(w[:1].isupper() for w in other)

    @property
    def is_stamp(self) -> bool:
        """A date line that opens by saying the page was updated (a republisher's or CMS's
        stamp: "Last Updated On: …"), not a report's dateline with an update note."""
        return self.is_date_line and bool(self.lowers) and self.lowers[0] in self.lexicon.stamp

    @property
    def has_photo_credit(self) -> bool:
        """Ends with a parenthesised photo credit ("(Photo by EPA)", "(Photo | AP)")."""
        return bool(PHOTO_CREDIT_RE.search(self.text))

    @property
    def is_chrome(self) -> bool:
        """Web chrome: a short line of interface words ("Login", "exit_to_app", "STOCK
        MARKET BSE NSE", "Begin typing your search"), icon names, or a breadcrumb."""
        if self.identifier_share >= 0.5:
            return True
        if self.separators >= 2 and self.n <= 12:
            return True
        chrome = self.count(self.lexicon.chrome | self.lexicon.login)
        return (self.n <= 8 and chrome and chrome / self.n >= 0.5) or (self.n <= 15 and chrome >= 3)

    @property
    def is_login(self) -> bool:
        """Chrome that asks to log in, register or subscribe."""
        return self.is_chrome and self.count(self.lexicon.login) > 0

    @property
    def is_numeric(self) -> bool:
        """Mostly numbers and symbols, not a sentence: a ticker, a counter, a score."""
        return bool(self.tokens) and self.numeric_share >= 0.4 and not self.ends_sentence and self.n <= 12

    def is_title(self, max_words: int) -> bool:
        """Title-like: a few words to a line, starting with a capital (or a quote and a
        capital), not ending like a sentence, not mostly stopwords."""
        first = next((c for c in self.text if c.isalnum()), "")
        return 3 <= self.n <= max_words and first.isupper() and not self.ends_clause and self.stopword_share <= 0.6

    def is_sentence(self, min_words: int) -> bool:
        """Running text: long enough, or a short sentence ending in punctuation."""
        return self.n >= min_words or (self.n >= 3 and bool(TERMINAL_RE.search(self.text)))

    def is_strong_body(self, min_words: int) -> bool:
        """Clearly a paragraph of the report: a long line that ends like a sentence, or a
        very long one (a paragraph cut by the end of the page)."""
        return (self.n >= min_words and self.ends_sentence and self.stopword_share >= 0.2) or self.n >= 3 * min_words
