"""The malformed-input corpus (tests/data/malformed/make.py) and random input for every loader.

Each malformed file must give its clear ``path[:line]: reason`` errors, keep the good records
beside them, never raise, and leave ``rag ingest`` with the exit code the README states.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.cli import main
from rag.errors import LoadError
from rag.loaders import SUPPORTED_SUFFIXES, iter_files, load_file, read_articles
from rag.pipeline import Pipeline

MALFORMED = Path(__file__).parent / "data" / "malformed"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("malformed_make", MALFORMED / "make.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


MAKE = _generator()
CASES = {case.name: case for case in MAKE.cases()}


def _outcome(path: Path) -> tuple[list[tuple[int | None, str]], list[str]]:
    result = read_articles(path)
    for error in result.errors:
        where = f"{path}:{error.line}" if error.line is not None else str(path)
        assert str(error) == f"{where}: {error.reason}"  # the documented shape
    return [(e.line, e.reason) for e in result.errors], sorted(a.title for a in result.articles)


def _matches(got: list[tuple[int | None, str]], expected: list[tuple[int | None, str]]) -> bool:
    return len(got) == len(expected) and all(
        line == want_line and phrase in reason
        for (line, reason), (want_line, phrase) in zip(got, expected, strict=True)
    )


def test_committed_corpus_is_what_the_generator_writes(tmp_path: Path) -> None:
    MAKE.write(tmp_path)
    committed = {p.name: p.read_bytes() for p in (MALFORMED / "files").iterdir()}
    generated = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert committed == generated, "run: python tests/data/malformed/make.py"
    assert len(generated) >= 50


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_malformed_file_gives_its_reasons_and_keeps_good_records(name: str) -> None:
    case = CASES[name]
    errors, good = _outcome(MALFORMED / "files" / name)
    assert _matches(errors, case.errors), errors
    assert good == sorted(case.good)


def test_special_files_are_reported(tmp_path: Path) -> None:
    for case in MAKE.write_special(tmp_path):
        errors, good = _outcome(tmp_path / case.name)
        assert _matches(errors, case.errors), (case.name, errors)
        assert good == case.good


def test_no_entity_or_external_file_is_expanded() -> None:
    texts = [
        a.text
        for name in ("entity_bomb.rss", "external_entity.rss")
        for a in read_articles(MALFORMED / "files" / name).articles
    ]
    assert texts and all(len(t) < 200 and "root:" not in t for t in texts)


def test_ingest_of_the_whole_corpus_stores_the_good_records(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    folder = tmp_path / "corpus"
    MAKE.write(folder)
    special = MAKE.write_special(folder / "special")
    report = pipeline.ingest([folder])
    walked = {p.name for p in iter_files([folder])}
    expected = [c for c in [*CASES.values(), *special] if c.name in walked]
    want_titles = sorted(t for c in expected for t in c.good)
    assert sorted(str(a["title"]) for a in pipeline.store.articles()) == want_titles
    assert report.added == len(want_titles)
    assert report.failed == len(report.errors) == sum(len(c.errors) for c in expected)
    for error in report.errors:  # every error names its file, under the folder
        assert error.startswith(str(folder)) and ": " in error


def test_cli_exit_codes_follow_the_readme(tmp_path: Path) -> None:
    mixed, bad = tmp_path / "mixed", tmp_path / "bad"
    for folder, names in ((mixed, ["mixed.jsonl", "random.txt"]), (bad, ["random.txt"])):
        folder.mkdir()
        for name in names:
            (folder / name).write_bytes(CASES[name].data)
    runner = CliRunner()
    partial = runner.invoke(main, ["ingest", str(mixed), "--json"])
    assert partial.exit_code == 0, partial.output
    assert f"failed: {mixed / 'mixed.jsonl'}:2: invalid JSON" in partial.stderr
    assert f"failed: {mixed / 'random.txt'}: binary data" in partial.stderr
    nothing = runner.invoke(main, ["ingest", str(bad)])
    assert nothing.exit_code == 1
    assert "nothing could be ingested" in nothing.stderr
    usage = runner.invoke(main, ["ingest", str(tmp_path / "missing")])
    assert usage.exit_code == 2


# ------------------------------------------------------------- random input

_SUFFIXES = sorted(SUPPORTED_SUFFIXES)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["title", "text", "url", "date", "id", "metadata"]), inner, max_size=5
        )
    ),
    max_leaves=30,
)


def _load_random(path: Path) -> None:
    """The loaders' contract: LoadError for bad input, never anything else."""
    result = read_articles(path)
    assert all(isinstance(e, LoadError) for e in result.errors)
    for article in result.articles:
        article.text.encode("utf-8")  # storable: no lone surrogates
        json.dumps(article.metadata)
    with contextlib.suppress(LoadError):
        load_file(path)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=2000), suffix=st.sampled_from(_SUFFIXES))
def test_random_bytes_never_raise_anything_but_load_error(
    tmp_path: Path, data: bytes, suffix: str
) -> None:
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    _load_random(path)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=_JSON, suffix=st.sampled_from([".json", ".jsonl", ".md", ".csv", ".txt"]))
def test_random_json_structures_never_raise_anything_but_load_error(
    tmp_path: Path, value: object, suffix: str
) -> None:
    text = json.dumps(value)
    if suffix == ".md":  # JSON is YAML: the structure becomes front matter
        text = f"---\n{text}\n---\nBody.\n"
    elif suffix == ".csv":
        text = "title,text\n" + text
    path = tmp_path / f"random{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _load_random(path)
