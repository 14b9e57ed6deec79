"""Boilerplate removal on plain text: one role for every line of a raw article.

Roles are ``headline``, ``byline``, ``body``, ``caption`` and ``removed`` (with a reason
code). The rules are general (line shape, sentence-likeness, repeated lines, caption and
credit patterns) plus per-outlet profiles kept as data in ``data/outlets.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from afstudy.io import KeyPath, YamlDocument
from afstudy.paths import OUTLETS_FILE
from afstudy.schemas import compile_regex, load_checked

ROLES: tuple[str, ...] = ("headline", "byline", "body", "caption", "removed")
REASONS: frozenset[str] = frozenset(
    {
        "blank",
        "navigation",
        "widget",
        "login",
        "donation",
        "related_links",
        "loading",
        "page_stamp",
        "credit",
        "footer",
        "duplicate_caption",
        "duplicate_line",
        "self_description",
    }
)
WORD_RE = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
TERMINAL_RE = re.compile(r"[.!?…:;][\"'”’)\]]*$")
CLOSING_QUOTES = "\"'”’)]"


def either(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str] | None:
    """One regular expression matching where any of ``patterns`` matches, trying them in
    order (None for no patterns): one regex call per line instead of one per pattern."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?i:{p.pattern})" if p.flags & re.IGNORECASE else f"(?:{p.pattern})" for p in patterns))


@dataclass(frozen=True)
class RemoveRule:
    """A whole-line pattern group that removes a line with ``reason``."""

    reason: str
    patterns: tuple[re.Pattern[str], ...]

    @cached_property
    def joined(self) -> re.Pattern[str] | None:
        """The patterns as one expression."""
        return either(self.patterns)


@dataclass(frozen=True)
class BlockRule:
    """A start pattern group: the matching line and all later lines get ``reason``."""

    reason: str
    patterns: tuple[re.Pattern[str], ...]

    @cached_property
    def joined(self) -> re.Pattern[str] | None:
        """The patterns as one expression."""
        return either(self.patterns)


@dataclass(frozen=True)
class Profile:
    """The rules applied to one outlet: its own rules first, then the generic ones."""

    outlet_id: str
    name: str
    remove: tuple[RemoveRule, ...]
    blocks: tuple[BlockRule, ...]
    captions: tuple[re.Pattern[str], ...]
    credits: tuple[re.Pattern[str], ...]
    bylines: tuple[re.Pattern[str], ...]
    datelines: tuple[re.Pattern[str], ...]
    lead_ins: tuple[re.Pattern[str], ...]
    body_min_words: int
    standfirst_min_words: int
    subheading_max_words: int
    standfirst_overlap: float
    repeat_window: int
    lead_caption_max_words: int | None = None

    @cached_property
    def joined(self) -> dict[str, re.Pattern[str] | None]:
        """The caption, credit, byline and dateline patterns, each list as one expression."""
        return {kind: either(getattr(self, kind)) for kind in ("captions", "credits", "bylines", "datelines")}


@dataclass
class LineRole:
    """The decision for one line: role, subrole, reason, and the rule that decided."""

    line_no: int
    text: str
    role: str = ""
    subrole: str = ""
    reason: str = ""
    rule: str = ""
    clean_text: str = ""
    prefix: str = ""

    def set(self, role: str, subrole: str = "", reason: str = "", rule: str = "") -> None:
        """Assign the line's role (once)."""
        self.role, self.subrole, self.reason, self.rule = role, subrole, reason, rule


UNKNOWN_OUTLETS_CACHED = 256


@dataclass
class Profiles:
    """All outlet profiles of a profiles file."""

    path: Path
    generic: dict[str, Any]
    outlets: dict[str, Profile] = field(default_factory=dict)
    default: Profile | None = None  # the generic rules alone
    _unknown: dict[str, Profile] = field(default_factory=dict, repr=False)

    def knows(self, outlet_id: str) -> bool:
        """Whether ``outlet_id`` has a profile of its own."""
        return outlet_id in self.outlets

    def for_outlet(self, outlet_id: str) -> Profile:
        """The profile of ``outlet_id``; an unknown outlet gets the generic rules only."""
        if outlet_id in self.outlets:
            return self.outlets[outlet_id]
        if outlet_id not in self._unknown:
            if len(self._unknown) >= UNKNOWN_OUTLETS_CACHED:
                self._unknown.clear()
            assert self.default is not None, "Profiles built without load_profiles"
            self._unknown[outlet_id] = replace(self.default, outlet_id=outlet_id, name=outlet_id)
        return self._unknown[outlet_id]


def words(text: str) -> list[str]:
    """Word tokens of ``text`` (letters and digits, inner apostrophes, dots and hyphens)."""
    return WORD_RE.findall(text)


