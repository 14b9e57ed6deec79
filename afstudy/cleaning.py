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
from afstudy.lineshape import PHOTO_CREDIT_RE, Lexicon, Shape, words
from afstudy.paths import OUTLETS_FILE
from afstudy.schemas import compile_regex, load_checked

UNKNOWN_OUTLETS_CACHED = 256  # generic profiles kept for outlets without one
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
    line_prefixes: tuple[re.Pattern[str], ...] = ()
    line_suffixes: tuple[re.Pattern[str], ...] = ()
    lexicon: Lexicon = field(default_factory=lambda: Lexicon(frozenset(), frozenset(), frozenset(), frozenset()))
    title_max_words: int = 25
    head_body_share: float = 0.25
    run_min_lines: int = 4
    run_max_words: int = 4

    @cached_property
    def joined(self) -> dict[str, re.Pattern[str] | None]:
        """The prefix, caption, credit, byline and dateline patterns, each list as one expression."""
        return {kind: either(getattr(self, kind)) for kind in ("line_prefixes", "line_suffixes", "captions", "credits", "bylines", "datelines")}

    def shape(self, text: str) -> Shape:
        """The measured shape of a stripped line, with this profile's word lists."""
        return Shape(text, self.lexicon)


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
    lexicon: Lexicon


NUMBER_KEYS: tuple[str, ...] = (
    "body_min_words", "standfirst_min_words", "subheading_max_words", "standfirst_overlap", "repeat_window",
    "title_max_words", "head_body_share", "run_min_lines", "run_max_words",
)
NUMBER_DEFAULTS: dict[str, float] = {"title_max_words": 25, "head_body_share": 0.25, "run_min_lines": 4, "run_max_words": 4}  # the line-shape settings
PATTERN_KEYS: tuple[str, ...] = ("captions", "credits", "bylines", "datelines", "lead_ins", "line_prefixes", "line_suffixes")


def _generic_rules(doc: YamlDocument) -> _GenericRules:
    generic = doc.data["generic"]
    patterns = {kind: _patterns(doc, ("generic", kind), ignore_case=kind == "datelines") for kind in PATTERN_KEYS}
    for kind, what, group in (("lead_ins", "lead-in", "prefix"), ("line_prefixes", "line-prefix", "prefix"), ("line_suffixes", "line-suffix", "suffix")):
        for i, pattern in enumerate(patterns[kind]):
            if group not in pattern.groupindex:
                raise doc.error(("generic", kind, i), f"{what} pattern {pattern.pattern!r} has no (?P<{group}>...) group (the {group} is what is stripped)")
    numbers = {key: generic.get(key, NUMBER_DEFAULTS.get(key)) for key in NUMBER_KEYS}
    lexicon = generic.get("lexicon") or {}
    words_of = {key: frozenset(str(v).lower() for v in lexicon.get(key) or ()) for key in ("chrome", "login", "date", "stamp", "abbreviations")}
    return _GenericRules(_rules(doc, ("generic", "remove"), RemoveRule), _rules(doc, ("generic", "blocks"), BlockRule), patterns, numbers, Lexicon(**words_of))


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
        line_prefixes=generic.patterns["line_prefixes"],
        line_suffixes=generic.patterns["line_suffixes"],
        lexicon=generic.lexicon,
        title_max_words=numbers["title_max_words"],
        head_body_share=float(numbers["head_body_share"]),
        run_min_lines=numbers["run_min_lines"],
        run_max_words=numbers["run_max_words"],
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
    return profile.shape(text).is_sentence(profile.body_min_words)


def _repeated(line: str, others: list[str], threshold: float) -> bool:
    """True when some line of ``others`` holds at least ``threshold`` of ``line``'s words."""
    mine = {w.lower() for w in words(line)}
    return bool(mine) and any(len(mine & {w.lower() for w in words(other)}) / len(mine) >= threshold for other in others)


