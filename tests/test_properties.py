"""Property-based tests (hypothesis): random bytes, encodings, file names and metadata
values, and the invariants every run keeps whatever the input:

- no traceback: the command line returns 0 or 2 (one ``afstudy: error:`` line), it never raises;
- accounting reconciles: every directory entry appears exactly once across the articles,
  rejects and ignored tables, and the summary's counts add up;
- the output folder holds only complete files: no temporary file, and every table parses
  with its documented header;
- decoding returns text or raises InputError, and round-trips text with a byte-order mark.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from afstudy import cli
from afstudy.corpus import METADATA_COLUMNS, decode, display_name
from afstudy.errors import InputError
from afstudy.io import read_csv
from afstudy.parsing import PARSE_TABLES
from afstudy.pipeline import build_pipeline
from afstudy.schema import column_problems, load_dictionary
from afstudy.schemas import is_iso_date
from afstudy.valuesets import load_value_sets

set_hypothesis_home_dir(tempfile.mkdtemp(prefix="afstudy-hypothesis-"))  # no .hypothesis/ folder in the project
SETTINGS = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
VALUE_SETS = load_value_sets()
EXTRACT_TABLES = ("articles", "paragraphs", "lines", "sentences", "mentions", "places", "quotes", "frame_hits", "rejects", "actors", "labels", "candidates", "warnings", "ignored")
SUMMARY = re.compile(r"(\d+) entr(?:y|ies) in = (\d+) processed \+ (\d+) rejected \+ (\d+) ignored")

ARTICLE = (
    "Envoys Meet In Moscow\n\nMOSCOW (Reuters) - Delegates from the Taliban and Russia met in Moscow on Friday to discuss the peace plan.\n\n"
    "“We came to listen,” Zamir Kabulov said. The talks will resume next month, officials said in a statement.\n"
)

# ---- strategies ----------------------------------------------------------------------------
stems = st.text(alphabet=st.sampled_from("abcXYZ019_- .éü\u0301\u00a0ß"), min_size=1, max_size=12)
suffixes = st.sampled_from([".txt", ".txt", ".txt", ".TXT", ".md", ".txt.bak", "", ".csv"])
prefixes = st.sampled_from(["", "", "", "."])
names = st.builds(lambda p, s, x: p + s + x, prefixes, stems, suffixes).filter(lambda n: n not in (".", "..") and "/" not in n)
raw_names = st.binary(min_size=1, max_size=10).map(lambda b: os.fsdecode(b.replace(b"/", b"_").replace(b"\x00", b"_") + b".txt")).filter(lambda n: n not in (".", ".."))
texts = st.one_of(
    st.just(ARTICLE),
    st.builds(lambda n: ARTICLE.replace("Friday", f"day {n}"), st.integers(0, 10**6)),
    st.text(min_size=0, max_size=300),
)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1"])


@st.composite
def contents(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["text", "text", "bytes", "stray"]))
    if kind == "bytes":
        return draw(st.binary(max_size=400))
    data = draw(texts).encode(draw(encodings), errors="replace")
    if kind == "stray" and data:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=3)) + data[at:]
    return data


def valid_values(draw: st.DrawFn, file: str, n: int) -> dict[str, str]:
    precision = draw(st.sampled_from(sorted(VALUE_SETS.date_precisions)))
    published = {"none": "", "month": "2019-02-01", "year": "2019-01-01"}.get(precision, "2019-02-05")
    return {
        "file": file, "article_id": f"a-{n}", "outlet": "Outlet", "outlet_id": draw(st.sampled_from(["rferl", "voa", "test_outlet", "rfer1"])),
        "outlet_type": draw(st.sampled_from(sorted(VALUE_SETS.outlet_types))), "headline": draw(st.sampled_from(["", "Envoys Meet In Moscow", "Other"])),
        "published": published, "date_precision": precision, "event": draw(st.sampled_from(["", *sorted(VALUE_SETS.events)[:3]])),
        "event_date": "", "evidence": "generated",
    }


@st.composite
def metadata_rows(draw: st.DrawFn, files: list[str]) -> list[dict[str, str]]:
    rows = []
    for n, file in enumerate(files + draw(st.lists(names, max_size=2))):
        if draw(st.integers(0, 4)) == 0:
            continue  # a file without a row
        row = valid_values(draw, unicodedata.normalize("NFC", file), n)
        if row["event"] and draw(st.booleans()):
            row["event_date"] = draw(st.sampled_from([VALUE_SETS.events[row["event"]].date, "2019-02-06"]))
        if draw(st.integers(0, 3)) == 0:  # one value anything at all
            row[draw(st.sampled_from(METADATA_COLUMNS))] = draw(st.text(max_size=20))
        rows.append(row)
    if rows and draw(st.integers(0, 5)) == 0:
        rows.append(dict(rows[0]))  # a repeated row
    return rows


@st.composite
def corpora(draw: st.DrawFn) -> dict[str, object]:
    files = draw(st.dictionaries(st.one_of(names, names, raw_names), contents(), max_size=6))
    readable = [f for f in files if not display_name(f)[1]]
    return {
        "files": files,
        "rows": draw(metadata_rows(readable)),
        "bom": draw(st.booleans()),
        "extras": draw(st.lists(st.sampled_from(["dir", "dir.txt", "link_in", "link_out", "dangling", "fifo"]), unique=True, max_size=3)),
    }


def build(root: Path, corpus: dict[str, object]) -> Path:
    folder = root / "corpus"
    folder.mkdir()
    files: dict[str, bytes] = corpus["files"]  # type: ignore[assignment]
    for name, data in files.items():
        try:
            (folder / name).write_bytes(data)
        except OSError:  # a name the file system refuses (too long, ...)
            continue
    with open(folder / "metadata.csv", "w", encoding="utf-8-sig" if corpus["bom"] else "utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(METADATA_COLUMNS))
        writer.writeheader()
        writer.writerows(corpus["rows"])  # type: ignore[arg-type]
    for extra in corpus["extras"]:  # type: ignore[attr-defined]
        target = folder / f"x_{extra}.txt"
        if extra in ("dir", "dir.txt"):
            (folder / extra).mkdir(exist_ok=True)
        elif extra == "link_in" and files:
            target.symlink_to(next(iter(files)))
        elif extra == "link_out":
            target.symlink_to(root / "outside.txt")
            (root / "outside.txt").write_text(ARTICLE.replace("Moscow", "Outside"))
        elif extra == "dangling":
            target.symlink_to("nowhere")
        elif extra == "fifo":
            os.mkfifo(target)
    return folder


# ---- invariants ---------------------------------------------------------------------------
def check_run(folder: Path, out: Path, tables: tuple[str, ...], code: int, stdout: str, stderr: str) -> None:
    assert code in (0, 2), (code, stderr)
    assert "Traceback" not in stderr
    if code == 2:
        assert stderr.startswith("afstudy: error: ") and stderr.count("\n") == 1, stderr
        assert not out.exists() or not any(".tmp" in p.name for p in out.iterdir())
        return
    # only complete files, each with its documented header
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.csv" for t in tables)
    dictionary = load_dictionary()
    frames = {t: read_csv(out / f"{t}.csv") for t in tables}
    for name, frame in frames.items():
        assert column_problems(frame, dictionary[name]) == [], name
    # every directory entry exactly once across articles, rejects and ignored
    entries = Counter(unicodedata.normalize("NFC", display_name(e.name)[0]) for e in os.scandir(folder))
    named = Counter(unicodedata.normalize("NFC", n) for n in [*frames["articles"]["file"], *frames["rejects"]["file"], *frames["ignored"]["entry"]])
    assert Counter({k: v for k, v in named.items() if k in entries}) == entries
    others = {r["reason"] for r in frames["rejects"].to_dict("records") if unicodedata.normalize("NFC", r["file"]) not in entries}
    assert others <= {"missing_file", "bad_metadata"}, others
    found = SUMMARY.search(stdout)
    assert found, stdout
    n_entries, processed, rejected, n_ignored = map(int, found.groups())
    assert n_entries == sum(entries.values()) == processed + rejected + n_ignored
    assert processed == len(frames["articles"]) and n_ignored == len(frames["ignored"])
    assert set(frames["warnings"]["file"]) <= set(entries) | set(frames["rejects"]["file"]) | {"metadata.csv"}


@SETTINGS
@given(corpus=corpora())
def test_parse_keeps_the_invariants_on_random_corpora(corpus: dict[str, object], capsys: pytest.CaptureFixture[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = build(Path(tmp), corpus)
        out = Path(tmp) / "out"
        code = cli.main(["parse", str(folder), "--out", str(out)])
        stdout, stderr = capsys.readouterr()
        check_run(folder, out, PARSE_TABLES, code, stdout, stderr)


@lru_cache(maxsize=1)
def _pipeline() -> object:
    return build_pipeline()


@settings(max_examples=8, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(corpus=corpora())
def test_extract_keeps_the_invariants_on_random_corpora(corpus: dict[str, object], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import afstudy.pipeline

    monkeypatch.setattr(afstudy.pipeline, "build_pipeline", lambda model, gazetteer, frames=None: _pipeline())
    with tempfile.TemporaryDirectory() as tmp:
        folder = build(Path(tmp), corpus)
        out = Path(tmp) / "out"
        code = cli.main(["extract", str(folder), "--out", str(out)])
        stdout, stderr = capsys.readouterr()
        check_run(folder, out, EXTRACT_TABLES, code, stdout, stderr)


@settings(max_examples=300, deadline=None, database=None)
@given(data=st.binary(max_size=2000))
def test_decoding_any_bytes_gives_text_or_a_reason(data: bytes) -> None:
    try:
        found = decode(data, Path("x.txt"))
    except InputError as err:
        assert err.code in {"empty", "binary", "undecodable"}
    else:
        assert found.text.strip() and found.encoding in {"utf-8", "utf-8+cp1252", "cp1252-fallback", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"}


@settings(max_examples=200, deadline=None, database=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200).filter(str.strip), encoding=st.sampled_from(["utf-8-sig", "utf-16", "utf-32"]))
def test_text_with_a_byte_order_mark_round_trips(text: str, encoding: str) -> None:
    found = decode(text.encode(encoding), Path("x.txt"))
    assert found.text == text and found.had_bom


@settings(max_examples=200, deadline=None, database=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200).filter(str.strip), at=st.integers(0, 200), stray=st.sampled_from([b"\xe9", b"\x93", b"\xfc"]))
def test_utf8_with_one_stray_byte_keeps_the_utf8_text(text: str, at: int, stray: bytes) -> None:
    data = text.encode("utf-8")
    at = min(at, len(data))
    while at and at < len(data) and (data[at] & 0xC0) == 0x80:  # between characters
        at -= 1
    found = decode(data[:at] + stray + data[at:], Path("x.txt"))
    non_ascii = sum(1 for c in text if ord(c) > 127)
    if non_ascii >= 1:
        assert found.encoding == "utf-8+cp1252" and found.text == data[:at].decode() + stray.decode("cp1252") + data[at:].decode()
        assert found.stray == ((at, stray),)
    else:
        assert found.encoding == "cp1252-fallback" and found.text == (data[:at] + stray + data[at:]).decode("cp1252")


@settings(max_examples=300, deadline=None, database=None)
@given(value=st.one_of(st.text(max_size=12), st.dates().map(str), st.dates().map(lambda d: d.strftime("%Y%m%d")), st.dates().map(lambda d: d.strftime("%Y-W%W-%w"))))
def test_only_exact_iso_dates_are_dates(value: str) -> None:
    import datetime as dt

    expected = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))
    if expected:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            expected = False
    assert is_iso_date(value) is expected
