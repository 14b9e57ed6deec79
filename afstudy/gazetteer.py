"""The actor gazetteer (``data/actors.yaml``): actors, their names, and places.

Loading validates the file and fails with the file and line for: YAML errors, duplicate
ids, unknown types, sides or affiliations, affiliation cycles, and a name, alias or
metonym claimed by two actors (descriptors, labels and surnames may be shared: the
resolver tells them apart by context).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from afstudy.errors import ConfigError
from afstudy.io import LineDict, load_yaml_with_lines
from afstudy.paths import DATA_DIR

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


def _strings(path: Path, item: LineDict, key: str) -> tuple[str, ...]:
    value = item.get(key, [])
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(path, f"'{key}' of {item.get('id')!r} must be a list of non-empty strings", item.line)
    return tuple(v.strip() for v in value)


def _require(path: Path, item: Any, keys: tuple[str, ...], what: str) -> None:
    line = getattr(item, "line", None)
    if not isinstance(item, dict):
        raise ConfigError(path, f"each {what} must be a mapping", line)
    missing = [k for k in keys if not item.get(k)]
    if missing:
        raise ConfigError(path, f"{what} {item.get('id')!r} lacks {', '.join(missing)}", line)


def _check_claims(path: Path, actors: list[tuple[Actor, int]]) -> None:
    owner: dict[str, tuple[str, int]] = {}
    for actor, line in actors:
        for key in EXCLUSIVE_KEYS:
            for text in getattr(actor, key):
                if text in owner and owner[text][0] != actor.id:
                    raise ConfigError(
                        path,
                        f"{text!r} is claimed by {owner[text][0]!r} (line {owner[text][1]}) and {actor.id!r}; "
                        "names, aliases and metonyms must identify one actor (use descriptors or surnames for shared forms)",
                        line,
                    )
                owner[text] = (actor.id, line)


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
        actor = Actor(actor_id, str(item["name"]), item["type"], item["side"], item.get("affiliation"), **lists)
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
