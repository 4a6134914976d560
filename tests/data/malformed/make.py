"""Generate the malformed-input corpus: ``python tests/data/malformed/make.py``.

Each case is a file that a careless user or an attacker could feed to ``rag ingest``, with
what must come of it: the good articles it still holds (by title) and each error, as
(line or None, a phrase of the reason). Small cases are written to ``files/`` beside this
script and committed; big ones, and ones git cannot hold (symlink loops, pipes), are made
at test time by :func:`write_special` into a temporary folder. ``tests/test_malformed.py``
checks that ``files/`` is exactly what this script writes, then loads every case.
"""

from __future__ import annotations

import json
import os
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"

Error = tuple[int | None, str]


@dataclass(frozen=True)
class Case:
    """One malformed input and the outcome it must have."""

    name: str
    data: bytes
    errors: list[Error] = field(default_factory=list)
    good: list[str] = field(default_factory=list)


def _j(obj: object) -> str:
    return json.dumps(obj)


def _good(title: str) -> dict[str, str]:
    return {"title": title, "text": f"{title} happened on Monday, officials said."}


def _rng_bytes(seed: int, n: int, low: int = 0, high: int = 256) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(low, high) for _ in range(n))


def _lol_yaml() -> str:
    """A "billion laughs": nine levels of nine aliases each."""
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "---\n" + "\n".join(levels) + "\n---\nBody.\n"


def _nested(depth: int) -> object:
    value: object = "leaf"
    for _ in range(depth):
        value = {"x": value}
    return value


BINARY = "binary data, not text"
NOT_TEXT = "not text in any encoding"
NO_BODY = "no body text"
NOT_OBJECT = "expected an object with article fields"


def _text_cases() -> list[Case]:
    body = b"Troops withdrew from the town on Monday. Residents returned."
    return [
        Case("empty.txt", b"", [(None, "empty file")]),
        Case("blank.txt", b"  \n\t\n\n", [(None, "empty file")]),
        Case("title_only.txt", b"Just a headline\n", [(None, NO_BODY)]),
        Case("header_only.txt", b"Title: Header\nSource: Wire\n\n", [(None, NO_BODY)]),
        Case("bom_only.txt", b"\xef\xbb\xbf", [(None, NO_BODY)]),
        Case("random.txt", _rng_bytes(1, 4096), [(None, BINARY)]),
        Case("high_bytes.txt", _rng_bytes(2, 4096, 128, 256), [(None, NOT_TEXT)]),
        Case(
            "utf16_no_bom.txt",
            ("Headline\n\n" + body.decode()).encode("utf-16-le"),
            [(None, BINARY)],
        ),
        Case("nul_padded.txt", b"Headline\n\n" + body + b"\x00" * 64, [(None, BINARY)]),
        Case(
            "stray_byte.txt",
            "Café stays UTF-8\n\nThe café \xff reopened.".encode().replace(b"\xc3\xbf", b"\xff"),
            good=["Café stays UTF-8"],
        ),
        Case(
            "encoded_surrogate.txt",
            b"Surrogate bytes\n\nA \xed\xa0\x80 B happened.",
            good=["Surrogate bytes"],
        ),
        Case(
            "overlong_utf8.txt",
            b"Overlong bytes\n\nA \xc0\xaf B happened.",
            good=["Overlong bytes"],
        ),
        Case("long_first_line.txt", b"word " * 1000, [(None, "title is 4,999 characters")]),
        Case(
            "cp1252.txt",
            b"Minister\x92s trip\n\nThe minister\x92s trip went ahead.",
            good=["Minister’s trip"],
        ),
    ]


def _markdown_cases() -> list[Case]:
    return [
        Case(
            "unclosed_front_matter.md",
            b"---\ntitle: Open\n\nThe body.\n",
            [(1, "front matter opened by '---' is never closed")],
        ),
        Case("billion_laughs.md", _lol_yaml().encode(), [(3, "aliases (*name) are not allowed")]),
        Case(
            "merge_alias.md",
            b"---\nbase: &b {source: X}\nmore:\n  <<: *b\n---\nBody.\n",
            [(4, "aliases (*name) are not allowed")],
        ),
        Case("bad_yaml.md", b"---\ntitle: [unclosed\n---\nBody\n", [(3, "bad YAML front matter")]),
        Case("yaml_list.md", b"---\n- a\n- b\n---\nBody\n", [(1, "not a 'key: value' mapping")]),
        Case(
            "python_tag.md",
            b'---\ntitle: !!python/object/apply:os.system ["id"]\n---\nB\n',
            [(2, "could not determine a constructor")],
        ),
        Case(
            "unhashable_key.md", b"---\n? [a, b]\n: c\n---\nBody\n", [(2, "found unhashable key")]
        ),
        Case(
            "deep_yaml.md",
            b"---\nx: " + b"[" * 200 + b"]" * 200 + b"\n---\nBody\n",
            [(2, "nested more than 64 levels")],
        ),
        Case(
            "impossible_date.md",
            b"---\ntitle: Undated\ndate: 2025-02-30\n---\nBody.\n",
            good=["Undated"],
        ),
        Case("front_matter_only.md", b"---\ntitle: Nothing else\n---\n", [(None, NO_BODY)]),
        Case("binary.md", _rng_bytes(3, 2048), [(None, BINARY)]),
    ]


