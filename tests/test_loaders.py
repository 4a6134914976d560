"""Tests for rag.loaders: every supported format, ids, dates, encodings and error reporting."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest

from rag.errors import ConfigError, LoadError
from rag.loaders import (
    SUPPORTED_SUFFIXES,
    FieldMap,
    iter_files,
    load_file,
    load_paths,
    read_articles,
    read_text,
)
from rag.settings import LimitsSettings
from rag.types import Article

DATA = Path(__file__).parent / "data" / "loaders"
SEED = Path("/work/shared/seed/000_d7a15be74b52943f.txt")
BODY = "Troops withdrew from the town on Monday.\n\nResidents began to return home."


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def load_one(
    path: Path, field_map: FieldMap | None = None, limits: LimitsSettings | None = None
) -> Article:
    articles = load_file(path, field_map, limits)
    assert len(articles) == 1
    return articles[0]


# ---------------------------------------------------------------- .txt


def test_txt_header_sets_fields_and_keeps_unknown_keys_as_metadata(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.txt",
        "Title:  Troops   withdraw from Qusayr\n"
        "Source: Reuters\n"
        "URL: https://example.com/qusayr\n"
        "By: Sam Lee\n"
        "Published: 2025-03-09\n"
        "Section: World\n"
        "\n" + BODY + "\n\n",
    )
    article = load_one(path)
    assert article.title == "Troops withdraw from Qusayr"
    assert article.source == "Reuters"
    assert article.url == "https://example.com/qusayr"
    assert article.author == "Sam Lee"
    assert article.published_at == dt.date(2025, 3, 9)
    assert article.metadata == {"section": "World"}
    assert article.text == BODY
    assert article.path == str(path.resolve())


def test_txt_without_header_uses_first_line_as_title(tmp_path: Path) -> None:
    path = write(tmp_path / "b.txt", "\n\nBreaking: fire in Homs\n\n\n" + BODY)
    article = load_one(path)
    assert article.title == "Breaking: fire in Homs"
    assert article.text == BODY
    assert article.metadata == {}


def test_txt_colon_in_first_line_without_known_key_is_not_a_header(tmp_path: Path) -> None:
    path = write(tmp_path / "c.txt", "Breaking: fire in Homs\nSource: officials\n\n" + BODY)
    article = load_one(path)
    assert article.title == "Breaking: fire in Homs"
    assert article.source is None
    assert article.text.startswith("Source: officials\n\nTroops withdrew")


def test_txt_keeps_body_text_verbatim_apart_from_the_ends(tmp_path: Path) -> None:
    body = "  Indented first line.\nSecond line with  two spaces.\n\n\nAfter three breaks."
    article = load_one(write(tmp_path / "v.txt", "Headline\n\n\n" + body + "  \n\n"))
    assert article.text == body


def test_txt_with_only_a_title_line_fails(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="no body text"):
        load_file(write(tmp_path / "lonely.txt", "Just a headline\n"))


def test_latin1_txt_is_decoded(tmp_path: Path) -> None:
    text = "Alep, déclaration du ministère\n\nLe ministère a publié une déclaration à Alep."
    path = write(tmp_path / "fr.txt", text, encoding="latin-1")
    article = load_one(path)
    assert article.title == "Alep, déclaration du ministère"
    assert article.text == "Le ministère a publié une déclaration à Alep."
    assert read_text(path) == text


def test_read_text_strips_bom_and_normalises_newlines(tmp_path: Path) -> None:
    path = tmp_path / "win.txt"
    path.write_bytes("\ufeffTitle\r\n\r\nLine one\rLine two".encode())
    assert read_text(path) == "Title\n\nLine one\nLine two"


@pytest.mark.skipif(not SEED.exists(), reason="seed article not present")
def test_seed_article() -> None:
    article = load_one(SEED)
    assert article.title.startswith("Syrian Leader Calls for Unity Amid Deadly Clashes")
    assert article.text.startswith("Syrian leader Ahmed Sharaa")


# ---------------------------------------------------------------- .md


def test_markdown_front_matter_with_yaml_date(tmp_path: Path) -> None:
    path = write(
        tmp_path / "m.md",
        "---\ntitle: Port reopens\noutlet: AP\ndate: 2025-03-10\ntags: [ports, trade]\n"
        "updated: 2025-03-11\n---\n\n# Port reopens\n\nShips *docked* on Monday.\n",
    )
    article = load_one(path)
    assert article.title == "Port reopens"
    assert article.source == "AP"
    assert article.published_at == dt.date(2025, 3, 10)
    # Other front matter keys survive as JSON-safe metadata.
    assert article.metadata == {"tags": ["ports", "trade"], "updated": "2025-03-11"}
    assert json.loads(json.dumps(article.metadata)) == article.metadata
    # A heading repeating the front matter title is not kept; Markdown is not rendered.
    assert article.text == "Ships *docked* on Monday."


def test_markdown_heading_other_than_the_front_matter_title_stays(tmp_path: Path) -> None:
    path = write(
        tmp_path / "m.md", "---\ntitle: Port reopens\n---\n## Background\n\nShips docked.\n"
    )
    assert load_one(path).text == "## Background\n\nShips docked."


@pytest.mark.parametrize(
    "source",
    [
        "# Border crossing closes\n\n",
        "## Border crossing closes ##\n",
        "  # Border crossing closes\n\n",
        "Border crossing closes\n======================\n\n",
        "\ufeff# Border crossing closes\r\n\r\n",
    ],
)
def test_markdown_heading_becomes_the_title_and_leaves_the_text(
    tmp_path: Path, source: str
) -> None:
    article = load_one(write(tmp_path / "upload.md", source + BODY.replace("\n", "\r\n")))
    assert article.title == "Border crossing closes"
    assert article.text == BODY


def test_markdown_title_from_heading_is_removed_from_text(tmp_path: Path) -> None:
    article = load_one(write(tmp_path / "h.md", "# Border crossing closes\n\n" + BODY))
    assert article.title == "Border crossing closes"
    assert article.text == BODY


def test_markdown_without_title_falls_back_to_file_stem(tmp_path: Path) -> None:
    # No front matter title and no leading "# Heading": the file name (stem) is the title.
    article = load_one(write(tmp_path / "market-report_2025.md", "Prices rose *sharply*.\n"))
    assert article.title == "market-report_2025"
    assert article.text == "Prices rose *sharply*."


def test_markdown_bad_front_matter_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="front matter"):
        load_file(write(tmp_path / "bad.md", "---\ntitle: [unclosed\n---\nBody\n"))


# ---------------------------------------------------------------- .html


def test_html_keeps_article_and_drops_boilerplate() -> None:
    article = load_one(DATA / "article_with_boilerplate.html")
    assert article.title == "Aid convoy reaches Aleppo after week-long delay"
    assert article.text.startswith("A convoy of forty trucks carrying food")
    assert "a second convoy was being prepared in Damascus" in article.text
    assert "bakeries operating for only a few hours a day" in article.text
    assert "We have been waiting for these supplies" in article.text
    boilerplate = [
        "cookies",
        "World News Section",
        "Subscribe to the Ledger",
        "Related stories",
        "Celebrity chef",
        "All rights reserved",
        "Privacy policy",
    ]
    assert [b for b in boilerplate if b in article.text] == []
    assert article.source == "The Levant Ledger"
    assert article.url == "https://levantledger.example/2025/03/aid-convoy-aleppo"
    assert article.published_at == dt.date(2025, 3, 11)


def test_html_title_falls_back_to_title_tag(tmp_path: Path) -> None:
    paragraphs = "".join(
        f"<p>Paragraph {n} reports that the water supply in the old city was restored "
        f"after repairs to the main pumping station, officials said on Friday.</p>"
        for n in range(1, 4)
    )
    html = f"<html><head><title>Water restored</title></head><body>{paragraphs}</body></html>"
    article = load_one(write(tmp_path / "w.html", html))
    assert article.title == "Water restored"
    assert "Paragraph 2 reports that the water supply" in article.text


# ---------------------------------------------------------------- .json / .jsonl / .csv


def test_json_single_object_with_aliases(tmp_path: Path) -> None:
    record = {
        "headline": "Talks stall",
        "body": BODY,
        "publisher": "AFP",
        "link": "https://example.com/talks",
        "pubDate": "2025-03-09T10:15:00",
        "desk": {"name": "Middle East", "editors": 3},
    }
    article = load_one(write(tmp_path / "one.json", json.dumps(record)))
    assert (article.title, article.text, article.source) == ("Talks stall", BODY, "AFP")
    assert article.url == "https://example.com/talks"
    assert article.published_at == dt.datetime(2025, 3, 9, 10, 15, tzinfo=dt.UTC)
    assert article.metadata == {"desk": {"name": "Middle East", "editors": 3}}


def test_json_list_and_articles_wrapper_give_the_same_articles(tmp_path: Path) -> None:
    records = [
        {"id": 7, "title": "First", "content": "One."},
        {"title": "Second", "text": "Two.", "url": "https://example.com/2"},
    ]
    listed = load_file(write(tmp_path / "list.json", json.dumps(records)))
    wrapped = load_file(write(tmp_path / "wrap.json", json.dumps({"articles": records})))
    for articles in (listed, wrapped):
        assert [a.title for a in articles] == ["First", "Second"]
        assert [a.text for a in articles] == ["One.", "Two."]
        assert articles[0].id == "7"
    assert listed[1].id == wrapped[1].id  # derived from the URL, not the file


def test_json_record_without_text_is_reported_at_its_line_and_the_rest_load(
    tmp_path: Path,
) -> None:
    records = [{"title": "Fine", "text": "Ok."}, {"title": "Empty", "text": "   "}]
    path = write(tmp_path / "gap.json", json.dumps(records, indent=2))
    result = read_articles(path)
    assert [a.title for a in result.articles] == ["Fine"]
    (error,) = result.errors
    assert error.line == 6 and re.search(r"gap\.json:6: no text .*text, content, body", str(error))
    with pytest.raises(LoadError, match=r"gap\.json:6: no text"):
        load_file(path)


def test_json_records_in_a_wrapper_are_located_too(tmp_path: Path) -> None:
    records = [{"title": "Fine", "text": "Ok."}, {"title": "No body"}]
    path = write(tmp_path / "w.json", json.dumps({"source": "X", "articles": records}, indent=1))
    result = read_articles(path)
    assert [a.title for a in result.articles] == ["Fine"]
    assert [e.line for e in result.errors] == [8]


def test_invalid_json_reports_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.json", '[\n{"title": "a", "text": "b"},\n{oops}\n]')
    with pytest.raises(LoadError, match=r"broken\.json:3: invalid JSON"):
        load_file(path)
    assert [a.title for a in read_articles(path).articles] == ["a"]


def test_json_list_resumes_after_a_broken_item(tmp_path: Path) -> None:
    items = [json.dumps({"title": f"T{n}", "text": f"Body {n}."}) for n in range(4)]
    items[1] = '{"title": "T1", "text": "unterminated}'
    items[3] = '{"title": "T3" "text": "no comma"}'
    path = write(tmp_path / "dump.json", "[\n  " + ",\n  ".join(items) + "\n]\n")
    result = read_articles(path)
    assert [a.title for a in result.articles] == ["T0", "T2"]
    assert [e.line for e in result.errors] == [3, 5]


def test_jsonl_loads_each_line_and_skips_blank_lines(tmp_path: Path) -> None:
    lines = [json.dumps({"title": f"T{n}", "text": f"Body {n}."}) for n in range(3)]
    articles = load_file(write(tmp_path / "a.jsonl", "\n\n".join(lines) + "\n"))
    assert [a.title for a in articles] == ["T0", "T1", "T2"]
    assert len({a.id for a in articles}) == 3


def test_jsonl_bad_lines_are_each_reported_and_good_lines_kept(tmp_path: Path) -> None:
    good = [json.dumps({"title": f"T{n}", "text": "B."}) for n in range(3)]
    lines = [good[0], "", "{not json", good[1], "[1, 2]", '{"title": "no text"}', good[2]]
    path = write(tmp_path / "bad.ndjson", "\n".join(lines) + "\n")
    result = read_articles(path)
    assert [a.title for a in result.articles] == ["T0", "T1", "T2"]
    assert [(e.line, e.path) for e in result.errors] == [(n, str(path)) for n in (3, 5, 6)]
    assert str(result.errors[0]).startswith(f"{path}:3: invalid JSON")
    assert "not a list" in str(result.errors[1]) or "a list" in str(result.errors[1])
    with pytest.raises(LoadError, match=r"bad\.ndjson:3: invalid JSON"):
        load_file(path)


def test_csv_with_field_map(tmp_path: Path) -> None:
    csv_text = (
        "headline,body,date,section\n"
        'Bridge reopens,"Traffic resumed on Monday.\n\nRepairs took a year.",2025-03-08,Local\n'
        "Market falls,Shares dropped 3%.,garbage-date,Business\n"
    )
    path = write(tmp_path / "news.csv", csv_text)
    articles = load_file(path, FieldMap.parse(["text=body", "title=headline"]))
    assert [a.title for a in articles] == ["Bridge reopens", "Market falls"]
    assert articles[0].text == "Traffic resumed on Monday.\n\nRepairs took a year."
    assert articles[0].published_at == dt.date(2025, 3, 8)
    assert articles[0].metadata == {"section": "Local"}
    assert articles[1].published_at is None
    assert articles[1].metadata["published_raw"] == "garbage-date"


def test_csv_field_map_beats_aliases(tmp_path: Path) -> None:
    path = write(tmp_path / "two.csv", "title,text,summary\nT,Long body.,Short.\n")
    article = load_one(path, FieldMap.parse(["text=summary"]))
    assert article.text == "Short."
    assert article.metadata == {"text": "Long body."}


def test_semicolon_csv_in_latin1(tmp_path: Path) -> None:
    path = write(tmp_path / "fr.csv", "titre;texte\nÉté;Très chaud à Alep.\n", encoding="latin-1")
    article = load_one(path, FieldMap.parse(["title=titre", "text=texte"]))
    assert (article.title, article.text) == ("Été", "Très chaud à Alep.")


@pytest.mark.parametrize(
    ("items", "message"),
    [(["text"], "ours=theirs"), (["=body"], "ours=theirs"), (["body=text"], "unknown field")],
)
def test_field_map_parse_rejects_bad_items(items: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        FieldMap.parse(items)


# ---------------------------------------------------------------- feeds


def test_rss_feed_entries() -> None:
    first, second = load_file(DATA / "two_entries.rss")
    assert first.title == "Ceasefire talks resume in Geneva"
    assert first.id == "ddw-1001"  # the guid
    assert first.url == "https://damascusdaily.example/2025/03/ceasefire-talks"
    assert first.source == "Damascus Daily Wire"
    assert first.author == "Omar Khalil"
    assert first.published_at == dt.datetime(2025, 3, 9, 14, 30, tzinfo=dt.UTC)
    # HTML in the description becomes plain text with paragraph breaks, no tags.
    assert first.text == (
        "Delegations returned to Geneva on Sunday.\n\n"
        "Mediators said both sides had agreed to an agenda."
    )
    assert second.text == "Electricity will be rationed to four hours a day, the utility said."
    assert second.published_at == dt.datetime(2025, 3, 10, 7, 0, tzinfo=dt.UTC)


def test_atom_feed_entries() -> None:
    first, second = load_file(DATA / "two_entries.atom")
    assert [first.title, second.title] == [
        "Fishing fleet returns to Tartus harbour",
        "Port authority announces new schedule",
    ]
    assert first.author == "Lina Saleh"
    assert first.url == "https://coastalmonitor.example/fleet-returns"
    assert first.text == (
        "Dozens of boats returned to Tartus on Monday.\n\n"
        "Fishermen said the catch was the best in years."
    )
    assert second.url is None  # an urn:uuid id is not a link
    assert second.text == "Ferries to Cyprus will run twice a week from April."
    assert {first.source, second.source} == {"Coastal Monitor"}


def test_xml_that_is_not_a_feed_fails(tmp_path: Path) -> None:
    path = write(tmp_path / "config.xml", "<config><item>1</item></config>")
    with pytest.raises(LoadError, match="not an RSS/Atom feed"):
        load_file(path)


# ---------------------------------------------------------------- ids


def test_ids_are_stable_across_loads_and_text_edits(tmp_path: Path) -> None:
    path = write(tmp_path / "story.txt", "Headline\n\n" + BODY)
    first = load_one(path)
    assert load_one(path).id == first.id
    write(path, "Headline, corrected\n\n" + BODY + "\nA correction was appended.")
    assert load_one(path).id == first.id
    assert first.id.startswith("f-")


def test_url_gives_the_id_and_explicit_id_wins(tmp_path: Path) -> None:
    with_url = load_one(write(tmp_path / "u.json", '{"title":"T","text":"B","url":"https://x/1"}'))
    moved = load_one(
        write(tmp_path / "sub" / "u.json", '{"title":"T2","text":"C","url":"https://x/1"}')
    )
    assert with_url.id == moved.id and with_url.id.startswith("u-")
    explicit = load_one(
        write(tmp_path / "e.json", '{"id":"abc","title":"T","text":"B","url":"https://x"}')
    )
    assert explicit.id == "abc"


def test_multi_record_ids_without_id_or_url_survive_text_edits(tmp_path: Path) -> None:
    def dump(text: str) -> str:
        rows = [{"title": "A", "text": text, "date": "2025-03-01"}, {"title": "B", "text": "b"}]
        return "\n".join(json.dumps(row) for row in rows)

    path = write(tmp_path / "m.jsonl", dump("first version"))
    before = [a.id for a in load_file(path)]
    write(path, dump("second version"))
    assert [a.id for a in load_file(path)] == before
    assert len(set(before)) == 2
    # The same records in another file are other articles: ingesting one must not replace the other.
    copy = write(tmp_path / "copy.jsonl", dump("second version"))
    assert not set(before) & {a.id for a in load_file(copy)}


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-03-09", dt.date(2025, 3, 9)),
        ("9 March 2025", dt.date(2025, 3, 9)),
        ("2025-03-09T10:00:00", dt.datetime(2025, 3, 9, 10, 0, tzinfo=dt.UTC)),
        ("2025-03-09 10:00", dt.datetime(2025, 3, 9, 10, 0, tzinfo=dt.UTC)),
        ("2025-03-09T10:00:00+02:00", dt.datetime(2025, 3, 9, 8, 0, tzinfo=dt.UTC)),
        ("Sun, 09 Mar 2025 10:00:00 GMT", dt.datetime(2025, 3, 9, 10, 0, tzinfo=dt.UTC)),
    ],
)
def test_dates(tmp_path: Path, raw: str, expected: dt.date) -> None:
    article = load_one(write(tmp_path / "d.txt", f"Title: T\nDate: {raw}\n\nBody."))
    assert article.published_at == expected
    assert type(article.published_at) is type(expected)
    if isinstance(article.published_at, dt.datetime):
        assert article.published_at.tzinfo is not None
    assert "published_raw" not in article.metadata


def test_unparseable_date_is_kept_raw(tmp_path: Path) -> None:
    article = load_one(write(tmp_path / "d.txt", "Title: T\nDate: last Tuesdayish\n\nBody."))
    assert article.published_at is None
    assert article.metadata["published_raw"] == "last Tuesdayish"


# ---------------------------------------------------------------- files and errors


def test_supported_suffixes() -> None:
    assert {".txt", ".md", ".html", ".jsonl", ".csv", ".rss", ".atom"} <= SUPPORTED_SUFFIXES
    assert ".pdf" not in SUPPORTED_SUFFIXES


def test_iter_files_recurses_sorted_and_skips_hidden_and_readme(tmp_path: Path) -> None:
    for name in [
        "b.txt",
        "a.md",
        "README.md",
        ".hidden.txt",
        "notes.docx",
        "sub/c.json",
        "sub/deeper/d.rss",
        ".git/e.txt",
        "sub/.cache/f.txt",
    ]:
        write(tmp_path / name, "x")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_files([tmp_path])]
    assert found == ["a.md", "b.txt", "sub/c.json", "sub/deeper/d.rss"]


def test_iter_files_yields_explicit_files_once_even_if_unsupported(tmp_path: Path) -> None:
    doc = write(tmp_path / "notes.docx", "x")
    txt = write(tmp_path / "a.txt", "x")
    assert list(iter_files([doc, tmp_path, str(txt)])) == [doc, txt]
    with pytest.raises(LoadError, match=r"unsupported format \.docx"):
        load_file(doc)


def test_load_paths_reports_bad_files_and_continues(tmp_path: Path) -> None:
    write(tmp_path / "1_good.txt", "One\n\nFirst body.")
    write(tmp_path / "2_empty.txt", "  \n")
    write(tmp_path / "3_bad.jsonl", "{broken\n")
    write(tmp_path / "4_good.md", "# Four\n\nFourth body.")
    results = list(load_paths([tmp_path, tmp_path / "missing.txt"]))
    outcome = {r.path.name: [a.title for a in r.articles] or r.errors[0].reason for r in results}
    assert outcome["1_good.txt"] == ["One"]
    assert outcome["4_good.md"] == ["Four"]
    assert outcome["2_empty.txt"] == "empty file"
    assert str(outcome["3_bad.jsonl"]).startswith("invalid JSON")
    assert results[2].errors[0].line == 1
    assert str(outcome["missing.txt"]).startswith("cannot read file")
    assert [r.path.name for r in results] == [
        "1_good.txt",
        "2_empty.txt",
        "3_bad.jsonl",
        "4_good.md",
        "missing.txt",
    ]


# ---------------------------------------------------------------- bad input, per record


def test_one_stray_byte_keeps_the_file_utf8(tmp_path: Path) -> None:
    text = "Café in São Paulo\n\nThe café reopened on Monday. Prices rose."
    data = text.encode("utf-8").replace(b"Monday", b"Mon\xffday")
    article = load_one(write_bytes(tmp_path / "stray.txt", data))
    assert article.title == "Café in São Paulo"
    assert article.text == "The café reopened on Mon\ufffdday. Prices rose."


def test_ascii_with_a_cp1252_apostrophe_is_cp1252(tmp_path: Path) -> None:
    data = b"Talks stall\n\nThe minister\x92s office said talks would resume."
    assert load_one(write_bytes(tmp_path / "cp.txt", data)).text == (
        "The minister’s office said talks would resume."
    )


def test_utf16_with_a_bom_is_read(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "u16.txt", ("Headline\n\n" + BODY).encode("utf-16"))
    assert load_one(path).text == BODY


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (bytes(range(256)) * 16, "binary data, not text"),
        # High bytes only: no control bytes, yet no encoding makes text of them.
        (bytes((n * 7919) % 128 + 128 for n in range(4096)), "not text in any encoding"),
        ("Headline\n\nBody.".encode("utf-16-le"), "binary data, not text"),
    ],
)
def test_binary_files_are_refused(tmp_path: Path, data: bytes, reason: str) -> None:
    result = read_articles(write_bytes(tmp_path / "blob.txt", data))
    assert result.articles == []
    assert [e.reason.split(" (")[0] for e in result.errors] == [reason]
    assert "save the article as UTF-8 text" in str(result.errors[0])


def test_symlink_loops_and_unreadable_files_are_reported(tmp_path: Path) -> None:
    write(tmp_path / "good.txt", "Good\n\n" + BODY)
    (tmp_path / "loop.txt").symlink_to("loop.txt")
    (tmp_path / "dangling.md").symlink_to("nowhere.md")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("..", target_is_directory=True)  # a folder loop
    os.mkfifo(tmp_path / "pipe.txt")  # reading it would block forever
    outcome = {
        r.path.name: (len(r.articles), [e.reason for e in r.errors]) for r in load_paths([tmp_path])
    }
    assert outcome["good.txt"] == (1, [])
    assert outcome["loop.txt"] == (0, ["cannot read file: Too many levels of symbolic links"])
    assert outcome["dangling.md"] == (0, ["cannot read file: No such file or directory"])
    assert outcome["pipe.txt"][1][0].startswith("not a regular file")
    assert set(outcome) == {"good.txt", "loop.txt", "dangling.md", "pipe.txt"}


def test_unclosed_front_matter_is_an_error_not_body_text(tmp_path: Path) -> None:
    path = write(tmp_path / "open.md", "---\ntitle: Open\ndate: 2025-01-01\n\nThe body.\n")
    with pytest.raises(
        LoadError, match=r"open\.md:1: front matter opened by '---' is never closed"
    ):
        load_file(path)


def test_yaml_aliases_are_refused_fast(tmp_path: Path) -> None:
    # A "billion laughs": nine levels of nine aliases each, 387 bytes with the body.
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = write(tmp_path / "lol.md", "---\n" + "\n".join(levels) + "\n---\nBody.\n")
    with pytest.raises(LoadError, match=r"lol\.md:3: bad YAML front matter: aliases \(\*name\)"):
        load_file(path)


def test_impossible_yaml_date_keeps_the_article_undated(tmp_path: Path) -> None:
    article = load_one(write(tmp_path / "d.md", "---\ntitle: T\ndate: 2025-02-30\n---\nBody.\n"))
    assert article.published_at is None
    assert article.metadata == {"published_raw": "2025-02-30"}


def test_deep_yaml_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "deep.md", "---\nx: " + "[" * 200 + "]" * 200 + "\n---\nBody.\n")
    with pytest.raises(LoadError, match="nested more than 64 levels"):
        load_file(path)


def test_deep_json_is_refused_without_recursion_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"JSON nested 100000 levels deep, over the limit of 64"):
        load_file(write(tmp_path / "deep.json", "[" * 100_000))
    good = json.dumps({"title": "T", "text": "B."})
    result = read_articles(write(tmp_path / "deep.jsonl", f"{good}\n{'[' * 100_000}\n{good}\n"))
    assert len(result.articles) == 2 and [e.line for e in result.errors] == [2]


def test_deep_or_huge_metadata_refuses_only_that_record(tmp_path: Path) -> None:
    deep: object = "leaf"
    for _ in range(12):
        deep = {"x": deep}
    records = [
        {"title": "Deep", "text": "B.", "extra": deep},
        {"title": "Huge", "text": "B.", "raw": "x" * 60_000},
        {"title": "Fine", "text": "B.", "extra": {"a": [1, 2]}},
    ]
    path = write(tmp_path / "m.jsonl", "\n".join(json.dumps(r) for r in records))
    result = read_articles(path)
    assert [a.title for a in result.articles] == ["Fine"]
    assert [e.line for e in result.errors] == [1, 2]
    assert "metadata nested 12 levels deep" in str(result.errors[0])
    assert "RAG_LIMITS__MAX_METADATA_CHARS" in str(result.errors[1])


def test_lone_surrogates_become_replacement_characters(tmp_path: Path) -> None:
    line = '{"title": "A\\ud800", "text": "Body \\udc00 here.", "url": "https://x.example/\\ud800"}'
    article = load_one(write(tmp_path / "s.jsonl", line + "\n"))
    assert (article.title, article.text) == ("A\ufffd", "Body \ufffd here.")
    assert article.url == "https://x.example/\ufffd"
    article.text.encode("utf-8")  # no UnicodeEncodeError downstream


def test_csv_bad_rows_are_reported_and_good_rows_kept(tmp_path: Path) -> None:
    text = "title,text\nOne,First body.\nTwo,\nThree,Third body.\n,Headless.\nFive,Fifth.\n"
    result = read_articles(write(tmp_path / "rows.csv", text))
    assert [a.title for a in result.articles] == ["One", "Three", "Five"]
    assert [(e.line, e.reason.split(" (")[0]) for e in result.errors] == [
        (3, "no text"),
        (5, "no title"),
    ]


def test_feed_entries_are_loaded_one_by_one(tmp_path: Path) -> None:
    feed = (
        '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Wire</title>\n'
        "<item><title>One</title><description>First body.</description></item>\n"
        "<item><title>Two</title></item>\n"
        "<item><title>Three</title><description>Third body.</description></item>\n"
        "</channel></rss>\n"
    )
    result = read_articles(write(tmp_path / "f.rss", feed))
    assert [a.title for a in result.articles] == ["One", "Three"]
    assert [str(e) for e in result.errors] == [f"{tmp_path / 'f.rss'}:4: no body text"]


def test_article_over_the_text_limit_is_refused_with_the_setting(tmp_path: Path) -> None:
    path = write(tmp_path / "long.txt", "Title: Long\n\n" + "Word " * 50_000)
    with pytest.raises(
        LoadError, match=r"over the limit of 200,000 \(RAG_LIMITS__MAX_ARTICLE_CHARS\)"
    ):
        load_file(path)
    assert load_one(path, limits=LimitsSettings(max_article_chars=300_000)).title == "Long"
    one_line = write(tmp_path / "line.txt", "word " * 100_000)
    with pytest.raises(LoadError, match=r"title is 500,000 characters"):
        load_file(one_line)


def test_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    path = write(tmp_path / "big.jsonl", "x" * 2_000_000)
    with pytest.raises(
        LoadError, match=r"2\.0 MB, over the 1 MB limit \(RAG_LIMITS__MAX_FILE_MB\)"
    ):
        load_file(path, limits=LimitsSettings(max_file_mb=1))


def test_terminal_escapes_cannot_reach_a_terminal(tmp_path: Path) -> None:
    line = json.dumps({"title": "Red\x1b[31m alert", "text": "Set title\x1b]0;pwned\x07 now."})
    article = load_one(write(tmp_path / "esc.jsonl", line))
    assert (article.title, article.text) == (
        "Red\ufffd[31m alert",
        "Set title\ufffd]0;pwned\ufffd now.",
    )


def test_an_absurdly_long_id_or_url_refuses_only_its_record(tmp_path: Path) -> None:
    records = [{"title": "A", "text": "B.", "url": "https://x.example/" + "a" * 3000}]
    records.append({"title": "Fine", "text": "B."})
    result = read_articles(write(tmp_path / "u.jsonl", "\n".join(map(json.dumps, records))))
    assert [a.title for a in result.articles] == ["Fine"]
    assert "field 'url' is 3,018 characters long" in str(result.errors[0])
