"""Figures: a colour-blind-safe journal style and deterministic PNG + SVG output."""

from __future__ import annotations

import datetime as dt
import io
import weakref
from pathlib import Path

import matplotlib

matplotlib.use("agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.image  # noqa: E402
import matplotlib.lines  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.text  # noqa: E402
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
FULL_WIDTH_IN = 7.2  # two columns (183 mm)
# Colours and markers for outlets (or other groups): every group gets a distinct
# (colour, marker) pair, so groups stay apart in greyscale and beyond seven colours.
GROUP_COLOURS: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000")
GROUP_MARKERS: tuple[str, ...] = ("o", "s", "D", "^", "v", "P", "X", "<", ">", "h")
MAX_GROUPS_IN_ONE_PANEL = 8  # more groups than this are drawn as small multiples
MAX_GROUPS_SHOWN = 30  # beyond this, the small multiples show the groups that weigh most
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


def group_styles(groups: list[str]) -> dict[str, tuple[str, str]]:
    """A distinct (colour, marker) pair for each group, in the given order (up to 70)."""
    if len(groups) > len(GROUP_COLOURS) * len(GROUP_MARKERS):
        raise ValueError(f"{len(groups)} groups: at most {len(GROUP_COLOURS) * len(GROUP_MARKERS)} distinct styles")
    styles = {}
    for i, group in enumerate(groups):
        q, r = divmod(i, len(GROUP_MARKERS))
        styles[group] = (GROUP_COLOURS[(4 * q + r) % len(GROUP_COLOURS)], GROUP_MARKERS[r])
    return styles


def apply_style() -> None:
    """Set the project's matplotlib style (call before drawing)."""
    plt.rcParams.update(STYLE)


# The PNG each figure was last saved as, for show_figure to display without drawing the
# figure again (about a third of a figure's cost); dropped with the figure.
_SAVED_PNG: weakref.WeakKeyDictionary[Figure, bytes] = weakref.WeakKeyDictionary()


def save_figure(fig: Figure, stem: str | Path, *, formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Save ``fig`` as ``stem.png`` and ``stem.svg`` with no volatile metadata, atomically."""
    paths = []
    for fmt in formats:
        target = Path(f"{stem}.{fmt}")
        metadata = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, metadata=metadata, bbox_inches="tight", pad_inches=0.02)
        with atomic_path(target) as tmp:
            tmp.write_bytes(buffer.getvalue())
        if fmt == "png":
            _SAVED_PNG[fig] = buffer.getvalue()
        paths.append(target)
    return paths


MAX_ARTICLE_ROWS = 30  # beyond this the corpus overview shows one row per outlet


def corpus_overview(articles: pd.DataFrame) -> Figure:
    """Body, caption and removed words per article (per outlet for a large corpus), and the
    articles on an event timeline."""
    apply_style()
    a = articles.sort_values("article_id", kind="stable").reset_index(drop=True)
    by_outlet = len(a) > MAX_ARTICLE_ROWS
    row_of = a["outlet_id"] if by_outlet else a["article_id"]
    labels = sorted(row_of.unique()) if by_outlet else list(a["article_id"])
    index = {label: i for i, label in enumerate(labels)}
    height = 1.4 + 0.22 * len(labels)
    fig, (ax_words, ax_time) = plt.subplots(
        2, 1, figsize=(COLUMN_WIDTH_IN, height), gridspec_kw={"height_ratios": [1.1, 1]}
    )
    y = range(len(labels))
    if by_outlet:
        counts = ["body_words_count", "caption_words_count", "removed_words_count"]
        sums = a.assign(**{c: a[c].astype(int) for c in counts}).groupby("outlet_id")[counts].sum().reindex(labels)
        a_words = sums.reset_index(drop=True)
    else:
        a_words = a
    left = pd.Series([0] * len(labels))
    for column, name, colour in (
        ("body_words_count", "body", OKABE_ITO["blue"]),
        ("caption_words_count", "caption", OKABE_ITO["sky_blue"]),
        ("removed_words_count", "removed", OKABE_ITO["vermillion"]),
    ):
        values = a_words[column].astype(int).reset_index(drop=True)
        ax_words.barh(list(y), values, left=left, color=colour, label=name, height=0.6)
        left = left + values
    ax_words.set_yticks(list(y), labels)
    ax_words.invert_yaxis()
    ax_words.set_xlabel("words")
    ax_words.set_title("(a) Words kept and removed per " + ("outlet" if by_outlet else "article"), loc="left")
    ax_words.legend(frameon=False, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.28))

    events = a.drop_duplicates("event").sort_values("event_date")
    for _, art in a.iterrows():
        row_no = index[art["outlet_id"] if by_outlet else art["article_id"]]
        if not art["event_date"]:
            continue
        event_date = dt.date.fromisoformat(art["event_date"])
        known = art["published"] != ""
        when = dt.date.fromisoformat(art["published"]) if known else event_date
        ax_time.plot(
            [when], [row_no], marker="o", ms=4,
            color=OKABE_ITO["blue"], mfc=OKABE_ITO["blue"] if known else "white", ls="none",
        )
        ax_time.plot([event_date], [row_no], marker="|", ms=7, color=OKABE_ITO["vermillion"], ls="none")
    for _, ev in events[events["event_date"] != ""].iterrows():
        ax_time.axvline(dt.date.fromisoformat(ev["event_date"]), color=OKABE_ITO["grey"], lw=0.5, ls=":")
    ax_time.set_yticks(list(y), labels)
    ax_time.invert_yaxis()
    ax_time.xaxis.set_major_locator(mdates.YearLocator())
    ax_time.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax_time.set_title("(b) Published (dot; hollow: not stated) and event (bar)", loc="left")
    fig.tight_layout()
    return fig


def _annotated_heatmap(ax: plt.Axes, matrix: pd.DataFrame, *, fmt: str, cmap: str = "cividis_r", vmax: float | None = None, annotate: bool = True) -> matplotlib.image.AxesImage:
    """Draw ``matrix`` as a heatmap (zeros and NaN left white) with each non-zero value
    written in it (when ``annotate``)."""
    values = matrix.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    top = vmax if vmax is not None else (finite.max() if finite.size and finite.max() > 0 else 1.0)
    colours = matplotlib.colormaps[cmap].copy()
    colours.set_bad("white")
    image = ax.imshow(np.ma.masked_where(~np.isfinite(values) | (values == 0), values), cmap=colours, vmin=0, vmax=top, aspect="auto", interpolation="nearest")
    for (r, c), v in np.ndenumerate(values):
        if annotate and v and np.isfinite(v):
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


def mention_heatmap(rates: pd.DataFrame, sides: list[str], *, min_mentions: int = 2, top: int = 30) -> Figure:
    """Mentions per 1,000 body words, actors (rows, grouped by side) x outlets (columns):
    the ``top`` most mentioned actors with at least ``min_mentions`` body mentions; two
    columns wide beyond ten outlets."""
    apply_style()
    totals = rates.groupby("actor_id")["mentions_count"].sum()
    kept = totals[totals >= min_mentions].sort_values(ascending=False, kind="stable")
    cut = len(kept) > top
    keep = kept.index[:top]
    # an actor whose side depends on the date (the Afghan state) has a row per side
    r = rates[rates["actor_id"].isin(keep)].assign(row=lambda d: d["actor_id"] + "\t" + d["side"])
    side_totals = r.groupby("row")["mentions_count"].sum()
    order = (
        r.drop_duplicates("row")
        .assign(side_rank=lambda d: d["side"].map({s: i for i, s in enumerate(sides)}), total=lambda d: d["row"].map(side_totals))
        .sort_values(["side_rank", "total", "row"], ascending=[True, False, True], kind="stable")
    )
    two_sides = set(order.loc[order["actor_id"].duplicated(keep=False), "actor_id"])
    matrix = r.pivot(index="row", columns="outlet_id", values="mentions_per_1000_words").loc[order["row"]]
    matrix.index = [f"{n} ({sd.replace('_', ' ')})" if a in two_sides else n for a, n, sd in zip(order["actor_id"], order["name"], order["side"], strict=True)]
    n_outlets = matrix.shape[1]
    width = COLUMN_WIDTH_IN if n_outlets <= 10 else FULL_WIDTH_IN
    fig, ax = plt.subplots(figsize=(width, 0.13 * len(matrix) + 1.3), layout="constrained")
    image = _annotated_heatmap(ax, matrix, fmt=".1f", annotate=n_outlets <= 20)
    bounds = order["side"].ne(order["side"].shift()).to_numpy().nonzero()[0]
    for b, side in zip(bounds, order["side"].iloc[bounds], strict=True):
        if b:
            ax.axhline(b - 0.5, color=OKABE_ITO["black"], linewidth=0.8)
        ax.text(matrix.shape[1] - 0.4, b - 0.45, side.replace("_", " "), fontsize=5, va="top", ha="left", style="italic", clip_on=False)
    fig.colorbar(image, ax=ax, location="bottom", fraction=0.04, pad=0.01, aspect=30, label="mentions per 1,000 body words")
    ax.set_title(f"Actor mentions per outlet (≥{min_mentions} body mentions{f'; top {top}' if cut else ''})", loc="left")
    return fig


def label_panels(use: pd.DataFrame, titles: dict[str, str]) -> Figure:
    """One annotated heatmap per actor: the labels (rows) each outlet (columns) uses."""
    apply_style()
    actors = [a for a in titles if a in set(use["actor_id"])]
    heights = [max(1, use[use["actor_id"] == a]["label"].nunique()) for a in actors]
    n_outlets = use["outlet_id"].nunique()
    width = COLUMN_WIDTH_IN if n_outlets <= 10 else FULL_WIDTH_IN
    fig, axes = plt.subplots(max(1, len(actors)), 1, figsize=(width, 0.15 * sum(heights) + 0.9 * max(1, len(actors))), gridspec_kw={"height_ratios": heights or [1]}, squeeze=False, layout="constrained")
    if not actors:
        axes[0, 0].set_axis_off()
        axes[0, 0].set_title("No label of these actors is used", loc="left")
    vmax = float(use["mentions_count"].max()) if len(use) else 1.0
    for ax, actor_id in zip(axes[:, 0], actors, strict=True):
        part = use[use["actor_id"] == actor_id]
        matrix = part.pivot(index="label", columns="outlet_id", values="mentions_count")
        matrix = matrix.loc[matrix.sum(axis=1).sort_values(ascending=False, kind="stable").index]
        _annotated_heatmap(ax, matrix, fmt=".0f", vmax=vmax, annotate=n_outlets <= 20)
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


def cooccurrence_heatmap(matrix: pd.DataFrame, order: list[str], labels: dict[str, str], title: str, *, fmt: str = ".2f", colour_label: str = "", max_rows: int = 25, counts: pd.DataFrame | None = None) -> Figure:
    """A co-occurrence matrix as a heatmap in a fixed row/column order.

    The diagonal (an actor with itself: 1 for Jaccard) is left blank, so the colour scale
    shows the pairs. Large matrices are cut to the ``max_rows`` actors mentioned in the most
    units (the diagonal of ``counts``, else of ``matrix``), kept in the given order, so the
    labels stay legible in one column; the CSV keeps every row.
    """
    apply_style()
    if len(order) > max_rows:
        source = counts if counts is not None else matrix
        diag = pd.Series(np.diag(source.loc[order, order].to_numpy(dtype=float)), index=order)
        keep = set(diag.sort_values(ascending=False, kind="stable").index[:max_rows])
        order = [x for x in order if x in keep]
        title = f"{title} (top {max_rows})"
    m = matrix.loc[order, order].rename(index=labels, columns=labels).astype(float)
    values = m.to_numpy(dtype=float).copy()
    np.fill_diagonal(values, np.nan)
    m = pd.DataFrame(values, index=m.index, columns=m.columns)
    side = max(COLUMN_WIDTH_IN, 1.2 + 0.12 * len(m))
    fig, ax = plt.subplots(figsize=(min(side, FULL_WIDTH_IN), min(side, FULL_WIDTH_IN) + 0.9), layout="constrained")
    finite = values[np.isfinite(values)]
    if finite.size and finite.min() < 0:
        top = float(np.abs(finite).max()) or 1.0
        colours = matplotlib.colormaps["PuOr"].copy()
        colours.set_bad("white")
        image = ax.imshow(np.ma.masked_invalid(values), cmap=colours, vmin=-top, vmax=top, interpolation="nearest")
    else:
        image = _annotated_heatmap(ax, m, fmt=fmt, annotate=len(m) <= 12)
        ax.set_aspect("equal")
    ax.set_xticks(range(m.shape[1]), list(m.columns), rotation=90)
    ax.set_yticks(range(m.shape[0]), list(m.index))
    ax.tick_params(length=0, labelsize=5 if len(m) > 12 else 6.5)
    for spine in ax.spines.values():
        spine.set_visible(False)
    fig.colorbar(image, ax=ax, location="bottom", fraction=0.04, pad=0.01, aspect=30, label=f"{colour_label} (diagonal left blank)")
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
        texts = nx.draw_networkx_labels(graph, pos, ax=ax, labels={n: labels.get(n, n) for n in nodes}, font_size=4.5)
        spread_labels(fig, ax, [texts[n] for n in nodes])
        present = sorted({sides.get(n, "") for n in nodes}, key=lambda s: list(SIDE_COLOURS).index(s) if s in SIDE_COLOURS else 99)
        handles = [matplotlib.lines.Line2D([], [], marker="o", ls="", color=SIDE_COLOURS.get(s, OKABE_ITO["grey"]), label=s.replace("_", " ")) for s in present]
        ax.legend(handles=handles, frameon=False, fontsize=5, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=4)
    ax.set_axis_off()
    ax.set_title(title, loc="left")
    return fig


def _overlap(a: object, b: object) -> tuple[float, float]:
    """How far two display-space boxes overlap in x and in y (0 when apart)."""
    dx = min(a.x1, b.x1) - max(a.x0, b.x0)  # type: ignore[attr-defined]
    dy = min(a.y1, b.y1) - max(a.y0, b.y0)  # type: ignore[attr-defined]
    return (dx, dy) if dx > 0 and dy > 0 else (0.0, 0.0)


def spread_labels(fig: Figure, ax: plt.Axes, texts: list[matplotlib.text.Text], *, iterations: int = 200, pad: float = 1.0) -> int:
    """Move overlapping text labels apart vertically (deterministic), drawing a thin leader
    line from a label to its anchor when it moved; returns the overlaps left (0 normally)."""
    renderer = fig.canvas.get_renderer()
    to_data = ax.transData.inverted()
    anchors = [t.get_position() for t in texts]
    for _ in range(iterations):
        boxes = [t.get_window_extent(renderer).expanded(1.0, 1.0) for t in texts]
        moved = False
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                dx, dy = _overlap(boxes[i], boxes[j])
                if not dy:
                    continue
                shift = dy / 2 + pad
                upper, lower = (i, j) if boxes[i].y0 + boxes[i].y1 >= boxes[j].y0 + boxes[j].y1 else (j, i)
                for k, sign in ((upper, 1.0), (lower, -1.0)):
                    x, y = ax.transData.transform(texts[k].get_position())
                    texts[k].set_position(tuple(to_data.transform((x, y + sign * shift))))
                    boxes[k] = texts[k].get_window_extent(renderer)
                moved = True
        if not moved:
            break
    for text, anchor in zip(texts, anchors, strict=True):
        if np.hypot(*(np.asarray(text.get_position()) - np.asarray(anchor))) > 1e-9:
            ax.plot([anchor[0], text.get_position()[0]], [anchor[1], text.get_position()[1]], color=OKABE_ITO["grey"], lw=0.25, zorder=0)
    boxes = [t.get_window_extent(renderer) for t in texts]
    return sum(1 for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if _overlap(boxes[i], boxes[j])[1])


def _component_layout(graph: nx.Graph, seed: int) -> dict[str, np.ndarray]:
    """Spring layout (fixed seed) of the largest component in the middle; smaller
    components laid out on their own and lined up underneath."""
    components = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    pos: dict[str, np.ndarray] = {}
    for i, nodes in enumerate(components):
        # a new graph in sorted node order: a subgraph view of under half the graph iterates
        # a set, whose order (and so the seeded layout) would change with PYTHONHASHSEED
        sub = nx.Graph()
        sub.add_nodes_from(nodes)
        sub.add_edges_from(sorted(tuple(sorted(e)) for e in graph.edges(nodes)))
        layout = nx.spring_layout(sub, seed=seed, weight=None, k=2.0 / max(1, len(nodes)) ** 0.5, iterations=200)
        scale, centre = (1.0, np.array([0.0, 0.0])) if i == 0 else (0.18, np.array([-1.0 + 0.45 * (i - 1), -1.35]))
        for node, xy in layout.items():
            pos[node] = centre + scale * np.asarray(xy)
    return pos


def outlet_small_multiples(matrices: dict[str, pd.DataFrame], order: list[str], title: str, *, fmt: str = ".2f") -> Figure:
    """One small side x side heatmap per outlet, same order and colour scale."""
    apply_style()
    outlets = sorted(matrices)
    cols = 3 if len(outlets) <= 9 else 5
    rows = max(1, -(-len(outlets) // cols))
    panel = FULL_WIDTH_IN / cols
    fig, axes = plt.subplots(rows, cols, figsize=(FULL_WIDTH_IN, (panel + 0.35) * rows), layout="constrained", squeeze=False)
    top = max((float(np.nanmax(m.to_numpy(dtype=float))) for m in matrices.values() if m.size), default=1.0) or 1.0
    short = {s: s.replace("_", " ").replace("afghan government", "afghan gov.").replace("regional states", "regional").replace("united states", "US").replace("international", "intl.") for s in order}
    for ax, outlet in zip(axes.ravel(), outlets, strict=False):
        m = matrices[outlet].reindex(index=order, columns=order).fillna(0)
        m = m.rename(index=short, columns=short)
        _annotated_heatmap(ax, m, fmt=fmt, vmax=top, annotate=cols <= 3)
        ax.set_title(outlet, loc="left", fontsize=6)
        if cols > 3:
            ax.tick_params(labelsize=4.5)
    for ax in axes.ravel()[len(outlets) :]:
        ax.set_axis_off()
    fig.suptitle(title, x=0.01, ha="left", fontsize=8)
    fig.get_layout_engine().set(w_pad=0.02, h_pad=0.02)
    return fig


def top_groups(groups: list[str], weights: dict[str, float], limit: int = MAX_GROUPS_SHOWN) -> list[str]:
    """``groups`` when there are at most ``limit``, else the ``limit`` that weigh most (ties
    by name), in their original order."""
    if len(groups) <= limit:
        return groups
    keep = set(sorted(groups, key=lambda g: (-weights.get(g, 0.0), g))[:limit])
    return [g for g in groups if g in keep]


def _dot_panels(values: pd.DataFrame, rows: list[str], groups: list[str], *, row_col: str, x: str, low: str | None, high: str | None, title: str, xlabel: str, xlim: tuple[float, float] | None, weights: dict[str, float] | None = None, weight_label: str = "") -> Figure:
    """Dots (with intervals when ``low``/``high`` are given) of ``x`` for each row and
    group. Up to MAX_GROUPS_IN_ONE_PANEL groups share one panel, each with its own
    colour and marker; with more, there is one small panel per row with the groups down
    its axis, so nothing crowds; beyond MAX_GROUPS_SHOWN groups, the panels show those
    with the largest ``weights`` and the title says how many of how many."""
    apply_style()
    shown = top_groups(groups, weights or {})
    if len(shown) < len(groups):
        title = f"{title} ({len(shown)} of {len(groups)} groups: those with most {weight_label})"
        groups = shown
    styles = group_styles(groups)
    if len(groups) <= MAX_GROUPS_IN_ONE_PANEL:
        fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, 0.3 * len(rows) + 0.2 * -(-len(groups) // 2) + 1.2), layout="constrained")
        for i, group in enumerate(groups):
            part = values[values["group"] == group].set_index(row_col).reindex(rows)
            y = np.arange(len(rows)) + (i - (len(groups) - 1) / 2) * (0.7 / max(1, len(groups)))
            xs = part[x].to_numpy(dtype=float)
            colour, marker = styles[group]
            if low and high:
                err = np.vstack([xs - part[low].to_numpy(dtype=float), part[high].to_numpy(dtype=float) - xs])
                ax.errorbar(xs, y, xerr=np.nan_to_num(err), fmt=marker, color=colour, ms=3, elinewidth=0.6, capsize=0, label=group)
            else:
                ax.scatter(xs, y, marker=marker, color=colour, s=14, label=group, zorder=3)
        ax.set_yticks(range(len(rows)), [r.replace("_", " ") for r in rows])
        ax.invert_yaxis()
        if xlim:
            ax.set_xlim(*xlim)
        ax.grid(axis="x", color=OKABE_ITO["grey"], linewidth=0.3)
        ax.set_xlabel(xlabel)
        ax.set_title(title, loc="left")
        fig.legend(*ax.get_legend_handles_labels(), frameon=False, fontsize=5.5, ncols=2, loc="outside lower center")
        return fig
    cols = 3
    n_rows = -(-len(rows) // cols)
    fig, axes = plt.subplots(n_rows, cols, figsize=(FULL_WIDTH_IN, n_rows * (0.11 * len(groups) + 0.6)), squeeze=False, sharey=True, layout="constrained")
    for ax, row in zip(axes.ravel(), rows, strict=False):
        part = values[values[row_col] == row].set_index("group").reindex(groups)
        y = np.arange(len(groups))
        xs = part[x].to_numpy(dtype=float)
        for yi, group in enumerate(groups):
            colour, marker = styles[group]
            if low and high:
                lo, hi = float(part.loc[group, low]), float(part.loc[group, high])
                if np.isfinite(lo) and np.isfinite(hi):
                    ax.plot([lo, hi], [yi, yi], color=colour, lw=0.6)
            ax.plot([xs[yi]], [yi], marker=marker, color=colour, ms=2.5, ls="none")
        ax.set_yticks(y, groups)
        ax.tick_params(labelsize=4.5)
        if xlim:
            ax.set_xlim(*xlim)
        ax.grid(axis="x", color=OKABE_ITO["grey"], linewidth=0.3)
        ax.set_title(row.replace("_", " "), loc="left", fontsize=6)
    axes[0, 0].invert_yaxis()
    for ax in axes.ravel()[len(rows):]:
        ax.set_axis_off()
    fig.suptitle(f"{title} — {xlabel}", x=0.01, ha="left", fontsize=8)
    return fig


def pair_comparison(values: pd.DataFrame, title: str, xlabel: str) -> Figure:
    """Dot plot: for each pair (rows) the value in each outlet (distinct colour and marker
    per outlet; one panel per pair beyond eight outlets)."""
    pairs = list(dict.fromkeys(values["pair"]))
    outlets = sorted(values["outlet_id"].unique())
    weights = values.groupby("outlet_id")["value"].sum().to_dict()
    return _dot_panels(values.rename(columns={"outlet_id": "group"}), pairs, outlets, row_col="pair", x="value", low=None, high=None, title=title, xlabel=xlabel, xlim=None,
                       weights=weights, weight_label="co-occurrence")


def salience_dots(sal: pd.DataFrame, frames: list[str], title: str) -> Figure:
    """Frame salience per group: share of body sentences with a hit, with its bootstrap
    interval; frames as rows, groups as distinct markers (one panel per frame beyond eight
    groups)."""
    groups = sorted(sal["group"].unique())
    weights = sal.groupby("group")["sentences_count"].max().to_dict()
    return _dot_panels(sal, frames, groups, row_col="frame", x="sentence_share", low="sentence_share_low", high="sentence_share_high",
                       title=title, xlabel="share of body sentences with the frame (95% bootstrap interval)", xlim=(-0.02, 1.02),
                       weights=weights, weight_label="body sentences")


MAIN_MEASURES: dict[str, str] = {
    "boilerplate lines": "f1", "body lines": "kept", "headlines": "exact match", "boilerplate lines (jusText baseline)": "f1",
    "body lines (jusText baseline)": "kept", "actor mentions (exact span and actor)": "f1", "quotes (half-span overlap)": "f1",
    "quote speakers": "accuracy", "quotes without a speaker": "share", "frames (sentence x frame, micro)": "f1",
}


def validation_figure(report: pd.DataFrame) -> Figure:
    """The main measure of each component with its 95% bootstrap interval, one marker per
    corpus (seeds or study, development parts, test parts) side by side."""
    import textwrap

    from afstudy.validation import CORPUS_ORDER, CORPUS_ROLES

    apply_style()
    main = report[[MAIN_MEASURES.get(c) == m for c, m in zip(report["component"], report["measure"], strict=True)]]
    components = [c for c in MAIN_MEASURES if c in set(main["component"])]
    corpora = [c for c in CORPUS_ORDER if c in set(main["corpus"])]
    styles = group_styles(corpora)
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, 0.36 * len(components) + 1.2), layout="constrained")
    for i, corpus in enumerate(corpora):
        part = main[main["corpus"] == corpus].set_index("component").reindex(components)
        y = np.arange(len(components)) + (i - (len(corpora) - 1) / 2) * min(0.22, 0.8 / len(corpora))
        x = part["value"].to_numpy(dtype=float)
        err = np.nan_to_num(np.vstack([x - part["low"].to_numpy(dtype=float), part["high"].to_numpy(dtype=float) - x]))
        colour, marker = styles[corpus]
        label = f"{corpus} ({CORPUS_ROLES[corpus]})" if corpus in CORPUS_ROLES else corpus
        ax.errorbar(x, y, xerr=err, fmt=marker, color=colour, ms=3, elinewidth=0.7, capsize=1.5, label=label)
    names = [f"{c} ({MAIN_MEASURES[c]}{', lower is better' if MAIN_MEASURES[c] == 'share' else ''})" for c in components]
    ax.set_yticks(range(len(components)), [textwrap.fill(n, 26) for n in names], fontsize=5.5)
    ax.invert_yaxis()
    ax.set_xlim(-0.02, 1.02)
    ax.grid(axis="x", color=OKABE_ITO["grey"], linewidth=0.3)
    ax.set_xlabel("against hand-coded gold\n(95% bootstrap interval over articles)")
    ax.set_title("Measured accuracy", loc="left")
    fig.legend(*ax.get_legend_handles_labels(), frameon=False, fontsize=5.5, ncols=min(3, len(corpora)) or 1, loc="outside lower center")
    return fig


def show_figure(fig: Figure, *, dpi: int = 150) -> object:
    """A figure as an IPython PNG image for notebook display (then closed).

    The project draws with the non-interactive Agg backend (deterministic files). A figure
    that ``save_figure`` saved is shown as the PNG it wrote (displayed at ``dpi``), so what
    the notebook shows is the file; draw on a figure after saving it and save it again
    before showing it. A figure never saved is rendered at ``dpi``.
    """
    from IPython.display import Image

    saved = _SAVED_PNG.pop(fig, None)
    if saved is not None:
        plt.close(fig)
        width = round(int.from_bytes(saved[16:20], "big") * dpi / plt.rcParams["savefig.dpi"])  # IHDR: the width in pixels
        return Image(data=saved, format="png", width=width)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight", pad_inches=0.02)
    plt.close(fig)
    return Image(data=buffer.getvalue(), format="png")
