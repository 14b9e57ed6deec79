"""Reading a corpus folder: decoding, normalisation, metadata, and every kind of bad input."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from afstudy.cli import main
from afstudy.corpus import decode_bytes, normalise_text, plan_corpus, read_corpus, split_lines
from afstudy.errors import InputError
from afstudy.io import read_csv
from afstudy.paths import PROJ_ROOT, SEEDS_DIR
from tests.conftest import ARTICLE, CorpusBuilder, metadata_row

SHARED_SEEDS = PROJ_ROOT.parent / "shared" / "seeds"


def test_seeds_are_byte_identical_to_the_recorded_checksums() -> None:
    sums = dict(line.split()[::-1] for line in (SEEDS_DIR / "SHA256SUMS").read_text().splitlines())
    txt = sorted(p.name for p in SEEDS_DIR.glob("*.txt"))
    assert sorted(sums) == txt and len(txt) == 5
    for name, digest in sums.items():
        assert hashlib.sha256((SEEDS_DIR / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="../shared/seeds is not beside this checkout")
def test_seeds_match_the_shared_seeds_byte_for_byte() -> None:
    for shared in sorted(SHARED_SEEDS.glob("*.txt")):
        assert (SEEDS_DIR / shared.name).read_bytes() == shared.read_bytes(), shared.name


def test_metadata_covers_every_seed_with_the_established_facts() -> None:
    meta = read_csv(SEEDS_DIR / "metadata.csv").set_index("file")
    assert sorted(meta.index) == sorted(p.name for p in SEEDS_DIR.glob("*.txt"))
    by_prefix = {name[:3]: row for name, row in meta.iterrows()}
    assert by_prefix["000"].outlet_id == "rferl" and by_prefix["004"].outlet_id == "voa"
    assert {by_prefix[k].outlet_type for k in ("000", "004")} == {"us_government_funded"}
    assert by_prefix["001"].outlet_id == "trt_world"
    assert by_prefix["002"].outlet_id == "abc_news" and by_prefix["002"].published != "2023-12-13"
    assert (by_prefix["003"].outlet_id, by_prefix["003"].published, by_prefix["003"].event_date) == ("moscow_times", "2018-08-22", "2018-09-04")
    assert (by_prefix["004"].published, by_prefix["004"].event_date) == ("2018-11-12", "2018-11-09")
    assert by_prefix["000"].event == by_prefix["001"].event and by_prefix["000"].event_date == "2021-01-28"
    assert by_prefix["002"].event == by_prefix["004"].event
    assert all(row.evidence for _, row in meta.iterrows())


def test_decoding_handles_bom_cp1252_and_rejects_bad_bytes(tmp_path: Path) -> None:
    p = tmp_path / "x.txt"
    assert decode_bytes("\ufeffHello “world”".encode(), p) == ("Hello “world”", "utf-8", True)
    assert decode_bytes("caf\xe9 \x93quoted\x94".encode("latin-1"), p) == ("café “quoted”", "cp1252-fallback", False)
    for data, code in ((b"", "empty"), (b" \n\n ", "empty"), (b"PK\x03\x04\x00\x00binary", "binary"), (b"ok \x81\xff bad", "undecodable")):
        with pytest.raises(InputError) as info:
            decode_bytes(data, p)
        assert info.value.code == code and str(p) in str(info.value)


def test_normalisation_unifies_newlines_spaces_and_unicode_but_keeps_curly_quotes() -> None:
    text = normalise_text("a\r\nb\rc\u00a0d “e” cafe\u0301\n")
    assert text == "a\nb\nc d “e” café\n"
    assert split_lines(text) == ["a", "b", "c d “e” café"]
    assert split_lines("a\n\nb") == ["a", "", "b"]


def test_every_bad_input_is_rejected_with_its_reason(make_corpus: CorpusBuilder) -> None:
    files: dict[str, str | bytes] = {
        "good.txt": ARTICLE,
        "copy.txt": ARTICLE,
        "empty.txt": "",
        "binary.txt": b"\x00\x01\x02\x03" * 10,
        "undecodable.txt": b"Head\n\nA body line \x81\x8d that is long enough to be text.\n",
        "orphan.txt": ARTICLE.replace("Friday", "Monday"),
    }
    rows = [metadata_row(n) for n in files if n != "orphan.txt"] + [metadata_row("ghost.txt")]
    corpus = read_corpus(make_corpus(files, rows))
    reasons = {r.file: r.reason for r in corpus.rejects}
    # Files are read in sorted order, so copy.txt is kept and good.txt repeats it.
    assert reasons == {
        "good.txt": "duplicate_text",
        "empty.txt": "empty",
        "binary.txt": "binary",
        "undecodable.txt": "undecodable",
        "orphan.txt": "no_metadata",
        "ghost.txt": "missing_file",
    }
    assert [a.meta.file for a in corpus.articles] == ["copy.txt"]
    assert len(corpus.articles) + len(corpus.rejects) == len(files) + 1
    for reject in corpus.rejects:
        assert reject.file in reject.message


def test_metadata_with_a_missing_column_is_a_clear_error(make_corpus: CorpusBuilder) -> None:
    columns = ("file", "article_id", "outlet")
    folder = make_corpus({"a.txt": ARTICLE}, [metadata_row("a.txt")], columns=columns)
    with pytest.raises(InputError, match=r"metadata\.csv:1: missing column\(s\): outlet_id"):
        read_corpus(folder)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"published": "9 Nov 2018"}, "bad date in column 'published'"),
        ({"event_date": "2018-13-40"}, "bad date in column 'event_date'"),
        ({"date_precision": "roughly"}, "bad date_precision"),
        ({"published": "", "date_precision": "day"}, "published and date_precision disagree"),
    ],
)
def test_a_bad_metadata_value_rejects_that_article_only(make_corpus: CorpusBuilder, override: dict[str, str], message: str) -> None:
    other = ARTICLE.replace("Friday", "Sunday")
    folder = make_corpus({"a.txt": ARTICLE, "b.txt": other}, [metadata_row("a.txt", **override), metadata_row("b.txt")])
    corpus = read_corpus(folder)
    assert [a.meta.file for a in corpus.articles] == ["b.txt"]
    (reject,) = corpus.rejects
    assert (reject.file, reject.reason) == ("a.txt", "bad_metadata")
    assert message in reject.message and "metadata.csv:2" in reject.message


def test_missing_folder_and_missing_metadata_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="corpus folder not found"):
        read_corpus(tmp_path / "nope")
    (tmp_path / "a.txt").write_text(ARTICLE)
    with pytest.raises(InputError, match="metadata file not found"):
        read_corpus(tmp_path)


def test_repeated_files_and_article_ids_in_the_metadata_are_caught(make_corpus: CorpusBuilder) -> None:
    other = ARTICLE.replace("Friday", "Sunday")
    rows = [metadata_row("a.txt"), metadata_row("b.txt"), metadata_row("a.txt", article_id="test-other")]
    corpus = read_corpus(make_corpus({"a.txt": ARTICLE, "b.txt": other}, rows))
    (reject,) = corpus.rejects
    assert (reject.file, reject.reason) == ("a.txt", "bad_metadata")
    assert "metadata.csv:4" in reject.message and "second row for file 'a.txt'" in reject.message
    assert [a.meta.article_id for a in corpus.articles] == ["test-b"]  # two rows for a.txt: which one holds is unknown
    folder = make_corpus({"a.txt": ARTICLE, "b.txt": other}, [metadata_row("a.txt"), metadata_row("b.txt", article_id="test-a")])
    corpus = read_corpus(folder)  # a repeated article_id rejects the later row only
    assert [a.meta.file for a in corpus.articles] == ["a.txt"]
    (reject,) = corpus.rejects
    assert (reject.file, reject.reason) == ("b.txt", "bad_metadata")
    assert "metadata.csv:3: article_id 'test-a' of 'b.txt' is already used by 'a.txt' (line 2)" in reject.message


def test_metadata_that_is_not_utf8_names_the_byte(make_corpus: CorpusBuilder) -> None:
    folder = make_corpus({"a.txt": ARTICLE})
    data = (folder / "metadata.csv").read_bytes()
    (folder / "metadata.csv").write_bytes(data[:-5] + b"\xff" + data[-4:])
    with pytest.raises(InputError, match=rf"metadata\.csv: not valid UTF-8 \(invalid start byte at byte {len(data) - 5}\)"):
        read_corpus(folder)


def test_metadata_values_are_normalised_and_the_plan_lists_only_corpus_files(make_corpus: CorpusBuilder) -> None:
    folder = make_corpus({"a.txt": ARTICLE, ".hidden.txt": ARTICLE, "notes.md": "x"}, [metadata_row("a.txt", headline=" Caf\u0065\u0301\u00a0talks ")])
    (folder / "dir.txt").mkdir()
    with plan_corpus(folder) as plan:
        assert plan.n_files == 1 and [name for name, _ in plan.files()] == ["a.txt"]
        (item,) = plan.to_read()
    assert item[1].headline == "Café talks"


def test_a_file_name_that_is_not_utf8_is_a_no_metadata_reject(make_corpus: CorpusBuilder) -> None:
    folder = make_corpus({"a.txt": ARTICLE})
    odd = os.fsdecode(b"caf\xe9.txt")
    (folder / odd).write_text(ARTICLE.replace("Friday", "Monday"))
    corpus = read_corpus(folder)
    assert [a.meta.file for a in corpus.articles] == ["a.txt"]
    assert [(r.file, r.reason) for r in corpus.rejects] == [("caf\\xe9.txt", "no_metadata")]
    assert main(["extract", str(folder), "--out", str(folder.parent / "out")]) == 0
    assert read_csv(folder.parent / "out" / "rejects.csv")["file"].tolist() == ["caf\\xe9.txt"]