def _strip_prefixes(roles: list[LineRole], profile: Profile) -> None:
    """Record and remove what a crawler or CMS put in front of a line (a page stamp such as
    "date 2021-10-20 ") or after it (" | 2018-03-23 |"), so the rest of the line is judged on
    its own."""
    joined, tails = profile.joined["line_prefixes"], profile.joined["line_suffixes"]
    for lr in roles:
        lr.clean_text = lr.text.strip()
        match = joined.match(lr.clean_text) if joined else None
        if match and match.group("prefix") and match.end("prefix") < len(lr.clean_text):
            lr.prefix = match.group("prefix")
            lr.clean_text = lr.clean_text[len(lr.prefix) :]
        tail = tails.search(lr.clean_text) if tails else None
        if tail and tail.group("suffix") and tail.start("suffix") > 0 and tail.end("suffix") == len(lr.clean_text):
            lr.clean_text = lr.clean_text[: tail.start("suffix")].rstrip()  # " | 2018-03-23 |" after a title


def _mark_fixed_patterns(roles: list[LineRole], profile: Profile) -> None:
    """Patterns and line shape: blank lines, appeal blocks, the profile's remove rules,
    credits, bylines, datelines and captions, then the outlet-independent shapes of web
    chrome (interface words, icons, breadcrumbs), tickers, date-only lines and photo
    credits."""
    in_block: BlockRule | None = None
    joined = profile.joined
    credits, bylines, datelines, captions = joined["credits"], joined["bylines"], joined["datelines"], joined["captions"]
    for lr in roles:
        stripped = lr.clean_text
        if not stripped:
            lr.set("removed", reason="blank", rule="blank")
            continue
        if in_block is None:
            in_block = next((b for b in profile.blocks if b.joined and (b.joined.search(stripped) or b.joined.search(lr.text.strip()))), None)
        if in_block is not None:
            lr.set("removed", reason=in_block.reason, rule=f"block:{in_block.reason}")
            continue
        rule = next((r for r in profile.remove if r.joined and (r.joined.fullmatch(stripped) or r.joined.fullmatch(lr.text.strip()))), None)
        shape = profile.shape(stripped)
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
        elif shape.is_chrome:
            lr.set("removed", reason="login" if shape.is_login else "widget", rule="shape:chrome")
        elif shape.is_date_line:
            if shape.is_stamp:
                lr.set("removed", reason="page_stamp", rule="shape:stamp")
            else:
                lr.set("byline", "dateline", rule="shape:date_line")
        elif shape.is_numeric:
            lr.set("removed", reason="widget", rule="shape:numbers")
        elif shape.has_photo_credit:
            lr.set("caption", "caption", rule="shape:photo_credit")
        elif shape.is_caps_name:
            lr.set("byline", "byline", rule="shape:caps_name")


def _mark_runs(roles: list[LineRole], profile: Profile) -> None:
    """A run of at least ``run_min_lines`` consecutive short lines that are not sentences
    (a widget's labels and numbers, a menu, a list of section names) is page furniture."""
    run: list[int] = []

    def flush() -> None:
        open_in_run = [i for i in run if roles[i].role == ""]
        if len(run) >= profile.run_min_lines and open_in_run:
            for i in open_in_run:
                roles[i].set("removed", reason="widget", rule="shape:short_line_run")
        run.clear()

    for i, lr in enumerate(roles):
        shape = profile.shape(lr.clean_text)
        short = bool(lr.clean_text) and shape.n <= profile.run_max_words and not shape.ends_sentence
        if short and (lr.role == "" or lr.reason in ("widget", "navigation", "login")):
            run.append(i)
        else:
            flush()
    flush()


def _copy_key(text: str) -> str:
    """A line's text for finding copies: a trailing photo credit or final period does not
    make it another line."""
    return PHOTO_CREDIT_RE.sub("", text).strip().rstrip(".")


def _title_copies(roles: list[LineRole], profile: Profile) -> set[int]:
    """Open title-like lines printed more than once on the page (a CMS's page title and its
    heading): strong evidence of the headline."""
    seen: dict[str, list[int]] = {}
    for i, lr in enumerate(roles):
        if lr.role == "" and profile.shape(lr.clean_text).is_title(profile.title_max_words):
            seen.setdefault(lr.clean_text, []).append(i)
    return {group[0] for group in seen.values() if len(group) > 1}


