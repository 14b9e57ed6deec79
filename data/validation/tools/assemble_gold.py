"""Assemble the validation gold from the coders' checked sheets.

``gold/`` is the primary coding of every text (coders a-d for the first batch, f-i for the second, each a disjoint set of files);
``gold_second/`` is the independent second coding of 12 texts of each batch (coders e and j), used only to
measure agreement. Both are in the seeds' gold formats (docs/codebook.md).
Usage: python data/validation/tools/assemble_gold.py
"""

from __future__ import annotations

import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRIMARY = ("coder_a", "coder_b", "coder_c", "coder_d", "coder_f", "coder_g", "coder_h", "coder_i")
SECOND = ("coder_e", "coder_j")
TABLES = ("line_roles", "mentions", "quotes")


def assemble(coders: tuple[str, ...], target: Path) -> None:
    for table in TABLES:
        header: list[str] | None = None
        rows: list[list[str]] = []
        for coder in coders:
            with open(ROOT / "coding" / coder / "gold" / f"{table}.csv", encoding="utf-8", newline="") as handle:
                reader = csv.reader(handle)
                head = next(reader)
                if header is not None and head != header:
                    raise SystemExit(f"{coder}/{table}.csv: columns differ")
                header = head
                rows += list(reader)
        files = [r[0] for r in rows]
        if table == "line_roles" and len(set(zip(files, (r[1] for r in rows)))) != len(rows):
            raise SystemExit(f"{table}: a line is coded twice")
        target.mkdir(parents=True, exist_ok=True)
        with open(target / f"{table}.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        print(f"{target.name}/{table}.csv: {len(rows)} rows from {len(set(files))} files")


if __name__ == "__main__":
    assemble(PRIMARY, ROOT / "gold")
    assemble(SECOND, ROOT / "gold_second")
