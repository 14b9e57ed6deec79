"""Measured correctness: afstudy's output against the hand-coded gold annotations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from afstudy.intervals import ratio_interval

from afstudy.io import read_csv
from afstudy.paths import GOLD_DIR, PROJ_ROOT

PACKAGE_REPORT = PROJ_ROOT / "data" / "processed" / "validation" / "validation_report.csv"
INT_COLUMNS = {"line_roles": ("line_no",), "mentions": ("line_no", "start", "end"), "places": ("line_no", "start", "end"), "quotes": ("start_line", "start", "end_line", "end"), "frames": ()}


def read_gold(path: Path | None, name: str) -> pd.DataFrame | None:
    """A gold table (offsets as integers), or None when there is none."""
    if path is None:
        return None
    gold = read_csv(path)
    for column in INT_COLUMNS[name]:
        gold[column] = gold[column].astype(int)
    return gold


def gold_part(predicted: pd.DataFrame, gold: pd.DataFrame, processed_files: set[str]) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The predictions and gold rows of the files that are both processed and coded, and a
    sentence that says what the scores cover (gold may code only part of a corpus)."""
    coded = set(gold["file"]) & processed_files
    note = f"Scored on the {len(coded)} of {len(processed_files)} processed articles that have gold."
    return predicted[predicted["file"].isin(coded)], gold[gold["file"].isin(coded)], note


def no_gold_note(what: str, component: str, report: Path = PACKAGE_REPORT) -> str:
    """What to say where a corpus has no gold: never a score against another corpus's gold,
    but the out-of-sample accuracy measured on the package's validation corpus."""
    text = f"This corpus has no gold {what}, so its accuracy cannot be measured here."
    if not report.exists():
        return text
    frame = read_csv(report)
    rows = frame[frame.get("corpus", pd.Series(dtype=str)).isin(HELD_OUT) & (frame["component"] == component)]
    if rows.empty:
        return text
    parts = "; ".join(
        f"{corpus} ({group.iloc[0]['articles']} texts): " + ", ".join(f"{r.measure} {float(r.value):.3f} [{float(r.low):.3f}, {float(r.high):.3f}]" for r in group.itertuples())
        for corpus, group in rows.groupby("corpus", sort=True)
    )
    return text + f" Out of sample, on the test parts of the package's validation corpus (outlets the rules were not written on): {parts}."


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


# -- the validation report: seeds, development and test parts side by side -------------------
REPORT_COLUMNS = ["corpus", "component", "measure", "value", "low", "high", "method", "items", "articles", "unit"]
AGREEMENT_COLUMNS = ["annotation", "alpha", "units", "texts", "coders", "is_reliable"]
RELIABLE_ALPHA = 0.80
PROVISIONAL_PREFIXES = ("new:", "prov:")


def is_provisional(actor_id: str) -> bool:
    """A gold coder's provisional id (``new:…``) or the extractor's (``prov:…``)."""
    return str(actor_id).startswith(PROVISIONAL_PREFIXES)