def _mark_repeats(roles: list[LineRole], profile: Profile, headline: int | None) -> None:
    """Second and later copies: of the headline (duplicate_line), of a caption or of a line
    repeated within ``repeat_window`` lines (the first copy is then a caption), or of any
    other line (duplicate_line)."""
    seen: dict[str, int] = {}
    recent: list[int] = []
    head_key = _copy_key(roles[headline].clean_text) if headline is not None else None
    for i, lr in enumerate(roles):
        if lr.reason == "blank":
            continue
        key = _copy_key(lr.clean_text)
        if i != headline and key == head_key and lr.role in ("", "caption", "byline"):
            lr.set("removed", reason="duplicate_line", rule="repeat_of_headline")
        elif key in seen and lr.role in ("", "caption") and i != headline:
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


def _mark_alt_text(roles: list[LineRole], profile: Profile) -> None:
    """A short title-like line right above a caption, when another title-like line follows
    the caption, is the image's own text (its alt text or title), part of the picture, not
    the article's headline (a headline right above its lead photo's caption stays one)."""
    def title_like(r: LineRole) -> bool:
        shape = profile.shape(r.clean_text)
        return shape.is_title(profile.title_max_words) and not shape.is_strong_body(profile.body_min_words)

    for k, lr in enumerate(roles):
        if lr.role or not lr.clean_text or not title_like(lr):
            continue
        rest = [r for r in roles[k + 1 :] if r.clean_text]
        if not rest or rest[0].role != "caption":
            continue
        after = next((r for r in rest if r.role != "caption"), None)
        if after is not None and not after.role and title_like(after):
            lr.set("caption", "caption", rule="image_text")


def _find_headline(roles: list[LineRole], profile: Profile) -> tuple[int | None, bool]:
    """The headline: the first title-like line (a title printed twice wins) before a
    quarter of the body's words; else a title printed twice anywhere (a page that puts its
    title block after the text); else none (an excerpt that starts inside the report)."""
    open_idx = _open(roles)
    shapes = {i: profile.shape(roles[i].clean_text) for i in open_idx}
    strong = {i: shapes[i].is_strong_body(profile.body_min_words) for i in open_idx}
    total = sum(shapes[i].n for i in open_idx if strong[i])
    copies = _title_copies(roles, profile)
    zone, seen_words = [], 0
    for i in open_idx:
        if seen_words and seen_words >= profile.head_body_share * total:
            break
        zone.append(i)
        seen_words += shapes[i].n if strong[i] else 0
    candidates = [i for i in zone if not strong[i] and shapes[i].is_title(profile.title_max_words)]
    if candidates:
        repeated = [i for i in candidates if i in copies]
        return (repeated[0] if repeated else candidates[0]), True
    return (min(copies) if copies else None), False


def _mark_head(roles: list[LineRole], profile: Profile, h: int | None, at_top: bool) -> None:
    """Mark the headline, what stands before it, and the lead caption or standfirst after it."""
    if h is None:
        return
    roles[h].set("headline", "headline", rule="title_shape" if at_top else "title_printed_twice")
    for i in _open(roles, 0):
        if i >= h or not at_top:
            break
        shape = profile.shape(roles[i].clean_text)
        if shape.is_sentence(profile.body_min_words):
            roles[i].set("removed", reason="related_links", rule="before_headline")  # a teaser of another story
        else:
            roles[i].set("removed", reason="navigation", rule="before_headline")  # section labels, menus
    after = _open(roles, h + 1)
    if not after:
        return
    k = after[0]
    text = roles[k].clean_text
    shape = profile.shape(text)
    n = shape.n
    if profile.lead_caption_max_words and n <= profile.lead_caption_max_words and len(after) > 1:
        single = len(re.findall(r"[.!?](?=\s|$)", text)) == 1 and text.endswith(".")
        if single and len(words(roles[after[1]].text)) > n:
            roles[k].set("caption", "caption", rule="lead_caption")
            return
    adjacent = all(roles[j].reason == "blank" for j in range(h + 1, k))
    following = [roles[j] for j in range(k + 1, len(roles)) if roles[j].reason != "blank"][:1]
    dateline_led = any(p.match(text) for p in profile.lead_ins)  # "MOSCOW (Reuters) - …" opens the report itself
    before_block = adjacent and not dateline_led and bool(following) and (
        following[0].role in ("byline", "caption") or following[0].reason in ("credit", "duplicate_caption", "duplicate_line")
    )
    if shape.is_title(profile.title_max_words) and not BULLET_RE.match(text) and len(after) > 1 and after[1] - k <= 2 and profile.shape(roles[after[1]].clean_text).is_strong_body(profile.body_min_words):
        roles[k].set("headline", "standfirst", rule="second_title_line")
    elif shape.is_sentence(profile.body_min_words) and n >= profile.standfirst_min_words:
        later = [roles[j].text for j in after[1:]]
        if _repeated(text, later, profile.standfirst_overlap):
            roles[k].set("headline", "standfirst", rule="standfirst_repeated_in_body")
        elif before_block:
            roles[k].set("headline", "standfirst", rule="standfirst_before_byline")
    for j in after:
        if not BULLET_RE.match(roles[j].clean_text):
            break
        roles[j].set("headline", "standfirst", rule="summary_bullet")