def _patterns(doc: YamlDocument, keys: KeyPath, *, ignore_case: bool = False) -> tuple[re.Pattern[str], ...]:
    """The patterns listed at ``keys``, compiled (a bad one names file, line and key)."""
    flags = re.IGNORECASE if ignore_case else 0
    try:
        patterns = doc.get(keys) or []
    except KeyError:
        patterns = []
    return tuple(compile_regex(doc, keys + (i,), pattern, flags) for i, pattern in enumerate(patterns))


def _rules(doc: YamlDocument, keys: KeyPath, kind: type) -> tuple[Any, ...]:
    """The remove or block rules listed at ``keys`` (already checked by the schema)."""
    try:
        items = doc.get(keys) or []
    except KeyError:
        return ()
    field_name = "patterns" if kind is RemoveRule else "start_patterns"
    return tuple(
        kind(item["reason"], _patterns(doc, keys + (i, field_name), ignore_case=bool(item.get("ignore_case", False))))
        for i, item in enumerate(items)
    )


@dataclass(frozen=True)
class _GenericRules:
    """The generic part of a profiles file, compiled once."""

    remove: tuple[RemoveRule, ...]
    blocks: tuple[BlockRule, ...]
    patterns: dict[str, tuple[re.Pattern[str], ...]]
    numbers: dict[str, Any]


def _generic_rules(doc: YamlDocument) -> _GenericRules:
    generic = doc.data["generic"]
    patterns = {kind: _patterns(doc, ("generic", kind), ignore_case=kind == "datelines") for kind in ("captions", "credits", "bylines", "datelines", "lead_ins")}
    for i, pattern in enumerate(patterns["lead_ins"]):
        if "prefix" not in pattern.groupindex:
            raise doc.error(("generic", "lead_ins", i), f"lead-in pattern {pattern.pattern!r} has no (?P<prefix>...) group (the prefix is what is stripped)")
    numbers = {key: generic[key] for key in ("body_min_words", "standfirst_min_words", "subheading_max_words", "standfirst_overlap", "repeat_window")}
    return _GenericRules(_rules(doc, ("generic", "remove"), RemoveRule), _rules(doc, ("generic", "blocks"), BlockRule), patterns, numbers)


def _build_profile(doc: YamlDocument, outlet_id: str, generic: _GenericRules) -> Profile:
    spec = (doc.data.get("outlets") or {}).get(outlet_id) or {}
    keys: KeyPath = ("outlets", outlet_id)
    numbers = generic.numbers
    return Profile(
        outlet_id=outlet_id,
        name=str(spec.get("name", outlet_id)),
        remove=(_rules(doc, keys + ("remove",), RemoveRule) if spec else ()) + generic.remove,
        blocks=(_rules(doc, keys + ("blocks",), BlockRule) if spec else ()) + generic.blocks,
        captions=generic.patterns["captions"],
        credits=generic.patterns["credits"],
        bylines=generic.patterns["bylines"],
        datelines=generic.patterns["datelines"],
        lead_ins=generic.patterns["lead_ins"],
        body_min_words=numbers["body_min_words"],
        standfirst_min_words=numbers["standfirst_min_words"],
        subheading_max_words=numbers["subheading_max_words"],
        standfirst_overlap=float(numbers["standfirst_overlap"]),
        repeat_window=numbers["repeat_window"],
        lead_caption_max_words=spec.get("lead_caption_max_words"),
    )


def load_profiles(path: str | Path = OUTLETS_FILE) -> Profiles:
    """Load the outlet profiles file, checked against ``data/schemas/outlets.schema.json``
    (unknown keys, wrong types and duplicate keys are rejected) with every regular
    expression compiled; errors name the file, line and key."""
    doc = load_checked(path, "outlets")
    generic = _generic_rules(doc)
    profiles = Profiles(doc.path, doc.data["generic"], default=_build_profile(doc, "", generic))
    for outlet_id in doc.data.get("outlets") or {}:
        profiles.outlets[outlet_id] = _build_profile(doc, outlet_id, generic)
    return profiles


def is_sentence_like(text: str, profile: Profile) -> bool:
    """A running-text line: long enough, or a short sentence ending in punctuation."""
    n = len(words(text))
    return n >= profile.body_min_words or (n >= 3 and bool(TERMINAL_RE.search(text)))


def _repeated(line: str, others: list[str], threshold: float) -> bool:
    """True when some line of ``others`` holds at least ``threshold`` of ``line``'s words."""
    mine = {w.lower() for w in words(line)}
    return bool(mine) and any(len(mine & {w.lower() for w in words(other)}) / len(mine) >= threshold for other in others)


