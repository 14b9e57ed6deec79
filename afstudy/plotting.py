"""Figures: a colour-blind-safe journal style and deterministic PNG + SVG output."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib

matplotlib.use("agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from afstudy.io import atomic_path  # noqa: E402

# Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}
COLUMN_WIDTH_IN = 3.5  # one journal column (89 mm)
STYLE: dict[str, object] = {
    "font.family": "DejaVu Sans",
    "font.size": 7,
    "axes.titlesize": 8,
    "axes.labelsize": 7,
    "xtick.labelsize": 6.5,
    "ytick.labelsize": 6.5,
    "legend.fontsize": 6.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.dpi": 300,
    "svg.hashsalt": "afstudy",
    "svg.fonttype": "path",
    "path.simplify": True,
}


def apply_style() -> None:
    """Set the project's matplotlib style (call before drawing)."""
    plt.rcParams.update(STYLE)


def save_figure(fig: Figure, stem: str | Path, *, formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Save ``fig`` as ``stem.png`` and ``stem.svg`` with no volatile metadata, atomically."""
    paths = []
    for fmt in formats:
        target = Path(f"{stem}.{fmt}")
        metadata = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, metadata=metadata, bbox_inches="tight", pad_inches=0.02)
        paths.append(target)
    return paths


def corpus_overview(articles: pd.DataFrame) -> Figure:
    """Body, caption and removed words per article, and the articles on an event timeline."""
    apply_style()
    a = articles.sort_values("article_id", kind="stable").reset_index(drop=True)
    fig, (ax_words, ax_time) = plt.subplots(
        2, 1, figsize=(COLUMN_WIDTH_IN, 3.9), gridspec_kw={"height_ratios": [1.1, 1]}
    )
    labels = list(a["article_id"])
    y = range(len(a))
    left = pd.Series([0] * len(a))
    for column, name, colour in (
        ("body_words_count", "body", OKABE_ITO["blue"]),
        ("caption_words_count", "caption", OKABE_ITO["sky_blue"]),
        ("removed_words_count", "removed", OKABE_ITO["vermillion"]),
    ):
        values = a[column].astype(int)
        ax_words.barh(list(y), values, left=left, color=colour, label=name, height=0.6)
        left = left + values
    ax_words.set_yticks(list(y), labels)
    ax_words.invert_yaxis()
    ax_words.set_xlabel("words")
    ax_words.set_title("(a) Words kept and removed per article", loc="left")
    ax_words.legend(frameon=False, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.28))

    events = a.drop_duplicates("event").sort_values("event_date")
    for row_no, (_, art) in enumerate(a.iterrows()):
        event_date = dt.date.fromisoformat(art["event_date"])
        known = art["published"] != ""
        when = dt.date.fromisoformat(art["published"]) if known else event_date
        ax_time.plot(
            [when], [row_no], marker="o", ms=4,
            color=OKABE_ITO["blue"], mfc=OKABE_ITO["blue"] if known else "white", ls="none",
        )
        ax_time.plot([event_date], [row_no], marker="|", ms=7, color=OKABE_ITO["vermillion"], ls="none")
    for _, ev in events.iterrows():
        ax_time.axvline(dt.date.fromisoformat(ev["event_date"]), color=OKABE_ITO["grey"], lw=0.5, ls=":")
    ax_time.set_yticks(list(y), labels)
    ax_time.invert_yaxis()
    ax_time.xaxis.set_major_locator(mdates.YearLocator())
    ax_time.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax_time.set_title("(b) Published (dot; hollow: not stated) and event (bar)", loc="left")
    fig.tight_layout()
    return fig


def _annotated_heatmap(ax: plt.Axes, matrix: pd.DataFrame, *, fmt: str, cmap: str = "cividis_r", vmax: float | None = None) -> matplotlib.image.AxesImage:
    """Draw ``matrix`` as a heatmap (zeros left white) with each non-zero value written in it."""
    values = matrix.to_numpy(dtype=float)
    top = vmax if vmax is not None else (values.max() if values.size and values.max() > 0 else 1.0)
    colours = matplotlib.colormaps[cmap].copy()
    colours.set_bad("white")
    image = ax.imshow(np.ma.masked_equal(values, 0), cmap=colours, vmin=0, vmax=top, aspect="auto", interpolation="nearest")
    for (r, c), v in np.ndenumerate(values):
        if v:
            ax.text(c, r, format(v, fmt), ha="center", va="center", fontsize=5, color="black" if v < 0.55 * top else "white")
    ax.set_xticks(range(matrix.shape[1]), list(matrix.columns), rotation=45, ha="right")
    ax.set_yticks(range(matrix.shape[0]), list(matrix.index))
    ax.set_xticks(np.arange(-0.5, matrix.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, matrix.shape[0]), minor=True)
    ax.grid(which="minor", color=OKABE_ITO["grey"], linewidth=0.3)
    ax.tick_params(which="both", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return image


def mention_heatmap(rates: pd.DataFrame, sides: list[str], *, min_mentions: int = 2) -> Figure:
    """Mentions per 1,000 body words, actors (rows, grouped by side) x outlets (columns)."""
    apply_style()
    totals = rates.groupby("actor_id")["mentions_count"].sum()
    keep = totals[totals >= min_mentions].index
    r = rates[rates["actor_id"].isin(keep)]
    order = (
        r.drop_duplicates("actor_id")
        .assign(side_rank=lambda d: d["side"].map({s: i for i, s in enumerate(sides)}), total=lambda d: d["actor_id"].map(totals))
        .sort_values(["side_rank", "total", "actor_id"], ascending=[True, False, True], kind="stable")
    )
    matrix = r.pivot(index="actor_id", columns="outlet_id", values="mentions_per_1000_words").loc[order["actor_id"]]
    matrix.index = list(order["name"])
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, 0.13 * len(matrix) + 1.3), layout="constrained")
    image = _annotated_heatmap(ax, matrix, fmt=".1f")
    bounds = order["side"].ne(order["side"].shift()).to_numpy().nonzero()[0]
    for b, side in zip(bounds, order["side"].iloc[bounds], strict=True):
        if b:
            ax.axhline(b - 0.5, color=OKABE_ITO["black"], linewidth=0.8)
        ax.text(matrix.shape[1] - 0.4, b - 0.45, side.replace("_", " "), fontsize=5, va="top", ha="left", style="italic", clip_on=False)
    fig.colorbar(image, ax=ax, location="bottom", fraction=0.04, pad=0.01, aspect=30, label="mentions per 1,000 body words")
    ax.set_title(f"Actor mentions per outlet (≥{min_mentions} body mentions)", loc="left")
    return fig


def label_panels(use: pd.DataFrame, titles: dict[str, str]) -> Figure:
    """One annotated heatmap per actor: the labels (rows) each outlet (columns) uses."""
    apply_style()
    actors = [a for a in titles if a in set(use["actor_id"])]
    heights = [max(1, use[use["actor_id"] == a]["label"].nunique()) for a in actors]
    fig, axes = plt.subplots(len(actors), 1, figsize=(COLUMN_WIDTH_IN, 0.15 * sum(heights) + 0.9 * len(actors)), gridspec_kw={"height_ratios": heights}, squeeze=False, layout="constrained")
    vmax = float(use["mentions_count"].max()) if len(use) else 1.0
    for ax, actor_id in zip(axes[:, 0], actors, strict=True):
        part = use[use["actor_id"] == actor_id]
        matrix = part.pivot(index="label", columns="outlet_id", values="mentions_count")
        matrix = matrix.loc[matrix.sum(axis=1).sort_values(ascending=False, kind="stable").index]
        _annotated_heatmap(ax, matrix, fmt=".0f", vmax=vmax)
        ax.set_title(f"Words used for {titles[actor_id]} (mentions)", loc="left")
    return fig


SIDE_COLOURS: dict[str, str] = {
    "russia": OKABE_ITO["vermillion"],
    "taliban": OKABE_ITO["green"],
    "united_states": OKABE_ITO["blue"],
    "afghan_government": OKABE_ITO["orange"],
    "other_afghan": OKABE_ITO["yellow"],
    "regional_states": OKABE_ITO["purple"],
    "international": OKABE_ITO["sky_blue"],
    "media": OKABE_ITO["black"],
    "unknown": OKABE_ITO["grey"],
}


def sourcing_bars(sourcing: pd.DataFrame, sides: list[str]) -> Figure:
    """Share of quoted words per speaker side, one stacked bar per outlet; anonymous
    quotes hatched; the number of quotes printed at the end of each bar."""
    apply_style()
    outlets = sorted(sourcing["outlet_id"].unique())
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, 0.32 * len(outlets) + 1.2), layout="constrained")
    left = np.zeros(len(outlets))
    present = [s for s in [*sides, "unknown"] if sourcing.loc[sourcing["side"] == s, "quotes_count"].sum() > 0]
    for side in present:
        part = sourcing[sourcing["side"] == side].set_index("outlet_id").reindex(outlets)
        share = part["quoted_words_share"].to_numpy(dtype=float)
        anonymous = part["anonymous_share"].to_numpy(dtype=float)
        colour = SIDE_COLOURS.get(side, OKABE_ITO["grey"])
        ax.barh(outlets, share * (1 - anonymous), left=left, color=colour, height=0.6, label=side.replace("_", " "))
        ax.barh(outlets, share * anonymous, left=left + share * (1 - anonymous), color=colour, height=0.6, hatch="////", edgecolor="white", linewidth=0)
        left += share
    totals = sourcing.groupby("outlet_id")["quotes_count"].sum().reindex(outlets)
    for y, n in enumerate(totals):
        ax.text(1.01, y, f"n={n}", va="center", fontsize=5.5)
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("share of quoted words (hatched: anonymous source)")
    ax.set_title("Who is quoted: quoted words by speaker side", loc="left")
    ax.legend(frameon=False, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.24), fontsize=5.5)
    return fig
