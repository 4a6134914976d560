"""Check a newsrag dataset file against its corpus: ids, answers, verbatim quotes, near-misses.

    python -m evals.check_dataset evals/datasets/seed.jsonl
    python -m evals.check_dataset --strict evals/datasets/time_*.jsonl

Always: ids are unique; an answerable question has answers and evidence, and at least one of its
answers occurs verbatim in one of its quotes; every quote (``evidence[].quote``, and
``near_miss.quote``) is an exact substring of the text of the article its ``article_id`` names;
a ``near_miss`` says what ``differs`` (year, place, actor or event). ``--strict`` (the
hand-written time-sensitive sets) adds: *every* answer occurs in a quote, every evidence item
has an ``article_id`` and a one-line quote, ``kind`` is an answer type (person, organisation,
place, date, number, other), and every unanswerable question is a near-miss with no answers or
evidence of its own.

The corpus is what the header line names (``{"corpus": PATH | [PATH, ...]}``, relative to the
file) or a ``corpus.jsonl``/``corpus/`` beside it. When a corpus is absent (the shared
development data is not on every machine) the quote checks are skipped and the report says
so; the other checks still run. Problems name the line and question id, never the question
text, so a held-out set can be checked without being read.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click

from evals.readers import header_corpora
from rag.errors import RagError
from rag.loaders import load_paths

ANSWER_KINDS = ("person", "organisation", "place", "date", "number", "other")
DIFFERS = ("year", "place", "actor", "event")
_SOURCE = re.compile(r"[A-Za-z]+")

Record = dict[str, Any]


@dataclass
class Report:
    """What checking one dataset file found."""

    path: str
    questions: int = 0
    answerable: int = 0
    near_miss: int = 0
    quotes_checked: int = 0
    articles: int = 0
    skipped: str | None = None  # why the quote checks did not run, if they did not
    problems: list[str] = field(default_factory=list)
    sources: dict[str, int] = field(default_factory=dict)  # article-id prefix → questions
    kinds: dict[str, int] = field(default_factory=dict)
    differs: dict[str, int] = field(default_factory=dict)


def check_dataset(path: Path, strict: bool = False) -> Report:
    """Check one newsrag JSONL file (see module docstring); problems are listed, not raised."""
    report = Report(path=str(path))
    lines = _read_lines(path)
    header = next((r for _, r in lines if "question" not in r), {})
    questions = [(n, r) for n, r in lines if "question" in r]
    texts = _corpus_texts(path, header, report)
    seen: set[str] = set()
    sources: Counter[str] = Counter()
    for lineno, record in questions:
        where = f"line {lineno} ({record.get('id', '?')})"
        qid = str(record.get("id", ""))
        if not qid:
            report.problems.append(f"{where}: no id")
        elif qid in seen:
            report.problems.append(f"{where}: id repeated")
        seen.add(qid)
        ids = _check_question(record, where, strict, texts, report)
        sources.update({_source(i) for i in ids})
    report.questions = len(questions)
    report.sources = dict(sorted(sources.items()))
    return report


def _read_lines(path: Path) -> list[tuple[int, Record]]:
    if not path.is_file():
        raise RagError(f"no dataset file at {path}")
    out = []
    for lineno, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if line.strip():
            try:
                out.append((lineno, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise RagError(f"{path}:{lineno}: not JSON ({exc.msg})") from exc
    return out


def _corpus_texts(path: Path, header: Record, report: Report) -> dict[str, str] | None:
    """Article id → text of the dataset's corpus, or None (and why) when it is absent."""
    corpora = header_corpora(path, header)
    if not corpora:
        corpora = [c for c in (path.parent / "corpus.jsonl", path.parent / "corpus") if c.exists()]
    missing = [str(c) for c in corpora if not c.exists()]
    if not corpora or missing:
        report.skipped = f"corpus not found: {', '.join(missing) or 'none named'}"
        return None
    texts: dict[str, str] = {}
    for loaded in load_paths(corpora):
        report.problems.extend(f"corpus file {error}" for error in loaded.errors)
        texts.update((a.id, a.text) for a in loaded.articles)
    report.articles = len(texts)
    return texts


