"""The actor gazetteer (``data/actors.yaml``): actors, their names, and places.

Loading validates the file and fails with the file and line for: YAML errors, duplicate
ids, unknown types, sides or affiliations, affiliation cycles, and a name, alias or
metonym claimed by two actors (descriptors, labels and surnames may be shared: the
resolver tells them apart by context).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from afstudy.errors import ConfigError
from afstudy.io import LineDict, load_yaml_with_lines
from afstudy.paths import DATA_DIR
from afstudy.openworld import OpenWorldRules
from afstudy.variants import VariantRules, expand, parse_variants

ACTORS_FILE: Path = DATA_DIR / "actors.yaml"
LIST_KEYS: tuple[str, ...] = ("names", "aliases", "surnames", "descriptors", "labels", "metonyms")
EXCLUSIVE_KEYS: tuple[str, ...] = ("names", "aliases", "metonyms")
# How a mention was recognised / resolved, by the gazetteer key that produced it.
HOW_BY_KEY: dict[str, str] = {
    "names": "name",
    "aliases": "alias",
    "surnames": "surname",
    "descriptors": "descriptor",
    "labels": "label",
    "metonyms": "metonym",
}


@dataclass(frozen=True)
class Actor:
    """One actor with every way the texts refer to it."""

    id: str
    name: str
    type: str
    side: str
    affiliation: str | None
    names: tuple[str, ...]
    aliases: tuple[str, ...]
    surnames: tuple[str, ...]
    descriptors: tuple[str, ...]
    labels: tuple[str, ...]
    metonyms: tuple[str, ...]
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    side_periods: tuple[tuple[dt.date, str], ...] = ()  # (from, side), ascending
    note: str = ""

    @property
    def is_bounded(self) -> bool:
        """Whether the actor exists only within a period (a date-restricted identity)."""
        return self.valid_from is not None or self.valid_until is not None

    def is_valid(self, on: dt.date | None) -> bool:
        """Whether the actor exists on date ``on`` (an undated text: only unbounded actors)."""
        if on is None:
            return not self.is_bounded
        return (self.valid_from is None or on >= self.valid_from) and (self.valid_until is None or on <= self.valid_until)

    def side_on(self, on: dt.date | None) -> str:
        """The actor's side on date ``on`` (its base side when undated)."""
        side = self.side
        for start, later in self.side_periods:
            if on is not None and on >= start:
                side = later
        return side

    def overlaps(self, other: Actor) -> bool:
        """Whether the two actors' periods share a day."""
        lo = max(d for d in (self.valid_from, other.valid_from, dt.date.min) if d is not None)
        hi = min(d for d in (self.valid_until, other.valid_until, dt.date.max) if d is not None)
        return lo <= hi


@dataclass(frozen=True)
class Place:
    """A place name (city, province, region) and the state it lies in."""

    id: str
    name: str
    names: tuple[str, ...]
    country: str | None


@dataclass
class Gazetteer:
    """Actors, places, sides, titles and place cues of one gazetteer file."""

    path: Path
    sides: dict[str, str]
    types: tuple[str, ...]
    titles: tuple[str, ...]
    place_prepositions: frozenset[str]
    place_verbs: frozenset[str]
    place_following: frozenset[str]
    actor_following: frozenset[str] = frozenset()
    not_place_after: dict[str, frozenset[str]] = field(default_factory=dict)
    location_nouns: frozenset[str] = frozenset()
    list_words: frozenset[str] = frozenset()
    possessive_place_nouns: frozenset[str] = frozenset()
    place_nouns_before: frozenset[str] = frozenset()
    historical_modifiers: frozenset[str] = frozenset()
    variants: VariantRules = field(default_factory=VariantRules)
    open_world: OpenWorldRules = field(default_factory=lambda: OpenWorldRules(enabled=False))
    actors: dict[str, Actor] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)

    def valid_ids(self, ids: list[str], on: dt.date | None, *, exclusive: bool) -> list[str]:
        """The actors of ``ids`` that exist on ``on``. For an exclusive form (name, alias,
        metonym) claimed by a date-restricted actor and a timeless one, the date-restricted
        claim wins inside its period ("Islamic Emirate" is the Taliban movement, and from
        15 August 2021 the Taliban-led government)."""
        valid = [i for i in ids if self.actors[i].is_valid(on)]
        if not exclusive:
            return valid
        bounded = [i for i in valid if self.actors[i].is_bounded]
        return bounded or valid

    def earlier_ids(self, ids: list[str], on: dt.date | None) -> list[str]:
        """The date-restricted actors of ``ids`` whose period ended before ``on`` (what a
        historical modifier points to: "the former Afghan government" in 2022)."""
        if on is None:
            return []
        return [i for i in ids if self.actors[i].valid_until is not None and self.actors[i].valid_until < on]

    def ancestors(self, actor_id: str) -> list[str]:
        """The affiliation chain above ``actor_id`` (parent first)."""
        chain, current = [], self.actors[actor_id].affiliation
        while current is not None:
            chain.append(current)
            current = self.actors[current].affiliation
        return chain

    def patterns(self) -> list[dict[str, str]]:
        """EntityRuler-style patterns: ``{"label": how, "pattern": text, "id": actor_id}``.

        Places come as ``{"label": "place", ...}`` with the place id.
        """
        out = []
        claimed: dict[str, set[str]] = {}
        for actor in self.actors.values():
            for key, how in HOW_BY_KEY.items():
                for text in getattr(actor, key):
                    out.append({"label": how, "pattern": text, "id": actor.id})
                    claimed.setdefault(text, set()).add(actor.id)
        for place in self.places.values():
            for text in place.names:
                out.append({"label": "place", "pattern": text, "id": place.id})
                claimed.setdefault(text, set()).add(place.id)
        return out + expand(self.actors.values(), self.variants, claimed)