def _mark_fixed_patterns(roles: list[LineRole], profile: Profile) -> None:
    in_block: BlockRule | None = None
    joined = profile.joined
    credits, bylines, datelines, captions = joined["credits"], joined["bylines"], joined["datelines"], joined["captions"]
    for lr in roles:
        stripped = lr.text.strip()
        if not stripped:
            lr.set("removed", reason="blank", rule="blank")
            continue
        if in_block is None:
            in_block = next((b for b in profile.blocks if b.joined and b.joined.search(stripped)), None)
        if in_block is not None:
            lr.set("removed", reason=in_block.reason, rule=f"block:{in_block.reason}")
            continue
        rule = next((r for r in profile.remove if r.joined and r.joined.fullmatch(stripped)), None)
        if rule is not None:
            lr.set("removed", reason=rule.reason, rule=f"remove:{rule.reason}")
        elif credits and credits.fullmatch(stripped):
            lr.set("removed", reason="credit", rule="credit")
        elif bylines and bylines.fullmatch(stripped):
            lr.set("byline", "byline", rule="byline")
        elif datelines and datelines.fullmatch(stripped):
            lr.set("byline", "dateline", rule="dateline")
        elif captions and captions.match(stripped):
            lr.set("caption", "caption", rule="caption_pattern")


def _mark_repeats(roles: list[LineRole], profile: Profile) -> None:
    seen: dict[str, int] = {}
    recent: list[int] = []
    for i, lr in enumerate(roles):
        if lr.reason == "blank":
            continue
        key = lr.text.strip()
        if key in seen and lr.role in ("", "caption"):
            first = roles[seen[key]]
            if first.role == "caption" or (seen[key] in recent and first.role == ""):
                if first.role == "":
                    first.set("caption", "caption", rule="repeated_line")
                lr.set("removed", reason="duplicate_caption", rule="repeat_of_caption")
            else:
                lr.set("removed", reason="duplicate_line", rule="repeat_of_line")
        seen.setdefault(key, i)
        recent = (recent + [i])[-profile.repeat_window :]


def _open(roles: list[LineRole], start: int = 0) -> list[int]:
    return [i for i in range(start, len(roles)) if roles[i].role == ""]


def _mark_head(roles: list[LineRole], profile: Profile) -> int:
    """Mark headline, lead caption and standfirst; return the index after the headline."""
    open_idx = _open(roles)
    if not open_idx:
        return len(roles)
    h = open_idx[0]
    roles[h].set("headline", "headline", rule="first_line")
    after = _open(roles, h + 1)
    if not after:
        return h + 1
    k = after[0]
    text = roles[k].text.strip()
    n = len(words(text))
    if profile.lead_caption_max_words and n <= profile.lead_caption_max_words and len(after) > 1:
        single = len(re.findall(r"[.!?](?=\s|$)", text)) == 1 and text.endswith(".")
        if single and len(words(roles[after[1]].text)) > n:
            roles[k].set("caption", "caption", rule="lead_caption")
            return h + 1
    if n >= profile.standfirst_min_words and is_sentence_like(text, profile):
        later = [roles[j].text for j in after[1:]]
        if _repeated(text, later, profile.standfirst_overlap):
            roles[k].set("headline", "standfirst", rule="standfirst_repeated_in_body")
    return h + 1


def _mark_body(roles: list[LineRole], profile: Profile) -> None:
    open_idx = _open(roles)
    sentence = {i: is_sentence_like(roles[i].text.strip(), profile) for i in open_idx}
    last_body = max((i for i in open_idx if sentence[i]), default=-1)
    for i in open_idx:
        text = roles[i].text.strip()
        if sentence[i]:
            roles[i].set("body", "paragraph", rule="sentence_like")
        elif i < last_body and len(words(text)) <= profile.subheading_max_words:
            roles[i].set("body", "subheading", rule="short_line_before_body")
        elif i < last_body:
            roles[i].set("body", "paragraph", rule="long_line")
        else:
            roles[i].set("removed", reason="widget", rule="trailing_fragment")


def _strip_lead_in(roles: list[LineRole], profile: Profile) -> None:
    for lr in roles:
        lr.clean_text = lr.text.strip()
    first = next((lr for lr in roles if lr.role == "body" and lr.subrole == "paragraph"), None)
    if first is None:
        return
    for pattern in profile.lead_ins:
        match = pattern.match(first.clean_text)
        if match:
            first.prefix = match.group("prefix")
            first.clean_text = first.clean_text[len(first.prefix) :]
            first.rule += "+lead_in_stripped"
            return


def classify_lines(lines: list[str], profile: Profile) -> list[LineRole]:
    """Give every line exactly one role, in the order: fixed patterns, repeats, head, body."""
    roles = [LineRole(line_no=i + 1, text=line) for i, line in enumerate(lines)]
    _mark_fixed_patterns(roles, profile)
    _mark_repeats(roles, profile)
    _mark_head(roles, profile)
    _mark_body(roles, profile)
    _strip_lead_in(roles, profile)
    return roles
