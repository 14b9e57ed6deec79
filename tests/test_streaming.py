"""Streaming extraction: identical bytes whatever the batch size, processes or backend;
bad files among good ones are rejected one by one and the counts reconcile."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import pytest

from afstudy import streaming
from afstudy.cleaning import load_profiles
from afstudy.cli import main
from afstudy.io import read_csv
from afstudy.paths import SEEDS_DIR
from afstudy.pipeline import build_pipeline
from afstudy.quotes import load_quote_rules


def run(corpus: Path, out: Path, *extra: str) -> None:
    assert main(["extract", str(corpus), "--out", str(out), *extra]) == 0


def same_tables(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.glob("*.csv"))
    assert names == sorted(p.name for p in b.glob("*.csv")) and len(names) == 14  # with warnings.csv and ignored.csv
    _, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert mismatch == [] and errors == []


def test_batch_size_and_processes_do_not_change_a_byte(tmp_path: Path) -> None:
    run(SEEDS_DIR, tmp_path / "one")
    run(SEEDS_DIR, tmp_path / "two", "--batch-size", "1", "--n-process", "2")
    same_tables(tmp_path / "one", tmp_path / "two")


def test_memory_zones_free_new_words_and_keep_the_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS_DIR, corpus)
    meta = (corpus / "metadata.csv").read_text(encoding="utf-8").splitlines()
    headlines = {r["file"]: r["headline"] for r in read_csv(SEEDS_DIR / "metadata.csv").to_dict("records")}
    for n, seed in enumerate(sorted(SEEDS_DIR.glob("*.txt"))):  # each copy brings a word of its own, right under its headline
        headline = headlines[seed.name]
        text = seed.read_text(encoding="utf-8").replace(headline + "\n", f"{headline}\n\nThe Qorvex{n} envoy said nothing.\n", 1)
        assert f"Qorvex{n}" in text
        (corpus / f"9{n}_{seed.name}").write_text(text, encoding="utf-8")
        row = next(r for r in meta if r.startswith(seed.name))
        meta.append(f"9{n}_{row.replace(',', ',z', 1)}")
    (corpus / "metadata.csv").write_text("\n".join(meta) + "\n", encoding="utf-8")
    run(corpus, tmp_path / "no_zones")  # 10 articles: all in the first block, outside any zone
    monkeypatch.setattr(streaming, "ZONE_ARTICLES", 1)
    nlp = build_pipeline()
    summary = streaming.extract_to_dir(nlp, corpus, tmp_path / "zones", profiles=load_profiles(), quote_rules=load_quote_rules(), batch_size=1)
    assert summary.processed == 10
    assert not any(f"qorvex{n}" in nlp.vocab.strings or f"Qorvex{n}" in nlp.vocab.strings for n in range(5))
    same_tables(tmp_path / "no_zones", tmp_path / "zones")
    assert read_csv(tmp_path / "zones" / "sentences.csv")["text"].str.contains("Qorvex4 envoy").sum() == 1
    run(corpus, tmp_path / "zones_two_processes", "--batch-size", "1", "--n-process", "2")
    same_tables(tmp_path / "no_zones", tmp_path / "zones_two_processes")


def test_a_dask_local_cluster_with_two_workers_gives_the_same_bytes(tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    run(SEEDS_DIR, tmp_path / "local")
    run(SEEDS_DIR, tmp_path / "dask", "--workers", "2", "--batch-size", "2")
    same_tables(tmp_path / "local", tmp_path / "dask")


def test_a_local_cluster_runs_without_the_dashboard_profiler() -> None:
    pytest.importorskip("dask.distributed")
    import dask

    with streaming.dask_client(None, 1) as client:
        settings = client.run(lambda: (dask.config.get("distributed.worker.profile.enabled"), dask.config.get("distributed.admin.tick.interval")))
    assert list(settings.values()) == [(False, "500ms")]


def bad_corpus(tmp_path: Path) -> Path:
    """The seeds plus one file of every kind of bad input, and a metadata row with no file."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS_DIR, corpus)
    (corpus / "900_empty.txt").write_bytes(b"")
    (corpus / "901_binary.txt").write_bytes(b"\x00\x01\x02" * 50)
    (corpus / "902_undecodable.txt").write_bytes(b"Head\n\nBody \x81\x8d text that is long enough here.\n")
    (corpus / "903_orphan.txt").write_text("Headline\n\nA body sentence long enough to count as running text here.\n")
    shutil.copy(corpus / "000_dfbb3eb3cbe132e1.txt", corpus / "904_copy.txt")
    (corpus / "905_headline_only.txt").write_text("Just a headline\n")
    with open(corpus / "metadata.csv", "a", encoding="utf-8") as handle:
        for name in ("900_empty.txt", "901_binary.txt", "902_undecodable.txt", "904_copy.txt", "905_headline_only.txt", "906_missing.txt"):
            handle.write(f"{name},x-{name[:3]},X,x,independent,H,,none,intra_afghan_moscow_2019,2019-02-05,test\n")
    return corpus