BULLET_RE = re.compile(r"^[-–•]\s+\S")


def _is_cut_paragraph(shape: Shape, profile: Profile) -> bool:
    """The page's last line stops mid-sentence (a stored excerpt, a page cut off): running
    text, with the function words of a sentence, not a title."""
    return shape.n >= profile.body_min_words and not shape.ends_sentence and shape.stopword_share >= 0.3


def _mark_body(roles: list[LineRole], profile: Profile) -> None:
    """Running text is body; a short line between body paragraphs is a subheading; short
    lines before the body are page furniture; after the last paragraph, title-like lines
    are links to other stories and other fragments are widgets."""
    open_idx = _open(roles)
    shapes = {i: profile.shape(roles[i].clean_text) for i in open_idx}
    sentence = {i: shapes[i].is_sentence(profile.body_min_words) for i in open_idx}
    last_line = max((i for i, lr in enumerate(roles) if lr.reason != "blank"), default=-1)
    cut = last_line in shapes and _is_cut_paragraph(shapes[last_line], profile)
    strong = [i for i in open_idx if shapes[i].ends_sentence or shapes[i].is_strong_body(profile.body_min_words) or shapes[i].opens_quote or (cut and i == last_line)]
    body = [i for i in open_idx if sentence[i]]
    first_body, last_body = (body[0], body[-1]) if body else (len(roles), -1)
    last_strong = strong[-1] if strong else -1
    for i in open_idx:
        if sentence[i] and i > last_strong and shapes[i].is_title(profile.title_max_words):
            roles[i].set("removed", reason="related_links", rule="title_after_body")  # another story's title after the report
        elif sentence[i] or (shapes[i].opens_quote and i > last_body):
            roles[i].set("body", "paragraph", rule="sentence_like" if sentence[i] else "quote_paragraph")
        elif first_body < i < last_body and shapes[i].n <= profile.subheading_max_words:
            roles[i].set("body", "subheading", rule="short_line_between_body")
        elif first_body < i < last_body:
            roles[i].set("body", "paragraph", rule="long_line")
        elif i < first_body:
            roles[i].set("removed", reason="navigation", rule="before_body")
        elif shapes[i].is_title(profile.title_max_words):
            roles[i].set("removed", reason="related_links", rule="title_after_body")
        else:
            roles[i].set("removed", reason="widget", rule="trailing_fragment")


def _strip_lead_in(roles: list[LineRole], profile: Profile) -> None:
    first = next((lr for lr in roles if lr.role == "body" and lr.subrole == "paragraph"), None)
    if first is None:
        return
    for pattern in profile.lead_ins:
        match = pattern.match(first.clean_text)
        if match and match.end("prefix") < len(first.clean_text):
            first.prefix += match.group("prefix")
            first.clean_text = first.clean_text[len(match.group("prefix")) :]
            first.rule += "+lead_in_stripped"
            return


def classify_lines(lines: list[str], profile: Profile) -> list[LineRole]:
    """Give every line exactly one role, in the order: prefixes, fixed patterns and line
    shape, runs of short lines, image text, headline, copies, head block, body, lead-in."""
    roles = [LineRole(line_no=i + 1, text=line) for i, line in enumerate(lines)]
    _strip_prefixes(roles, profile)
    _mark_fixed_patterns(roles, profile)
    _mark_runs(roles, profile)
    _mark_alt_text(roles, profile)
    headline, at_top = _find_headline(roles, profile)
    _mark_repeats(roles, profile, headline)
    _mark_head(roles, profile, headline, at_top)
    _mark_body(roles, profile)
    _strip_lead_in(roles, profile)
    return roles
