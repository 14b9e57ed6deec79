"""Coding sheets for the validation gold: templates for a coder, and gold CSVs built from them.

A coder writes three sheets in ``data/validation/coding/<coder>/`` (see docs/codebook.md,
"Coding the validation corpus"):

* ``lines.csv``: ``file,line_no,text,role,subrole,reason`` - one row per raw line, from the
  template this script writes (blank lines come pre-filled as removed/blank; every other
  role is the coder's);
* ``mentions.csv``: ``file,line_no,text,occurrence,actor_id,how,side``;
* ``quotes.csv``: ``file,line_no,text,occurrence,kind,cue,speaker_text,speaker_actor_id,
  speaker_side,is_anonymous,is_unbalanced``.

``text`` + ``occurrence`` (1 = the first occurrence of that exact text in the line) locate a
span (a quote that runs on across paragraphs is one row: its pieces joined by ``\n`` in
``text``, the first piece running to the end of its line, each later piece opening its line
after at most a quote mark); this script turns them into character offsets and checks everything it can check
mechanically (it reads the raw texts and the actor ids, never an extractor's output).

Usage:
  python data/validation/tools/coding_sheets.py template CODER FILE...   # write lines.csv template
  python data/validation/tools/coding_sheets.py build CODER OUT_DIR       # check sheets, write gold CSVs
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "data" / "validation" / "corpus"
CODING = ROOT / "data" / "validation" / "coding"
ROLES = {"headline": {"headline", "standfirst"}, "byline": {"byline", "dateline"}, "body": {"paragraph", "subheading"}, "caption": {"caption"}, "removed": {""}}
REASONS = {"blank", "navigation", "widget", "login", "donation", "related_links", "loading", "page_stamp", "credit", "footer", "duplicate_caption", "duplicate_line", "self_description"}
HOWS = {"name", "alias", "surname", "descriptor", "label", "metonym"}
KINDS = {"direct", "partial", "indirect", "term"}
OPEN_MARKS, CLOSE_MARKS = "“\"‘'`«", "”\"’'`»"
PROVISIONAL = re.compile(r"new:[a-z0-9_]+")


def raw_lines(name: str) -> list[str]:
    """The file's lines as the codebook numbers them (UTF-8, split on \\n, a final empty piece dropped)."""
    lines = (CORPUS / name).read_bytes().decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write(path: Path, columns: list[str], rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def template(coder: str, files: list[str]) -> None:
    rows = []
    for name in files:
        for n, line in enumerate(raw_lines(name), start=1):
            blank = not line.strip()
            rows.append({"file": name, "line_no": n, "text": line, "role": "removed" if blank else "", "subrole": "", "reason": "blank" if blank else ""})
    target = CODING / coder / "lines.csv"
    if target.exists():
        sys.exit(f"{target} exists; not overwritten")
    write(target, ["file", "line_no", "text", "role", "subrole", "reason"], rows)
    print(f"{target}: {len(rows)} lines of {len(files)} files")


def locate(line: str, text: str, occurrence: str, where: str) -> tuple[int, int]:
    k = int(occurrence or 1)
    start = -1
    for _ in range(k):
        start = line.find(text, start + 1)
        if start < 0:
            raise ValueError(f"{where}: {text!r} occurs fewer than {k} times in the line")
    return start, start + len(text)


def build(coder: str, out: Path) -> int:
    folder = CODING / coder
    actors = {a["id"]: a for a in yaml.safe_load((ROOT / "data" / "actors.yaml").read_text(encoding="utf-8"))["actors"]}
    sides = set(yaml.safe_load((ROOT / "data" / "actors.yaml").read_text(encoding="utf-8"))["sides"])
    problems: list[str] = []
    lines_rows = read(folder / "lines.csv")
    files = sorted({r["file"] for r in lines_rows})
    gold_lines = []
    for name in files:
        raw = raw_lines(name)
        mine = {int(r["line_no"]): r for r in lines_rows if r["file"] == name}
        if sorted(mine) != list(range(1, len(raw) + 1)):
            problems.append(f"{name}: lines.csv must have one row per line 1..{len(raw)}")
        heads = [n for n, r in mine.items() if (r["role"], r["subrole"]) == ("headline", "headline")]
        if len(heads) > 1:
            problems.append(f"{name}: {len(heads)} headline/headline lines (at most one)")
        for n, r in sorted(mine.items()):
            role, sub, reason = r["role"].strip(), r["subrole"].strip(), r["reason"].strip()
            where = f"{name}:{n}"
            if role not in ROLES or sub not in ROLES[role]:
                problems.append(f"{where}: bad role/subrole {role!r}/{sub!r}")
            if (role == "removed") != bool(reason) or (reason and reason not in REASONS):
                problems.append(f"{where}: bad reason {reason!r} for role {role!r}")
            if reason == "blank" and raw[n - 1].strip():
                problems.append(f"{where}: 'blank' on a line with text")
            gold_lines.append({"file": name, "line_no": n, "role": role, "subrole": sub, "reason": reason, "text": raw[n - 1] if n <= len(raw) else ""})
    coded = {(r["file"], r["line_no"]) for r in gold_lines if r["role"] != "removed"}
    gold_mentions = []
    taken: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for i, r in enumerate(read(folder / "mentions.csv") if (folder / "mentions.csv").exists() else [], start=2):
        where = f"mentions.csv:{i}"
        try:
            n = int(r["line_no"])
            start, end = locate(raw_lines(r["file"])[n - 1], r["text"], r["occurrence"], where)
        except (ValueError, IndexError, FileNotFoundError, KeyError) as exc:
            problems.append(f"{where}: {exc}")
            continue
        actor, side, how = r["actor_id"].strip(), r["side"].strip(), r["how"].strip()
        if actor in actors:
            side = side or ""
        elif not PROVISIONAL.fullmatch(actor) or side not in sides:
            problems.append(f"{where}: actor {actor!r} is neither a gazetteer id nor new:<slug> with a side (got side {side!r})")
        if how not in HOWS:
            problems.append(f"{where}: bad how {how!r}")
        if (r["file"], n) not in coded:
            problems.append(f"{where}: line {n} is not a coded (non-removed) line")
        spans = taken.setdefault((r["file"], n), [])
        if any(s < end and start < e for s, e in spans):
            problems.append(f"{where}: {r['text']!r} overlaps another mention")
        spans.append((start, end))
        gold_mentions.append({"file": r["file"], "line_no": n, "start": start, "end": end, "text": r["text"], "actor_id": actor, "how": how, "side": side})
    gold_quotes = []
    for i, r in enumerate(read(folder / "quotes.csv") if (folder / "quotes.csv").exists() else [], start=2):
        where = f"quotes.csv:{i}"
        try:
            n = int(r["line_no"])
            raw = raw_lines(r["file"])
            pieces = r["text"].split("\n")
            line = raw[n - 1]
            start, end = locate(line, pieces[0], r["occurrence"], where)
            end_line, last_line = n, line
            if len(pieces) > 1:  # a quote that runs on across paragraphs: one piece per coded line
                if end != len(line.rstrip()):
                    raise ValueError(f"{where}: the first piece of a multi-line quote must run to the end of its line")
                k = n
                for piece in pieces[1:]:
                    k += 1
                    while k <= len(raw) and not raw[k - 1].strip():
                        k += 1
                    if k > len(raw):
                        raise ValueError(f"{where}: the quote runs past the end of the file")
                    text_k = raw[k - 1]
                    at = text_k.find(piece)
                    if at < 0 or (at > 0 and text_k[:at].strip() not in OPEN_MARKS):
                        raise ValueError(f"{where}: piece {piece[:30]!r} does not open line {k} (after at most a quote mark)")
                    end_line, last_line, end = k, text_k, at + len(piece)
        except (ValueError, IndexError, FileNotFoundError, KeyError) as exc:
            problems.append(f"{where}: {exc}")
            continue
        kind = r["kind"].strip()
        speaker = r["speaker_actor_id"].strip()
        if kind not in KINDS:
            problems.append(f"{where}: bad kind {kind!r}")
        unclosed = not last_line[end:].strip() and r["is_unbalanced"].strip().lower() == "true"  # a quote left open at the end of the line
        closed = end < len(last_line) and last_line[end] in CLOSE_MARKS
        if kind in ("direct", "partial", "term") and not (start > 0 and line[start - 1] in OPEN_MARKS and (closed or unclosed)):
            problems.append(f"{where}: a {kind} span must sit right inside quote marks (an unclosed quote: to the end of the line, with is_unbalanced true)")
        if (kind == "term") != (not r["cue"].strip() and not r["speaker_text"].strip()):
            problems.append(f"{where}: cue and speaker_text are empty exactly for terms")
        if speaker and speaker not in actors and not PROVISIONAL.fullmatch(speaker):
            problems.append(f"{where}: unknown speaker id {speaker!r}")
        if r["speaker_side"].strip() and r["speaker_side"].strip() not in sides:
            problems.append(f"{where}: unknown side {r['speaker_side']!r}")
        if (r["file"], n) not in coded:
            problems.append(f"{where}: line {n} is not a coded (non-removed) line")
        gold_quotes.append({"file": r["file"], "start_line": n, "start": start, "end_line": end_line, "end": end, "text": r["text"], "kind": kind,
                            "cue": r["cue"].strip(), "speaker_text": r["speaker_text"].strip(), "speaker_actor_id": speaker, "speaker_side": r["speaker_side"].strip(),
                            "is_anonymous": r["is_anonymous"].strip().lower() or "false", "is_unbalanced": r["is_unbalanced"].strip().lower() or "false"})
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problems; nothing written")
        return 1
    gold_quotes.sort(key=lambda q: (q["file"], q["start_line"], q["start"], -q["end"]))
    counter: dict[str, int] = {}
    for q in gold_quotes:
        counter[q["file"]] = counter.get(q["file"], 0) + 1
        q["quote_id"] = f"{Path(q['file']).stem}-q{counter[q['file']]:02d}"
    write(out / "line_roles.csv", ["file", "line_no", "role", "subrole", "reason", "text"], gold_lines)
    write(out / "mentions.csv", ["file", "line_no", "start", "end", "text", "actor_id", "how", "side"], sorted(gold_mentions, key=lambda m: (m["file"], m["line_no"], m["start"])))
    write(out / "quotes.csv", ["file", "quote_id", "start_line", "start", "end_line", "end", "text", "kind", "cue", "speaker_text", "speaker_actor_id", "speaker_side", "is_anonymous", "is_unbalanced"], gold_quotes)
    print(f"{out}: {len(gold_lines)} lines, {len(gold_mentions)} mentions, {len(gold_quotes)} quotes from {len(files)} files")
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "template":
        template(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 4 and sys.argv[1] == "build":
        sys.exit(build(sys.argv[2], Path(sys.argv[3])))
    else:
        sys.exit(__doc__)
