"""Measured correctness: afstudy's output against the hand-coded gold annotations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from afstudy.io import read_csv
from afstudy.paths import GOLD_DIR


@dataclass(frozen=True)
class PRF:
    """Precision, recall and F1 with the counts behind them."""

    true_positives: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        """Share of predictions that are right (1.0 when nothing was predicted)."""
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        """Share of gold items found (1.0 when there is no gold item)."""
        return self.true_positives / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def prf(predicted: set[object], gold: set[object]) -> PRF:
    """PRF of a set of predicted items against a set of gold items."""
    return PRF(len(predicted & gold), len(predicted), len(gold))


def read_gold_line_roles(path: str | Path = GOLD_DIR / "line_roles.csv") -> pd.DataFrame:
    """The hand-labelled role of every seed line."""
    gold = read_csv(path)
    gold["line_no"] = gold["line_no"].astype(int)
    return gold


def line_role_scores(lines: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Score predicted line roles against gold, over non-blank lines.

    Returns one row per measure: body and removed precision/recall/F1 (each class as
    the positive one), role accuracy, subrole accuracy and reason accuracy.
    """
    merged = lines.merge(gold, on=["file", "line_no"], suffixes=("", "_gold"), how="outer", indicator=True)
    unmatched = merged[merged["_merge"] != "both"]
    if len(unmatched):
        raise ValueError(f"{len(unmatched)} lines are in only one of prediction and gold, e.g. {unmatched.iloc[0][['file', 'line_no']].tolist()}")
    scored = merged[merged["reason_gold"] != "blank"]
    rows = []
    for cls in ("body", "removed"):
        pred = set(scored.index[scored["role"] == cls])
        true = set(scored.index[scored["role_gold"] == cls])
        s = prf(pred, true)
        rows.append({"measure": f"{cls}_lines", "precision": s.precision, "recall": s.recall, "f1": s.f1, "n_gold": s.gold, "n_predicted": s.predicted})
    n = len(scored)
    for column in ("role", "subrole", "reason"):
        acc = float((scored[column] == scored[f"{column}_gold"]).mean()) if n else 1.0
        rows.append({"measure": f"{column}_accuracy", "precision": acc, "recall": acc, "f1": acc, "n_gold": n, "n_predicted": n})
    return pd.DataFrame(rows)
