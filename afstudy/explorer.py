"""The interactive co-occurrence explorer behind ``notebooks/07-explorer.ipynb``.

The data functions are plain and tested; ``build_explorer`` only wires them to
ipywidgets: choose outlet, unit, level and measure and the heatmap redraws; choose a pair
and the sentences behind that cell appear (keyword in context, with outlet and article);
choose an actor and its quotes appear.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from afstudy.cooccurrence import Spec, apply_measure, clustered_order, cooccurrence_counts
from afstudy.io import read_csv


@dataclass
class ExplorerData:
    """The processed tables the explorer reads (never writes)."""

    mentions: pd.DataFrame
    sentences: pd.DataFrame
    actors: pd.DataFrame
    quotes: pd.DataFrame

    @classmethod
    def load(cls, folder: Path) -> ExplorerData:
        """Read the extraction tables of a study (``afstudy.build.ensure_extraction``)."""
        return cls(
            mentions=read_csv(folder / "mentions.csv"),
            sentences=read_csv(folder / "sentences.csv"),
            actors=read_csv(folder / "actors.csv").set_index("actor_id"),
            quotes=read_csv(folder / "quotes.csv"),
        )

    def most_quoted(self) -> str | None:
        """The actor with the most quotes (ties: the first id), or None."""
        ids = self.quotes.loc[self.quotes["speaker_actor_id"] != "", "speaker_actor_id"]
        if ids.empty:
            return None
        counts = ids.value_counts()
        return str(sorted(counts[counts == counts.max()].index)[0])

    @property
    def outlets(self) -> list[str]:
        """Outlet ids present in the mentions."""
        return sorted(self.mentions["outlet_id"].unique())


def matrix_for(data: ExplorerData, spec: Spec) -> tuple[pd.DataFrame, list[str]]:
    """The measure matrix of ``spec`` and its display order (side, then clustering)."""
    counts = cooccurrence_counts(data.mentions, data.sentences, spec)
    matrix = apply_measure(counts, spec.measure)
    if matrix.empty:
        return matrix, []
    sides = list(dict.fromkeys(data.actors["side"]))
    groups = data.actors["side"].to_dict() if spec.level == "actor" else {s: s for s in sides}
    return matrix, clustered_order(counts.matrix, groups, {s: i for i, s in enumerate(sides)})


def kwic(data: ExplorerData, spec: Spec, a: str, b: str, *, width: int = 60) -> pd.DataFrame:
    """Keyword in context for a pair: every sentence in scope that mentions both ``a``
    and ``b`` (actor ids or sides), with the first mention of each centred."""
    key = "actor_id" if spec.level == "actor" else "side"
    m = data.mentions[(data.mentions["actor_id"] != "") & data.mentions["part"].isin(spec.parts)]
    if spec.scope != "pooled":
        m = m[m["outlet_id"] == spec.scope]
    both = set(m[m[key] == a]["sentence_id"]) & set(m[m[key] == b]["sentence_id"])
    text = data.sentences.set_index("sentence_id")["text"]
    rows = []
    for sentence_id in sorted(both):
        first = m[(m["sentence_id"] == sentence_id) & m[key].isin([a, b])].sort_values("token_start").iloc[0]
        sentence = text[sentence_id]
        at = sentence.find(first["text"])
        rows.append(
            {
                "outlet_id": first["outlet_id"],
                "article_id": first["article_id"],
                "sentence_id": sentence_id,
                "left": sentence[max(0, at - width) : at] if at >= 0 else "",
                "keyword": first["text"],
                "right": sentence[at + len(first["text"]) : at + len(first["text"]) + width] if at >= 0 else sentence[:width],
            }
        )
    return pd.DataFrame(rows, columns=["outlet_id", "article_id", "sentence_id", "left", "keyword", "right"])


def actor_quotes(data: ExplorerData, actor_id: str, scope: str = "pooled") -> pd.DataFrame:
    """The quotes whose speaker resolves to ``actor_id`` (terms excluded)."""
    q = data.quotes[(data.quotes["speaker_actor_id"] == actor_id) & (data.quotes["kind"] != "term")]
    if scope != "pooled":
        q = q[q["outlet_id"] == scope]
    return q[["outlet_id", "article_id", "quote_id", "kind", "cue", "text"]].reset_index(drop=True)


def strongest_pair(data: ExplorerData, spec: Spec) -> tuple[str, str] | None:
    """The pair sharing the most units in scope (ties: alphabetical), or None."""
    c = cooccurrence_counts(data.mentions, data.sentences, Spec(unit=spec.unit, level=spec.level, scope=spec.scope)).matrix
    pairs = [(int(c.loc[a, b]), a, b) for i, a in enumerate(c.index) for b in c.columns[i + 1 :] if c.loc[a, b] > 0]
    if not pairs:
        return None
    _, a, b = sorted(pairs, key=lambda t: (-t[0], t[1], t[2]))[0]
    return a, b


def kwic_html(table: pd.DataFrame) -> str:
    """A KWIC table as HTML with the keyword in bold."""
    if table.empty:
        return "<p><em>No sentence mentions both.</em></p>"
    rows = "".join(
        f"<tr><td>{html.escape(r.outlet_id)}</td><td>{html.escape(r.article_id)}</td>"
        f"<td style='text-align:right'>{html.escape(r.left)}</td><td><b>{html.escape(r.keyword)}</b></td><td>{html.escape(r.right)}</td></tr>"
        for r in table.itertuples()
    )
    return f"<table class='afstudy-kwic'><tr><th>outlet</th><th>article</th><th></th><th></th><th></th></tr>{rows}</table>"


def build_explorer(data: ExplorerData, *, outlet: str = "pooled", unit: str = "sentence", level: str = "actor", measure: str = "jaccard"):  # type: ignore[no-untyped-def]
    """The widget: controls on top, the heatmap, then the evidence and the quotes."""
    import ipywidgets as w
    from IPython.display import display

    from afstudy.plotting import cooccurrence_heatmap, show_figure

    names = data.actors["name"].to_dict()
    controls = {
        "outlet": w.Dropdown(options=["pooled", *data.outlets], value=outlet, description="outlet"),
        "unit": w.Dropdown(options=["sentence", "paragraph", "article", "window"], value=unit, description="unit"),
        "level": w.Dropdown(options=["actor", "side"], value=level, description="level"),
        "measure": w.Dropdown(options=["count", "jaccard", "conditional", "pmi", "npmi"], value=measure, description="measure"),
    }
    pair_a, pair_b = w.Dropdown(description="pair: A"), w.Dropdown(description="B")
    speaker = w.Dropdown(description="quotes of")
    figure_out, evidence_out, quotes_out = w.Output(), w.HTML(), w.HTML()

    def spec() -> Spec:
        return Spec(unit=controls["unit"].value, level=controls["level"].value, scope=controls["outlet"].value, measure=controls["measure"].value)

    def redraw(*_: object) -> None:
        matrix, order = matrix_for(data, spec())
        labels = names if spec().level == "actor" else {s: s.replace("_", " ") for s in order}
        options = [(labels.get(k, k), k) for k in order]
        pair_a.options, pair_b.options = options, options
        figure_out.clear_output(wait=True)
        with figure_out:
            if matrix.empty:
                print("No mentions in this scope.")
            else:
                fig = cooccurrence_heatmap(matrix, order, labels, f"{spec().measure} · {spec().slug.replace('_', ' ')}", colour_label=spec().measure)
                display(show_figure(fig))
        strongest = strongest_pair(data, spec())
        if strongest is not None:
            pair_a.value, pair_b.value = strongest
        show_pair()

    def show_pair(*_: object) -> None:
        if pair_a.value and pair_b.value:
            evidence_out.value = kwic_html(kwic(data, spec(), pair_a.value, pair_b.value))

    def show_quotes(*_: object) -> None:
        table = actor_quotes(data, speaker.value, controls["outlet"].value) if speaker.value else pd.DataFrame()
        quotes_out.value = table.to_html(index=False) if len(table) else "<p><em>No quotes.</em></p>"

    speakers = sorted(set(data.quotes["speaker_actor_id"]) - {""})
    speaker.options = [(names.get(s, s), s) for s in speakers]
    quoted = data.quotes[data.quotes["speaker_actor_id"] != ""]["speaker_actor_id"].value_counts()
    speaker.value = sorted(quoted.index, key=lambda k: (-quoted[k], k))[0] if len(quoted) else None
    for control in controls.values():
        control.observe(redraw, names="value")
    pair_a.observe(show_pair, names="value")
    pair_b.observe(show_pair, names="value")
    speaker.observe(show_quotes, names="value")
    controls["outlet"].observe(show_quotes, names="value")
    redraw()
    show_quotes()
    return w.VBox([w.HBox(list(controls.values())), figure_out, w.HBox([pair_a, pair_b]), evidence_out, speaker, quotes_out])