def _ints(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    return frame.assign(**{c: frame[c].astype(int) for c in columns if c in frame})


def line_counts(lines: pd.DataFrame, gold: pd.DataFrame, prediction: str = "role") -> pd.DataFrame:
    """Per article (file), over non-blank gold lines: true positives, predictions and gold
    lines of the body class and of the boilerplate class (gold role ``removed``)."""
    pred = _ints(lines, ("line_no",))[["file", "line_no", prediction]]
    merged = gold.rename(columns={c: f"{c}_gold" for c in gold.columns if c not in ("file", "line_no")}).merge(pred, on=["file", "line_no"], how="left")
    merged[prediction] = merged[prediction].fillna("not_processed")  # a rejected article's lines are no prediction
    merged = merged[merged["reason_gold"] != "blank"]
    rows = []
    for file, part in merged.groupby("file", sort=True):
        pb, gb = part[prediction] == "body", part["role_gold"] == "body"
        pr, gr = part[prediction] == "removed", part["role_gold"] == "removed"
        rows.append({"file": file, "body_tp": int((pb & gb).sum()), "body_pred": int(pb.sum()), "body_gold": int(gb.sum()),
                     "boiler_tp": int((pr & gr).sum()), "boiler_pred": int(pr.sum()), "boiler_gold": int(gr.sum()), "lines": len(part)})
    return pd.DataFrame(rows, columns=["file", "body_tp", "body_pred", "body_gold", "boiler_tp", "boiler_pred", "boiler_gold", "lines"])


def headline_matches(lines: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Per article: 1 when the detected headline line is the gold headline line (or both
    find none), else 0."""
    lines = _ints(lines, ("line_no",))
    rows = []
    for file, g in gold.groupby("file", sort=True):
        true = set(g.loc[(g["role"] == "headline") & (g["subrole"] == "headline"), "line_no"])
        p = lines[lines["file"] == file]
        found = set(p.loc[(p["role"] == "headline") & (p["subrole"] == "headline"), "line_no"])
        rows.append({"file": file, "correct": int(found == true)})
    return pd.DataFrame(rows, columns=["file", "correct"])


def _mention_correct(pred_id: str, pred_side: str, gold_id: str, gold_side: str) -> bool:
    """Exact id, or for a provisional gold actor (a person the gazetteer lacked when the
    gold was coded) any actor with the right side (span equality is checked by the caller)."""
    if is_provisional(gold_id):
        return bool(pred_id) and pred_side == gold_side
    return pred_id == gold_id


def mention_counts(mentions: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Per article: mentions right (exact span and actor id; a provisional gold actor counts
    when span and side are right), predicted and gold."""
    span = ["file", "line_no", "start", "end"]
    pred = _ints(mentions, ("line_no", "start", "end"))
    gold = _ints(gold.assign(side=gold["side"] if "side" in gold else ""), ("line_no", "start", "end"))
    merged = gold.merge(pred[span + ["actor_id", "side"]], on=span, how="left", suffixes=("_gold", ""))
    merged["correct"] = [
        _mention_correct(str(p) if isinstance(p, str) else "", str(ps) if isinstance(ps, str) else "", g, gs)
        for p, ps, g, gs in zip(merged["actor_id"], merged["side"], merged["actor_id_gold"], merged["side_gold"], strict=True)
    ]
    files = sorted(set(gold["file"]))
    tp = merged.groupby("file")["correct"].sum().reindex(files, fill_value=0)
    n_pred = pred[pred["file"].isin(files)].groupby("file").size().reindex(files, fill_value=0)
    n_gold = gold.groupby("file").size().reindex(files, fill_value=0)
    return pd.DataFrame({"file": files, "tp": tp.to_numpy(int), "pred": n_pred.to_numpy(int), "gold": n_gold.to_numpy(int)})


def _speaker_correct(p: pd.Series, g: pd.Series) -> bool:
    gold_id = str(g["speaker_actor_id"])
    if is_provisional(gold_id):
        return bool(p["speaker_actor_id"]) and p["speaker_side"] == g["speaker_side"]
    return _speaker_agrees(p, g)


def quote_counts(quotes: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Per article, over non-term quotes: matched (half-span overlap, one-to-one), predicted,
    gold, matched with the right speaker, and predicted quotes without a speaker."""
    p_all, g_all = quotes[quotes["kind"] != "term"], gold[gold["kind"] != "term"]
    rows = []
    for file in sorted(set(gold["file"])):
        p = p_all[p_all["file"] == file].reset_index(drop=True)
        g = g_all[g_all["file"] == file].reset_index(drop=True)
        pairs = match_quotes(p, g)
        speaker = sum(_speaker_correct(p.loc[pi], g.loc[gi]) for gi, pi in pairs)
        no_speaker = int(((p["speaker_actor_id"] == "") & (p["speaker_side"] == "")).sum()) if len(p) else 0
        rows.append({"file": file, "tp": len(pairs), "pred": len(p), "gold": len(g), "speaker_tp": speaker, "no_speaker": no_speaker})
    return pd.DataFrame(rows, columns=["file", "tp", "pred", "gold", "speaker_tp", "no_speaker"])


def _prf_rows(corpus: str, component: str, tp: np.ndarray, pred: np.ndarray, gold: np.ndarray, unit: str, *, n_boot: int, seed: int) -> list[dict[str, object]]:
    rows = []
    for measure, num, den in (("precision", tp, pred), ("recall", tp, gold), ("f1", 2 * tp, pred + gold)):
        value, low, high, method = ratio_interval(num, den, n_boot=n_boot, seed=seed)
        rows.append({"corpus": corpus, "component": component, "measure": measure, "value": value, "low": low, "high": high, "method": method,
                     "items": int(gold.sum() if measure != "precision" else pred.sum()), "articles": len(tp), "unit": unit})
    return rows


def _share_row(corpus: str, component: str, measure: str, num: np.ndarray, den: np.ndarray, unit: str, *, n_boot: int, seed: int) -> dict[str, object]:
    value, low, high, method = ratio_interval(num, den, n_boot=n_boot, seed=seed)
    return {"corpus": corpus, "component": component, "measure": measure, "value": value, "low": low, "high": high, "method": method, "items": int(den.sum()), "articles": len(num), "unit": unit}


def corpus_report(corpus: str, *, lines: pd.DataFrame, mentions: pd.DataFrame, quotes: pd.DataFrame, gold: dict[str, pd.DataFrame | None], baseline_lines: pd.DataFrame | None = None, n_boot: int = 2000, seed: int = 7) -> pd.DataFrame:
    """Every measured accuracy on one corpus (or part) against its gold, with bootstrap
    intervals that resample articles: boilerplate removal, headlines, actor mentions, quotes,
    speakers, and the jusText baseline when its line roles are given."""
    rows: list[dict[str, object]] = []
    g_lines = gold.get("line_roles")
    if g_lines is not None:
        c = line_counts(lines, g_lines)
        a = lambda k: c[k].to_numpy(dtype=float)  # noqa: E731
        rows += _prf_rows(corpus, "boilerplate lines", a("boiler_tp"), a("boiler_pred"), a("boiler_gold"), "non-blank line", n_boot=n_boot, seed=seed)
        rows.append(_share_row(corpus, "body lines", "kept", a("body_tp"), a("body_gold"), "gold body line", n_boot=n_boot, seed=seed))
        rows += _prf_rows(corpus, "body lines", a("body_tp"), a("body_pred"), a("body_gold"), "non-blank line", n_boot=n_boot, seed=seed)[2:]
        h = headline_matches(lines, g_lines)
        rows.append(_share_row(corpus, "headlines", "exact match", h["correct"].to_numpy(float), np.ones(len(h)), "article", n_boot=n_boot, seed=seed))
        if baseline_lines is not None:
            b = line_counts(baseline_lines, g_lines)
            ab = lambda k: b[k].to_numpy(dtype=float)  # noqa: E731
            rows += _prf_rows(corpus, "boilerplate lines (jusText baseline)", ab("boiler_tp"), ab("boiler_pred"), ab("boiler_gold"), "non-blank line", n_boot=n_boot, seed=seed)[2:]
            rows.append(_share_row(corpus, "body lines (jusText baseline)", "kept", ab("body_tp"), ab("body_gold"), "gold body line", n_boot=n_boot, seed=seed))
    g_mentions = gold.get("mentions")
    if g_mentions is not None:
        c = mention_counts(mentions, g_mentions)
        rows += _prf_rows(corpus, "actor mentions (exact span and actor)", c["tp"].to_numpy(float), c["pred"].to_numpy(float), c["gold"].to_numpy(float), "mention", n_boot=n_boot, seed=seed)
    g_quotes = gold.get("quotes")
    if g_quotes is not None:
        c = quote_counts(quotes, g_quotes)
        q = lambda k: c[k].to_numpy(dtype=float)  # noqa: E731
        rows += _prf_rows(corpus, "quotes (half-span overlap)", q("tp"), q("pred"), q("gold"), "quote", n_boot=n_boot, seed=seed)
        rows.append(_share_row(corpus, "quote speakers", "accuracy", q("speaker_tp"), q("tp"), "matched quote", n_boot=n_boot, seed=seed))
        rows.append(_share_row(corpus, "quotes without a speaker", "share", q("no_speaker"), q("pred"), "predicted quote", n_boot=n_boot, seed=seed))
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


def frame_report(corpus: str, per_sentence: pd.DataFrame, gold: pd.DataFrame, frames: list[str], *, n_boot: int = 2000, seed: int = 7) -> pd.DataFrame:
    """Micro precision/recall/F1 of sentence x frame pairs against gold frames, resampling
    articles."""
    coded = per_sentence[per_sentence["sentence_id"].isin(set(gold["sentence_id"]))]
    gold_pairs = {(r.sentence_id, r.frame) for r in gold.itertuples() if r.frame in frames}
    rows = []
    for article_id, part in coded.groupby("article_id", sort=True):
        pred = {(r["sentence_id"], f) for r in part.to_dict("records") for f in frames if int(r[f]) > 0}
        mine = {(sid, f) for sid, f in gold_pairs if sid in set(part["sentence_id"])}
        rows.append((len(pred & mine), len(pred), len(mine)))
    tp, pred, gold_n = (np.array([r[k] for r in rows], dtype=float) for k in range(3))
    return pd.DataFrame(_prf_rows(corpus, "frames (sentence x frame, micro)", tp, pred, gold_n, "sentence-frame pair", n_boot=n_boot, seed=seed), columns=REPORT_COLUMNS)


# -- inter-coder agreement --------------------------------------------------------------------
def _alpha(first: list[str | None], second: list[str | None]) -> float:
    """Krippendorff's alpha (nominal) of two coders' values over the same units (None: the
    coder gave the unit no value)."""
    import krippendorff

    codes: dict[str, int] = {}
    data = np.array([[np.nan if v is None else codes.setdefault(v, len(codes)) for v in coder] for coder in (first, second)], dtype=float)
    if len(codes) < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def agreement(first: dict[str, pd.DataFrame], second: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Krippendorff's alpha per annotation type between two independent codings of the same
    texts: line roles (each non-blank line), boilerplate (body / not body per line), actor
    mentions (the union of both coders' spans; a span one coder left out is 'none'), quotes
    (the union of quote spans, matched at half-span overlap; value: kind, or 'none') and
    quote speakers (the quotes both coded; value: speaker id, or side for anonymous)."""
    if any(c.get(k) is None for c in (first, second) for k in ("line_roles", "mentions", "quotes")):
        return pd.DataFrame(columns=AGREEMENT_COLUMNS)
    texts = sorted(set(second["line_roles"]["file"]))
    rows = []
    a = first["line_roles"][first["line_roles"]["file"].isin(texts)].merge(second["line_roles"], on=["file", "line_no"], suffixes=("_1", "_2"))
    a = a[(a["reason_1"] != "blank") | (a["reason_2"] != "blank")]
    for name, values in (("line roles", lambda r, k: f"{r['role_' + k]}/{r['subrole_' + k]}"), ("boilerplate (body or not)", lambda r, k: str(r["role_" + k] == "body"))):
        v1 = [values(r, "1") for _, r in a.iterrows()]
        v2 = [values(r, "2") for _, r in a.iterrows()]
        rows.append({"annotation": name, "alpha": _alpha(v1, v2), "units": len(a), "texts": len(texts), "coders": 2})
    span = ["file", "line_no", "start", "end"]
    m1, m2 = (_ints(c["mentions"][c["mentions"]["file"].isin(texts)], ("line_no", "start", "end")) for c in (first, second))
    key1 = {tuple(r[span]): r["actor_id"] for _, r in m1.iterrows()}
    key2 = {tuple(r[span]): r["actor_id"] for _, r in m2.iterrows()}
    units = sorted(set(key1) | set(key2))
    rows.append({"annotation": "actor mentions (span and actor)", "alpha": _alpha([key1.get(u, "none") for u in units], [key2.get(u, "none") for u in units]), "units": len(units), "texts": len(texts), "coders": 2})
    q1, q2 = (c["quotes"][c["quotes"]["file"].isin(texts)].reset_index(drop=True) for c in (first, second))
    as_pred = q2.rename(columns={"start_line": "line_no", "end_line": "end_line_no"})
    pairs = match_quotes(as_pred, q1) if len(q1) and len(q2) else []
    matched1, matched2 = {gi for gi, _ in pairs}, {pi for _, pi in pairs}
    kinds1 = [q1.loc[gi, "kind"] for gi, _ in pairs] + [q1.loc[i, "kind"] for i in range(len(q1)) if i not in matched1] + ["none"] * (len(q2) - len(matched2))
    kinds2 = [q2.loc[pi, "kind"] for _, pi in pairs] + ["none"] * (len(q1) - len(matched1)) + [q2.loc[i, "kind"] for i in range(len(q2)) if i not in matched2]
    rows.append({"annotation": "quotes (span and kind)", "alpha": _alpha(kinds1, kinds2), "units": len(kinds1), "texts": len(texts), "coders": 2})
    speaker = lambda r: r["speaker_actor_id"] or f"side:{r['speaker_side']}"  # noqa: E731
    spoken = [(gi, pi) for gi, pi in pairs if q1.loc[gi, "kind"] != "term" and q2.loc[pi, "kind"] != "term"]
    rows.append({"annotation": "quote speakers", "alpha": _alpha([speaker(q1.loc[gi]) for gi, _ in spoken], [speaker(q2.loc[pi]) for _, pi in spoken]), "units": len(spoken), "texts": len(texts), "coders": 2})
    frame = pd.DataFrame(rows)
    frame["is_reliable"] = frame["alpha"] >= RELIABLE_ALPHA
    return frame[AGREEMENT_COLUMNS]


# -- the jusText baseline ---------------------------------------------------------------------
def justext_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """jusText's verdict for every line of every article, each line given as one HTML
    paragraph (English stoplist, default settings): ``role`` is ``body`` for a good paragraph
    and ``removed`` for boilerplate or a blank line."""
    import html

    import justext

    stoplist = justext.get_stoplist("English")
    out = []
    for file, part in lines.groupby("file", sort=True):
        part = _ints(part, ("line_no",)).sort_values("line_no")
        texts = [str(t) for t in part["text"]]
        shown = [i for i, t in enumerate(texts) if t.strip()]
        document = "<html><body>" + "".join(f"<p>{html.escape(texts[i].strip())}</p>" for i in shown) + "</body></html>"
        paragraphs = justext.justext(document.encode("utf-8"), stoplist, encoding="utf-8") if shown else []
        if len(paragraphs) != len(shown):
            raise ValueError(f"{file}: jusText returned {len(paragraphs)} paragraphs for {len(shown)} lines")
        verdict = {i: ("removed" if p.is_boilerplate else "body") for i, p in zip(shown, paragraphs, strict=True)}
        for i, row in enumerate(part.itertuples()):
            out.append({"file": file, "line_no": row.line_no, "role": verdict.get(i, "removed")})
    return pd.DataFrame(out, columns=["file", "line_no", "role"])


# -- the package's validation corpus ------------------------------------------------------------
VALIDATION_DIR = PROJ_ROOT / "data" / "validation"
PARTS: tuple[str, ...] = ("dev", "dev2", "test", "test2")  # split.csv's parts: two batches, each a development and a test part
HELD_OUT: tuple[str, ...] = ("test", "test2")
CORPUS_ORDER: tuple[str, ...] = ("seeds", "study", *PARTS)
# How each scored corpus relates to the rules: written on it, read while writing them, or held out.
CORPUS_ROLES: dict[str, str] = {"seeds": "in sample", "study": "your gold", "dev": "read", "dev2": "read", "test": "held out", "test2": "held out"}


def validation_split(path: Path = VALIDATION_DIR / "split.csv") -> dict[str, set[str]]:
    """Files of the development and test parts (each batch split once, by outlet; see its
    README); a part with no file is left out."""
    split = read_csv(path)
    return {part: files for part in PARTS if (files := set(split.loc[split["part"] == part, "file"]))}


def read_gold_folder(folder: Path) -> dict[str, pd.DataFrame | None]:
    """The gold tables of a folder (None for a table it lacks)."""
    return {name: read_gold(folder / f"{name}.csv" if (folder / f"{name}.csv").is_file() else None, name) for name in ("line_roles", "mentions", "quotes", "frames")}


def _only(frame: pd.DataFrame | None, files: set[str]) -> pd.DataFrame | None:
    return None if frame is None else frame[frame["file"].isin(files)]


def validation_corpus_report(tables: dict[str, pd.DataFrame], *, gold_dir: Path = VALIDATION_DIR / "gold", n_boot: int = 2000, seed: int = 7) -> pd.DataFrame:
    """The development and test parts of the validation corpus, scored against their gold,
    with the jusText baseline on the same gold."""
    gold = read_gold_folder(gold_dir)
    if gold["line_roles"] is None:
        return pd.DataFrame(columns=REPORT_COLUMNS)
    baseline = justext_lines(tables["lines"])
    parts = []
    coded = set(gold["line_roles"]["file"])
    for part, files in validation_split().items():
        files = files & coded  # a part is scored on its coded texts (none: left out)
        if not files:
            continue
        parts.append(corpus_report(
            part, lines=_only(tables["lines"], files), mentions=_only(tables["mentions"], files), quotes=_only(tables["quotes"], files),
            gold={k: _only(v, files) for k, v in gold.items()}, baseline_lines=_only(baseline, files), n_boot=n_boot, seed=seed,
        ))
    return pd.concat(parts, ignore_index=True)


def study_report(label: str, tables: dict[str, pd.DataFrame], gold: dict[str, pd.DataFrame | None], *, frames: list[str], n_boot: int = 2000, seed: int = 7) -> pd.DataFrame:
    """A study corpus scored on the part its gold covers (all components it has gold for)."""
    from afstudy.framing import sentence_frames

    processed = set(tables["articles"]["file"])
    part = {k: (None if v is None else v[v["file"].isin(processed)]) if k != "frames" else v for k, v in gold.items()}
    report = corpus_report(label, lines=tables["lines"], mentions=tables["mentions"], quotes=tables["quotes"], gold=part, n_boot=n_boot, seed=seed)
    if gold.get("frames") is not None:
        per_sentence = sentence_frames(tables["sentences"], tables["frame_hits"], frames)
        report = pd.concat([report, frame_report(label, per_sentence, gold["frames"], frames, n_boot=n_boot, seed=seed)], ignore_index=True)
    return report


def side_by_side(report: pd.DataFrame) -> pd.DataFrame:
    """The report as one row per component and measure, one column per corpus (value and
    interval as text), in the report's order."""
    cell = report.assign(text=[f"{v:.3f} [{lo:.3f}, {hi:.3f}]" if np.isfinite(lo) else f"{v:.3f}" for v, lo, hi in zip(report["value"].astype(float), report["low"].astype(float), report["high"].astype(float), strict=True)])
    order = list(dict.fromkeys(zip(report["component"], report["measure"], strict=True)))
    wide = cell.pivot_table(index=["component", "measure"], columns="corpus", values="text", aggfunc="first", sort=False)
    corpora = [c for c in CORPUS_ORDER if c in wide.columns]
    return wide.reindex(pd.MultiIndex.from_tuples(order, names=["component", "measure"]))[corpora].fillna("").reset_index()


def write_validation(own: pd.DataFrame | None, package: pd.DataFrame, alpha: pd.DataFrame, out_dir: Path) -> pd.DataFrame:
    """Write the report (CSV and booktabs LaTeX, side by side) and the agreement table."""
    from afstudy.framing import to_booktabs
    from afstudy.io import atomic_open, write_csv

    report = pd.concat([f for f in (own, package) if f is not None and len(f)], ignore_index=True) if (own is not None and len(own)) or len(package) else pd.DataFrame(columns=REPORT_COLUMNS)
    write_csv(report, out_dir / "validation_report.csv")
    write_csv(alpha, out_dir / "agreement.csv")
    table = side_by_side(report) if len(report) else pd.DataFrame(columns=["component", "measure"])
    with atomic_open(out_dir / "validation_report.tex", "w", encoding="utf-8", newline="\n") as handle:
        handle.write(to_booktabs(table, caption="Accuracy against hand-coded gold: the study's corpus, and the development and test parts of the validation corpus (95% bootstrap intervals over articles)", label="tab:validation"))
    return report
