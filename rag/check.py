"""`rag check`: do the article records, chunk rows, vector index and BM25 agree?

The store writes an article's chunks before its record, so an interrupted ingest can leave
chunks no record owns; Chroma keeps chunk rows (SQLite) and the vector index (HNSW) apart,
so a vector can go missing while its row stays; BM25 is a separate file. The checks:

1. every chunk row belongs to a stored article (else: ``orphan_chunks``);
2. every article has as many chunk rows as its record says (``chunk_count``);
3. every chunk row has a vector (``no_vector``), and querying the index with that vector
   finds the chunk itself among the nearest few (``unreachable``), probed in batches;
4. every chunk row carries its sentence vectors, one per sentence (``no_sentence_vectors``:
   a store written by an older version; it still answers, embedding sentences per question);
5. BM25 holds exactly the chunk ids of the store, built from this generation
   (``bm25_missing``, ``bm25_extra``, ``bm25_stale``);
6. no half-built collection of a killed rebuild is left (``stray_collection``), and no
   vector-index folder on disk belongs to no collection (``orphan_segments``).

``repair`` fixes what it can under the store's write lock: orphan chunks are deleted
(their ingest never committed; the next ingest writes them again), an article with
missing or unreachable chunks is re-chunked from its stored text and re-embedded, stray
collections and orphan segment folders are removed, and BM25 is rebuilt.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from rag.chunking import chunk_article
from rag.embeddings import Embedder
from rag.errors import RagError
from rag.ingest import embed_chunks
from rag.lexical import LexicalIndex
from rag.settings import Settings
from rag.store import ChromaStore, Store
from rag.types import IntegrityProblem, IntegrityReport

_REWRITE = ("chunk_count", "no_vector", "unreachable", "no_sentence_vectors")
PROBE_BATCH = 64  # vectors per query call
PROBE_K = 10  # a chunk must be among this many nearest to its own vector (wire copies tie)


def check_store(
    store: Store, settings: Settings, embedder: Embedder | None, *, repair: bool = False
) -> IntegrityReport:
    """Compare the store's views with each other; with ``repair``, fix what can be fixed.

    ``embedder`` is needed only to repair (re-embedding); checking never loads a model.
    """
    if not isinstance(store, ChromaStore):
        raise RagError(f"rag check knows Chroma stores only, not {type(store).__name__}")
    store.refresh()
    report = _inspect(store, settings)
    if repair and report.problems:
        assert embedder is not None, "repair needs the embedding model"
        with store.writing(command="check --repair") as write:
            _repair(write.store, settings, embedder, report, write.generation)
        # What the repair could not fix is checked again, so the report says what is left.
        still = {(p.kind, p.article_id) for p in _inspect(store, settings).problems}
        for problem in report.problems:
            if problem.repaired and (problem.kind, problem.article_id) in still:
                problem.repaired = False
    return report


def _inspect(store: ChromaStore, settings: Settings) -> IntegrityReport:
    infos = {str(a["id"]): a for a in store.articles()}
    owner = store.chunk_articles()
    report = IntegrityReport(articles=len(infos), chunks=len(owner), generation=store.generation)
    problems = report.problems
    by_article: dict[str, list[str]] = defaultdict(list)
    for cid, article_id in owner.items():
        by_article[article_id].append(cid)
    for article_id, ids in sorted(by_article.items()):
        if article_id not in infos:
            problems.append(
                IntegrityProblem(
                    kind="orphan_chunks",
                    detail=f"{len(ids)} chunk(s) of {article_id!r}, which has no article "
                    "record (an ingest stopped before committing it)",
                    article_id=article_id,
                    ids=sorted(ids),
                )
            )
    for article_id, info in infos.items():
        have, want = len(by_article.get(article_id, [])), int(info.get("chunks", 0))
        if have != want:
            problems.append(
                IntegrityProblem(
                    kind="chunk_count",
                    detail=f"article {article_id!r} has {have} chunk row(s), "
                    f"its record says {want}",
                    article_id=article_id,
                )
            )
    problems += _probe(store, owner)
    problems += [
        IntegrityProblem(
            kind="no_sentence_vectors",
            detail=f"{len(ids)} chunk(s) of {article_id!r} have no usable stored sentence "
            "vectors (written by an older version): questions embed their sentences each time",
            article_id=article_id,
            ids=ids,
        )
        for article_id, ids in sorted(store.chunks_without_sentence_vectors().items())
    ]
    report.probed = len(owner)
    problems += _check_bm25(store, settings, set(owner), report)
    problems += [
        IntegrityProblem(
            kind="stray_collection",
            detail=f"collection {name!r} is left over from a rebuild that did not finish",
            ids=[name],
        )
        for name in store.stray_collections()
    ]
    orphans = store.orphan_segment_folders()
    if orphans:
        problems.append(
            IntegrityProblem(
                kind="orphan_segments",
                detail=f"{len(orphans)} vector-index folder(s) on disk belong to no collection "
                "(left by dropped collections)",
                ids=orphans,
            )
        )
    return report


def _probe(store: ChromaStore, owner: dict[str, str]) -> list[IntegrityProblem]:
    """Query the index with every chunk's own vector; it must come back among the nearest."""
    missing: dict[str, list[str]] = defaultdict(list)
    lost: dict[str, list[str]] = defaultdict(list)
    ids = sorted(owner)
    k = max(1, min(PROBE_K, len(ids)))
    for start in range(0, len(ids), PROBE_BATCH):
        batch = store.chunk_vectors(ids[start : start + PROBE_BATCH])
        with_vec = [(cid, vec) for cid, vec in batch.items() if vec is not None]
        for cid in ids[start : start + PROBE_BATCH]:
            if batch.get(cid) is None:
                missing[owner[cid]].append(cid)
        if not with_vec:
            continue
        found = store.nearest_ids([vec for _, vec in with_vec], k)
        for (cid, _), near in zip(with_vec, found, strict=True):
            if cid not in near:
                lost[owner[cid]].append(cid)
    out = [
        IntegrityProblem(
            kind="no_vector",
            detail=f"{len(c)} chunk(s) of {a!r} have a row but no vector",
            article_id=a,
            ids=c,
        )
        for a, c in sorted(missing.items())
    ]
    out += [
        IntegrityProblem(
            kind="unreachable",
            detail=f"{len(c)} chunk(s) of {a!r} are not found by their own vector "
            "(missing from the vector index)",
            article_id=a,
            ids=c,
        )
        for a, c in sorted(lost.items())
    ]
    return out


