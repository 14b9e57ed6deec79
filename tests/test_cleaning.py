"""Line roles: the seeds against the gold, and hand-built boilerplate of other outlets."""

from __future__ import annotations

from pathlib import Path

import pytest

from afstudy.cleaning import ROLES, Profiles, classify_lines, load_profiles
from afstudy.corpus import split_lines
from afstudy.errors import ConfigError
from afstudy.parsing import ParsedCorpus, lines_table, parse_corpus
from afstudy.validation import line_role_scores, read_gold_line_roles
from tests.conftest import ARTICLE, CorpusBuilder, metadata_row


def test_body_and_removed_lines_match_the_gold_on_the_seeds(seed_corpus: ParsedCorpus) -> None:
    scores = line_role_scores(lines_table(seed_corpus), read_gold_line_roles()).set_index("measure")
    for measure in ("body_lines", "removed_lines"):
        assert scores.loc[measure, "precision"] >= 0.98, scores
        assert scores.loc[measure, "recall"] >= 0.98, scores
    assert scores.loc["role_accuracy", "f1"] >= 0.98


def test_every_seed_line_has_one_role_and_the_accounting_balances(seed_corpus: ParsedCorpus) -> None:
    assert len(seed_corpus.articles) == 5 and seed_corpus.rejects == []
    for article in seed_corpus.articles:
        assert len(article.lines) == len(article.raw.lines)
        counts = article.role_counts()
        assert set(counts) <= set(ROLES)
        assert sum(counts.values()) == len(article.lines)
        assert all(lr.reason for lr in article.lines if lr.role == "removed")
        assert not any(lr.reason for lr in article.lines if lr.role != "removed")
        assert article.headline == article.raw.meta.headline


@pytest.mark.parametrize(
    ("prefix", "text", "role", "reason"),
    [
        ("000", "Accessibility links", "removed", "navigation"),
        ("000", "RFE/RL journalists report the news", "removed", "self_description"),
        ("000", "• 16x9 Image", "removed", "widget"),
        ("001", "Reuters Archive", "removed", "credit"),
        ("001", "READ MORE:", "removed", "related_links"),
        ("001", "Loading...", "removed", "loading"),
        ("001", "Route 6", "removed", "widget"),
        ("002", "Log In", "removed", "login"),
        ("002", "updated 10:20 AM UTC, Dec 13, 2023", "removed", "page_stamp"),
        ("002", "Tagged under", "removed", "footer"),
        ("002", "Leave a Reply", "removed", "footer"),
        ("003", "Support The Moscow Times!", "removed", "donation"),
        ("003", "Parwiz Parwiz / Reuters", "removed", "credit"),
        ("003", "Remind me later.", "removed", "donation"),
        ("003", "Read more", "removed", "donation"),
        ("004", "XS", "removed", "widget"),
        ("004", "LG", "removed", "widget"),
    ],
)
def test_named_boilerplate_of_the_seeds_is_removed(seed_corpus: ParsedCorpus, prefix: str, text: str, role: str, reason: str) -> None:
    article = next(a for a in seed_corpus.articles if a.raw.meta.file.startswith(prefix))
    hits = [lr for lr in article.lines if lr.text.strip().startswith(text)]
    assert hits, text
    assert {(lr.role, lr.reason) for lr in hits} == {(role, reason)}


def test_doubled_captions_keep_one_copy_and_the_abc_lead_in_is_stripped(seed_corpus: ParsedCorpus) -> None:
    by = {a.raw.meta.file[:3]: a for a in seed_corpus.articles}
    voa_file = [lr for lr in by["004"].lines if lr.text.startswith("FILE - ")]
    assert [lr.role for lr in voa_file] == ["caption", "removed"] * 3
    trt = [lr for lr in by["001"].lines if lr.text.startswith("In this file image")]
    assert [(lr.role, lr.reason) for lr in trt] == [("caption", ""), ("removed", "duplicate_caption")]
    first = by["002"].paragraphs[0]
    assert first.prefix == "ABC News: " and first.text.startswith("A Taliban delegation and envoys")
    appeal = [lr for lr in by["003"].lines if lr.line_no >= 41 and lr.text.strip()]
    assert appeal and all(lr.reason == "donation" for lr in appeal)


