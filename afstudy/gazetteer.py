"""The actor gazetteer (``data/actors.yaml``): actors, their names, and places.

Loading checks the file against ``data/schemas/actors.schema.json`` (duplicate keys,
wrong types, unknown keys) and then fails with the file, line and key for: duplicate
ids, unknown types, sides or affiliations, affiliation cycles, a period that ends
before it starts, and a name, alias or metonym claimed by two actors (descriptors,
labels and surnames may be shared: the resolver tells them apart by context).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from afstudy.io import KeyPath, YamlDocument
from afstudy.paths import DATA_DIR
from afstudy.schemas import did_you_mean, load_checked

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
    actors: dict[str, Actor] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)

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
        for actor in self.actors.values():
            for key, how in HOW_BY_KEY.items():
                for text in getattr(actor, key):
                    out.append({"label": how, "pattern": text, "id": actor.id})
        for place in self.places.values():
            for text in place.names:
                out.append({"label": "place", "pattern": text, "id": place.id})
        return out


def _strings(values: Any) -> tuple[str, ...]:
    return tuple(v.strip() for v in values or ())


def _check_claims(doc: YamlDocument, items: list[dict[str, Any]]) -> None:
    """A name, alias or metonym belongs to one actor."""
    owner: dict[str, tuple[str, KeyPath]] = {}
    for i, item in enumerate(items):
        for key in EXCLUSIVE_KEYS:
            for j, text in enumerate(_strings(item.get(key))):
                keys: KeyPath = ("actors", i, key, j)
                if text in owner and owner[text][0] != item["id"]:
                    first, first_keys = owner[text]
                    raise doc.error(
                        keys,
                        f"{text!r} is claimed by {first!r} (line {doc.line(first_keys)}) and {item['id']!r}; "
                        "names, aliases and metonyms must identify one actor (use descriptors or surnames for shared forms)",
                    )
                owner.setdefault(text, (item["id"], keys))


def _check_actor(doc: YamlDocument, i: int, item: dict[str, Any], sides: dict[str, str], types: list[str]) -> None:
    if item["type"] not in types:
        raise doc.error(("actors", i, "type"), f"actor {item['id']!r}: unknown type {item['type']!r}{did_you_mean(item['type'], types)} (one of {', '.join(types)})")
    if item["side"] not in sides:
        raise doc.error(("actors", i, "side"), f"actor {item['id']!r}: unknown side {item['side']!r}{did_you_mean(item['side'], sides)} (one of {', '.join(sides)})")
    period = item.get("period") or {}
    if "from" in period and "until" in period and period["from"] > period["until"]:
        raise doc.error(("actors", i, "period"), f"actor {item['id']!r}: period from {period['from']} is after until {period['until']}")


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
    )
    items: list[dict[str, Any]] = data["actors"]
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        actor_id = item["id"]
        if actor_id in first:
            raise doc.error(("actors", i, "id"), f"duplicate actor id {actor_id!r} (first at line {doc.line(('actors', first[actor_id]))})")
        first[actor_id] = i
        _check_actor(doc, i, item, sides, types)
        lists = {key: _strings(item.get(key)) for key in LIST_KEYS}
        gaz.actors[actor_id] = Actor(actor_id, item["name"], item["type"], item["side"], item.get("affiliation"), **lists)
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
    _check_claims(doc, items)
    for i, item in enumerate(data.get("places") or []):
        place_id = item["id"]
        if place_id in gaz.places or place_id in gaz.actors and gaz.actors[place_id].type != "state":
            raise doc.error(("places", i, "id"), f"duplicate place id {place_id!r}")
        country = item.get("country")
        if country is not None and country not in gaz.actors:
            raise doc.error(("places", i, "country"), f"place {place_id!r}: unknown country {country!r}{did_you_mean(country, gaz.actors)}")
        gaz.places[place_id] = Place(place_id, item["name"], _strings(item.get("names")) or (item["name"],), country)
    return gaz