def _json_cases() -> list[Case]:
    ok = _j(_good("Kept"))
    return [
        Case("scalar.json", b"42", [(1, "expected an article object, a list of them")]),
        Case("empty_list.json", b"[]", [(None, "no articles found")]),
        Case(
            "truncated.json",
            f'[\n{ok},\n{{"title": "Cut'.encode(),
            [(3, "invalid JSON in this list item")],
            ["Kept"],
        ),
        Case(
            "trailing_garbage.json",
            f"[\n  {ok},\n  {{oops}},\n  {_j(_good('After'))}\n]".encode(),
            [(3, "invalid JSON in this list item")],
            ["After", "Kept"],
        ),
        Case(
            "scalars_in_list.json",
            f'[\n1,\n"x",\nnull,\n{ok}\n]'.encode(),
            [(2, NOT_OBJECT), (3, NOT_OBJECT), (4, NOT_OBJECT)],
            ["Kept"],
        ),
        Case("comments.json", b"// a comment\n" + ok.encode(), [(1, "invalid JSON")]),
        Case("unclosed_list.json", f"[\n{ok},\n".encode(), [(3, "never closed")], ["Kept"]),
        Case(
            "text_after_list.json",
            f"[\n{ok}\n] trailing".encode(),
            [(3, "text after the end of the list")],
            ["Kept"],
        ),
        Case(
            "nan_inf.json",
            b'{"title": "Odd numbers", "text": "Body.", "a": NaN, "b": 1e999}',
            good=["Odd numbers"],
        ),
        Case(
            "wrong_type.json",
            b'{"title": ["a", "b"], "text": "Body."}',
            [(1, "field 'title' holds list")],
        ),
        Case(
            "lone_surrogate.json",
            b'{"title": "Sur\\ud800", "text": "A \\udc00 b.", "url": "https://x.example/\\ud800"}',
            good=["Sur\ufffd"],
        ),
        Case(
            "deep_metadata.json",
            _j({**_good("Deep"), "m": _nested(30)}).encode(),
            [(1, "metadata nested 30 levels deep")],
        ),
        Case("deep_brackets.json", b"[" * 5000, [(None, "JSON nested 5000 levels deep")]),
        Case("wrapper_not_list.json", b'{"articles": "none"}', [(1, "no text")]),
        Case("bom.json", b"\xef\xbb\xbf" + ok.encode(), good=["Kept"]),
        Case("binary.json", _rng_bytes(4, 3000), [(None, BINARY)]),
    ]


def _jsonl_cases() -> list[Case]:
    a, b, c = (_j(_good(t)) for t in ("Alpha", "Beta", "Gamma"))
    return [
        Case(
            "mixed.jsonl",
            "\n".join([a, "{not json", "[1, 2]", '{"title": "T"}', b]).encode(),
            [(2, "invalid JSON"), (3, NOT_OBJECT), (4, "no text")],
            ["Alpha", "Beta"],
        ),
        Case(
            "deep_line.jsonl",
            f"{a}\n{'[' * 1000}\n{b}\n".encode(),
            [(2, "JSON nested 1000 levels deep")],
            ["Alpha", "Beta"],
        ),
        Case("crlf.jsonl", f"{a}\r\n{b}\r\n{c}\r\n".encode(), good=["Alpha", "Beta", "Gamma"]),
        Case(
            "raw_nul.jsonl",
            f'{a}\n{{"title": "N", "text": "x\x00y"}}\n{b}\n'.encode(),
            [(2, "invalid JSON")],
            ["Alpha", "Beta"],
        ),
        Case(
            "huge_metadata.jsonl",
            f"{a}\n{_j({**_good('Huge'), 'raw': 'x' * 51_000})}\n{b}".encode(),
            [(2, "RAG_LIMITS__MAX_METADATA_CHARS")],
            ["Alpha", "Beta"],
        ),
        Case(
            "lone_surrogate.jsonl",
            f'{a}\n{{"title": "S\\ud800", "text": "x"}}\n'.encode(),
            good=["Alpha", "S\ufffd"],
        ),
        Case(
            "duplicate_keys.jsonl",
            b'{"title": "A", "title": "Dup", "text": "Body."}\n',
            good=["Dup"],
        ),
    ]