def _check_bm25(
    store: ChromaStore, settings: Settings, chunk_ids: set[str], report: IntegrityReport
) -> list[IntegrityProblem]:
    if not settings.retrieval.hybrid:
        return []
    index = LexicalIndex(settings.lexical_folder())
    if not index.load():
        return [IntegrityProblem(kind="bm25_stale", detail="there is no BM25 index")]
    indexed = Counter(index.ids)
    report.bm25 = len(index.ids)
    out = []
    absent = sorted(chunk_ids - set(indexed))
    extra = sorted(set(indexed) - chunk_ids)
    if absent:
        out.append(
            IntegrityProblem(
                kind="bm25_missing",
                detail=f"{len(absent)} chunk(s) are not in the BM25 index",
                ids=absent,
            )
        )
    if extra:
        out.append(
            IntegrityProblem(
                kind="bm25_extra",
                detail=f"{len(extra)} chunk id(s) in the BM25 index are not in the store",
                ids=extra,
            )
        )
    if index.generation != store.generation and not (absent or extra):
        out.append(
            IntegrityProblem(
                kind="bm25_stale",
                detail=f"the BM25 index was built from generation {index.generation}, "
                f"the store is at {store.generation}",
            )
        )
    return out


def _repair(
    store: ChromaStore,
    settings: Settings,
    embedder: Embedder,
    report: IntegrityReport,
    generation: int,
) -> None:
    rewrite = set()
    for problem in report.problems:
        if problem.kind == "orphan_chunks":
            store.delete_chunks(problem.ids)
            problem.repaired = True
        elif problem.kind in _REWRITE and problem.article_id:
            rewrite.add(problem.article_id)
    hashes = store.content_hashes(sorted(rewrite))
    done = {a for a in sorted(rewrite) if _rewrite(store, settings, embedder, a, hashes.get(a))}
    for problem in report.problems:
        if problem.article_id in done and problem.kind != "orphan_chunks":
            problem.repaired = True
        if problem.kind == "stray_collection":
            problem.repaired = True  # writing() dropped them when it took the lock
        if problem.kind == "orphan_segments":
            store.remove_orphan_segment_folders()
            problem.repaired = True
    if settings.retrieval.hybrid:
        LexicalIndex(settings.lexical_folder()).build(store.iter_chunks(), generation)
        for problem in report.problems:
            if problem.kind.startswith("bm25_"):
                problem.repaired = True


def _rewrite(
    store: ChromaStore, settings: Settings, embedder: Embedder, article_id: str, digest: str | None
) -> bool:
    """Re-chunk and re-embed one stored article from its own text; False if it is gone."""
    article = store.get_article(article_id)
    if article is None or digest is None:
        return False
    chunks = chunk_article(article, settings.chunking)
    late = settings.embedding.sentence_vectors == "late"
    vectors, sentence_vectors, clause_vectors = embed_chunks(
        embedder,
        chunks,
        late=late,
        from_sentences=settings.embedding.chunk_vectors == "sentences",
        headlines={article.id: article.title},
        headline_weight=settings.chunking.headline_weight,
        clauses=settings.embedding.clause_vectors,
    )
    store.write_article(
        article,
        chunks,
        vectors,
        digest,
        sentence_vectors,
        clause_vectors,
        settings.embedding.clause_vectors,
    )
    return True


def format_report(report: IntegrityReport) -> str:
    """The report as lines of text: the counts, then each problem and whether it was fixed."""
    lines = [
        f"generation {report.generation}: {report.articles} articles, {report.chunks} chunk "
        f"rows, {report.bm25} in BM25; {report.probed} chunks probed by their own vector"
    ]
    for p in report.problems:
        lines.append(f"{'repaired' if p.repaired else 'problem'}: {p.kind}: {p.detail}")
    left = len(report.remaining)
    if not report.problems:
        lines.append("no problems")
    elif left:
        lines.append(f"{left} problem(s) left: run `rag check --repair`")
    else:
        lines.append(f"all {len(report.problems)} problem(s) repaired")
    return "\n".join(lines)
