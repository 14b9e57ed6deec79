"""Spelling variants of the gazetteer's forms, generated from documented rules.

News prints the same person's name in several romanisations (Sergey/Sergei Lavrov, Suhail
Shaheen/Shahin, Abdul Salam Hanafi/Hanefi, Stanekzai/Stanikzai), titles in Title Case
("Taliban Government Delegation"), and possessives with either apostrophe ("Russia's" and
"Russia’s"). Rather than listing every variant as an alias, the gazetteer's ``variants``
section holds rules, and the extractor adds the forms they generate:

- ``tokens``: sets of interchangeable words in person names (Mohammad / Muhammad / ...);
- ``letters``: regular-expression substitutions inside the words of person names and
  surnames (``ee`` -> ``i``, word-final ``y`` -> ``i`` ...), applied one at a time and two
  together;
- ``demonym_names``: a body's name that starts with a demonym also matches with the
  country's name ("Afghan High Peace Council" -> "Afghanistan High Peace Council");
- every multi-word name and alias also matches in Title Case, and every form with an
  apostrophe with the other apostrophe.

A generated form that is already a form of another actor is not added (the curated forms
always win), so a rule can never take a name away from its owner.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from afstudy.errors import ConfigError

APOSTROPHES = ("'", "’")


@dataclass(frozen=True)
class VariantRules:
    """The ``variants`` section of the gazetteer."""

    tokens: tuple[frozenset[str], ...] = ()
    letters: tuple[tuple[re.Pattern[str], str], ...] = ()
    demonym_names: tuple[tuple[str, str], ...] = ()
    person_keys: tuple[str, ...] = field(default=("names", "surnames"))

    def token_alternatives(self, word: str) -> list[str]:
        """The words interchangeable with ``word`` (itself included, first)."""
        for group in self.tokens:
            if word in group:
                return [word, *sorted(group - {word})]
        return [word]


def parse_variants(path: object, data: object) -> VariantRules:
    """Validate and compile the ``variants`` mapping of the gazetteer file."""
    if data is None:
        return VariantRules()
    if not isinstance(data, dict):
        raise ConfigError(str(path), "'variants' must be a mapping (tokens, letters, demonym_names)")
    tokens = []
    for group in data.get("tokens") or []:
        if not isinstance(group, list) or len(group) < 2 or not all(isinstance(w, str) for w in group):
            raise ConfigError(str(path), f"variants.tokens: each entry must be a list of two or more words, got {group!r}")
        tokens.append(frozenset(group))
    letters = []
    for rule in data.get("letters") or []:
        if not isinstance(rule, list) or len(rule) != 2 or not all(isinstance(x, str) for x in rule):
            raise ConfigError(str(path), f"variants.letters: each entry must be [pattern, replacement], got {rule!r}")
        try:
            letters.append((re.compile(rule[0]), rule[1]))
        except re.error as exc:
            raise ConfigError(str(path), f"variants.letters: bad regular expression {rule[0]!r}: {exc}") from exc
    demonyms = []
    for pair in data.get("demonym_names") or []:
        if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(x, str) for x in pair):
            raise ConfigError(str(path), f"variants.demonym_names: each entry must be [demonym, country], got {pair!r}")
        demonyms.append((pair[0], pair[1]))
    return VariantRules(tuple(tokens), tuple(letters), tuple(demonyms))


def _word_variants(word: str, rules: VariantRules) -> set[str]:
    """A word's spellings under the letter rules (one rule, or two rules in turn)."""
    out = {word}
    for pattern, replacement in rules.letters:
        out |= {pattern.sub(replacement, w) for w in list(out)}
    return out


def person_variants(form: str, rules: VariantRules, *, limit: int = 64) -> list[str]:
    """The spellings of a person's name or surname: interchangeable words and letter rules
    applied word by word (at most ``limit`` forms, the curated form first)."""
    options = [sorted({alt2 for alt in rules.token_alternatives(w) for alt2 in _word_variants(alt, rules)}, key=lambda x: (x != w, x)) for w in form.split()]
    out = []
    for combo in itertools.product(*options):
        out.append(" ".join(combo))
        if len(out) >= limit:
            break
    return out


def title_case(form: str) -> str:
    """Every word capitalised ("Taliban government" -> "Taliban Government"); short
    function words stay lowercase except at the start."""
    small = {"of", "the", "for", "and", "in", "on", "to", "a", "an"}
    words = form.split(" ")
    return " ".join(w if (i and w in small) or not w[:1].isalpha() else w[:1].upper() + w[1:] for i, w in enumerate(words))


def apostrophe_variants(form: str) -> list[str]:
    """The form with either apostrophe."""
    return list(dict.fromkeys([form, form.replace("'", "’"), form.replace("’", "'")]))


def expand(actors: Iterable[object], rules: VariantRules, claimed: dict[str, set[str]]) -> list[dict[str, str]]:
    """Generated patterns ``{"label": how, "pattern": text, "id": actor_id}`` for ``actors``
    (objects with ``id``, ``type`` and the list attributes); ``claimed`` maps every curated
    form to the actor ids that list it, and a generated form claimed by another actor is
    dropped."""
    from afstudy.gazetteer import HOW_BY_KEY

    out: list[dict[str, str]] = []
    for actor in actors:
        for key, how in HOW_BY_KEY.items():
            for form in getattr(actor, key):
                generated: list[str] = []
                if actor.type == "person" and key in rules.person_keys:  # type: ignore[attr-defined]
                    generated += person_variants(form, rules)
                if key in ("names", "aliases") and " " in form:
                    generated.append(title_case(form))
                if key in ("names", "aliases") and actor.type in ("body", "organisation"):  # type: ignore[attr-defined]
                    for demonym, country in rules.demonym_names:
                        if form.startswith(demonym + " "):
                            generated.append(country + form[len(demonym) :])
                generated = [v for g in generated for v in apostrophe_variants(g)] + apostrophe_variants(form)
                for text in dict.fromkeys(generated):
                    if text not in claimed:  # curated forms are patterns already, and win
                        out.append({"label": how, "pattern": text, "id": actor.id})  # type: ignore[attr-defined]
    exclusive = {"name", "alias", "metonym"}
    owners: dict[str, set[str]] = {}
    for p in out:
        if p["label"] in exclusive:
            owners.setdefault(p["pattern"], set()).add(p["id"])
    unique = [p for p in out if p["label"] not in exclusive or len(owners[p["pattern"]]) == 1]  # a generated name two actors share is nobody's
    return [dict(t) for t in dict.fromkeys(tuple(sorted(p.items())) for p in unique)]
