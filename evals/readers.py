"""Evaluation datasets read into one shape: newsrag JSONL, MultiHop-RAG and RGB-style records.

Formats (each a JSON-lines file, one record a line; the format is told by the fields):

- **newsrag** (``evals/datasets/*.jsonl``): ``{id, question, answer | answers[], answerable,
  evidence: [{article_id | url | title, quote?}], filters?: {since, until, sources}}``. A line
  ``{"corpus": "PATH"}`` or ``{"corpus": ["PATH", ...]}`` (relative to the dataset file) names
  the articles the questions are about, all of them ingested together; without it, a
  ``corpus.jsonl`` file or ``corpus/`` folder beside the dataset is used.
- **MultiHop-RAG**: records with ``question_type``; ``corpus.jsonl`` beside the file is the
  corpus. ``null_query`` questions are unanswerable; each evidence ``fact`` is a verbatim quote.
- **RGB-style**: ``{id?, query, answer, positive: [passage...], negative: [passage...]}``. Each
  record's passages become articles of a generated corpus under an outlet of their own
  (``rgb-<id>``), and the question is asked with that outlet as its filter: as in RGB, a query
  is answered from its own passages only. The positive ones are the gold evidence, and a
  record without positives is unanswerable (negative rejection).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import RagError
from rag.types import Filters

Record = dict[str, Any]
_SPACE = re.compile(r"\s+")
_OUTLET_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


def norm_text(text: str) -> str:
    """Lower-case text with white space and typographic quotes normalised, for matching."""
    text = text.translate(_QUOTES)
    return _SPACE.sub(" ", text).strip().lower()


@dataclass(frozen=True)
class Evidence:
    """One gold evidence item: which article (by id, URL or title) and optionally the quote."""

    article_id: str | None = None
    url: str | None = None
    title: str | None = None
    quote: str | None = None

    def key(self) -> str:
        """Identity of the gold article: its id, else URL, else normalised title."""
        if self.article_id:
            return f"id:{self.article_id}"
        if self.url:
            return f"url:{self.url}"
        return f"title:{norm_text(self.title or '')}"

    def matches(self, article_id: str, url: str | None, title: str) -> bool:
        """True when a retrieved article is this evidence's article."""
        if self.article_id and self.article_id == article_id:
            return True
        if self.url and url and self.url == url:
            return True
        return bool(self.title) and norm_text(self.title or "") == norm_text(title)


@dataclass(frozen=True)
class EvalQuestion:
    """One question with its gold answers and evidence."""

    id: str
    question: str
    answers: tuple[str, ...]
    answerable: bool
    evidence: tuple[Evidence, ...] = ()
    filters: Filters | None = None
    kind: str = ""


@dataclass
class Dataset:
    """A dataset read from ``path``: its questions and what corpus they are about."""

    name: str
    path: Path
    format: str
    questions: list[EvalQuestion]
    corpora: list[Path] = field(default_factory=list)
    generated_corpus: list[Record] = field(default_factory=list)

    @property
    def corpus(self) -> Path | None:
        """The first corpus path (the only one, for most datasets), or None."""
        return self.corpora[0] if self.corpora else None

    def has_corpus(self) -> bool:
        """True when the dataset says which articles to ingest."""
        return bool(self.corpora) or bool(self.generated_corpus)


def read_dataset(path: Path, limit: int | None = None) -> Dataset:
    """Read a dataset file of any supported format (see module docstring)."""
    if not path.is_file():
        raise RagError(f"no dataset file at {path}")
    records = list(iter_records(path))
    questions = [r for r in records if "question" in r or "query" in r]
    if not questions:
        raise RagError(f"{path}: no question records (each needs 'question' or 'query')")
    meta = next((r for r in records if "corpus" in r and "question" not in r), {})
    if limit is not None:
        questions = questions[:limit]
    if "query" in questions[0] and ({"positive", "negative"} & questions[0].keys()):
        dataset = _rgb(path, questions)
    elif "question_type" in questions[0]:
        dataset = _multihop(path, questions)
    else:
        dataset = _newsrag(path, questions, meta)
    ids = [q.id for q in dataset.questions]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise RagError(f"{path}: question ids must be unique; repeated: {', '.join(twice[:5])}")
    return dataset