def _check_question(
    r: Record, where: str, strict: bool, texts: dict[str, str] | None, report: Report
) -> list[str]:
    """Check one question record; returns the article ids it cites (evidence and near-miss)."""
    problems = report.problems
    answerable = r.get("answerable", True)
    answers = [str(a) for a in _as_list(r.get("answers", r.get("answer")))]
    evidence = [e for e in _as_list(r.get("evidence")) if isinstance(e, dict)]
    kind = str(r.get("kind", ""))
    report.kinds[kind] = report.kinds.get(kind, 0) + 1
    if not isinstance(answerable, bool):
        problems.append(f"{where}: 'answerable' must be true or false")
    if strict and kind not in ANSWER_KINDS:
        problems.append(f"{where}: kind {kind!r} is not one of {', '.join(ANSWER_KINDS)}")
    quotes = []
    for n, e in enumerate(evidence, start=1):
        quote = e.get("quote")
        if strict and (not e.get("article_id") or not quote or "\n" in str(quote)):
            problems.append(f"{where}: evidence {n} needs an article_id and a one-line quote")
        if quote:
            quotes.append(str(quote))
            _check_quote(e, f"{where}: evidence {n}", texts, report)
    if answerable:
        report.answerable += 1
        if not answers or not evidence:
            problems.append(f"{where}: an answerable question needs answers and evidence")
        found = [any(a in q for q in quotes) for a in answers]
        if quotes and answers and not any(found):
            problems.append(f"{where}: no answer occurs verbatim in its quotes")
        elif strict and not all(found):
            missing = [str(n) for n, ok in enumerate(found, start=1) if not ok]
            problems.append(f"{where}: answer {', '.join(missing)} not verbatim in its quotes")
    elif strict and (answers or evidence):
        problems.append(f"{where}: an unanswerable question has answers or evidence")
    near = r.get("near_miss")
    if near is not None:
        _check_near_miss(near, where, texts, report)
    elif strict and not answerable:
        problems.append(f"{where}: an unanswerable question needs its near_miss")
    cited = [str(e.get("article_id")) for e in evidence if e.get("article_id")]
    if isinstance(near, dict) and near.get("article_id"):
        cited.append(str(near["article_id"]))
    return cited


def _check_near_miss(near: Any, where: str, texts: dict[str, str] | None, report: Report) -> None:
    if not isinstance(near, dict) or not near.get("article_id") or not near.get("quote"):
        report.problems.append(f"{where}: near_miss needs article_id, quote and differs")
        return
    report.near_miss += 1
    differs = str(near.get("differs", ""))
    report.differs[differs] = report.differs.get(differs, 0) + 1
    if differs not in DIFFERS:
        report.problems.append(f"{where}: near_miss differs {differs!r}: use {', '.join(DIFFERS)}")
    _check_quote(near, f"{where}: near_miss", texts, report)


def _check_quote(item: Record, where: str, texts: dict[str, str] | None, report: Report) -> None:
    article_id, quote = item.get("article_id"), item.get("quote")
    if texts is None or not article_id or not quote:
        return
    text = texts.get(str(article_id))
    if text is None:
        report.problems.append(f"{where}: article {article_id} is not in the corpus")
    elif str(quote) not in text:
        report.problems.append(f"{where}: quote is not verbatim in article {article_id}")
    else:
        report.quotes_checked += 1


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _source(article_id: str) -> str:
    match = _SOURCE.match(article_id)
    return match.group(0) if match else article_id


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(
        f"{k or '(none)'} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])
    )


def describe(report: Report) -> list[str]:
    """The report as console lines: the verdict, then the composition."""
    quotes = (
        f"quote checks skipped ({report.skipped})"
        if report.skipped
        else f"{report.quotes_checked} quotes verbatim in {report.articles} articles"
    )
    verdict = "ok" if not report.problems else f"{len(report.problems)} problems"
    lines = [
        f"{report.path}: {report.questions} questions, {report.answerable} answerable, "
        f"{report.near_miss} near-miss; {quotes}; {verdict}",
        f"  sources: {_counts(report.sources)}",
        f"  kinds: {_counts(report.kinds)}",
    ]
    if report.differs:
        lines.append(f"  near-miss differs: {_counts(report.differs)}")
    return lines + [f"  PROBLEM {p}" for p in report.problems]


@click.command()
@click.argument("datasets", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="The stricter rules of hand-written sets.")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
def main(datasets: tuple[Path, ...], strict: bool, as_json: bool) -> None:
    """Check newsrag datasets against their corpora; exit 1 when any has a problem."""
    try:
        reports = [check_dataset(path, strict=strict) for path in datasets]
    except RagError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps([asdict(r) for r in reports], indent=2))
    else:
        for report in reports:
            click.echo("\n".join(describe(report)))
    if any(r.problems for r in reports):
        sys.exit(1)


if __name__ == "__main__":
    main()