def _csv_cases() -> list[Case]:
    return [
        Case("header_only.csv", b"title,text\n", [(None, "no articles found")]),
        Case(
            "missing_cells.csv",
            b"title,text\nOne,First.\nTwo\n,Headless.\nFour,Fourth.\n",
            [(3, "no text"), (4, "no title")],
            ["Four", "One"],
        ),
        Case(
            "no_text_column.csv", b"headline,summary\nA,x\nB,y\n", [(2, "no text"), (3, "no text")]
        ),
        Case(
            "unclosed_quote.csv",
            b'title,text\nOne,First.\nTwo,"never closed\nThree,Third.\n',
            good=["One", "Two"],
        ),
        Case(
            "nul_in_row.csv",
            b"title,text\nOne,First.\nTwo,Sec\x00ond.\nThree,Third.\n",
            good=["One", "Three", "Two"],
        ),
        Case("binary.csv", _rng_bytes(5, 4096), [(None, BINARY)]),
    ]


def _feed_cases() -> list[Case]:
    head = '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Wire</title>\n'
    item = "<item><title>{}</title><description>{} body.</description></item>\n"
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        + "".join(
            f'<!ENTITY {n} "{("&" + p + ";") * 10}">'
            for p, n in zip("abcdefgh", "bcdefghi", strict=True)
        )
        + ']>\n<rss version="2.0"><channel><title>W</title>\n'
        + "<item><title>Bomb</title><description>&i;</description></item>\n"
        + item.format("Safe", "Safe")
        + "</channel></rss>\n"
    )
    return [
        Case("not_a_feed.xml", b"<config><item>1</item></config>", [(None, "not an RSS/Atom")]),
        Case("empty_channel.rss", (head + "</channel></rss>").encode(), [(None, "not an RSS")]),
        Case(
            "entry_without_body.rss",
            (
                head
                + item.format("One", "One")
                + "<item><title>Two</title></item>\n"
                + item.format("Three", "Three")
                + "</channel></rss>\n"
            ).encode(),
            [(4, NO_BODY)],
            ["One", "Three"],
        ),
        Case(
            "truncated.rss",
            (head + item.format("One", "One") + "<item><title>Tw").encode(),
            [(4, NO_BODY)],
            ["One"],
        ),
        Case("entity_bomb.rss", bomb.encode(), good=["Bomb", "Safe"]),
        Case(
            "external_entity.rss",
            (
                b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM '
                b'"file:///etc/passwd">]>\n<rss version="2.0"><channel><title>W</title>\n'
                b"<item><title>XXE</title><description>a &x; b</description></item>\n"
                b"</channel></rss>\n"
            ),
            good=["XXE"],
        ),
        Case(
            "empty_body.html",
            b"<html><head><title>T</title></head><body></body></html>",
            [(None, "no article text found")],
        ),
        Case(
            "script_only.html",
            b"<html><body><script>alert(1)</script></body></html>",
            [(None, "no article text found")],
        ),
        Case("binary.html", _rng_bytes(6, 4096), [(None, BINARY)]),
        Case("unsupported.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", [(None, "unsupported format")]),
    ]


def cases() -> list[Case]:
    """Every small case, written to ``files/``."""
    return [
        *_text_cases(),
        *_markdown_cases(),
        *_json_cases(),
        *_jsonl_cases(),
        *_csv_cases(),
        *_feed_cases(),
    ]


def write_special(folder: Path) -> list[Case]:
    """Big cases and ones git cannot hold, made in ``folder`` at test time."""
    folder.mkdir(parents=True, exist_ok=True)
    made: list[Case] = []

    def add(case: Case) -> None:
        (folder / case.name).write_bytes(case.data)
        made.append(case)

    add(Case("bracket_bomb.json", b"[" * 100_000, [(None, "JSON nested 100000 levels deep")]))
    # 50 MB on one line under a header: refused by the article limit, not one giant chunk.
    add(
        Case(
            "one_line_50mb.txt",
            b"Title: Big\n\n" + b"word " * 10_000_000,
            [(None, "RAG_LIMITS__MAX_ARTICLE_CHARS")],
        )
    )
    (folder / "loop.txt").symlink_to("loop.txt")
    made.append(Case("loop.txt", b"", [(None, "cannot read file: Too many levels")]))
    (folder / "dangling.md").symlink_to("nowhere.md")
    made.append(Case("dangling.md", b"", [(None, "cannot read file: No such file")]))
    os.mkfifo(folder / "pipe.jsonl")
    made.append(Case("pipe.jsonl", b"", [(None, "not a regular file")]))
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to("..", target_is_directory=True)
    return made


def write(folder: Path) -> None:
    """Write every small case into ``folder`` (emptied first)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for case in cases():
        (folder / case.name).write_bytes(case.data)


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else FILES)
