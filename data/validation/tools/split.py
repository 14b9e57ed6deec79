#!/usr/bin/env python3
"""Split the validation corpus by outlet into dev and test (run once; never change).

Procedure: list the distinct outlet_ids sorted alphabetically, shuffle them with
random.Random(20261201).shuffle(list), walk the shuffled list and put outlets
into "test" until the test part holds at least 18 texts; all remaining outlets
go to "dev". Every text of an outlet goes to the same part. The dev part must
end with at least 28 texts. Writes split.csv (file,outlet_id,part), sorted by file.
"""
import csv
import pathlib
import random
from collections import Counter

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEED = 20261201
MIN_TEST = 18
MIN_DEV = 28


def main() -> None:
    with open(ROOT / "corpus" / "metadata.csv", encoding="utf-8", newline="") as fh:
        meta = list(csv.DictReader(fh))
    counts = Counter(r["outlet_id"] for r in meta)
    outlets = sorted(counts)
    random.Random(SEED).shuffle(outlets)
    part_of, n_test = {}, 0
    for oid in outlets:
        if n_test < MIN_TEST:
            part_of[oid] = "test"
            n_test += counts[oid]
        else:
            part_of[oid] = "dev"
    n_dev = len(meta) - n_test
    assert n_test >= MIN_TEST and n_dev >= MIN_DEV, (n_test, n_dev)
    rows = sorted(((r["file"], r["outlet_id"], part_of[r["outlet_id"]]) for r in meta))
    with open(ROOT / "split.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writerow(["file", "outlet_id", "part"])
        w.writerows(rows)
    print("shuffled order:", outlets)
    print(f"test: {n_test} texts, {sum(v == 'test' for v in part_of.values())} outlets")
    print(f"dev: {n_dev} texts, {sum(v == 'dev' for v in part_of.values())} outlets")


if __name__ == "__main__":
    main()
