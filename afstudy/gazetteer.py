"""The actor gazetteer (``data/actors.yaml``): actors, their names, and places.

Loading checks the file against ``data/schemas/actors.schema.json`` (duplicate keys,
wrong types, unknown keys) and then fails with the file, line and key for: duplicate
ids, unknown types, sides or affiliations, affiliation cycles, a bad date or a period
that ends before it starts, and a name, alias or metonym claimed by two actors on one
date (descriptors, labels and surnames may be shared: the resolver tells them apart by
context).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from afstudy.io import KeyPath, YamlDocument
from afstudy.openworld import OpenWorldRules
from afstudy.paths import ACTORS_FILE, DATA_DIR
from afstudy.schemas import did_you_mean, load_checked
from afstudy.variants import VariantRules, expand, parse_variants

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
    rank_modifiers: frozenset[str] = frozenset()
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


def _strings(values: Any) -> tuple[str, ...]:
    return tuple(str(v).strip() for v in values or ())


def _open_world_rules(data: dict[str, Any] | None) -> OpenWorldRules:
    """The ``provisional`` section (the open-world step is off without it); its shape is
    checked by the schema."""
    if data is None:
        return OpenWorldRules(enabled=False)

    def words(key: str) -> frozenset[str]:
        return frozenset(str(v).lower() for v in data.get(key) or ())

    return OpenWorldRules(
        role_words=words("role_words"), journalist_words=words("journalist_words"), speech_verbs=words("speech_verbs"),
        media_verbs=words("media_verbs"), media_before=words("media_before"), not_names=words("not_names"),
        side_words={str(k).lower(): str(v) for k, v in (data.get("side_words") or {}).items()}, enabled=bool(data.get("enabled", True)),
    )


def _date(doc: YamlDocument, keys: KeyPath, value: Any) -> dt.date:
    """A date of the file (``YYYY-MM-DD``; the strict loader keeps dates as strings)."""
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise doc.error(keys, f"bad date {value!r} (want YYYY-MM-DD)") from None


def _actor(doc: YamlDocument, i: int, item: dict[str, Any], sides: dict[str, str], types: list[str]) -> Actor:
    actor_id = item["id"]
    if item["type"] not in types:
        raise doc.error(("actors", i, "type"), f"actor {actor_id!r}: unknown type {item['type']!r}{did_you_mean(item['type'], types)} (one of {', '.join(types)})")
    if item["side"] not in sides:
        raise doc.error(("actors", i, "side"), f"actor {actor_id!r}: unknown side {item['side']!r}{did_you_mean(item['side'], sides)} (one of {', '.join(sides)})")
    period = item.get("period") or {}
    valid_from = _date(doc, ("actors", i, "period", "from"), period["from"]) if "from" in period else None
    valid_until = _date(doc, ("actors", i, "period", "until"), period["until"]) if "until" in period else None
    if valid_from and valid_until and valid_from > valid_until:
        raise doc.error(("actors", i, "period"), f"actor {actor_id!r}: period from {valid_from} is after until {valid_until}")
    side_periods = []
    for j, entry in enumerate(item.get("side_periods") or []):
        if entry["side"] not in sides:
            raise doc.error(("actors", i, "side_periods", j, "side"), f"actor {actor_id!r}: unknown side {entry['side']!r}{did_you_mean(entry['side'], sides)}")
        side_periods.append((_date(doc, ("actors", i, "side_periods", j, "from"), entry["from"]), entry["side"]))
    return Actor(
        actor_id, item["name"], item["type"], item["side"], item.get("affiliation"), **{key: _strings(item.get(key)) for key in LIST_KEYS},
        valid_from=valid_from, valid_until=valid_until, side_periods=tuple(sorted(side_periods)), note=str(item.get("note") or ""),
    )


def _check_claims(doc: YamlDocument, actors: list[Actor]) -> None:
    """A name, alias or metonym identifies one actor on every date: two timeless claims, or
    two date-restricted claims whose periods overlap, are an error (a date-restricted claim
    overrides a timeless one inside its period)."""
    owners: dict[str, list[tuple[Actor, KeyPath]]] = {}
    for i, actor in enumerate(actors):
        for key in EXCLUSIVE_KEYS:
            for j, text in enumerate(getattr(actor, key)):
                keys: KeyPath = ("actors", i, key, j)
                for other, other_keys in owners.get(text, []):
                    if other.id == actor.id or other.is_bounded != actor.is_bounded or (actor.is_bounded and not actor.overlaps(other)):
                        continue
                    raise doc.error(
                        keys,
                        f"{text!r} is claimed by {other.id!r} (line {doc.line(other_keys)}) and {actor.id!r}; "
                        "names, aliases and metonyms must identify one actor on any date (use descriptors or surnames for shared forms, "
                        "or give the actors periods that do not overlap)",
                    )
                owners.setdefault(text, []).append((actor, keys))


def load_gazetteer(path: str | Path = ACTORS_FILE) -> Gazetteer:
    """Load the gazetteer file, checked against ``data/schemas/actors.schema.json`` and
    then for what a schema cannot express; every error names the file, line and key."""
    doc = load_checked(path, "actors")
    data = doc.data
    sides, types = data["sides"], data["types"]
    cues = data.get("place_cues") or {}

    def cue_words(key: str) -> frozenset[str]:
        return frozenset(w.lower() for w in cues.get(key) or ())

    gaz = Gazetteer(
        path=doc.path,
        sides=dict(sides),
        types=tuple(types),
        titles=tuple(data.get("titles") or ()),
        place_prepositions=cue_words("prepositions"),
        place_verbs=cue_words("verbs"),
        place_following=cue_words("following"),
        actor_following=cue_words("actor_following"),
        not_place_after={str(k).lower(): frozenset(w.lower() for w in v or ()) for k, v in (cues.get("not_place_after") or {}).items()},
        location_nouns=cue_words("location_nouns"),
        list_words=cue_words("list_words"),
        possessive_place_nouns=cue_words("possessive_place_nouns"),
        place_nouns_before=cue_words("place_nouns_before"),
        historical_modifiers=frozenset(w.lower() for w in data.get("historical_modifiers") or ()),
        rank_modifiers=frozenset(w.lower() for w in data.get("rank_modifiers") or ()),
        variants=parse_variants(doc.path, data.get("variants")),
        open_world=_open_world_rules(data.get("provisional")),
    )
    items: list[dict[str, Any]] = data["actors"]
    first: dict[str, int] = {}
    loaded: list[Actor] = []
    for i, item in enumerate(items):
        actor_id = item["id"]
        if actor_id in first:
            raise doc.error(("actors", i, "id"), f"duplicate actor id {actor_id!r} (first at line {doc.line(('actors', first[actor_id]))})")
        first[actor_id] = i
        actor = _actor(doc, i, item, sides, types)
        loaded.append(actor)
        gaz.actors[actor_id] = actor
    for i, item in enumerate(items):
        parent = item.get("affiliation")
        if parent is not None and parent not in gaz.actors:
            raise doc.error(("actors", i, "affiliation"), f"actor {item['id']!r}: unknown affiliation {parent!r}{did_you_mean(parent, gaz.actors)}")
    for i, item in enumerate(items):
        seen, current = {item["id"]}, item.get("affiliation")
        while current is not None:
            if current in seen:
                raise doc.error(("actors", i, "affiliation"), f"actor {item['id']!r}: affiliation cycle through {current!r}")
            seen.add(current)
            current = gaz.actors[current].affiliation
    _check_claims(doc, loaded)
    for word, actor_id in sorted(gaz.open_world.side_words.items()):
        if actor_id not in gaz.actors:
            raise doc.error(("provisional", "side_words", word), f"provisional.side_words: unknown actor id {actor_id!r}{did_you_mean(actor_id, gaz.actors)}")
    for i, item in enumerate(data.get("places") or []):
        place_id = item["id"]
        if place_id in gaz.places or place_id in gaz.actors and gaz.actors[place_id].type != "state":
            raise doc.error(("places", i, "id"), f"duplicate place id {place_id!r}")
        country = item.get("country")
        if country is not None and country not in gaz.actors:
            raise doc.error(("places", i, "country"), f"place {place_id!r}: unknown country {country!r}{did_you_mean(country, gaz.actors)}")
        gaz.places[place_id] = Place(place_id, item["name"], _strings(item.get("names")) or (item["name"],), country)
    return gaz
