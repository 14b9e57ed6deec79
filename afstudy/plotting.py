"""Figures: a colour-blind-safe journal style and deterministic PNG + SVG output."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib

matplotlib.use("agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.image  # noqa: E402
import matplotlib.lines  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
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


def cooccurrence_heatmap(matrix: pd.DataFrame, order: list[str], labels: dict[str, str], title: str, *, fmt: str = ".2f", colour_label: str = "", max_rows: int = 25) -> Figure:
    """A co-occurrence matrix as a heatmap in a fixed row/column order.

    Large matrices are cut to the ``max_rows`` rows with the largest diagonal (kept in the
    given order) so the figure stays legible in one column; the CSV keeps every row.
    """
    apply_style()
    if len(order) > max_rows:
        diag = pd.Series(np.diag(matrix.loc[order, order].to_numpy(dtype=float)), index=order)
        keep = set(diag.sort_values(ascending=False, kind="stable").index[:max_rows])
        order = [x for x in order if x in keep]
        title = f"{title} (top {max_rows})"
    m = matrix.loc[order, order].rename(index=labels, columns=labels)
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, COLUMN_WIDTH_IN + 0.9), layout="constrained")
    values = m.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size and finite.min() < 0:
        top = float(np.abs(finite).max()) or 1.0
        colours = matplotlib.colormaps["PuOr"].copy()
        colours.set_bad("white")
        image = ax.imshow(np.ma.masked_invalid(values), cmap=colours, vmin=-top, vmax=top, interpolation="nearest")
    elif len(m) <= 12:
        image = _annotated_heatmap(ax, m.fillna(0), fmt=fmt)
    else:
        colours = matplotlib.colormaps["cividis_r"].copy()
        colours.set_bad("white")
        image = ax.imshow(np.ma.masked_equal(np.nan_to_num(values), 0), cmap=colours, interpolation="nearest")
    ax.set_xticks(range(m.shape[1]), list(m.columns), rotation=90)
    ax.set_yticks(range(m.shape[0]), list(m.index))
    ax.tick_params(length=0, labelsize=5 if len(m) > 12 else 6.5)
    for spine in ax.spines.values():
        spine.set_visible(False)
    fig.colorbar(image, ax=ax, location="bottom", fraction=0.04, pad=0.01, aspect=30, label=colour_label)
    ax.set_title(title, loc="left")
    return fig


def cooccurrence_network(counts: pd.DataFrame, sides: dict[str, str], labels: dict[str, str], title: str, *, seed: int = 42, min_weight: int = 2) -> Figure:
    """Actors as nodes (colour: side; size: units mentioning them), co-occurrence counts as
    edges (width: count; pairs sharing fewer than ``min_weight`` units left out, and actors
    left without an edge). The spring layout uses a fixed seed."""
    apply_style()
    graph = nx.Graph()
    names = sorted(counts.index)
    for a in names:
        graph.add_node(a, weight=int(counts.loc[a, a]))
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            w = int(counts.loc[a, b])
            if w >= min_weight:
                graph.add_edge(a, b, weight=w)
    graph.remove_nodes_from([n for n in list(graph) if graph.degree(n) == 0])
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, COLUMN_WIDTH_IN), layout="constrained")
    if graph.number_of_nodes():
        pos = _component_layout(graph, seed)
        widths = [0.3 + 0.35 * graph.edges[e]["weight"] for e in graph.edges]
        nx.draw_networkx_edges(graph, pos, ax=ax, width=widths, edge_color=OKABE_ITO["grey"], alpha=0.6)
        nodes = list(graph.nodes)
        nx.draw_networkx_nodes(
            graph, pos, ax=ax, nodelist=nodes,
            node_color=[SIDE_COLOURS.get(sides.get(n, ""), OKABE_ITO["grey"]) for n in nodes],
            node_size=[10 + 3 * graph.nodes[n]["weight"] for n in nodes], linewidths=0.3, edgecolors="black",
        )
        nx.draw_networkx_labels(graph, pos, ax=ax, labels={n: labels.get(n, n) for n in nodes}, font_size=4.5)
        present = sorted({sides.get(n, "") for n in nodes}, key=lambda s: list(SIDE_COLOURS).index(s) if s in SIDE_COLOURS else 99)
        handles = [matplotlib.lines.Line2D([], [], marker="o", ls="", color=SIDE_COLOURS.get(s, OKABE_ITO["grey"]), label=s.replace("_", " ")) for s in present]
        ax.legend(handles=handles, frameon=False, fontsize=5, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=4)
    ax.set_axis_off()
    ax.set_title(title, loc="left")
    return fig


def _component_layout(graph: nx.Graph, seed: int) -> dict[str, np.ndarray]:
    """Spring layout (fixed seed) of the largest component in the middle; smaller
    components laid out on their own and lined up underneath."""
    components = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    pos: dict[str, np.ndarray] = {}
    for i, nodes in enumerate(components):
        sub = graph.subgraph(nodes)
        layout = nx.spring_layout(sub, seed=seed, weight=None, k=2.0 / max(1, len(nodes)) ** 0.5, iterations=200)
        scale, centre = (1.0, np.array([0.0, 0.0])) if i == 0 else (0.18, np.array([-1.0 + 0.45 * (i - 1), -1.35]))
        for node, xy in layout.items():
            pos[node] = centre + scale * np.asarray(xy)
    return pos


def outlet_small_multiples(matrices: dict[str, pd.DataFrame], order: list[str], title: str, *, fmt: str = ".2f") -> Figure:
    """One small side x side heatmap per outlet, same order and colour scale."""
    apply_style()
    outlets = sorted(matrices)
    cols = 3
    rows = -(-len(outlets) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(COLUMN_WIDTH_IN * 2, 2.3 * rows), layout="constrained", squeeze=False)
    top = max((float(np.nanmax(m.to_numpy(dtype=float))) for m in matrices.values() if m.size), default=1.0) or 1.0
    short = {s: s.replace("_", " ").replace("afghan government", "afghan gov.").replace("regional states", "regional").replace("united states", "US").replace("international", "intl.") for s in order}
    for ax, outlet in zip(axes.ravel(), outlets, strict=False):
        m = matrices[outlet].reindex(index=order, columns=order).fillna(0)
        m = m.rename(index=short, columns=short)
        _annotated_heatmap(ax, m, fmt=fmt, vmax=top)
        ax.set_title(outlet, loc="left")
    for ax in axes.ravel()[len(outlets) :]:
        ax.set_axis_off()
    fig.suptitle(title, x=0.01, ha="left", fontsize=8)
    fig.get_layout_engine().set(w_pad=0.02, h_pad=0.02)
    return fig


def pair_comparison(values: pd.DataFrame, title: str, xlabel: str) -> Figure:
    """Dot plot: for each pair (rows) the value in each outlet (colour-blind-safe markers)."""
    apply_style()
    pairs = list(dict.fromkeys(values["pair"]))
    outlets = sorted(values["outlet_id"].unique())
    markers = ["o", "s", "D", "^", "v", "P", "X"]
    palette = [OKABE_ITO[c] for c in ("blue", "vermillion", "green", "orange", "purple", "sky_blue", "black")]
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, 0.3 * len(pairs) + 1.2), layout="constrained")
    for i, outlet in enumerate(outlets):
        part = values[values["outlet_id"] == outlet].set_index("pair").reindex(pairs)
        y = np.arange(len(pairs)) + (i - (len(outlets) - 1) / 2) * 0.12
        ax.scatter(part["value"], y, marker=markers[i % len(markers)], color=palette[i % len(palette)], s=14, label=outlet, zorder=3)
    ax.set_yticks(range(len(pairs)), [p.replace("_", " ") for p in pairs])
    ax.invert_yaxis()
    ax.grid(axis="x", color=OKABE_ITO["grey"], linewidth=0.3)
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left")
    ax.legend(frameon=False, fontsize=5.5, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    return fig


def salience_dots(sal: pd.DataFrame, frames: list[str], title: str) -> Figure:
    """Frame salience per group: share of body sentences with a hit, with its bootstrap
    interval; frames as rows, groups as coloured markers."""
    apply_style()
    groups = sorted(sal["group"].unique())
    markers = ["o", "s", "D", "^", "v", "P", "X"]
    palette = [OKABE_ITO[c] for c in ("blue", "vermillion", "green", "orange", "purple", "sky_blue", "black")]
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, 0.3 * len(frames) + 0.2 * -(-len(groups) // 2) + 1.4), layout="constrained")
    for i, group in enumerate(groups):
        part = sal[sal["group"] == group].set_index("frame").reindex(frames)
        y = np.arange(len(frames)) + (i - (len(groups) - 1) / 2) * (0.7 / max(1, len(groups)))
        x = part["sentence_share"].to_numpy(dtype=float)
        err = np.vstack([x - part["sentence_share_low"].to_numpy(dtype=float), part["sentence_share_high"].to_numpy(dtype=float) - x])
        ax.errorbar(x, y, xerr=err, fmt=markers[i % len(markers)], color=palette[i % len(palette)], ms=3, elinewidth=0.6, capsize=0, label=group)
    ax.set_yticks(range(len(frames)), [f.replace("_", " ") for f in frames])
    ax.invert_yaxis()
    ax.set_xlim(-0.02, 1.02)
    ax.grid(axis="x", color=OKABE_ITO["grey"], linewidth=0.3)
    ax.set_xlabel("share of body sentences with the frame (95% bootstrap interval)")
    ax.set_title(title, loc="left")
    fig.legend(*ax.get_legend_handles_labels(), frameon=False, fontsize=5.5, ncols=2, loc="outside lower center")
    return fig


def validation_figure(report: pd.DataFrame) -> Figure:
    """Measured accuracy of each component (F1, or accuracy for speakers) with its 95%
    bootstrap interval."""
    apply_style()
    main = report[report["measure"].isin(["f1", "accuracy"])].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, 0.32 * len(main) + 0.9), layout="constrained")
    y = np.arange(len(main))
    x = main["value"].to_numpy(dtype=float)
    err = np.vstack([x - main["low"].to_numpy(dtype=float), main["high"].to_numpy(dtype=float) - x])
    ax.errorbar(x, y, xerr=err, fmt="o", color=OKABE_ITO["blue"], ms=3.5, elinewidth=0.8, capsize=2)
    for yi, (value, measure, n) in enumerate(zip(x, main["measure"], main["items"], strict=True)):
        ax.text(1.02, yi, f"{measure} {value:.2f} (n={n})", va="center", fontsize=5.5, transform=ax.get_yaxis_transform())
    ax.set_yticks(y, list(main["component"]))
    ax.invert_yaxis()
    ax.set_xlim(0, 1.0)
    ax.grid(axis="x", color=OKABE_ITO["grey"], linewidth=0.3)
    ax.set_xlabel("against the hand-coded gold (95% bootstrap interval)")
    ax.set_title("Measured accuracy of each step", loc="left")
    return fig


def show_figure(fig: Figure, *, dpi: int = 150) -> object:
    """A figure as an IPython PNG image for notebook display (then closed).

    The project draws with the non-interactive Agg backend (deterministic files); this
    renders the same figure for JupyterLab and executed notebooks.
    """
    import io

    from IPython.display import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight", pad_inches=0.02)
    plt.close(fig)
    return Image(data=buffer.getvalue(), format="png")
