#!/usr/bin/env python3
"""Decode retrieved/val_NNN.json records into corpus/val_NNN.txt.

Each .txt is the record's "excerpt" string encoded as UTF-8, with exactly one
"\n" appended if (and only if) the excerpt does not already end with "\n".
Nothing else is changed.
"""
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
RETRIEVED = ROOT / "retrieved"
CORPUS = ROOT / "corpus"


def main() -> int:
    CORPUS.mkdir(exist_ok=True)
    paths = sorted(RETRIEVED.glob("val_*.json"))
    added = 0
    for p in paths:
        rec = json.loads(p.read_text(encoding="utf-8"))
        assert set(rec) == {"url", "excerpt", "query", "rank"}, (p, sorted(rec))
        text = rec["excerpt"]
        if not text.endswith("\n"):
            text += "\n"
            added += 1
        out = CORPUS / (p.stem + ".txt")
        with open(out, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    print(f"decoded {len(paths)} records; trailing newline added to {added}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
