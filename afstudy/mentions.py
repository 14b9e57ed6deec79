"""Measures over actor mentions: attention per outlet and the labels outlets use."""

from __future__ import annotations

import pandas as pd

BODY_PARTS: tuple[str, ...] = ("paragraph", "subheading")


def mention_rates(mentions: pd.DataFrame, articles: pd.DataFrame, actors: pd.DataFrame, *, parts: tuple[str, ...] = BODY_PARTS) -> pd.DataFrame:
    """Mentions per actor and outlet in the body, and per 1,000 body words (tidy).

    Every (outlet, actor, side) of the actors mentioned anywhere gets a row, zeros included,
    so outlets compare on the same actor set. The side is the mention's (an actor whose side
    depends on the date, such as the Afghan state, can have a row for each side).
    """
    body = mentions[(mentions["part"].isin(parts)) & (mentions["actor_id"] != "")]
    counts = body.groupby(["outlet_id", "actor_id", "side"]).size()
    words = articles.assign(w=articles["body_words_count"].astype(int)).groupby("outlet_id")["w"].sum()
    mentioned = sorted(set(zip(body["actor_id"], body["side"], strict=True)))
    columns = ["outlet_id", "actor_id", "name", "side", "type", "mentions_count", "body_words_count", "mentions_per_1000_words"]
    if not mentioned or words.empty:
        return pd.DataFrame(columns=columns)
    index = pd.MultiIndex.from_tuples([(o, a, sd) for o in sorted(words.index) for a, sd in mentioned], names=["outlet_id", "actor_id", "side"])
    table = counts.reindex(index, fill_value=0).rename("mentions_count").reset_index()
    table["body_words_count"] = table["outlet_id"].map(words).astype(int)
    table["mentions_per_1000_words"] = 1000 * table["mentions_count"] / table["body_words_count"].where(table["body_words_count"] > 0)
    meta = actors.set_index("actor_id")[["name", "type"]]
    table = table.join(meta, on="actor_id")
    return table[columns]


def label_use(labels: pd.DataFrame, actor_ids: tuple[str, ...]) -> pd.DataFrame:
    """The labels used for the given actors, one row per outlet x actor x label (zeros kept)."""
    chosen = labels[labels["actor_id"].isin(actor_ids)].copy()
    chosen["mentions_count"] = chosen["mentions_count"].astype(int)
    chosen["label"] = chosen["label"].str.replace(r"^(?i:the)\s+", "", regex=True)
    summed = chosen.groupby(["actor_id", "label", "outlet_id"])["mentions_count"].sum()
    outlets = sorted(labels["outlet_id"].unique())
    rows = []
    for (actor_id, label), group in summed.groupby(level=[0, 1]):
        for outlet in outlets:
            rows.append({"actor_id": actor_id, "label": label, "outlet_id": outlet, "mentions_count": int(group.get((actor_id, label, outlet), 0))})
    return pd.DataFrame(rows, columns=["actor_id", "label", "outlet_id", "mentions_count"])


def side_order(actors: pd.DataFrame, sides: list[str]) -> dict[str, int]:
    """Sort key of each actor: its side's position in ``sides``."""
    return {row.actor_id: sides.index(row.side) if row.side in sides else len(sides) for row in actors.itertuples()}


def side_attention(rates: pd.DataFrame) -> pd.DataFrame:
    """Body mentions per side and outlet, per 1,000 body words (from mention_rates)."""
    grouped = rates.groupby(["outlet_id", "side"], sort=True).agg(mentions_count=("mentions_count", "sum"), body_words_count=("body_words_count", "first")).reset_index()
    grouped["mentions_per_1000_words"] = 1000 * grouped["mentions_count"] / grouped["body_words_count"]
    return grouped
