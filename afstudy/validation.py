"""Measured correctness: afstudy's output against the hand-coded gold annotations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
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


def read_gold_mentions(path: str | Path = GOLD_DIR / "mentions.csv") -> pd.DataFrame:
    """The hand-coded actor mentions of the seeds (raw-line offsets)."""
    gold = read_csv(path)
    for column in ("line_no", "start", "end"):
        gold[column] = gold[column].astype(int)
    return gold


def _keys(frame: pd.DataFrame, columns: list[str]) -> set[tuple[object, ...]]:
    return set(frame[columns].astype({c: int for c in ("line_no", "start", "end") if c in columns}).itertuples(index=False, name=None))


def mention_scores(mentions: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Mention precision/recall/F1: exact span with actor id, exact span alone, and by ``how``."""
    span = ["file", "line_no", "start", "end"]
    rows = []
    for measure, columns in (("span_and_actor", span + ["actor_id"]), ("span_only", span)):
        s = prf(_keys(mentions, columns), _keys(gold, columns))
        rows.append({"measure": measure, "precision": s.precision, "recall": s.recall, "f1": s.f1, "n_gold": s.gold, "n_predicted": s.predicted})
    for how in sorted(set(gold["how"])):
        g = gold[gold["how"] == how]
        predicted_keys = _keys(mentions, span + ["actor_id"])
        gold_keys = _keys(g, span + ["actor_id"])
        found = len(gold_keys & predicted_keys)
        rows.append({"measure": f"recall_{how}", "precision": float("nan"), "recall": found / len(gold_keys) if gold_keys else 1.0, "f1": float("nan"), "n_gold": len(gold_keys), "n_predicted": float("nan")})
    return pd.DataFrame(rows)