def test_other_outlets_boilerplate_is_handled_by_the_general_rules(profiles: Profiles) -> None:
    roles = classify_lines(split_lines(ARTICLE), profiles.for_outlet("unknown_outlet"))
    got = {lr.text.strip(): (lr.role, lr.subrole or lr.reason) for lr in roles if lr.text.strip()}
    assert got["Skip to main content"] == ("removed", "navigation")
    assert got["Log In"] == ("removed", "login")
    assert got["Officials Meet In Capital To Discuss Peace Plan"] == ("headline", "headline")
    assert got["By Jane Doe and John Roe"] == ("byline", "byline")
    assert got["November 9, 2018"] == ("byline", "dateline")
    assert got["Photo: AFP"] == ("removed", "credit")
    assert got["FILE - Delegates arrive for the meeting in Moscow, Nov. 9, 2018."] in {("caption", "caption"), ("removed", "duplicate_caption")}
    assert got["“We came here to listen,” one delegate said. “Nothing more.”"] == ("body", "paragraph")
    assert got["Next steps"] == ("body", "subheading")
    assert got["Related: Earlier talks collapsed in August"] == ("removed", "related_links")
    assert got["Advertisement"] == ("removed", "widget")
    assert got["Share on Facebook"] == ("removed", "footer")
    for line in ("Before you go, we have a small favour to ask.", "Please support independent journalism today.", "Donate"):
        assert got[line] == ("removed", "donation")
    lead = next(lr for lr in roles if lr.text.startswith("MOSCOW (Reuters)"))
    assert (lead.role, lead.prefix) == ("body", "MOSCOW (Reuters) - ")
    assert lead.clean_text.startswith("Delegates from eleven countries")


def test_a_page_of_chrome_only_is_rejected_as_having_no_body(make_corpus: CorpusBuilder, profiles: Profiles) -> None:
    chrome = "Accessibility links\n\nBreaking News\n\nLog In\n\nLoading...\n"
    parsed = parse_corpus(make_corpus({"a.txt": chrome, "b.txt": ARTICLE}), profiles)
    assert [a.raw.meta.file for a in parsed.articles] == ["b.txt"]
    assert [(r.file, r.reason) for r in parsed.rejects] == [("a.txt", "no_body")]


def test_crlf_bom_and_cp1252_articles_parse_like_utf8(make_corpus: CorpusBuilder, profiles: Profiles) -> None:
    variants = {
        "utf8.txt": ARTICLE.encode("utf-8"),
        "crlf_bom.txt": b"\xef\xbb\xbf" + ARTICLE.replace("Friday", "Thursday").replace("\n", "\r\n").encode("utf-8"),
        "cp1252.txt": ARTICLE.replace("Friday", "Monday").encode("cp1252"),
    }
    parsed = parse_corpus(make_corpus(variants, [metadata_row(n) for n in variants]), profiles)
    assert parsed.rejects == []
    shapes = {a.raw.meta.file: [(lr.role, lr.subrole, lr.reason) for lr in a.lines] for a in parsed.articles}
    assert shapes["utf8.txt"] == shapes["crlf_bom.txt"] == shapes["cp1252.txt"]
    enc = {a.raw.meta.file: (a.raw.encoding, a.raw.had_bom) for a in parsed.articles}
    assert enc == {"utf8.txt": ("utf-8", False), "crlf_bom.txt": ("utf-8", True), "cp1252.txt": ("cp1252-fallback", False)}


NUMBERS = "  body_min_words: 8\n  standfirst_min_words: 12\n  subheading_max_words: 10\n  standfirst_overlap: 0.6\n  repeat_window: 3\n"


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("schema_version: 1\ngeneric: [unclosed\n", "YAML syntax error"),
        ("schema_version: 2\ngeneric: {}\n", "unsupported schema_version"),
        ("schema_version: 1\noutlets: {}\n", "missing required key 'generic'"),
        ("schema_version: 1\ngeneric:\n" + NUMBERS + "  remove:\n    - reason: nonsense\n      patterns: ['x']\n", r"generic\.remove\[0\]\.reason: 'nonsense' is not one of"),
        ("schema_version: 1\ngeneric:\n" + NUMBERS + "  remove:\n    - reason: widget\n      patterns: ['(unclosed']\n", "bad regular expression"),
    ],
)
def test_malformed_profiles_are_clear_errors(tmp_path: Path, yaml_text: str, message: str) -> None:
    path = tmp_path / "outlets.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError, match=message) as info:
        load_profiles(path).for_outlet("x")
    assert str(path) in str(info.value)


def test_yaml_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "outlets.yaml"
    path.write_text("schema_version: 1\ngeneric:\n" + NUMBERS + "  remove:\n    - reason: widget\n      patterns: ['(unclosed']\n")
    with pytest.raises(ConfigError, match=r"outlets\.yaml:10: generic\.remove\[0\]\.patterns\[0\]: bad regular expression"):
        load_profiles(path).for_outlet("x")