def _strings(path: Path, item: LineDict, key: str) -> tuple[str, ...]:
    value = item.get(key, [])
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(path, f"'{key}' of {item.get('id')!r} must be a list of non-empty strings", item.line)
    return tuple(v.strip() for v in value)


def _open_world_rules(path: Path, data: Any) -> OpenWorldRules:
    """The ``provisional`` section (the open-world step is off without it)."""
    if data is None:
        return OpenWorldRules(enabled=False)
    if not isinstance(data, dict):
        raise ConfigError(path, "'provisional' must be a mapping of word lists")

    def words(key: str) -> frozenset[str]:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(path, f"provisional.{key} must be a list of strings", getattr(data, "line", None))
        return frozenset(v.lower() for v in value)

    side_words = data.get("side_words") or {}
    if not isinstance(side_words, dict):
        raise ConfigError(path, "provisional.side_words must map words to actor ids")
    return OpenWorldRules(
        role_words=words("role_words"), journalist_words=words("journalist_words"), speech_verbs=words("speech_verbs"),
        media_verbs=words("media_verbs"), media_before=words("media_before"), not_names=words("not_names"),
        side_words={str(k).lower(): str(v) for k, v in side_words.items()}, enabled=bool(data.get("enabled", True)),
    )


def _date(path: Path, value: Any, line: int) -> dt.date:
    """A YAML date (unquoted ``2021-08-15`` loads as a date; a quoted one as a string)."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(path, f"bad date {value!r} (want YYYY-MM-DD)", line) from exc


def _require(path: Path, item: Any, keys: tuple[str, ...], what: str) -> None:
    line = getattr(item, "line", None)
    if not isinstance(item, dict):
        raise ConfigError(path, f"each {what} must be a mapping", line)
    missing = [k for k in keys if not item.get(k)]
    if missing:
        raise ConfigError(path, f"{what} {item.get('id')!r} lacks {', '.join(missing)}", line)


def _check_claims(path: Path, actors: list[tuple[Actor, int]]) -> None:
    """A name, alias or metonym identifies one actor on every date: two timeless claims, or
    two date-restricted claims whose periods overlap, are an error (a date-restricted claim
    overrides a timeless one inside its period)."""
    owners: dict[str, list[tuple[Actor, int]]] = {}
    for actor, line in actors:
        for key in EXCLUSIVE_KEYS:
            for text in getattr(actor, key):
                for other, other_line in owners.get(text, []):
                    if other.id == actor.id or other.is_bounded != actor.is_bounded or (actor.is_bounded and not actor.overlaps(other)):
                        continue
                    raise ConfigError(
                        path,
                        f"{text!r} is claimed by {other.id!r} (line {other_line}) and {actor.id!r}; "
                        "names, aliases and metonyms must identify one actor on any date (use descriptors or surnames for shared forms, "
                        "or give the actors periods that do not overlap)",
                        line,
                    )
                owners.setdefault(text, []).append((actor, line))


def load_gazetteer(path: str | Path = ACTORS_FILE) -> Gazetteer:
    """Load and validate the gazetteer file."""
    p = Path(path)
    data = load_yaml_with_lines(p)
    if not isinstance(data, dict) or data.get("schema_version") != 1:
        raise ConfigError(p, "expected a mapping with schema_version: 1")
    sides, types = data.get("sides"), data.get("types")
    if not isinstance(sides, dict) or not sides:
        raise ConfigError(p, "'sides' must map side keys to labels")
    if not isinstance(types, list) or not types:
        raise ConfigError(p, "'types' must list the actor types")
    cues = data.get("place_cues") or {}
    gaz = Gazetteer(
        path=p,
        sides={str(k): str(v) for k, v in sides.items()},
        types=tuple(types),
        titles=tuple(data.get("titles") or ()),
        place_prepositions=frozenset(w.lower() for w in cues.get("prepositions", [])),
        place_verbs=frozenset(w.lower() for w in cues.get("verbs", [])),
        place_following=frozenset(w.lower() for w in cues.get("following", [])),
        actor_following=frozenset(w.lower() for w in cues.get("actor_following", [])),
        not_place_after={str(k).lower(): frozenset(w.lower() for w in v) for k, v in (cues.get("not_place_after") or {}).items()},
        location_nouns=frozenset(w.lower() for w in cues.get("location_nouns", [])),
        list_words=frozenset(w.lower() for w in cues.get("list_words", [])),
        possessive_place_nouns=frozenset(w.lower() for w in cues.get("possessive_place_nouns", [])),
        place_nouns_before=frozenset(w.lower() for w in cues.get("place_nouns_before", [])),
        historical_modifiers=frozenset(w.lower() for w in data.get("historical_modifiers") or ()),
        variants=parse_variants(p, data.get("variants")),
        open_world=_open_world_rules(p, data.get("provisional")),
    )
    items = data.get("actors")
    if not isinstance(items, list) or not items:
        raise ConfigError(p, "'actors' must be a non-empty list")
    lines: dict[str, int] = {}
    loaded: list[tuple[Actor, int]] = []
    for item in items:
        _require(p, item, ("id", "name", "type", "side"), "actor")
        line = item.line
        actor_id = str(item["id"])
        if actor_id in lines:
            raise ConfigError(p, f"duplicate actor id {actor_id!r} (first at line {lines[actor_id]})", line)
        if item["type"] not in gaz.types:
            raise ConfigError(p, f"actor {actor_id!r}: unknown type {item['type']!r} (one of {', '.join(gaz.types)})", line)
        if item["side"] not in gaz.sides:
            raise ConfigError(p, f"actor {actor_id!r}: unknown side {item['side']!r} (one of {', '.join(gaz.sides)})", line)
        lists = {key: _strings(p, item, key) for key in LIST_KEYS}
        period = item.get("period") or {}
        side_periods = tuple(sorted((_date(p, entry.get("from"), line), str(entry.get("side"))) for entry in item.get("side_periods") or []))
        for _, later in side_periods:
            if later not in gaz.sides:
                raise ConfigError(p, f"actor {actor_id!r}: unknown side {later!r} in side_periods", line)
        actor = Actor(
            actor_id, str(item["name"]), item["type"], item["side"], item.get("affiliation"), **lists,
            valid_from=_date(p, period.get("from"), line) if "from" in period else None,
            valid_until=_date(p, period.get("until"), line) if "until" in period else None,
            side_periods=side_periods, note=str(item.get("note") or ""),
        )
        lines[actor_id] = line
        loaded.append((actor, line))
        gaz.actors[actor_id] = actor
    for actor, line in loaded:
        if actor.affiliation is not None and actor.affiliation not in gaz.actors:
            raise ConfigError(p, f"actor {actor.id!r}: unknown affiliation {actor.affiliation!r}", line)
    for actor, line in loaded:
        seen, current = {actor.id}, actor.affiliation
        while current is not None:
            if current in seen:
                raise ConfigError(p, f"actor {actor.id!r}: affiliation cycle through {current!r}", line)
            seen.add(current)
            current = gaz.actors[current].affiliation
    _check_claims(p, loaded)
    unknown = sorted({v for v in gaz.open_world.side_words.values() if v not in gaz.actors})
    if unknown:
        raise ConfigError(p, f"provisional.side_words: unknown actor id {unknown[0]!r}")
    for item in data.get("places") or []:
        _require(p, item, ("id", "name"), "place")
        place_id = str(item["id"])
        if place_id in gaz.places or place_id in gaz.actors and gaz.actors[place_id].type != "state":
            raise ConfigError(p, f"duplicate place id {place_id!r}", item.line)
        country = item.get("country")
        if country is not None and country not in gaz.actors:
            raise ConfigError(p, f"place {place_id!r}: unknown country {country!r}", item.line)
        gaz.places[place_id] = Place(place_id, str(item["name"]), _strings(p, item, "names") or (str(item["name"]),), country)
    return gaz
