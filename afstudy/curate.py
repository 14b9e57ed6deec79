"""Curation: from what an extraction found but the gazetteer lacks, to gazetteer entries to
review, and what a curated change did.

- :func:`stubs` turns the provisional actors of the open-world step (people and news
  organisations with a provisional id) and the frequent capitalised candidates into YAML
  stubs in the gazetteer's own actor format, each with a proposed id, type, side and
  affiliation and the sentences that support them (as comments). Nothing is added to the
  gazetteer: a curator reviews, edits and pastes the stubs into ``data/actors.yaml``.
- :func:`mention_changes` compares the mentions of two extractions (before and after a
  change to the curated files): every mention added, removed or resolved to another actor.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from afstudy.gazetteer import Gazetteer
from afstudy.columnar import has_table, read_extract

PERSON_HINTS = frozenset({"spokesman", "spokeswoman", "spokesperson", "minister", "envoy", "ambassador", "president", "secretary", "adviser", "advisor", "official", "leader", "chairman", "head", "director", "commander", "representative", "deputy", "said", "told"})
BODY_HINTS = frozenset({"ministry", "council", "office", "department", "agency", "committee", "commission", "embassy", "mission", "assembly", "parliament", "court"})
ORGANISATION_HINTS = frozenset({"group", "movement", "party", "front", "network", "organisation", "organization", "alliance", "union", "forum", "forces", "army", "militia"})


@dataclass
class Stub:
    """A proposed gazetteer entry with its evidence."""

    id: str
    name: str
    type: str
    side: str
    affiliation: str | None
    names: list[str]
    surnames: list[str] = field(default_factory=list)
    mentions_count: int = 0
    articles_count: int = 0
    evidence: list[str] = field(default_factory=list)
    source: str = ""
    compare: list[str] = field(default_factory=list)

    def yaml(self) -> str:
        """The stub as a YAML actor block (evidence and provenance as comments)."""
        q = lambda v: '"' + v.replace('"', '\\"') + '"' if re.search(r"[:#\[\]{},&*!|>'\"%@`’]", v) or v[:1] in "-?" else v  # noqa: E731
        lines = [f"  # REVIEW: {self.source}; {self.mentions_count} mentions in {self.articles_count} articles"]
        lines += [f"  #   evidence: {e}" for e in self.evidence]
        lines += [f"  #   compare: {c} (a near-identical name; perhaps the same actor spelt two ways)" for c in self.compare]
        lines += [
            f"  - id: {self.id}", f"    name: {q(self.name)}", f"    type: {self.type}", f"    side: {self.side or 'international'}",
            f"    affiliation: {self.affiliation or 'null'}", "    names: [" + ", ".join(q(n) for n in self.names) + "]", "    aliases: []",
            "    surnames: [" + ", ".join(q(n) for n in self.surnames) + "]", "    descriptors: []", "    labels: []", "    metonyms: []",
        ]
        if not self.side:
            lines.insert(4, "  #   side: no side could be proposed from the context; international is a placeholder")
        return "\n".join(lines) + "\n"


def _slug(text: str) -> str:
    return "_".join(re.findall(r"[a-z0-9]+", text.lower().replace("’", "").replace("'", ""))) or "actor"


def _context(mentions: pd.DataFrame, sentences: pd.DataFrame, sentence_ids: set[str], gazetteer: Gazetteer) -> tuple[str, str | None, list[str]]:
    """The side, affiliation and evidence that the sentences around a name propose: the
    most frequent side of the gazetteer actors mentioned with it, the most frequent body or
    state of that side as affiliation, and up to three of the sentences."""
    near = mentions[mentions["sentence_id"].isin(sentence_ids) & (mentions["is_provisional"].astype(str) != "True") & (mentions["actor_id"] != "")]
    near = near[near["side"] != "media"]
    sides = Counter(near["side"])
    side = sides.most_common(1)[0][0] if sides else ""
    bodies = Counter(a for a in near.loc[near["side"] == side, "actor_id"] if a in gazetteer.actors and gazetteer.actors[a].type in ("body", "state", "organisation"))
    affiliation = sorted(bodies.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if bodies else None
    text = sentences.set_index("sentence_id")["text"]
    evidence = [str(text[s])[:240] for s in sorted(sentence_ids)[:3] if s in text.index]
    return side, affiliation, evidence


def candidate_name(text: str, gazetteer: Gazetteer) -> str | None:
    """The name a capitalised candidate proposes, or None: leading titles, role words and
    words that are never names (demonyms, months, page words; the gazetteer's ``titles`` and
    ``provisional`` lists) and everything up to the last role word are dropped ("Defense Minister Mullah" proposes nothing, "PM Modi"
    proposes nothing, "Contact Group" proposes itself); what is left must be two or more
    capitalised words, or one acronym of two to six capitals."""
    rules = gazetteer.open_world
    drop = rules.not_names | rules.role_words | {t.lower() for title in gazetteer.titles for t in title.split()}
    words = text.split()
    roles = [i for i, w in enumerate(words) if w.lower().strip(".") in rules.role_words]
    if roles:
        words = words[roles[-1] + 1:]  # a title ends at its last role word ("Defense Minister ...")
    while words and (words[0].lower().strip(".") in drop or len(words[0].rstrip(".")) <= 2 and not words[0].isupper()):
        words.pop(0)
    if any(w.lower() in rules.not_names for w in words):
        return None
    if len(words) >= 2 and all(w[:1].isupper() for w in words):
        return " ".join(words)
    if len(words) == 1 and words[0].isupper() and 2 <= len(words[0]) <= 6 and words[0].isalpha():
        return words[0]
    return None


def _known(name: str, gazetteer: Gazetteer, others: pd.Series) -> bool:
    """Whether a name is already covered: a gazetteer name, alias, label or place, a part of
    one ("Format" of "Moscow Format"), or a part of a longer candidate."""
    lowered = name.lower()
    known = [n.lower() for a in gazetteer.actors.values() for n in (*a.names, *a.aliases, *a.labels, *a.metonyms)]
    known += [n.lower() for p in gazetteer.places.values() for n in p.names]
    pattern = re.compile(rf"(?<![\w-]){re.escape(lowered)}(?![\w-])")
    return any(pattern.search(k) for k in known) or any(o != name and pattern.search(str(o).lower()) and candidate_name(str(o), gazetteer) for o in others)


def stubs(extract_dir: Path, gazetteer: Gazetteer, *, min_mentions: int = 2) -> list[Stub]:
    """Proposed entries for the provisional actors of an extraction and for its capitalised
    candidates mentioned at least ``min_mentions`` times, most mentioned first."""
    mentions = read_extract(extract_dir, "mentions")
    sentences = read_extract(extract_dir, "sentences")
    candidates = read_extract(extract_dir, "candidates") if has_table(extract_dir, "candidates") else pd.DataFrame(columns=["text", "source", "mentions_count", "articles_count"])
    known = {a.id for a in gazetteer.actors.values()}
    out: list[Stub] = []
    provisional = mentions[mentions["is_provisional"].astype(str) == "True"] if "is_provisional" in mentions else mentions.iloc[0:0]
    for actor_id, part in provisional.groupby("actor_id", sort=True):
        names = part.loc[part["how"] == "name", "text"]
        name = Counter(names).most_common(1)[0][0] if len(names) else str(part["text"].iloc[0])
        side_found, affiliation, evidence = _context(mentions, sentences, set(part["sentence_id"]), gazetteer)
        side = str(part["side"].iloc[0]) or side_found
        new_id = _slug(name)
        out.append(Stub(
            id=new_id if new_id not in known else f"{new_id}_2", name=name, type=_kind(name, str(part["actor_type"].iloc[0]) or "person"), side=side,
            affiliation=affiliation if side == side_found else None, names=sorted(set(names)), surnames=sorted(set(part.loc[part["how"] == "surname", "text"])),
            mentions_count=len(part), articles_count=part["article_id"].nunique(), evidence=evidence, source=f"provisional actor {actor_id}",
        ))
    if has_table(extract_dir, "actors"):  # outlets of the corpus that the run added as media actors
        added = read_extract(extract_dir, "actors")
        added = added[~added["actor_id"].isin(known) & ~added["actor_id"].str.startswith("prov:")]
        for row in added.itertuples():
            part = mentions[mentions["actor_id"] == row.actor_id]
            out.append(Stub(
                id=row.actor_id, name=row.name, type="media", side="media", affiliation=None, names=[n for n in str(row.names).split("; ") if n],
                mentions_count=len(part), articles_count=part["article_id"].nunique(), evidence=[], source="an outlet of the corpus's metadata",
            ))
    taken = {s.name for s in out}
    for row in candidates.itertuples():
        name = candidate_name(str(row.text), gazetteer)
        count = int(row.mentions_count)
        if name is None or count < min_mentions or name in taken or _known(name, gazetteer, candidates["text"]):
            continue
        if len(name.split()) == 1 and int(row.articles_count) < 2:
            continue  # a lone acronym in one article is as often a code as an organisation
        taken.add(name)
        sentence_ids = set(sentences.loc[sentences["text"].str.contains(re.escape(name), regex=True), "sentence_id"])
        side, affiliation, evidence = _context(mentions, sentences, sentence_ids, gazetteer)
        words = {w.lower() for e in evidence for w in re.findall(r"[A-Za-z]+", e)}
        kind = _kind(name, "organisation" if name.isupper() or not words & PERSON_HINTS else "person")
        new_id = _slug(name)
        out.append(Stub(
            id=new_id if new_id not in known else f"{new_id}_2", name=name, type=kind, side=side, affiliation=affiliation, names=[name],
            mentions_count=count, articles_count=int(row.articles_count), evidence=evidence, source=f"capitalised candidate ({row.source})",
        ))
    return _merge_spellings(sorted(out, key=lambda s: (-s.mentions_count, s.id)))


def _kind(name: str, proposed: str) -> str:
    """The type a name's head word gives ("... Department" a body, "... Forces" an
    organisation), else the proposed one."""
    last = name.split()[-1].lower()
    return "body" if last in BODY_HINTS else "organisation" if last in ORGANISATION_HINTS else proposed


def _merge_spellings(found: list[Stub]) -> list[Stub]:
    """One stub per name that differs only in spaces, dots and case ("T C A Raghavan",
    "TCA Raghavan"); names that are near-identical otherwise (one letter apart) are kept
    apart but point at each other, for the curator to decide."""
    merged: dict[str, Stub] = {}
    for stub in found:
        key = re.sub(r"[^a-z0-9]", "", stub.name.lower())
        if key in merged:
            first = merged[key]
            first.names = sorted({*first.names, *stub.names})
            first.surnames = sorted({*first.surnames, *stub.surnames})
            first.mentions_count += stub.mentions_count
            first.articles_count += stub.articles_count  # an upper bound: the two may share articles
            first.evidence = (first.evidence + stub.evidence)[:3]
            first.source += f"; {stub.source}"
        else:
            merged[key] = stub
    kept = list(merged.values())
    for a in kept:
        a.compare = [b.id for b in kept if b is not a and len(a.name) > 6 and difflib.SequenceMatcher(None, a.name.lower(), b.name.lower()).ratio() >= 0.9]
    return kept


def write_stubs(found: list[Stub], path: Path) -> Path:
    """Write the stubs as one YAML file to review (never loaded by the package)."""
    from afstudy.io import atomic_write_text

    head = (
        "# Gazetteer entries to review (afstudy curate). Nothing here is used until a curator edits an entry and\n"
        "# pastes it under `actors:` in the gazetteer; ids, types, sides and affiliations are proposals from the\n"
        "# context words. See docs/curation.md.\n"
        "actors:\n"
    )
    return atomic_write_text(path, head + "\n".join(s.yaml() for s in found))


CHANGE_COLUMNS = ["change", "file", "line_no", "start", "end", "text", "actor_id_before", "actor_id_after"]


def mention_changes(before_dir: Path, after_dir: Path) -> pd.DataFrame:
    """Every mention added, removed or resolved to another actor between two extractions."""
    key = ["file", "line_no", "start", "end"]
    before = read_extract(before_dir, "mentions")[key + ["text", "actor_id"]]
    after = read_extract(after_dir, "mentions")[key + ["text", "actor_id"]]
    merged = before.merge(after, on=key, how="outer", suffixes=("_before", "_after"), indicator=True)
    rows = []
    for r in merged.to_dict("records"):
        if r["_merge"] == "left_only":
            change = "removed"
        elif r["_merge"] == "right_only":
            change = "added"
        elif r["actor_id_before"] != r["actor_id_after"]:
            change = "resolved_differently"
        else:
            continue
        text = r["text_after"] if isinstance(r["text_after"], str) else r["text_before"]
        rows.append({"change": change, **{k: r[k] for k in key}, "text": text, "actor_id_before": r["actor_id_before"] if isinstance(r["actor_id_before"], str) else "", "actor_id_after": r["actor_id_after"] if isinstance(r["actor_id_after"], str) else ""})
    frame = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    if len(frame):
        frame = frame.assign(line_no=frame["line_no"].astype(int), start=frame["start"].astype(int)).sort_values(["file", "line_no", "start", "change"], kind="stable")
    return frame.reset_index(drop=True)


def write_changes(changes: pd.DataFrame, path: Path) -> Path:
    """Write a change table (see :func:`mention_changes`)."""
    from afstudy.io import write_csv

    return write_csv(changes, path)


def change_summary(changes: pd.DataFrame) -> str:
    """One line: how many mentions were added, removed and resolved differently."""
    counts = changes["change"].value_counts()
    return ", ".join(f"{int(counts.get(c, 0))} {c.replace('_', ' ')}" for c in ("added", "removed", "resolved_differently"))
