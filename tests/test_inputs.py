"""The bad-input suite of issue 16: every case tried by a careless or hostile user, each a
copy of the seeds with one change, and what it now gets (a reject reason, a warning code,
an ignored rule, or a one-line error with a non-zero exit; never a traceback)."""

from __future__ import annotations

import csv
import errno
import os
import shutil
import socket
import threading
import tracemalloc
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import pytest

from afstudy import cli, io as afio
from afstudy.cooccurrence import Spec
from afstudy.corpus import METADATA_COLUMNS, decode, plan_corpus, read_corpus
from afstudy.errors import ParameterError
from afstudy.io import read_csv
from afstudy.parsing import EXTRACT_ONLY_TABLES, PARSE_TABLES, parse_corpus
from afstudy.paths import SEEDS_DIR
from afstudy.pipeline import build_pipeline
from afstudy.schema import column_problems, load_dictionary

SEED0 = "000_dfbb3eb3cbe132e1.txt"  # RFE/RL
EXTRACT_TABLES = ("articles", "paragraphs", "lines", "sentences", "mentions", "places", "quotes", "frame_hits", "rejects", "actors", "labels", "candidates", "warnings", "ignored")


# ---- helpers -----------------------------------------------------------------------------
@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A copy of the seed corpus."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS_DIR, folder)
    return folder


