#!/usr/bin/env python3
"""Split the second batch (val_055 onwards) by outlet into dev2 and test2 (run once; never change).

The rows already in split.csv (batch 1: dev/test) are read back and written out unchanged.
The files of corpus/metadata.csv that are not yet in split.csv form the second batch.
Procedure: list the distinct outlet_ids of the second batch sorted alphabetically,
shuffle them with random.Random(20261202).shuffle(list), walk the shuffled list and put
outlets into "test2" until test2 holds at least 45% of the batch's texts (rounded up);
all remaining outlets go to "dev2". Every text of an outlet goes to the same part.
Checks: test2 holds at least 15 texts, dev2 at least 18, no batch-2 outlet occurs in
batch 1. Writes split.csv (file,outlet_id,part), sorted by file.
"""
import csv
import math
import pathlib
import random
from collections import Counter

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEED = 20261202
TEST_SHARE = 0.45
MIN_TEST = 15
MIN_DEV = 18


def main() -> None:
    with open(ROOT / "split.csv", encoding="utf-8", newline="") as fh:
        old = list(csv.reader(fh))
    header, old_rows = old[0], old[1:]
    assert header == ["file", "outlet_id", "part"], header
    assert {r[2] for r in old_rows} <= {"dev", "test"}, "split.csv already holds a second-batch split"
    done = {r[0] for r in old_rows}
    with open(ROOT / "corpus" / "metadata.csv", encoding="utf-8", newline="") as fh:
        meta = list(csv.DictReader(fh))
    batch = [r for r in meta if r["file"] not in done]
    assert batch, "no new files"
    assert not ({r["outlet_id"] for r in batch} & {r[1] for r in old_rows}), "outlet shared with batch 1"
    counts = Counter(r["outlet_id"] for r in batch)
    need = math.ceil(TEST_SHARE * len(batch))
    outlets = sorted(counts)
    random.Random(SEED).shuffle(outlets)
    part_of, n_test = {}, 0
    for oid in outlets:
        if n_test < need:
            part_of[oid] = "test2"
            n_test += counts[oid]
        else:
            part_of[oid] = "dev2"
    n_dev = len(batch) - n_test
    assert n_test >= MIN_TEST and n_dev >= MIN_DEV, (n_test, n_dev)
    new_rows = [[r["file"], r["outlet_id"], part_of[r["outlet_id"]]] for r in batch]
    rows = sorted(old_rows + new_rows, key=lambda r: r[0])
    assert rows[:len(old_rows)] == old_rows, "batch-1 rows would move"
    with open(ROOT / "split.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print("shuffled order:", outlets)
    print(f"test2: {n_test} texts, {sum(v == 'test2' for v in part_of.values())} outlets (target >= {need})")
    print(f"dev2: {n_dev} texts, {sum(v == 'dev2' for v in part_of.values())} outlets")


if __name__ == "__main__":
    main()
