"""Benchmark data: generated corpora made of real sentences, and questions about them.

A generated article is a real article re-dated and re-published: its sentences are a real
article's, in order, with about a third of them swapped for sentences of other real
articles; its title is the real one or the opening words of its first sentence; its outlet
and date are drawn from the real outlets and 2011–2024. So lengths, vocabulary and
sentence shapes are those of real news, and a corpus of any size comes out of a few
hundred real articles. Everything is drawn from one seeded ``random.Random``: the same
seed and pool give the same corpus, byte for byte.

Questions are made the same way for real and generated tiers: a few consecutive words of
one article's sentence, asked about ("What was reported about …?"). The sentence is the
target: retrieval found it when a retrieved article contains it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.chunking import split_sentences
from rag.loaders import load_paths

SWAP_SHARE = 0.3  # share of a generated article's sentences taken from other articles
FIRST_DAY = dt.date(2011, 1, 1)
DAYS = (dt.date(2024, 12, 31) - FIRST_DAY).days
QUESTION_FORMS = (
    "What was reported about {}?",
    "What do the reports say about {}?",
    "What is known about {}?",
)
_WORD = re.compile(r"\S+")
_EDGE_PUNCT = ".,;:!?\"'()[]“”‘’"


@dataclass(frozen=True)
class PoolArticle:
    """A real article as the generator uses it: title, outlet and sentences."""

    title: str
    source: str
    sentences: tuple[str, ...]


def _usable(sentence: str) -> bool:
    """Sentences a reader would recognise as prose: 6 to 80 words, some letters."""
    n = len(sentence.split())
    return 6 <= n <= 80 and sum(c.isalpha() for c in sentence) > len(sentence) // 2


def read_pool(paths: Iterable[Path]) -> list[PoolArticle]:
    """The real articles under ``paths`` (any format ``rag ingest`` reads), in id order."""
    found = []
    for load in load_paths(paths):
        for article in load.articles:
            text = article.text
            sentences = tuple(
                s for s in (text[sp.start : sp.end] for sp in split_sentences(text)) if _usable(s)
            )
            if sentences:
                found.append(
                    (article.id, PoolArticle(article.title, article.source or "", sentences))
                )
    if not found:
        raise ValueError(f"no usable article under {', '.join(map(str, paths))}")
    return [a for _, a in sorted(found, key=lambda pair: pair[0])]


def pool_digest(pool: Sequence[PoolArticle]) -> str:
    """A short hash of the pool, so cached corpora are remade when the pool changes."""
    h = hashlib.sha256()
    for a in pool:
        h.update(json.dumps([a.title, a.source, a.sentences]).encode())
    return h.hexdigest()[:10]


def generate(pool: Sequence[PoolArticle], n: int, seed: int) -> Iterator[dict[str, Any]]:
    """``n`` articles (``rag ingest`` JSONL records) built from ``pool``'s sentences."""
    rng = random.Random(seed)
    everything = [s for a in pool for s in a.sentences]
    outlets = sorted({a.source for a in pool if a.source}) or ["Wire"]
    for i in range(n):
        base = pool[rng.randrange(len(pool))]
        sentences = [
            everything[rng.randrange(len(everything))] if rng.random() < SWAP_SHARE else s
            for s in base.sentences
        ]
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
        outlet = outlets[rng.randrange(len(outlets))]
        title = base.title if rng.random() < 0.5 else _headline(sentences[0])
        slug = re.sub(r"[^a-z0-9]+", "-", outlet.lower()).strip("-") or "news"
        yield {
            "id": f"gen{seed}-{i:06d}",
            "title": title,
            "text": _paragraphs(sentences, rng),
            "source": outlet,
            "url": f"https://{slug}.example.com/{day:%Y/%m/%d}/{i}",
            "published_at": day.isoformat(),
        }


def _headline(sentence: str) -> str:
    words = sentence.split()[:10]
    return " ".join(words).strip(_EDGE_PUNCT)


def _paragraphs(sentences: list[str], rng: random.Random) -> str:
    """Sentences grouped 1–3 to a paragraph, as news is laid out."""
    out, i = [], 0
    while i < len(sentences):
        take = rng.randint(1, 3)
        out.append(" ".join(sentences[i : i + take]))
        i += take
    return "\n\n".join(out)


SHARD_ARTICLES = 10_000
"""Articles per file of a generated corpus: a 100k corpus in one file would be 136 MB, over
``rag ingest``'s default file limit, and a team's corpus arrives as many files anyway."""


def write_corpus(
    pool: Sequence[PoolArticle], n: int, seed: int, folder: Path, shard: int = SHARD_ARTICLES
) -> Path:
    """The generated corpus as a folder of JSONL files of at most ``shard`` articles each,
    in ``folder`` (made once, then reused from there)."""
    path = folder / f"generated-{n}-seed{seed}-{pool_digest(pool)}"
    if path.is_dir():
        return path
    tmp = folder / f"{path.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    out = None
    for i, record in enumerate(generate(pool, n, seed)):
        if i % shard == 0:
            if out is not None:
                out.close()
            out = (tmp / f"part-{i // shard:04d}.jsonl").open("w", encoding="utf-8")
        assert out is not None
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    if out is not None:
        out.close()
    tmp.replace(path)  # an interrupted run never leaves a short corpus under the final name
    return path


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of a JSONL corpus file, or of every ``*.jsonl`` file of a folder in name
    order."""
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    records: list[dict[str, Any]] = []
    for file in files:
        with file.open(encoding="utf-8") as lines:
            records += [json.loads(line) for line in lines if line.strip()]
    return records


def make_questions(articles: Sequence[dict[str, Any]], n: int, seed: int) -> list[dict[str, str]]:
    """``n`` questions, each about a few words of one sentence of a different article.

    Returns ``{"question", "target", "article_id"}``: ``target`` is the whole sentence.
    """
    rng = random.Random(seed)
    order = list(range(len(articles)))
    rng.shuffle(order)
    questions: list[dict[str, str]] = []
    for index in order:
        if len(questions) == n:
            break
        article = articles[index]
        spans = split_sentences(article["text"])
        sentences = [article["text"][s.start : s.end] for s in spans]
        sentences = [s for s in sentences if 10 <= len(s.split()) <= 60]
        if not sentences:
            continue
        target = sentences[rng.randrange(len(sentences))]
        words = target.split()
        size = rng.randint(6, 9)
        start = rng.randrange(len(words) - size + 1)
        span = " ".join(words[start : start + size]).strip(_EDGE_PUNCT)
        form = QUESTION_FORMS[rng.randrange(len(QUESTION_FORMS))]
        questions.append(
            {"question": form.format(span), "target": target, "article_id": str(article["id"])}
        )
    return questions


def target_articles(
    questions: Sequence[dict[str, str]], articles: Sequence[dict[str, Any]]
) -> list[set[str]]:
    """For each question, the ids of every article that contains its target sentence."""
    found: list[set[str]] = [set() for _ in questions]
    for article in articles:
        text = article["text"]
        for i, q in enumerate(questions):
            if q["target"] in text:
                found[i].add(str(article["id"]))
    return found


def found_at(retrieved: Sequence[Sequence[str]], targets: Sequence[set[str]], k: int) -> float:
    """Share of questions whose top ``k`` retrieved article ids include a target article."""
    if not targets:
        return 0.0
    hits = sum(1 for ids, want in zip(retrieved, targets, strict=True) if want & set(ids[:k]))
    return hits / len(targets)
