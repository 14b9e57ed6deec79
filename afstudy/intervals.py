"""Bootstrap intervals that resample articles.

Lines, mentions, quotes and sentences of one article are not independent, so every interval
of the package resamples whole articles (a cluster bootstrap): each statistic is a ratio of
sums over articles (share = hits / sentences, precision = true positives / predicted,
F1 = 2 TP / (predicted + gold)), computed by ``scipy.stats.bootstrap`` with the BCa method
where it applies. With fewer than two articles there is no interval (NaN); where BCa is
undefined (every resample gives the same value, or the jackknife degenerates) the
percentile interval is used, and where some resamples hold no item at all (an article-level
denominator of zero) the percentile interval of the resamples that do
(``percentile_defined``); the method used is returned with the interval.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from scipy import stats

LEVEL = 0.95


def ratio_interval(
    numerators: Sequence[float], denominators: Sequence[float], *, scale: float = 1.0, n_boot: int = 2000, seed: int = 7, level: float = LEVEL
) -> tuple[float, float, float, str]:
    """``scale * sum(numerators) / sum(denominators)`` over articles, with its bootstrap
    interval: (value, low, high, method). ``method`` is ``bca``, ``percentile`` or
    ``none`` (fewer than two articles, or nothing to divide by)."""
    num = np.asarray(numerators, dtype=float)
    den = np.asarray(denominators, dtype=float)
    total = den.sum()
    value = float(scale * num.sum() / total) if total else float("nan")
    if len(num) < 2 or not total:
        return value, float("nan"), float("nan"), "none"

    def statistic(n: np.ndarray, d: np.ndarray, axis: int = -1) -> np.ndarray:
        sums = d.sum(axis=axis)
        return np.where(sums > 0, scale * n.sum(axis=axis) / np.where(sums > 0, sums, 1), np.nan)

    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = stats.bootstrap(
                (num, den), statistic, paired=True, vectorized=True, n_resamples=n_boot, confidence_level=level,
                method=method, random_state=np.random.default_rng(seed),
            )
        low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
        if np.isfinite(low) and np.isfinite(high):
            return value, low, high, method.lower()
    # some resamples hold no article with a denominator (few articles carry the items): the
    # percentile interval of the resamples that do (scipy's propagates their NaN)
    distribution = statistic(num[_resamples(len(num), n_boot, seed)], den[_resamples(len(num), n_boot, seed)], axis=-1)
    distribution = distribution[np.isfinite(distribution)]
    if len(distribution) < n_boot // 2:
        return value, float("nan"), float("nan"), "none"
    alpha = (1 - level) / 2
    return value, float(np.percentile(distribution, 100 * alpha)), float(np.percentile(distribution, 100 * (1 - alpha))), "percentile_defined"


def _resamples(n: int, n_boot: int, seed: int) -> np.ndarray:
    """``n_boot`` resamples of ``n`` article indices (the same for a given seed)."""
    return np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