def iter_records(path: Path) -> Iterator[Record]:
    """The records of a JSON-lines file or a JSON array, with the line of a bad one."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):  # a JSON array of records
        yield from json.loads(text)
        return
    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise RagError(f"{path}:{lineno}: not JSON ({exc.msg})") from exc


def _answers(record: Record) -> tuple[str, ...]:
    raw = record.get("answers", record.get("answer"))
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    flat: list[str] = []
    for item in items:  # RGB nests alternatives: [["Jan 2", "January 2"], ...]
        flat.extend(str(x) for x in (item if isinstance(item, list) else [item]))
    return tuple(a for a in flat if a.strip())


def _evidence(items: list[Record] | None) -> tuple[Evidence, ...]:
    out = []
    for e in items or []:
        quote = e.get("quote") or e.get("fact")
        out.append(
            Evidence(
                article_id=_opt(e.get("article_id")),
                url=_opt(e.get("url")),
                title=_opt(e.get("title")),
                quote=_opt(quote),
            )
        )
    return tuple(out)


def _opt(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _newsrag(path: Path, records: list[Record], meta: Record) -> Dataset:
    questions = []
    for n, r in enumerate(records, start=1):
        answerable = bool(r.get("answerable", True))
        filters = Filters.model_validate(r["filters"]) if r.get("filters") else None
        questions.append(
            EvalQuestion(
                id=str(r.get("id", n)),
                question=str(r["question"]),
                answers=_answers(r) if answerable else (),
                answerable=answerable,
                evidence=_evidence(r.get("evidence")),
                filters=filters,
                kind=str(r.get("kind", "")),
            )
        )
    corpora = header_corpora(path, meta)
    missing = [str(c) for c in corpora if not c.exists()]
    if missing:
        raise RagError(f"{path}: its corpus {', '.join(missing)} does not exist")
    beside = _corpus_beside(path)
    corpora = corpora or ([beside] if beside else [])
    name = str(meta.get("name") or path.stem)
    return Dataset(name=name, path=path, format="newsrag", questions=questions, corpora=corpora)


def header_corpora(path: Path, meta: Record) -> list[Path]:
    """The corpus paths a header line names, resolved against the dataset's folder.

    ``corpus`` is one path or a list of paths; whether they exist is the caller's business.
    """
    raw = meta.get("corpus")
    if raw in (None, "", []):
        return []
    items = raw if isinstance(raw, list) else [raw]
    if not all(isinstance(item, str) and item.strip() for item in items):
        raise RagError(f"{path}: 'corpus' must be a path or a list of paths, got {raw!r}")
    return [(path.parent / item).resolve() for item in items]


def _corpus_beside(path: Path) -> Path | None:
    for candidate in (path.parent / "corpus.jsonl", path.parent / "corpus"):
        if candidate.exists():
            return candidate
    return None


def _multihop(path: Path, records: list[Record]) -> Dataset:
    questions = []
    for r in records:
        qtype = str(r.get("question_type") or "unknown")
        answerable = qtype != "null_query" and r.get("answerable") is not False
        questions.append(
            EvalQuestion(
                id=str(r["id"]),
                question=str(r["question"]),
                answers=_answers(r) if answerable else (),
                answerable=answerable,
                evidence=_evidence(r.get("evidence")),
                kind=qtype,
            )
        )
    corpus = path.parent / "corpus.jsonl"
    return Dataset(
        name=path.parent.name or path.stem,
        path=path,
        format="multihop",
        questions=questions,
        corpora=[corpus] if corpus.is_file() else [],
    )


def _rgb(path: Path, records: list[Record]) -> Dataset:
    articles: dict[str, Record] = {}

    def article_for(passage: str, outlet: str) -> str:
        digest = hashlib.sha1(passage.encode(), usedforsecurity=False).hexdigest()[:12]
        article_id = f"{outlet}-{digest}"
        title = _SPACE.sub(" ", passage).strip()[:80]
        record = {"id": article_id, "title": title, "text": passage, "source": outlet}
        articles.setdefault(article_id, record)
        return article_id

    questions = []
    for n, r in enumerate(records, start=1):
        qid = str(r.get("id", n))
        # RGB answers each query from its own passages only: they become the articles of
        # one outlet per record, and the question is asked with that outlet as its filter,
        # so another record's passages (another year of the same event) never answer it.
        outlet = f"rgb-{_OUTLET_UNSAFE.sub('-', qid)}"
        positives = [str(p) for p in r.get("positive") or [] if str(p).strip()]
        for passage in [*positives, *(str(p) for p in r.get("negative") or [])]:
            if passage.strip():
                article_for(passage, outlet)
        answerable = bool(r.get("answerable", bool(positives)))
        questions.append(
            EvalQuestion(
                id=qid,
                question=str(r["query"]),
                answers=_answers(r) if answerable else (),
                answerable=answerable,
                evidence=tuple(Evidence(article_id=article_for(p, outlet)) for p in positives),
                filters=Filters(sources=[outlet]),
                kind="rgb",
            )
        )
    return Dataset(
        name=path.stem,
        path=path,
        format="rgb",
        questions=questions,
        generated_corpus=list(articles.values()),
    )
