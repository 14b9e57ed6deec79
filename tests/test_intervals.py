"""Bootstrap intervals over articles (afstudy.intervals)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from afstudy.intervals import ratio_interval


def test_the_interval_is_seeded_and_brackets_the_ratio_of_sums() -> None:
    hits = [3, 0, 5, 2, 7, 1, 4, 0]
    sentences = [10, 8, 12, 9, 15, 7, 11, 6]
    first = ratio_interval(hits, sentences, seed=3)
    assert first == ratio_interval(hits, sentences, seed=3)
    value, low, high, method = first
    assert value == pytest.approx(sum(hits) / sum(sentences))
    assert low < value < high and method == "bca"
    assert ratio_interval(hits, sentences, seed=4)[1:3] != (low, high)


def test_one_article_or_nothing_to_divide_gives_no_interval() -> None:
    value, low, high, method = ratio_interval([3], [10])
    assert value == 0.3 and math.isnan(low) and math.isnan(high) and method == "none"
    value, low, high, method = ratio_interval([0, 0], [0, 0])
    assert math.isnan(value) and method == "none"


def test_a_constant_statistic_falls_back_from_bca() -> None:
    value, low, high, method = ratio_interval([5, 5, 5], [5, 5, 5])
    assert value == 1.0 and method in ("percentile", "none")
    if method == "percentile":
        assert low == high == 1.0


def test_resampling_articles_is_wider_than_resampling_sentences_when_articles_differ() -> None:
    # two kinds of article: all sentences framed, or none; a sentence-level bootstrap would
    # treat 200 sentences as independent and give a far narrower interval
    rng = np.random.default_rng(0)
    framed = rng.integers(0, 2, size=20)
    per_article_hits, per_article_sentences = framed * 10, np.full(20, 10)
    _, low, high, _ = ratio_interval(per_article_hits, per_article_sentences, seed=1)
    sentences = np.repeat(framed, 10)
    _, s_low, s_high, _ = ratio_interval(sentences, np.ones(len(sentences)), seed=1)
    assert (high - low) > 2 * (s_high - s_low)


def test_the_scale_multiplies_value_and_bounds() -> None:
    value, low, high, _ = ratio_interval([1, 2, 3, 4], [100, 100, 100, 100], scale=1000.0, seed=2)
    assert value == 25.0 and low < value < high and high <= 40.0


def test_an_interval_where_some_resamples_hold_no_item() -> None:
    """Two of ten articles carry all the items: many resamples have nothing to divide by;
    the interval comes from the resamples that do, and says so."""
    value, low, high, method = ratio_interval([1, 0, 0, 0, 0, 2, 0, 0, 0, 0], [2, 0, 0, 0, 0, 3, 0, 0, 0, 0], n_boot=500)
    assert value == 0.6 and method == "percentile_defined"
    assert 0.5 <= low <= value <= high <= 2 / 3