def rows_of(folder: Path) -> list[dict[str, str]]:
    with open(folder / "metadata.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(folder: Path, rows: list[dict[str, str]], columns: tuple[str, ...] | list[str] = METADATA_COLUMNS) -> None:
    with open(folder / "metadata.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def edit_row(folder: Path, file: str, **values: str) -> None:
    rows = rows_of(folder)
    for row in rows:
        if row["file"] == file:
            row.update(values)
    write_rows(folder, rows)


def add_row(folder: Path, file: str, **values: str) -> None:
    """A metadata row for ``file``, copied from seed 000's with a new article_id."""
    rows = rows_of(folder)
    row = dict(next(r for r in rows if r["file"] == SEED0), file=file, article_id=f"x-{len(rows)}", headline="")
    row.update(values)
    write_rows(folder, [*rows, row])


def new_article(n: int) -> str:
    """A short article of its own (a headline and a few body lines)."""
    return f"Officials Meet For Round {n}\n\n" + "".join(f"Delegates in round {n} discussed point {k} of the plan for several hours on Friday.\n\n" for k in range(4))


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run the command line: (exit status, stdout, stderr); it never raises."""

    def call(*args: str | Path) -> tuple[int, str, str]:
        code = cli.main([str(a) for a in args])
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err

    return call


@lru_cache(maxsize=None)
def _pipeline(spacy_model: str | None, gazetteer: str | None) -> object:
    return build_pipeline(spacy_model, gazetteer)


@pytest.fixture
def fast_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    """`afstudy extract` with the default pipeline built once for the module."""
    import afstudy.pipeline

    monkeypatch.setattr(afstudy.pipeline, "build_pipeline", lambda model, gazetteer, frames=None: _pipeline(model, str(gazetteer)))


def table(out: Path, name: str) -> list[dict[str, str]]:
    return read_csv(out / f"{name}.csv").to_dict("records")


def reasons(out: Path) -> dict[str, str]:
    return {r["file"]: r["reason"] for r in table(out, "rejects")}


def codes(out: Path) -> set[tuple[str, str]]:
    return {(w["file"], w["code"]) for w in table(out, "warnings")}


def ignored(out: Path) -> dict[str, str]:
    return {r["entry"]: r["rule"] for r in table(out, "ignored")}


def complete(out: Path, names: tuple[str, ...]) -> None:
    """The output folder holds exactly the tables, each with its documented header, and
    no temporary file."""
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.csv" for n in names)
    dictionary = load_dictionary()
    for name in names:
        assert column_problems(read_csv(out / f"{name}.csv"), dictionary[name]) == [], name


# ---- 1. values nobody checked ------------------------------------------------------------
def test_an_outlet_id_typo_is_processed_with_a_did_you_mean_warning(seeds: Path, run: Callable[..., tuple[int, str, str]], fast_pipeline: None) -> None:
    edit_row(seeds, SEED0, outlet_id="rfer1")
    code, out, _ = run("extract", seeds, "--out", seeds.parent / "out")
    assert code == 0
    warnings = {w["code"]: w["message"] for w in table(seeds.parent / "out", "warnings") if w["file"] == SEED0}
    assert "generic rules used (did you mean 'rferl'?)" in warnings["unknown_outlet"]
    assert "did you mean 'rferl'?" in warnings["outlet_not_in_gazetteer"]
    assert "2 warnings (1 outlet_not_in_gazetteer, 1 unknown_outlet; see warnings.csv)" in out


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("outlet_id", "", "empty outlet_id for '000_dfbb3eb3cbe132e1.txt'"),
        ("outlet_id", "RFE/RL", "bad outlet_id 'RFE/RL': lowercase letters, digits and _ only"),
        ("outlet_type", "banana", "bad outlet_type 'banana' for '000_dfbb3eb3cbe132e1.txt' (one of commercial_broadcaster, digital_native, independent, newspaper, public_broadcaster, state_media, us_government_funded, wire_service)"),
        ("outlet_type", "independant", "bad outlet_type 'independant' for '000_dfbb3eb3cbe132e1.txt' (one of commercial_broadcaster, digital_native, independent, newspaper, public_broadcaster, state_media, us_government_funded, wire_service) (did you mean 'independent'?)"),
        ("outlet_type", "", "bad outlet_type ''"),
        ("date_precision", "dya", "(did you mean 'day'?)"),
        ("event", "moscow_conference_2081", "bad event 'moscow_conference_2081' for '000_dfbb3eb3cbe132e1.txt' (one of "),
        ("event", "moscow_conference_2081", "(did you mean 'moscow_conference_2018'?); add new events to a value sets file (value_sets.yaml)"),
        ("event_date", "20210128", "bad date in column 'event_date': '20210128' (want YYYY-MM-DD"),
        ("event_date", "2021-W04-4", "bad date in column 'event_date': '2021-W04-4'"),
        ("event_date", "2021-02-30", "bad date in column 'event_date'"),
        ("published", "20181109", "bad date in column 'published': '20181109'"),
        ("published", "2018-W36-2", "bad date in column 'published': '2018-W36-2'"),
        ("published", " 2021-01-28T10:00", "bad date in column 'published'"),
        ("article_id", "", "empty article_id"),
        ("article_id", "a b", "bad article_id 'a b'"),
        ("outlet", "", "empty outlet"),
    ],
)
def test_a_bad_metadata_value_rejects_its_row_naming_file_line_column_value_and_allowed_values(seeds: Path, column: str, value: str, message: str) -> None:
    edit_row(seeds, SEED0, **{column: value})
    corpus = read_corpus(seeds)
    assert len(corpus.articles) == 4
    (reject,) = corpus.rejects
    assert (reject.file, reject.stage, reason := reject.reason) == (SEED0, "metadata", "bad_metadata"), reason
    assert reject.message.startswith("metadata.csv:2: ") and message in reject.message  # no folder path: the same wherever the corpus lies
    assert "\n" not in reject.message


@pytest.mark.parametrize(
    ("published", "precision", "ok"),
    [("2021-01-01", "month", True), ("2021-01-28", "month", False), ("2021-01-01", "year", True), ("2021-03-01", "year", False), ("", "none", True), ("2021-01-28", "none", False), ("", "day", False)],
)
def test_month_and_year_precisions_write_the_first_day_of_the_period(seeds: Path, published: str, precision: str, ok: bool) -> None:
    edit_row(seeds, SEED0, published=published, date_precision=precision)
    corpus = read_corpus(seeds)
    assert (corpus.rejects == []) is ok, corpus.rejects


def test_event_dates_are_checked_against_the_value_sets_and_inferred_when_empty(seeds: Path) -> None:
    edit_row(seeds, SEED0, event_date="2021-01-29")
    edit_row(seeds, "001_795024dda146d0ce.txt", event_date="")
    parsed = parse_corpus(seeds)
    assert parsed.rejects == [] and len(parsed.articles) == 5
    found = {w.file: (w.code, w.message) for w in parsed.warnings}
    assert found[SEED0] == ("event_date_mismatch", "metadata.csv:2: event_date 2021-01-29 differs from 2021-01-28, the date of event 'moscow_taliban_visit_2021' (value_sets.yaml)")
    assert found["001_795024dda146d0ce.txt"][0] == "event_date_inferred"
    assert next(a for a in parsed.articles if a.raw.meta.file.startswith("001")).raw.meta.event_date == "2021-01-28"


def test_a_study_extends_the_value_sets_in_its_own_file(seeds: Path, tmp_path: Path, run: Callable[..., tuple[int, str, str]]) -> None:
    edit_row(seeds, SEED0, event="doha_agreement_2020", event_date="2020-02-29", outlet_type="exile_media")
    assert run("parse", seeds, "--out", tmp_path / "a")[0] == 0
    assert reasons(tmp_path / "a") == {SEED0: "bad_metadata"}
    study = tmp_path / "study.yaml"
    study.write_text("schema_version: 1\nextends: afstudy\noutlet_types:\n  exile_media: An outlet of journalists in exile.\nevents:\n  doha_agreement_2020: {date: 2020-02-29, description: The US-Taliban agreement signed in Doha.}\n")
    code, out, _ = run("parse", seeds, "--out", tmp_path / "b", "--value-sets", study)
    assert code == 0 and reasons(tmp_path / "b") == {} and "5 processed" in out
    study.write_text("schema_version: 1\nextends: afstudy\nevents:\n  moscow_conference_2018: {date: 2018-11-10, description: Moved.}\n")
    code, _, err = run("parse", seeds, "--out", tmp_path / "c", "--value-sets", study)
    assert code == 2 and err == f"afstudy: error: {study}:4: events.moscow_conference_2018: event 'moscow_conference_2018' is already defined (date 2018-11-09): a study may add ids, not redefine them\n"


def test_a_headline_that_differs_from_the_metadata_is_a_warning(seeds: Path) -> None:
    edit_row(seeds, SEED0, headline="Taliban Delegation Discusses Peace")
    parsed = parse_corpus(seeds)
    (warning,) = parsed.warnings
    assert (warning.file, warning.stage, warning.code) == (SEED0, "parse", "headline_mismatch")
    assert "'Taliban Delegation Discusses Afghan Peace Talks With Russian Officials' differs from the metadata headline 'Taliban Delegation Discusses Peace'" in warning.message


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("outlets.yaml", "schema_version: 1\noutlets:\n  rferl: {name: A}\n  rferl: {name: B}\n", r"outlets\.yaml:4: outlets\.rferl: duplicate key 'rferl' \(first at line 3\)"),
        ("actors.yaml", "schema_version: 1\nactors:\n  - id: x\n    names: [X]\n    names: [Y]\n", r"actors\.yaml:5: actors\[0\]\.names: duplicate key 'names' \(first at line 4\)"),
        ("frames.yaml", "schema_version: 1\nbase: &b {id: a}\ndimensions: [*b]\n", r"frames\.yaml:2: anchors and aliases"),
    ],
)
def test_duplicate_keys_and_aliases_in_curated_yaml_are_errors(tmp_path: Path, name: str, text: str, message: str) -> None:
    from afstudy.io import load_yaml_document

    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(afio.ConfigError, match=message):
        load_yaml_document(path)


def test_a_duplicate_outlet_in_the_project_file_stops_the_run_with_its_line(seeds: Path, tmp_path: Path, run: Callable[..., tuple[int, str, str]]) -> None:
    outlets = tmp_path / "outlets.yaml"
    outlets.write_text(Path(cli.OUTLETS_FILE).read_text(encoding="utf-8") + "  rferl:\n    name: Again\n")
    code, out, err = run("parse", seeds, "--out", tmp_path / "out", "--outlets", outlets)
    assert code == 2 and out == "" and not (tmp_path / "out").exists()
    assert err.startswith(f"afstudy: error: {outlets}:") and "outlets.rferl: duplicate key 'rferl' (first at line" in err and err.count("\n") == 1


def test_spec_parameters_that_become_file_names_are_checked() -> None:
    for bad in ("../../../../tmp/x/evil", "Pooled", "a/b", "", "x.y"):
        with pytest.raises(ParameterError, match="scope must be 'pooled' or an outlet id"):
            Spec(scope=bad)
    for k in (2.7, 0, -1, True, "20"):
        with pytest.raises(ValueError, match="k must be a whole number of at least 1"):
            Spec(unit="window", k=k)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="min_count"):
        Spec(min_count=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="parts must be"):
        Spec(parts=("body",))
    assert Spec(unit="window", k=20, scope="moscow_times").slug == "moscow_times_window20_actor"


# ---- 2. one bad input aborted the run ----------------------------------------------------
def long_article(chars: int) -> str:
    lines = ["A Very Long Report On Many Things", ""]
    n = 0
    while sum(map(len, lines)) + len(lines) < chars:
        lines += [f"Item {n} of the long report lists the delegates and the topics of meeting number {n} in detail.", ""]
        n += 1
    return "\n".join(lines) + "\n"


def test_an_article_over_spacys_max_length_is_processed(seeds: Path, run: Callable[..., tuple[int, str, str]], fast_pipeline: None) -> None:
    for seed in sorted(seeds.glob("00[1-4]*.txt")):
        seed.unlink()
    write_rows(seeds, [r for r in rows_of(seeds) if r["file"] == SEED0])
    (seeds / "big.txt").write_text(long_article(1_200_000))
    add_row(seeds, "big.txt", headline="")
    code, out, _ = run("extract", seeds, "--out", seeds.parent / "out")
    assert code == 0 and "2 processed + 0 rejected" in out
    assert len(table(seeds.parent / "out", "articles")) == 2
    code, out, _ = run("extract", seeds, "--out", seeds.parent / "capped", "--max-chars", "1000000")
    assert code == 0 and reasons(seeds.parent / "capped") == {"big.txt": "too_long"}


def test_too_long_is_decided_before_reading_a_huge_file(seeds: Path, tmp_path: Path, run: Callable[..., tuple[int, str, str]]) -> None:
    with open(seeds / "huge.txt", "wb") as handle:
        handle.truncate(50_000_000)  # sparse: 50 MB of NULs
    add_row(seeds, "huge.txt")
    tracemalloc.start()
    try:
        code, _, _ = run("parse", seeds, "--out", tmp_path / "out", "--max-chars", "100000")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    (reject,) = table(tmp_path / "out", "rejects")
    assert code == 0 and (reject["file"], reject["reason"]) == ("huge.txt", "too_long") and "50,000,000 bytes" in reject["message"]
    assert len(table(tmp_path / "out", "articles")) == 5
    assert peak < 20_000_000, f"{peak:,} bytes allocated: the 50 MB file was read"  # decided from its size


def fail_to_open(monkeypatch: pytest.MonkeyPatch, name: str, err: int) -> None:
    real_open = os.open

    def fake_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if str(path).endswith(name) and not flags & os.O_WRONLY:
            raise OSError(err, os.strerror(err), str(path))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", fake_open)


@pytest.mark.parametrize("command", ["parse", "extract"])
@pytest.mark.parametrize("err", [errno.EACCES, errno.EIO])
def test_one_unreadable_file_is_a_reject_not_an_abort(seeds: Path, run: Callable[..., tuple[int, str, str]], fast_pipeline: None, monkeypatch: pytest.MonkeyPatch, command: str, err: int) -> None:
    fail_to_open(monkeypatch, SEED0, err)
    code, out, _ = run(command, seeds, "--out", seeds.parent / "out")
    assert code == 0 and "7 entries in = 4 processed + 1 rejected + 2 ignored" in out
    (reject,) = table(seeds.parent / "out", "rejects")
    assert (reject["file"], reject["reason"]) == (SEED0, "unreadable") and os.strerror(err) in reject["message"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_file_without_read_permission_is_unreadable(seeds: Path, run: Callable[..., tuple[int, str, str]]) -> None:
    (seeds / SEED0).chmod(0)
    code, _, _ = run("parse", seeds, "--out", seeds.parent / "out")
    assert code == 0 and reasons(seeds.parent / "out") == {SEED0: "unreadable"}


def test_a_metadata_field_over_128_kib_does_not_abort_the_run(seeds: Path, run: Callable[..., tuple[int, str, str]], fast_pipeline: None) -> None:
    edit_row(seeds, SEED0, evidence="x" * 200_000)
    code, out, _ = run("extract", seeds, "--out", seeds.parent / "out")
    assert code == 0 and "5 processed + 0 rejected" in out


def test_a_metadata_field_over_the_cell_limit_rejects_that_row_only(seeds: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from afstudy import corpus as corpus_module

    monkeypatch.setattr(corpus_module, "METADATA_FIELD_LIMIT", 1000)
    edit_row(seeds, SEED0, evidence="x" * 5000)
    corpus = read_corpus(seeds)
    assert len(corpus.articles) == 4
    rejects = {r.file: r for r in corpus.rejects}
    assert rejects["metadata.csv:2"].reason == "bad_metadata" and "field larger than field limit" in rejects["metadata.csv:2"].message
    assert rejects[SEED0].reason == "no_metadata"


# ---- 3. nothing processed -----------------------------------------------------------------
@pytest.mark.parametrize("case", ["header_only", "all_rejected", "no_txt_files"])
@pytest.mark.parametrize("command", ["parse", "extract"])
def test_a_run_that_processes_nothing_writes_every_table_with_its_header(seeds: Path, run: Callable[..., tuple[int, str, str]], fast_pipeline: None, case: str, command: str) -> None:
    if case == "header_only":
        write_rows(seeds, [])
    elif case == "all_rejected":
        for row in rows_of(seeds):
            (seeds / row["file"]).write_bytes(b"")
    else:
        for seed in seeds.glob("*.txt"):
            seed.unlink()
    out = seeds.parent / "out"
    code, text, _ = run(command, seeds, "--out", out)
    assert code == 0 and "0 processed" in text and "nothing was processed (see rejects.csv and ignored.csv)" in text
    complete(out, PARSE_TABLES if command == "parse" else EXTRACT_TABLES)
    assert len(table(out, "rejects")) == {"header_only": 5, "all_rejected": 5, "no_txt_files": 5}[case]
    if command == "extract":
        code, text, _ = run("cooccurrence", out, "--out", seeds.parent / "cooc", "--paragraphs", out / "paragraphs.csv")
        assert code == 0 and "0 long rows" in text


def test_an_empty_folder_is_a_one_line_error(tmp_path: Path, run: Callable[..., tuple[int, str, str]]) -> None:
    (tmp_path / "empty").mkdir()
    code, _, err = run("parse", tmp_path / "empty", "--out", tmp_path / "out")
    assert code == 2 and err == f"afstudy: error: {tmp_path}/empty/metadata.csv: metadata file not found: every corpus folder needs metadata.csv\n"
    assert not (tmp_path / "out").exists()


# ---- 4. symlinks ---------------------------------------------------------------------------
def test_a_symlink_out_of_the_corpus_is_never_read(seeds: Path, tmp_path: Path, run: Callable[..., tuple[int, str, str]]) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(new_article(1).replace("Delegates", "SECRET delegates"))
    (seeds / "passwd.txt").symlink_to("/etc/passwd")
    (seeds / "secret.txt").symlink_to(secret)
    (seeds / "inside.txt").symlink_to("sub/real.txt")
    (seeds / "sub").mkdir()
    (seeds / "sub" / "real.txt").write_text(new_article(2))
    add_row(seeds, "passwd.txt")
    add_row(seeds, "inside.txt")
    code, out, _ = run("parse", seeds, "--out", tmp_path / "out")
    assert code == 0 and "11 entries in = 6 processed + 1 rejected + 4 ignored; 0 warnings" in out
    assert reasons(tmp_path / "out") == {"passwd.txt": "outside_corpus"}
    assert ignored(tmp_path / "out") == {"SHA256SUMS": "ignored_extension", "metadata.csv": "metadata_file", "secret.txt": "outside_corpus", "sub": "not_a_regular_file"}
    lines = (tmp_path / "out" / "lines.csv").read_text(encoding="utf-8")
    assert "root:" not in lines and "SECRET" not in lines and "round 2" in lines


def test_a_symlinked_metadata_file_leaving_the_corpus_is_refused(seeds: Path, tmp_path: Path, run: Callable[..., tuple[int, str, str]]) -> None:
    outside = tmp_path / "metadata.csv"
    shutil.move(seeds / "metadata.csv", outside)
    (seeds / "metadata.csv").symlink_to(outside)
    code, _, err = run("parse", seeds, "--out", tmp_path / "out")
    assert code == 2 and err == f"afstudy: error: {seeds}/metadata.csv: is a symbolic link: the metadata is read from the corpus folder itself\n"


def test_a_symlinked_corpus_folder_is_read_from_its_target(seeds: Path, tmp_path: Path, run: Callable[..., tuple[int, str, str]]) -> None:
    (tmp_path / "link").symlink_to(seeds)
    code, out, _ = run("parse", tmp_path / "link", "--out", tmp_path / "out")
    assert code == 0 and "7 entries in = 5 processed + 0 rejected + 2 ignored" in out


# ---- 6. Unicode file names -----------------------------------------------------------------
def test_nfd_file_names_match_nfc_metadata(seeds: Path, tmp_path: Path, run: Callable[..., tuple[int, str, str]]) -> None:
    nfc = unicodedata.normalize("NFC", "café_report.txt")
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    (seeds / nfd).write_text(new_article(3))
    add_row(seeds, nfc)
    code, out, _ = run("parse", seeds, "--out", tmp_path / "out")
    assert code == 0 and "8 entries in = 6 processed + 0 rejected + 2 ignored" in out
    assert nfc in {a["file"] for a in table(tmp_path / "out", "articles")}
    assert codes(tmp_path / "out") == {(nfc, "name_normalised")}
    (seeds / nfc).write_text(new_article(4))  # both forms on disk: one name after NFC
    code, out, _ = run("parse", seeds, "--out", tmp_path / "both")
    assert code == 0 and "9 entries in = 6 processed + 1 rejected + 2 ignored" in out
    assert reasons(tmp_path / "both") == {nfd: "duplicate_name"}  # the NFC name is the one metadata.csv names


# ---- 7. write failures -------------------------------------------------------------------
def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp" in p.name)


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EACCES, errno.EROFS, errno.EIO])
@pytest.mark.parametrize("command", ["parse", "extract"])
def test_a_write_failure_is_one_line_and_leaves_no_temporary_file(seeds: Path, tmp_path: Path, run: Callable[..., tuple[int, str, str]], fast_pipeline: None, monkeypatch: pytest.MonkeyPatch, err: int, command: str) -> None:
    out = tmp_path / "out"
    assert run(command, seeds, "--out", out)[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_open = afio.create_temp
    calls = {"n": 0}

    def create_temp(target: Path) -> tuple[Path, object]:
        calls["n"] += 1
        if calls["n"] == 3:  # the third table fails
            raise OSError(err, os.strerror(err), str(target))
        tmp, handle = real_open(target)
        return tmp, handle

    monkeypatch.setattr(afio, "create_temp", create_temp)
    edit_row(seeds, SEED0, headline="changed")  # the new run would write something else
    code, text, stderr = run(command, seeds, "--out", out)
    assert code == 2 and text == ""
    assert stderr.startswith(f"afstudy: error: {out}/") and f"cannot write: {os.strerror(err)}" in stderr and stderr.count("\n") == 1
    assert leftovers(out) == [] and {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_full_disk_while_writing_rows_leaves_the_earlier_outputs(seeds: Path, tmp_path: Path, run: Callable[..., tuple[int, str, str]], fast_pipeline: None, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert run("extract", seeds, "--out", out)[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = afio.StagedOutputs.write

    def write(self: afio.StagedOutputs, name: str, handle: object, data: bytes) -> None:
        if name == "mentions.csv" and len(data) > 1000:
            raise afio.OutputError(self.folder / name, f"cannot write: {os.strerror(errno.ENOSPC)}")
        real(self, name, handle, data)  # type: ignore[arg-type]

    monkeypatch.setattr(afio.StagedOutputs, "write", write)
    code, _, err = run("extract", seeds, "--out", out)
    assert code == 2 and err == f"afstudy: error: {out}/mentions.csv: cannot write: No space left on device\n"
    assert leftovers(out) == [] and {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_os_level_enospc_on_write_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    def to_csv(self: object, *args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    with pytest.raises(afio.OutputError, match="a.csv: cannot write: No space left on device"):
        afio.write_csv(pd.DataFrame({"a": [1]}), tmp_path / "a.csv")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(afio.OutputError, match="cannot write: No space left on device"), afio.StagedOutputs(tmp_path / "o") as outputs:
        outputs.write_frame("b.csv", pd.DataFrame({"b": [1]}))
    assert list((tmp_path / "o").iterdir()) == []


def test_stale_temporary_files_of_a_killed_run_are_removed(seeds: Path, tmp_path: Path, run: Callable[..., tuple[int, str, str]]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    dead = 2**22 + 12345  # above the default pid_max: no such process
    (out / f".lines.csv.{dead}.tmp.csv").write_text("partial")
    (out / f".articles.csv.{dead}-1.tmp.csv").write_text("partial")
    (out / f".rejects.csv.{os.getppid()}.tmp.csv").write_text("a live run's")
    (out / ".notes.txt").write_text("not ours")
    assert run("parse", seeds, "--out", out)[0] == 0
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".notes.txt", f".rejects.csv.{os.getppid()}.tmp.csv"]


@pytest.mark.parametrize("command", ["parse", "extract"])
def test_out_that_is_a_file_or_the_corpus_is_refused(seeds: Path, tmp_path: Path, run: Callable[..., tuple[int, str, str]], command: str) -> None:
    (tmp_path / "file").write_text("x")
    code, _, err = run(command, seeds, "--out", tmp_path / "file")
    assert code == 2 and err == f"afstudy: error: {tmp_path}/file: exists and is not a folder (--out names the output folder)\n"
    code, _, err = run(command, seeds, "--out", seeds)
    assert code == 2 and "is the corpus folder" in err
    code, _, err = run(command, seeds, "--out", tmp_path / "file" / "sub")
    assert code == 2 and err.startswith(f"afstudy: error: {tmp_path}/file/sub: cannot create the folder")


# ---- 8. curated files with wrong types ---------------------------------------------------
def patched(tmp_path: Path, source: Path, old: str, new: str) -> tuple[Path, int]:
    """A copy of ``source`` with ``old`` replaced by ``new``, and the line of the first line
    that changed (where the error is expected)."""
    text = source.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    old_lines, new_lines = old.split("\n"), new.split("\n")
    changed = next(i for i, (a, b) in enumerate(zip(old_lines + [""], new_lines + [""])) if a != b)
    return path, text[: text.index(old)].count("\n") + 1 + changed


CONFIG_CASES = [
    ("--gazetteer", "actors.yaml", "    affiliation: russian_foreign_ministry\n", "    affiliation: [russia]\n", r"actors\.yaml:\d+: actors\[\d+\]\.affiliation: \['russia'\] is not of type 'string', 'null'"),
    ("--gazetteer", "actors.yaml", "  prepositions: [in, into,", "  prepositions: in\n  ignored: [into,", r"actors\.yaml:\d+: place_cues\.prepositions: 'in' is not of type 'array', 'null'"),
    ("--gazetteer", "actors.yaml", "  location_nouns: [state,", "  location_nouns: [7, state,", r"actors\.yaml:\d+: place_cues\.location_nouns\[0\]: 7 is not of type 'string'"),
    ("--gazetteer", "actors.yaml", "  - id: soviet_union\n", "  - id: [soviet_union]\n", r"actors\.yaml:\d+: actors\[\d+\]\.id: \['soviet_union'\] is not of type 'string'"),
    ("--gazetteer", "actors.yaml", "    type: state\n", "    type: state\n    colour: red\n", r"actors\.yaml:\d+: actors\[\d+\]\.colour: unknown key 'colour'"),
    ("--gazetteer", "actors.yaml", "    side: russia\n", "    side: rusia\n", r"actors\.yaml:\d+: actors\[\d+\]\.side: actor '\w+': unknown side 'rusia' \(did you mean 'russia'\?\) \(one of russia, taliban,"),
    ("--outlets", "outlets.yaml", "  body_min_words: 8\n", "  body_min_words: true\n", r"outlets\.yaml:\d+: generic\.body_min_words: true is not of type 'integer'"),
    ("--outlets", "outlets.yaml", "  standfirst_overlap: 0.6\n", "  standfirst_overlap: '0.6'\n", r"generic\.standfirst_overlap: '0\.6' is not of type 'number'"),
    ("--outlets", "outlets.yaml", "    - '(?P<prefix>\\((Reuters|AP|AFP|TASS|Interfax)\\)\\s*[-–—]+\\s*)'", "    - '\\((Reuters|AP|AFP|TASS|Interfax)\\)\\s*[-–—]+\\s*'", r"outlets\.yaml:\d+: generic\.lead_ins\[\d+\]: lead-in pattern .* has no \(\?P<prefix>\.\.\.\) group"),
    ("--outlets", "outlets.yaml", "        - 'RFE/RL journalists report the news in .*'", "        - 'RFE/RL journalists (report'", r"outlets\.yaml:\d+: outlets\.rferl\.remove\[0\]\.patterns\[0\]: bad regular expression 'RFE/RL journalists \(report'"),
    ("--outlets", "outlets.yaml", "  rferl:\n    name: RFE/RL\n", "  rferl:\n    name: RFE/RL\n    lead_caption_max_words: 15\n", r"outlets\.yaml:\d+: outlets\.rferl\.lead_caption_max_words: duplicate key"),
    ("--quote-rules", "quotes.yaml", "min_indirect_words: 3", "min_indirect_words: 3.0", r"quotes\.yaml:\d+: min_indirect_words: 3\.0 is not of type 'integer'"),
    ("--quote-rules", "quotes.yaml", "pronouns: [he, she, him, her]", "pronouns: he", r"quotes\.yaml:\d+: pronouns: 'he' is not of type 'array'"),
]


@pytest.mark.parametrize(("option", "name", "old", "new", "message"), CONFIG_CASES)
def test_a_malformed_curated_file_is_one_line_with_file_line_and_key(seeds: Path, tmp_path: Path, run: Callable[..., tuple[int, str, str]], option: str, name: str, old: str, new: str, message: str) -> None:
    from afstudy.paths import DATA_DIR

    path, line = patched(tmp_path, DATA_DIR / name, old, new)
    code, out, err = run("extract", seeds, "--out", tmp_path / "out", option, path)
    assert code == 2 and out == "" and err.count("\n") == 1 and not (tmp_path / "out").exists()
    where = f"afstudy: error: {path}:" if "duplicate key" in message else f"afstudy: error: {path}:{line}: "  # a duplicate is reported at its second copy
    assert err.startswith(where), err
    import re

    assert re.search(message, err), err


FRAME_CASES = [
    ("matching: {attr: LEMMA, lowercase: true}", "matching: {attr: POS}", r"frames\.yaml:\d+: matching\.attr: 'POS' matching is not implemented"),
    ("  - id: economic\n", "  - id: [economic]\n", r"frames\.yaml:\d+: dimensions\[0\]\.id: \['economic'\] is not of type 'string'"),
    ("{LOWER: {REGEX: '^\\d'}}", "{LOWER: {REGEX: '^(\\d'}}", r"frames\.yaml:\d+: dimensions\[0\]\.patterns\[0\]\[1\]\.LOWER\.REGEX: bad regular expression '\^\(\\\\d'"),
    ("{LOWER: {IN: [\"$\"", "{POS: {IN: [\"$\"", r"dimensions\[0\]\.patterns\[0\]\[0\]\.POS: token attribute 'POS' is not available"),
    ("    name: Economic\n", "    name: Economic\n    weight: 2\n", r"dimensions\[0\]\.weight: unknown key 'weight'"),
]


@pytest.mark.parametrize(("old", "new", "message"), FRAME_CASES)
def test_a_malformed_frame_lexicon_names_file_line_and_key(tmp_path: Path, old: str, new: str, message: str) -> None:
    from afstudy.framing import FRAMES_FILE, load_lexicon

    path, line = patched(tmp_path, FRAMES_FILE, old, new)
    with pytest.raises(afio.ConfigError, match=message) as info:
        load_lexicon(path)
    assert str(info.value).startswith(f"{path}:{line}: ")


# ---- 9. entries that were skipped silently ------------------------------------------------
def messy_corpus(seeds: Path) -> Path:
    """The seeds plus one entry of every kind that is not an input."""
    (seeds / "UPPER.TXT").write_text(new_article(5))
    (seeds / ".hidden.txt").write_text(new_article(6))
    (seeds / "notes.md").write_text("notes")
    (seeds / "sub").mkdir()
    (seeds / "dir.txt").mkdir()
    (seeds / "dangling.txt").symlink_to("nowhere.txt")
    (seeds / "loop.txt").symlink_to("loop.txt")
    os.mkfifo(seeds / "pipe.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(seeds / "sock.txt"))
    sock.close()
    return seeds


MESSY_IGNORED = {
    ".hidden.txt": "hidden", "SHA256SUMS": "ignored_extension", "UPPER.TXT": "ignored_extension", "dangling.txt": "dangling_symlink",
    "dir.txt": "not_a_regular_file", "loop.txt": "dangling_symlink", "metadata.csv": "metadata_file", "notes.md": "ignored_extension",
    "pipe.txt": "not_a_regular_file", "sock.txt": "not_a_regular_file", "sub": "not_a_regular_file",
}


@pytest.mark.parametrize("command", ["parse", "extract"])
def test_every_entry_is_counted_and_ignored_entries_say_by_which_rule(seeds: Path, run: Callable[..., tuple[int, str, str]], fast_pipeline: None, command: str) -> None:
    messy_corpus(seeds)
    code, out, _ = run(command, seeds, "--out", seeds.parent / "out")
    assert code == 0 and "16 entries in = 5 processed + 0 rejected + 11 ignored; 0 warnings" in out
    assert ignored(seeds.parent / "out") == MESSY_IGNORED
    kinds = {r["entry"]: r["kind"] for r in table(seeds.parent / "out", "ignored")}
    assert (kinds["pipe.txt"], kinds["sock.txt"], kinds["dangling.txt"], kinds["sub"]) == ("fifo", "socket", "symlink", "directory")


def test_parse_and_extract_count_the_same(seeds: Path, run: Callable[..., tuple[int, str, str]], fast_pipeline: None) -> None:
    messy_corpus(seeds)
    (seeds / "empty.txt").write_bytes(b"")
    (seeds / "orphan.txt").write_text(new_article(7))
    add_row(seeds, "empty.txt")
    add_row(seeds, "ghost.txt")
    first = run("parse", seeds, "--out", seeds.parent / "p")[1].splitlines()[0].split(": ", 1)[1]
    second = run("extract", seeds, "--out", seeds.parent / "e")[1].split(": ", 1)[1]
    assert first.split("; 5 articles")[0] == second.split("; 5 articles")[0]
    assert first.startswith("18 entries in = 5 processed + 2 rejected + 11 ignored; 1 metadata row without a file")


@pytest.mark.parametrize(
    ("entry", "reason"),
    [("UPPER.TXT", "ignored_extension"), (".hidden.txt", "hidden"), ("notes.md", "ignored_extension"), ("dir.txt", "not_a_regular_file"), ("sub", "not_a_regular_file"),
     ("dangling.txt", "dangling_symlink"), ("loop.txt", "dangling_symlink"), ("pipe.txt", "not_a_regular_file"), ("sock.txt", "not_a_regular_file"), ("metadata.csv", "metadata_file")],
)
def test_a_metadata_row_for_an_ignored_entry_gets_the_true_reason(seeds: Path, run: Callable[..., tuple[int, str, str]], entry: str, reason: str) -> None:
    messy_corpus(seeds)
    add_row(seeds, entry)
    code, out, _ = run("parse", seeds, "--out", seeds.parent / "out")
    assert code == 0 and "16 entries in = 5 processed + 1 rejected + 10 ignored" in out
    assert reasons(seeds.parent / "out") == {entry: reason}
    assert entry not in ignored(seeds.parent / "out")


def test_a_fifo_never_blocks_the_run(seeds: Path) -> None:
    os.mkfifo(seeds / "pipe.txt")
    from afstudy.corpus import read_regular_file

    raised: list[BaseException] = []

    def read() -> None:
        try:
            read_regular_file(seeds / "pipe.txt")
        except BaseException as error:  # noqa: BLE001 - handed to the test's thread
            raised.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=60)  # a hang guard, not a speed check: opening a FIFO for reading blocks for ever
    assert not reader.is_alive(), "reading the FIFO blocked"
    assert len(raised) == 1 and isinstance(raised[0], afio.InputError) and "is a fifo, not a regular file" in str(raised[0])


ARTICLE_TEXT = new_article(8).replace("Friday", "Friday, “as planned,” officials said,")


@pytest.mark.parametrize(
    ("data", "encoding", "had_bom"),
    [
        (ARTICLE_TEXT.encode("utf-16"), "utf-16-le", True),
        (b"\xfe\xff" + ARTICLE_TEXT.encode("utf-16-be"), "utf-16-be", True),
        (ARTICLE_TEXT.encode("utf-16-le"), "utf-16-le", False),
        (ARTICLE_TEXT.encode("utf-16-be"), "utf-16-be", False),
        (ARTICLE_TEXT.encode("utf-32"), "utf-32-le", True),
        (b"\x00\x00\xfe\xff" + ARTICLE_TEXT.encode("utf-32-be"), "utf-32-be", True),
        (b"\xef\xbb\xbf" + ARTICLE_TEXT.encode("utf-8"), "utf-8", True),
    ],
)
def test_utf16_and_utf32_text_is_decoded_not_called_binary(tmp_path: Path, data: bytes, encoding: str, had_bom: bool) -> None:
    found = decode(data, tmp_path / "a.txt")
    assert (found.text, found.encoding, found.had_bom) == (ARTICLE_TEXT, encoding, had_bom)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"A" * 10_000 + b"\x00" + b"B" * 100, "binary"),  # a NUL after the first 8 KiB
        (b"text line\n" * 1000 + bytes(range(1, 9)) * 3000, "binary"),  # control bytes after 8 KiB
        (b"\xff\xfe", "empty"),
        (b"\xff\xfe" + " \n".encode("utf-16-le"), "empty"),
        (b"\x00\x01\x02\x03" * 10, "binary"),
        (b"PK\x03\x04\x00\x00" + bytes(range(256)) * 40, "binary"),
        (b"\xff\xfe" + b"\x00\xd8a\x00", "binary"),  # a lone surrogate
    ],
)
def test_binary_data_anywhere_in_the_file_is_binary(tmp_path: Path, data: bytes, code: str) -> None:
    with pytest.raises(afio.InputError) as info:
        decode(data, tmp_path / "a.txt")
    assert info.value.code == code


def test_utf8_with_a_stray_latin1_byte_keeps_its_curly_quotes_and_mentions(seeds: Path, run: Callable[..., tuple[int, str, str]], fast_pipeline: None) -> None:
    clean = (seeds / SEED0).read_bytes()
    assert "“".encode() in clean
    at = clean.index(b"\n\n", 2000) + 2
    (seeds / SEED0).write_bytes(clean[:at] + b"Caf\xe9 talk. " + clean[at:])  # one Latin-1 byte
    code, out, _ = run("extract", seeds, "--out", seeds.parent / "mixed")
    assert code == 0 and "1 mixed_encoding" in out
    (article,) = [a for a in table(seeds.parent / "mixed", "articles") if a["file"] == SEED0]
    assert article["encoding"] == "utf-8+cp1252"
    (warning,) = [w for w in table(seeds.parent / "mixed", "warnings") if w["code"] == "mixed_encoding"]
    line = clean[:at].count(b"\n") + 1
    assert warning["message"] == f"UTF-8 with 1 byte that is not UTF-8, decoded as cp1252: byte {at + 3} (line {line}): 0xe9 as 'é'"
    texts = "\n".join(r["text"] for r in table(seeds.parent / "mixed", "lines") if r["file"] == SEED0)
    assert "Café talk." in texts and "“" in texts and "â€" not in texts
    (seeds / SEED0).write_bytes(clean)
    run("extract", seeds, "--out", seeds.parent / "clean")
    count = lambda out: sum(1 for m in table(out, "mentions") if m["file"] == SEED0)  # noqa: E731
    assert count(seeds.parent / "mixed") == count(seeds.parent / "clean") > 30


def test_a_wholly_cp1252_file_keeps_the_cp1252_fallback(tmp_path: Path) -> None:
    found = decode(b"caf\xe9 \x93quoted\x94 and more", tmp_path / "a.txt")
    assert (found.text, found.encoding, found.stray) == ("café “quoted” and more", "cp1252-fallback", ())


# ---- 10. the rest ----------------------------------------------------------------------------
def test_parse_into_a_folder_of_an_earlier_extract_leaves_no_mixed_tables(seeds: Path, tmp_path: Path, run: Callable[..., tuple[int, str, str]], fast_pipeline: None) -> None:
    out = tmp_path / "out"
    assert run("extract", seeds, "--out", out)[0] == 0
    (out / "notes.csv").write_text("mine\n")
    write_rows(seeds, rows_of(seeds)[:2])
    assert run("parse", seeds, "--out", out)[0] == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([*(f"{n}.csv" for n in PARSE_TABLES), "notes.csv"])
    (out / "mentions.csv").write_text("not,an,afstudy,table\n")
    code, _, err = run("parse", seeds, "--out", out)
    assert code == 2 and err.startswith(f"afstudy: error: {out}/mentions.csv: is not a table of an earlier afstudy run")
    assert set(EXTRACT_ONLY_TABLES) & set(PARSE_TABLES) == set()


@pytest.mark.parametrize("change", [lambda t: t + b"\n\n\n", lambda t: t.replace(b"\n", b"  \n"), lambda t: t.rstrip(b"\n") + b"\t \n \n"])
def test_a_copy_differing_only_by_trailing_whitespace_is_a_duplicate(seeds: Path, change: Callable[[bytes], bytes]) -> None:
    (seeds / "900_copy.txt").write_bytes(change((seeds / SEED0).read_bytes()))
    add_row(seeds, "900_copy.txt")
    corpus = read_corpus(seeds)
    assert [(r.file, r.reason) for r in corpus.rejects] == [("900_copy.txt", "duplicate_text")]  # files are read in name order
    assert corpus.rejects[0].message.endswith(f"same text as {SEED0}")


def test_a_near_duplicate_is_a_warning(seeds: Path) -> None:
    lines = (seeds / SEED0).read_text(encoding="utf-8").split("\n")
    body = [n for n, line in enumerate(lines) if len(line.split()) >= 5]
    lines[body[-2]] = "A new sentence written for this copy only, to make it differ."
    (seeds / "zz_copy.txt").write_text("\n".join(lines), encoding="utf-8")
    add_row(seeds, "zz_copy.txt")
    parsed = parse_corpus(seeds)
    assert parsed.rejects == [] and len(parsed.articles) == 6
    (warning,) = parsed.warnings
    assert (warning.file, warning.code) == ("zz_copy.txt", "near_duplicate")
    assert warning.message.endswith(f"are also in {SEED0}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["extract", "{seeds}", "--out", "{tmp}/o", "--n-process", "0"], "argument --n-process: must be at least 1, not 0"),
        (["extract", "{seeds}", "--out", "{tmp}/o", "--batch-size", "0"], "argument --batch-size: must be at least 1, not 0"),
        (["extract", "{seeds}", "--out", "{tmp}/o", "--batch-size", "2.5"], "argument --batch-size: must be a whole number of at least 1, not '2.5'"),
        (["extract", "{seeds}", "--out", "{tmp}/o", "--workers", "-1"], "argument --workers: must be 0 or more, not -1"),
        (["parse", "{seeds}", "--out", "{tmp}/o", "--max-chars", "0"], "argument --max-chars: must be at least 1, not 0"),
        (["cooccurrence", "{tmp}", "--out", "{tmp}/o", "--k", "0"], "argument --k: must be at least 1, not 0"),
        (["archive", "--out", "{tmp}/a.tar.gz", "--prefix", "../up"], "argument --prefix: must be a plain folder name"),
    ],
)
def test_argument_misuse_exits_2_with_the_usage_line(seeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main([a.format(seeds=seeds, tmp=tmp_path) for a in args])
    err = capsys.readouterr().err
    assert info.value.code == 2 and message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cooccurrence", "{tmp}/nope", "--out", "{tmp}/o"], "{tmp}/nope: folder not found (the output folder of afstudy extract)"),
        (["cooccurrence", "{tmp}", "--out", "{tmp}/o"], "{tmp}/mentions.csv: mentions table (run afstudy extract first) not found"),
        (["cooccurrence", "{seeds}/metadata.csv", "--out", "{tmp}/o"], "{seeds}/metadata.csv: is a file, not a folder"),
        (["checksums", "check", "--manifest", "{tmp}/missing.sha256", "--root", "{tmp}"], "{tmp}/missing.sha256: manifest not found"),
        (["checksums", "check", "--manifest", "{tmp}", "--root", "{tmp}"], "{tmp}: cannot read: is a folder, not a file"),
        (["checksums", "write", "--manifest", "{tmp}/m.sha256", "--root", "/nonexistent"], "/nonexistent: project folder not found"),
        (["archive", "--root", "/nonexistent", "--out", "{tmp}/a.tar.gz"], "/nonexistent: project folder not found"),
        (["archive", "--root", "{tmp}/emptyproject", "--out", "{tmp}/a.tar.gz"], "{tmp}/emptyproject: no project files to archive"),
        (["archive", "--root", "{seeds}", "--out", "{tmp}"], "{tmp}: is a folder, not a file"),
        (["parse", "{seeds}/metadata.csv", "--out", "{tmp}/o"], "{seeds}/metadata.csv: row 1: missing column(s): text"),  # read as a single-file corpus
        (["parse", "{tmp}/nope", "--out", "{tmp}/o"], "{tmp}/nope: corpus folder not found"),
        (["parse", "{seeds}", "--out", "{tmp}/o", "--outlets", "{tmp}"], "{tmp}: cannot read: is a folder, not a file"),
        (["parse", "{seeds}", "--out", "{tmp}/o", "--outlets", "{tmp}/none.yaml"], "{tmp}/none.yaml: file not found"),
        (["parse", "{seeds}", "--out", "{tmp}/o", "--value-sets", "{tmp}"], "{tmp}: cannot read: is a folder, not a file"),
        (["extract", "{seeds}", "--out", "{tmp}/o", "--gazetteer", "{tmp}"], "{tmp}: cannot read: is a folder, not a file"),
        (["extract", "{seeds}", "--out", "{tmp}/o", "--quote-rules", "{seeds}/metadata.csv"], "{seeds}/metadata.csv:2: YAML syntax error"),
    ],
)
def test_cli_errors_are_one_line_and_exit_2(seeds: Path, tmp_path: Path, run: Callable[..., tuple[int, str, str]], args: list[str], message: str) -> None:
    (tmp_path / "emptyproject").mkdir()
    code, out, err = run(*[a.format(seeds=seeds, tmp=tmp_path) for a in args])
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("afstudy: error: " + message.format(seeds=seeds, tmp=tmp_path)), err


def test_cooccurrence_with_a_broken_mentions_table_is_one_line(tmp_path: Path, run: Callable[..., tuple[int, str, str]]) -> None:
    (tmp_path / "mentions.csv").write_text("a,b\n1,2\n")
    (tmp_path / "sentences.csv").write_text("a\n")
    code, _, err = run("cooccurrence", tmp_path, "--out", tmp_path / "o")
    assert code == 2 and err.startswith(f"afstudy: error: {tmp_path}/mentions.csv:1: missing column(s): article_id, outlet_id")


def test_a_16000_sentence_article_is_read_cleaned_and_kept_whole(tmp_path: Path) -> None:
    """Any article size works (its speed is measured in `make bench`, not here)."""
    folder = tmp_path / "c"
    folder.mkdir()
    n = 16_000
    text = "Long Report\n\n" + "".join(f"Speaker {k} said the talks on item {k} would resume. “We will see,” he added. Others disagreed on point {k}.\n\n" for k in range(n // 3))
    (folder / "a.txt").write_text(text)
    write_rows(folder, [dict(rows_of(SEEDS_DIR)[0], file="a.txt", headline="")])
    parsed = parse_corpus(folder)
    (article,) = parsed.articles
    assert len(article.paragraphs) == n // 3
    assert article.paragraphs[-1].text.startswith(f"Speaker {n // 3 - 1} said the talks")


@pytest.mark.parametrize(
    ("mutate", "reason", "message"),
    [
        (lambda rows: rows + [dict(rows[0], file="../../etc/passwd", article_id="evil")], "bad_metadata", "bad file '../../etc/passwd': a file name in the corpus folder, not a path"),
        (lambda rows: rows + [dict(rows[0], file="sub/a.txt", article_id="evil")], "bad_metadata", "not a path"),
        (lambda rows: rows + [dict(rows[0], article_id="again")], "bad_metadata", "second row for file '000_dfbb3eb3cbe132e1.txt' (first at line 2)"),
        (lambda rows: rows + [dict(rows[0], file="new.txt")], "bad_metadata", "article_id 'rferl-2021-01-28' of 'new.txt' is already used by '000_dfbb3eb3cbe132e1.txt' (line 2)"),
        (lambda rows: rows + [dict(rows[0], file="ghost.txt", article_id="ghost")], "missing_file", "row for 'ghost.txt' but no such file"),
        (lambda rows: rows + [dict(rows[0], file="", article_id="nameless")], "bad_metadata", "empty 'file' value"),
        (lambda rows: rows + [dict(rows[0], file="x.txt", article_id="x", event="", event_date="2020-01-01")], "bad_metadata", "event_date '2020-01-01' without an event"),
    ],
)
def test_bad_metadata_rows(seeds: Path, mutate: Callable[[list[dict[str, str]]], list[dict[str, str]]], reason: str, message: str) -> None:
    write_rows(seeds, mutate(rows_of(seeds)))
    corpus = read_corpus(seeds)
    found = [r for r in corpus.rejects if r.reason == reason]
    assert found and message in found[0].message, corpus.rejects
    assert corpus.accounting.reconciles


def test_metadata_rows_with_the_wrong_number_of_cells_and_unknown_columns(seeds: Path) -> None:
    text = (seeds / "metadata.csv").read_text(encoding="utf-8").splitlines()
    text[0] += ",notes,notes"
    text[1] += ",a,b"
    text[2] += ",a"  # one cell short
    (seeds / "metadata.csv").write_text("\n".join(text[:3]) + "\n", encoding="utf-8")
    corpus = read_corpus(seeds)
    assert [(r.file, r.reason) for r in corpus.rejects if r.stage == "metadata"] == [("001_795024dda146d0ce.txt", "bad_metadata")]
    assert "the row has 12 cells, the header 13" in corpus.rejects[0].message
    assert {(w.file, w.code) for w in corpus.warnings} == {("metadata.csv", "unknown_column"), ("metadata.csv", "repeated_column")}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("file,article_id\n".encode(), "metadata.csv:1: missing column(s): outlet, outlet_id"),
        ("é".encode("latin-1") + b"file\n", "metadata.csv: not valid UTF-8 (invalid continuation byte at byte 0)"),
        (",".join(METADATA_COLUMNS).encode("utf-16"), "metadata.csv: not valid UTF-8"),
        (b"", "metadata.csv:1: missing column(s): file, article_id"),
    ],
)
def test_unusable_metadata_is_a_one_line_error(seeds: Path, run: Callable[..., tuple[int, str, str]], data: bytes, message: str) -> None:
    (seeds / "metadata.csv").write_bytes(data)
    code, _, err = run("parse", seeds, "--out", seeds.parent / "out")
    assert code == 2 and err.startswith(f"afstudy: error: {seeds}/{message}"), err


def test_an_atomic_write_removes_the_stale_temporary_file_of_its_target(tmp_path: Path) -> None:
    dead = 2**22 + 54321
    (tmp_path / f".01-corpus.ipynb.{dead}.tmp.ipynb").write_text("partial notebook of a killed run")
    (tmp_path / f".other.ipynb.{dead}.tmp.ipynb").write_text("another target's")
    with afio.atomic_open(tmp_path / "01-corpus.ipynb") as handle:
        handle.write("{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".other.ipynb.{dead}.tmp.ipynb", "01-corpus.ipynb"]