def mention_errors(mentions: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Every disagreement: false positives and false negatives, with an error kind.

    Kinds: ``wrong_actor`` (same span, other id), ``boundary`` (overlapping spans),
    ``spurious`` (predicted, no gold overlap), ``missed`` (gold, no prediction overlap).
    """
    span = ["file", "line_no", "start", "end"]
    pred = mentions[span + ["text", "actor_id", "how"]].copy()
    gold = gold[span + ["text", "actor_id", "how"]].copy()
    for frame in (pred, gold):
        for column in ("line_no", "start", "end"):
            frame[column] = frame[column].astype(int)
    merged = pred.merge(gold, on=span + ["actor_id"], how="outer", suffixes=("_pred", "_gold"), indicator=True)
    rows = []
    for r in merged[merged["_merge"] != "both"].to_dict("records"):
        side = "predicted" if r["_merge"] == "left_only" else "gold"
        suffix = "_pred" if side == "predicted" else "_gold"
        other = gold if side == "predicted" else pred
        same_line = other[(other["file"] == r["file"]) & (other["line_no"] == r["line_no"])]
        overlap = same_line[(same_line["start"] < r["end"]) & (same_line["end"] > r["start"])]
        if len(overlap) and ((overlap["start"] == r["start"]) & (overlap["end"] == r["end"])).any():
            kind = "wrong_actor"
        elif len(overlap):
            kind = "boundary"
        else:
            kind = "spurious" if side == "predicted" else "missed"
        rows.append({**{c: r[c] for c in span + ["actor_id"]}, "text": r["text" + suffix], "how": r["how" + suffix], "side": side, "kind": kind})
    return pd.DataFrame(rows, columns=["file", "line_no", "start", "end", "text", "actor_id", "how", "side", "kind"]).sort_values(["file", "line_no", "start", "side"], kind="stable")


def read_gold_places(path: str | Path = GOLD_DIR / "places.csv") -> pd.DataFrame:
    """The hand-coded place uses of the seeds."""
    gold = read_csv(path)
    for column in ("line_no", "start", "end"):
        gold[column] = gold[column].astype(int)
    return gold


def place_scores(places: pd.DataFrame, gold: pd.DataFrame) -> PRF:
    """Exact-span precision/recall of place uses (a span coded as a place, not an actor)."""
    span = ["file", "line_no", "start", "end"]
    return prf(_keys(places, span), _keys(gold, span))


def read_gold_quotes(path: str | Path = GOLD_DIR / "quotes.csv") -> pd.DataFrame:
    """The hand-coded quotes and speakers of the seeds."""
    gold = read_csv(path)
    for column in ("start_line", "start", "end_line", "end"):
        gold[column] = gold[column].astype(int)
    return gold


def match_quotes(predicted: pd.DataFrame, gold: pd.DataFrame) -> list[tuple[int, int]]:
    """One-to-one matches (gold index, predicted index): a prediction on the gold quote's
    first line that covers at least half of the gold span's characters; the largest
    overlap wins, gold quotes taken in file order."""
    used: set[int] = set()
    pairs = []
    pred = predicted.assign(line_no=predicted["line_no"].astype(int), start=predicted["start"].astype(int), end=predicted["end"].astype(int))
    for gi, g in gold.iterrows():
        same = pred[(pred["file"] == g["file"]) & (pred["line_no"] == g["start_line"])]
        length = g["end"] - g["start"] if g["end_line"] == g["start_line"] else len(str(g["text"]).split("\n")[0])
        best, best_overlap = None, 0
        for pi, p in same.iterrows():
            if pi in used:
                continue
            p_end = p["end"] if int(p["end_line_no"]) == p["line_no"] else 10**9
            g_end = g["start"] + length
            overlap = max(0, min(g_end, p_end) - max(g["start"], p["start"]))
            if overlap >= 0.5 * length and overlap > best_overlap:
                best, best_overlap = pi, overlap
        if best is not None:
            used.add(best)
            pairs.append((gi, best))
    return pairs


def _speaker_agrees(p: pd.Series, g: pd.Series) -> bool:
    if g["speaker_actor_id"]:
        return bool(p["speaker_actor_id"] == g["speaker_actor_id"])
    return p["speaker_actor_id"] == "" and p["speaker_side"] == g["speaker_side"]


def quote_scores(predicted: pd.DataFrame, gold: pd.DataFrame, *, pronouns: frozenset[str] = frozenset({"he", "she"})) -> pd.DataFrame:
    """Quote precision/recall/F1 by character overlap and by exact span, term scores,
    and speaker and kind accuracy over the matched quotes."""
    rows = []
    is_term_p, is_term_g = predicted["kind"] == "term", gold["kind"] == "term"
    for label, p, g in (("quotes", predicted[~is_term_p], gold[~is_term_g]), ("terms", predicted[is_term_p], gold[is_term_g])):
        pairs = match_quotes(p, g)
        s = PRF(len(pairs), len(p), len(g))
        rows.append({"measure": f"{label}_overlap", "value": s.f1, "precision": s.precision, "recall": s.recall, "n": s.gold})
        exact = prf(
            {(r.file, int(r.line_no), int(r.start), int(r.end)) for r in p.itertuples()},
            {(r.file, r.start_line, r.start, r.end) for r in g.itertuples()},
        )
        rows.append({"measure": f"{label}_exact", "value": exact.f1, "precision": exact.precision, "recall": exact.recall, "n": exact.gold})
        if label == "quotes":
            agree = [_speaker_agrees(p.loc[pi], g.loc[gi]) for gi, pi in pairs]
            kinds = [p.loc[pi, "kind"] == g.loc[gi, "kind"] for gi, pi in pairs]
            pron = [_speaker_agrees(p.loc[pi], g.loc[gi]) for gi, pi in pairs if str(g.loc[gi, "speaker_text"]).lower() in pronouns]
            anon = [_speaker_agrees(p.loc[pi], g.loc[gi]) for gi, pi in pairs if str(g.loc[gi, "is_anonymous"]).lower() == "true"]
            for name, values in (("speaker_accuracy", agree), ("kind_accuracy", kinds), ("pronoun_speaker_accuracy", pron), ("anonymous_side_accuracy", anon)):
                value = sum(values) / len(values) if values else float("nan")
                rows.append({"measure": name, "value": value, "precision": float("nan"), "recall": float("nan"), "n": len(values)})
    return pd.DataFrame(rows)


def bootstrap_prf(is_predicted: list[bool], is_gold: list[bool], *, n_boot: int = 2000, seed: int = 7) -> dict[str, tuple[float, float, float]]:
    """Precision, recall and F1 with 95% percentile bootstrap intervals, resampling the
    union of predicted and gold items (an item is a TP when it is both)."""
    pred = np.asarray(is_predicted, dtype=bool)
    gold = np.asarray(is_gold, dtype=bool)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(pred), size=(n_boot, len(pred))) if len(pred) else np.zeros((n_boot, 0), dtype=int)

    def measures(p: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        tp = (p & g).sum(axis=-1)
        precision = np.where(p.sum(axis=-1) > 0, tp / np.maximum(p.sum(axis=-1), 1), 1.0)
        recall = np.where(g.sum(axis=-1) > 0, tp / np.maximum(g.sum(axis=-1), 1), 1.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0)
        return precision, recall, f1

    point = measures(pred, gold)
    boot = measures(pred[idx], gold[idx])
    return {name: (float(point[k]), *map(float, np.quantile(boot[k], [0.025, 0.975]))) for k, name in enumerate(("precision", "recall", "f1"))}


def bootstrap_share(flags: list[bool], *, n_boot: int = 2000, seed: int = 7) -> tuple[float, float, float]:
    """A share (accuracy) with its 95% percentile bootstrap interval."""
    values = np.asarray(flags, dtype=float)
    if not len(values):
        return (float("nan"),) * 3
    rng = np.random.default_rng(seed)
    boot = values[rng.integers(0, len(values), size=(n_boot, len(values)))].mean(axis=1)
    return float(values.mean()), *map(float, np.quantile(boot, [0.025, 0.975]))


def _union_flags(predicted: set[object], gold: set[object]) -> tuple[list[bool], list[bool]]:
    items = sorted(predicted | gold, key=repr)
    return [i in predicted for i in items], [i in gold for i in items]


def validation_report(*, lines: pd.DataFrame, mentions: pd.DataFrame, quotes: pd.DataFrame, per_sentence: pd.DataFrame, frames: list[str], n_boot: int = 2000, seed: int = 7) -> pd.DataFrame:
    """Every measured accuracy of the pipeline against the gold, with bootstrap intervals:
    boilerplate removal (body lines), actor mentions, quotes, speakers, frames."""
    rows: list[dict[str, object]] = []

    def add(component: str, unit: str, stats: dict[str, tuple[float, float, float]], n: int) -> None:
        for measure, (value, low, high) in stats.items():
            rows.append({"component": component, "measure": measure, "value": value, "low": low, "high": high, "items": n, "unit": unit})

    gold_lines = read_gold_line_roles()
    merged = lines.merge(gold_lines, on=["file", "line_no"], suffixes=("", "_gold"))
    merged = merged[merged["reason_gold"] != "blank"]
    add("boilerplate removal (body lines)", "non-blank line", bootstrap_prf(list(merged["role"] == "body"), list(merged["role_gold"] == "body"), n_boot=n_boot, seed=seed), len(merged))
    span = ["file", "line_no", "start", "end", "actor_id"]
    pred_m, gold_m = _union_flags(_keys(mentions, span), _keys(read_gold_mentions(), span))
    add("actor mentions (exact span and actor)", "mention", bootstrap_prf(pred_m, gold_m, n_boot=n_boot, seed=seed), len(pred_m))
    gold_q = read_gold_quotes()
    p_q, g_q = quotes[quotes["kind"] != "term"].reset_index(drop=True), gold_q[gold_q["kind"] != "term"].reset_index(drop=True)
    pairs = match_quotes(p_q, g_q)
    matched_p, matched_g = {pi for _, pi in pairs}, {gi for gi, _ in pairs}
    flags_p = [True] * len(pairs) + [True] * (len(p_q) - len(matched_p)) + [False] * (len(g_q) - len(matched_g))
    flags_g = [True] * len(pairs) + [False] * (len(p_q) - len(matched_p)) + [True] * (len(g_q) - len(matched_g))
    add("quotes (half-span overlap)", "quote", bootstrap_prf(flags_p, flags_g, n_boot=n_boot, seed=seed), len(flags_p))
    correct = [_speaker_agrees(p_q.loc[pi], g_q.loc[gi]) for gi, pi in pairs]
    value, low, high = bootstrap_share(correct, n_boot=n_boot, seed=seed)
    rows.append({"component": "quote speakers", "measure": "accuracy", "value": value, "low": low, "high": high, "items": len(correct), "unit": "matched quote"})
    gold_f = read_csv(GOLD_DIR / "frames.csv")
    coded = set(gold_f["sentence_id"])
    pred_items = {(r["sentence_id"], f) for r in per_sentence[per_sentence["sentence_id"].isin(coded)].to_dict("records") for f in frames if r[f] > 0}
    gold_items = {(r.sentence_id, r.frame) for r in gold_f.itertuples() if r.frame in frames}
    pred_f, gold_fl = _union_flags(pred_items, gold_items)
    add("frames (sentence x frame, micro)", "sentence-frame pair", bootstrap_prf(pred_f, gold_fl, n_boot=n_boot, seed=seed), len(pred_f))
    return pd.DataFrame(rows, columns=["component", "measure", "value", "low", "high", "items", "unit"])
