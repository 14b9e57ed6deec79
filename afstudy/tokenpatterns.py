"""A fast matcher for the token patterns the project's lexicons use.

spaCy's ``Matcher`` evaluates every ``IN`` and ``REGEX`` predicate through a Python call
for every token and every pattern state; on the frame lexicon that was the largest cost
of the whole pipeline. Most patterns in ``data/frames.yaml`` are short sequences of
``LOWER``/``LEMMA`` tests with optional tokens, which can be matched much faster:

1. each token test becomes a boolean column over the Doc, computed with numpy on the
   attribute hashes (``IN`` and exact values by ``numpy.isin``; ``REGEX`` once per
   distinct word, cached);
2. a pattern is tried only where its first token test holds, and every (start, end)
   it can match there is enumerated by backtracking over the columns.

The result is the same set of matches as ``spacy.matcher.Matcher`` returns without
``greedy``; ``tests/test_tokenpatterns.py`` checks this on random token sequences and on
the seed articles. Patterns outside the subset are reported by :func:`supported` and
left to spaCy's Matcher by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np
from spacy.attrs import LEMMA, LOWER, ORTH
from spacy.strings import StringStore
from spacy.tokens import Doc

ATTRS: dict[str, int] = {"ORTH": ORTH, "TEXT": ORTH, "LOWER": LOWER, "LEMMA": LEMMA}
OPS = frozenset({None, "?", "*", "+"})
PREDICATES = frozenset({"IN", "NOT_IN", "REGEX"})
CACHED_FORMS = 1 << 16  # word forms whose test bits are kept per attribute; the oldest half goes beyond


def supported(pattern: list[dict[str, Any]]) -> bool:
    """True when every token of ``pattern`` is in the subset this matcher implements:
    at most one attribute among ORTH/TEXT/LOWER/LEMMA, compared to a string or with one
    of IN / NOT_IN / REGEX, and OP absent or one of ? * +; the first token required."""
    if not pattern:
        return False
    for n, spec in enumerate(pattern):
        op = spec.get("OP")
        if op not in OPS or (n == 0 and op is not None):
            return False
        keys = [k for k in spec if k != "OP"]
        if len(keys) > 1 or any(k not in ATTRS for k in keys):
            return False
        for k in keys:
            value = spec[k]
            if isinstance(value, dict):
                if len(value) != 1 or next(iter(value)) not in PREDICATES:
                    return False
                kind, arg = next(iter(value.items()))
                if kind == "REGEX" and not isinstance(arg, str):
                    return False
                if kind != "REGEX" and not (isinstance(arg, list) and all(isinstance(a, str) for a in arg)):
                    return False
            elif not isinstance(value, str):
                return False
    return True


@dataclass(frozen=True)
class TokenTest:
    """One token test of a pattern: an attribute compared with IN / NOT_IN / REGEX."""

    attr: int
    kind: str  # "IN", "NOT_IN" or "REGEX"
    values: frozenset[int]  # string hashes for IN / NOT_IN
    regex: str


def _token_test(spec: dict[str, Any], strings: StringStore) -> TokenTest | None:
    """The test of one pattern token (None for a wildcard ``{}``)."""
    keys = [k for k in spec if k != "OP"]
    if not keys:
        return None
    value = spec[keys[0]]
    kind, arg = next(iter(value.items())) if isinstance(value, dict) else ("IN", [value])
    hashes = frozenset(strings.add(a) for a in arg) if kind != "REGEX" else frozenset()
    return TokenTest(ATTRS[keys[0]], kind, hashes, arg if kind == "REGEX" else "")


class TokenPatternMatcher:
    """Matches of token patterns (the :func:`supported` subset) in a Doc, as
    ``(key, start, end)`` sorted by start, end and the order the patterns were added.

    Every distinct test gets a bit. The bits a word form satisfies are computed once per
    form (cached by its hash, which stays valid when spaCy frees a memory zone's strings;
    at most ``CACHED_FORMS`` forms per attribute), so a Doc costs one ``to_array``, one
    ``numpy.unique`` and one pass over its tokens; patterns are expanded only where a
    first test holds.
    """

    def __init__(self, strings: StringStore) -> None:
        self.strings = strings
        self.patterns: list[tuple[str, list[tuple[int, str | None]]]] = []  # (key, [(bit or -1, op)])
        self.tests: dict[TokenTest, int] = {}
        self.by_first: dict[int, list[int]] = {}  # first test's bit -> pattern numbers
        self.first_mask = 0
        self._attrs: list[int] = []
        self._cache: dict[int, dict[int, int]] = {}  # attr -> form hash -> bits
        self._regexes: dict[str, Callable[[str], re.Match[str] | None]] = {}

    def __len__(self) -> int:
        return len(self.patterns)

    def add(self, key: str, pattern: list[dict[str, Any]]) -> None:
        """Add one pattern under ``key``; raises ValueError outside the subset."""
        if not supported(pattern):
            raise ValueError(f"pattern {key!r} is outside the subset TokenPatternMatcher implements")
        steps: list[tuple[int, str | None]] = []
        for spec in pattern:
            test = _token_test(spec, self.strings)
            if test is None:
                steps.append((-1, spec.get("OP")))
                continue
            if test not in self.tests:
                self.tests[test] = len(self.tests)
                if test.attr not in self._attrs:
                    self._attrs.append(test.attr)
                self._cache[test.attr] = {}  # forms must be re-tested against the new test
                if test.kind == "REGEX":
                    self._regexes[test.regex] = re.compile(test.regex).search
            steps.append((self.tests[test], spec.get("OP")))
        self.by_first.setdefault(steps[0][0], []).append(len(self.patterns))
        self.first_mask |= 1 << steps[0][0]
        self.patterns.append((key, steps))

    def _form_bits(self, attr: int, form: int) -> int:
        """The bits of every test on ``attr`` that the word form ``form`` passes."""
        text = self.strings[form]
        bits = 0
        for test, bit in self.tests.items():
            if test.attr != attr:
                continue
            if test.kind == "IN":
                ok = form in test.values
            elif test.kind == "NOT_IN":
                ok = form not in test.values
            else:
                ok = self._regexes[test.regex](text) is not None
            if ok:
                bits |= 1 << bit
        return bits

    def token_bits(self, doc: Doc) -> tuple[list[int], list[int]]:
        """Per token, the bits of the tests it passes; and the tokens where some
        pattern's first test holds."""
        n = len(doc)
        array = doc.to_array(self._attrs).reshape(n, len(self._attrs))
        combined: np.ndarray | None = None
        for column, attr in enumerate(self._attrs):
            cache = self._cache[attr]
            forms, inverse = np.unique(array[:, column], return_inverse=True)
            form_bits = np.empty(len(forms), dtype=object)
            form_bits[:] = [cache[f] if f in cache else cache.setdefault(f, self._form_bits(attr, f)) for f in forms.tolist()]
            if len(cache) > CACHED_FORMS:  # bounded on an open-ended vocabulary
                for key in list(islice(cache, len(cache) - CACHED_FORMS // 2)):
                    del cache[key]
            per_token = form_bits[inverse.reshape(-1)]
            combined = per_token if combined is None else combined | per_token
        assert combined is not None
        starts = np.flatnonzero(combined & self.first_mask).tolist()
        return combined.tolist(), starts

    def __call__(self, doc: Doc) -> list[tuple[str, int, int]]:
        n = len(doc)
        if not n or not self.patterns:
            return []
        bits, starts = self.token_bits(doc)
        by_first, first_mask = self.by_first, self.first_mask
        out: list[tuple[int, int, int]] = []
        for start in starts:
            firsts = bits[start] & first_mask
            while firsts:  # each first test this token passes
                low = firsts & -firsts
                firsts ^= low
                for number in by_first[low.bit_length() - 1]:
                    steps = self.patterns[number][1]
                    out.extend((start, end, number) for end in _ends(steps, bits, 1, start + 1, n))
        out.sort()
        return [(self.patterns[number][0], start, end) for start, end, number in out]


def _ends(steps: list[tuple[int, str | None]], bits: list[int], k: int, i: int, n: int) -> set[int]:
    """Every end position reachable from token ``i`` with pattern steps ``k``... left."""
    if k == len(steps):
        return {i}
    bit, op = steps[k]
    found: set[int] = set()
    if op in ("?", "*"):
        found |= _ends(steps, bits, k + 1, i, n)
    j = i
    while j < n and (bit < 0 or bits[j] >> bit & 1):
        found |= _ends(steps, bits, k + 1, j + 1, n)
        j += 1
        if op not in ("*", "+"):
            break
    return found