BAD_REASONS = {
    "900_empty.txt": "empty", "901_binary.txt": "binary", "902_undecodable.txt": "undecodable", "903_orphan.txt": "no_metadata",
    "904_copy.txt": "duplicate_text", "905_headline_only.txt": "no_body", "906_missing.txt": "missing_file",
}


def test_bad_files_are_rejected_one_by_one_and_counts_reconcile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(bad_corpus(tmp_path), tmp_path / "out")
    assert "13 entries in = 5 processed + 6 rejected + 2 ignored; 1 metadata row without a file; 2 warnings (1 headline_mismatch, 1 unknown_outlet; see warnings.csv)" in capsys.readouterr().out
    rejects = read_csv(tmp_path / "out" / "rejects.csv").set_index("file")["reason"].to_dict()
    assert rejects == BAD_REASONS
    assert len(read_csv(tmp_path / "out" / "articles.csv")) == 5


def test_dask_workers_reject_the_same_bad_files_with_the_same_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("dask.distributed")
    corpus = bad_corpus(tmp_path)
    run(corpus, tmp_path / "local")
    run(corpus, tmp_path / "dask", "--workers", "2", "--batch-size", "3")
    assert capsys.readouterr().out.count("13 entries in = 5 processed + 6 rejected + 2 ignored; 1 metadata row without a file") == 2
    same_tables(tmp_path / "local", tmp_path / "dask")


def messy_corpus(tmp_path: Path) -> Path:
    """The seeds plus inputs that give warnings and ignored entries: a stray Latin-1 byte, a
    near duplicate, a copy with trailing blank lines, an NFD name, an unknown outlet, and
    entries that are not inputs."""
    import unicodedata

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS_DIR, corpus)
    seed = (corpus / "000_dfbb3eb3cbe132e1.txt").read_bytes()
    at = seed.index(b"\n\n", 2000) + 2
    (corpus / "910_mixed.txt").write_bytes(seed[:at].replace(b"Taliban", b"Taleban", 1) + b"Caf\xe9 talk. " + seed[at:])
    (corpus / "911_copy.txt").write_bytes((corpus / "001_795024dda146d0ce.txt").read_bytes() + b"\n\n\n")
    near = (corpus / "002_f1c8ba5a008cafed.txt").read_text(encoding="utf-8").replace("Moscow", "the Russian capital", 1)
    (corpus / "912_near.txt").write_text(near, encoding="utf-8")
    (corpus / unicodedata.normalize("NFD", "913_café.txt")).write_text("Envoys Meet\n\nDelegates from the Taliban met Russian officials in Moscow on Friday.\n", encoding="utf-8")
    (corpus / "notes.md").write_text("x")
    (corpus / "sub").mkdir()
    with open(corpus / "metadata.csv", "a", encoding="utf-8") as handle:
        for n, name in enumerate(("910_mixed.txt", "911_copy.txt", "912_near.txt", unicodedata.normalize("NFC", "913_café.txt"))):
            handle.write(f"{name},m-{n},X,{'rfer1' if n == 3 else 'rferl'},independent,,,none,moscow_taliban_visit_2021,2021-01-28,test\n")
    return corpus


def test_warnings_and_ignored_entries_are_the_same_bytes_on_every_backend(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("dask.distributed")
    corpus = messy_corpus(tmp_path)
    run(corpus, tmp_path / "local")
    run(corpus, tmp_path / "two", "--batch-size", "1", "--n-process", "2")
    run(corpus, tmp_path / "dask", "--workers", "2", "--batch-size", "2")
    out = capsys.readouterr().out
    assert out.count("13 entries in = 8 processed + 1 rejected + 4 ignored") == 3
    same_tables(tmp_path / "local", tmp_path / "two")
    same_tables(tmp_path / "local", tmp_path / "dask")
    codes = sorted(read_csv(tmp_path / "local" / "warnings.csv")["code"])
    assert codes == ["mixed_encoding", "name_normalised", "near_duplicate", "near_duplicate", "outlet_not_in_gazetteer", "unknown_outlet"]  # 910 is also near 000
