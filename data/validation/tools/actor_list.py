"""Write coding/actors.md: the actor ids a gold coder may use, from data/actors.yaml.

The list gives each actor's id, display name, type, side, affiliation, period and proper
names (names and aliases) so that a coder can tell who is who. It deliberately leaves out
the extractor's matching lists (surnames, descriptors, labels, metonyms, place cues):
coders decide spans from the codebook, not from what the extractor matches.
Usage: python data/validation/tools/actor_list.py [OUT]   (default coding/actors.md; the second
batch was coded with coding/actors_batch2.md, written from the gazetteer of its day)
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def main(target: Path | None = None) -> None:
    data = yaml.safe_load((ROOT / "data" / "actors.yaml").read_text(encoding="utf-8"))
    sides = data["sides"]
    out = ["# Actor ids for gold coding", "", "Generated from `data/actors.yaml` by `data/validation/tools/actor_list.py`; do not edit.", "",
           "Sides: " + "; ".join(f"`{k}` ({v})" for k, v in sides.items()) + ".", "",
           "| id | name | type | side | affiliation | period | proper names |", "|---|---|---|---|---|---|---|"]
    for a in data["actors"]:
        period = a.get("period") or {}
        when = " ".join(f"{k} {v}" for k, v in period.items())
        side = a["side"] + "".join(f"; {p['side']} from {p['from']}" for p in a.get("side_periods") or [])
        names = "; ".join((a.get("names") or []) + (a.get("aliases") or []))
        out.append(f"| `{a['id']}` | {a['name']} | {a['type']} | {side} | {a.get('affiliation') or ''} | {when} | {names} |")
    target = target or ROOT / "data" / "validation" / "coding" / "actors.md"
    target.write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    import sys

    main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else None)
