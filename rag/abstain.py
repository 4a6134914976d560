"""Does the evidence answer the question? Named, ordered checks that say exactly why not.

``decide`` runs ``CHECKS`` in order over the parsed question (``QuestionSpec``), the
retrieved passages and the scored sentences. Each check either passes the candidate
answer sentences on (possibly fewer of them) or abstains with a code and a reason that
names what is missing. The survivors, best first, are what the answer quotes: the first
is the lead.

Gates (on the whole retrieval):

1. ``names_absent`` → ``no_relevant``: a name the question uses is in no retrieved passage.
2. ``topic_unknown`` → ``no_relevant``: question words found in no retrieved passage carry
   ``max_unknown_share`` of its weight, and nothing retrieved is close in meaning.
3. ``nothing_relevant`` → ``no_relevant``: no sentence reaches ``min_relevance``.

Filters (on the candidate sentences: those within ``candidate_ratio`` of the best score;
the survivors that name more of the question's entities in the sentence itself lead):

4. ``entity_absent`` → ``not_answered``: for a question expecting a specific answer type,
   candidates whose passage (or headline) does not mention every entity the question
   names are dropped: "Aleppo" is not answered by a passage about Homs.
5. ``other_actor`` → ``not_answered``: when the question names who did something
   ("When did Binance file for bankruptcy?"), candidates where that verb has another
   named subject ("Unlike FTX, which filed for bankruptcy …") are dropped.
6. ``wrong_period`` → ``time_mismatch``: when the question names a time, candidates whose
   own dates, or whose article's publication date, lie in another period are dropped;
   the reason says which periods the corpus does cover on the topic.
7. ``other_instance`` → ``not_answered``: when the question asks about one of a numbered
   series ("the first season", "stage 13", "the third president"), candidates that
   number only other ones of it ("the tenth and final season") are dropped.
8. ``part_of_whole`` → ``not_answered``: candidates that name the asked thing only as
   the whole a part belongs to ("won the final stage of the 2021 Tour de France" for
   who won the Tour) are dropped.
9. ``other_thing`` → ``not_answered``: for a "when" question, candidates whose dated
   act is done to another thing ("A second soundtrack album featuring … Xenoblade
   Chronicles … was released" for when the game was) are dropped.
10. ``predicate_absent`` → ``not_answered``: for short factoid questions, candidates
    without enough of the words saying what is asked (besides the names), in any of their
    forms ("won", "wins", "winner"), are dropped.
11. ``verb_unsaid`` → ``not_answered``: for "who won", candidates whose own sentence does
    not say the verb (an umpire of the final, beside a sentence on it) are dropped.
12. ``answer_type_absent`` → ``not_answered``: candidates that hold no entity of the
    expected type beyond those the question names are dropped (a person for "who", a
    number of the counted thing for "how many", a date for "when").
13. ``role_unfilled`` → ``not_answered``: for "who is the CEO of Tesla?", candidates that
    name no person, or name the position only as someone's former one ("Eric Schmidt,
    former CEO of Google"), another owner's ("the CEO of Panasonic"), an award ("best
    director") or a longer name holding the owner's ("The LEGO Foundation" for Lego),
    are dropped.

The survivors that name more of the question's names lead (``_naming_first``); for a
one-fact typed question whose lead says a predicate word, a supporting quote must say
one in its own sentence too (``_on_point``).

When the filters reject every candidate, the sentences below ``candidate_ratio`` down to
``fallback_ratio`` of the best get the same filters (``decide``).

``filtered_out`` is decided by the pipeline: the filters excluded evidence that the
unfiltered corpus has. Thresholds are settings (``answer.*``) and part of the settings
hash; ``python -m evals.calibrate_abstention`` measures them on labelled data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rag.answer import FILTERED_OUT, NO_RELEVANT, NOT_ANSWERED, TIME_MISMATCH, Draft
from rag.dates import says_when
from rag.nlp import (
    NOT_A_PERSON,
    SPECIFIC_TYPES,
    TYPE_LABELS,
    Annotator,
    Predication,
    dates_of,
    has_answer_type,
    headless,
    locates,
    names_asked,
)
from rag.questions import (
    FRAME_TERMS,
    HONORIFICS,
    POSITION_WORDS,
    ROLE_ALIASES,
    ROLE_NOUNS,
    TYPE_FRAMES,
    cited_as_source,
    names_asked_day,
    names_position,
    period_fit,
    published_date,
)
from rag.settings import AnswerSettings
from rag.text import (
    STOPWORDS,
    acronym,
    content_terms,
    date_precision,
    demonym_of,
    expands,
    found,
    is_sense,
    names,
    numbers,
    ordinals_of,
    weighted_terms,
    without_reference_years,
    word_forms,
    words,
    years,
)
from rag.types import Filters, Hit, QuestionSpec, Role, SentenceHit


@dataclass
class Evidence:
    """What the checks look at for one question."""

    spec: QuestionSpec
    pool: list[Hit]
    ranked: list[SentenceHit]
    candidates: list[SentenceHit]
    cfg: AnswerSettings
    annotator: Annotator
    # Whether a short standalone passage naming none of the question's entities may be
    # taken to be about them (``_implied``): only among the passages the question's own
    # filters select.
    implied: bool = True
    # Each predicate term's rarity in the store (``LexicalIndex.rarity``): a rare word
    # ("wedding") tells the asked event from its neighbours more than a common one
    # ("killed", "province"). Empty: every term weighs the same.
    rarity: Mapping[str, float] = field(default_factory=dict)


@dataclass
class Decision:
    """Either an abstention, or the sentences that answer (best first; the first leads)."""

    abstention: Draft | None
    answers: list[SentenceHit]
    check: str | None = None  # the check that abstained


CheckResult = Draft | list[SentenceHit] | None
"""A check returns an abstention, a narrowed candidate list, or None (no change)."""
Check = Callable[[Evidence], CheckResult]


def decide(
    spec: QuestionSpec,
    pool: list[Hit],
    ranked: list[SentenceHit],
    cfg: AnswerSettings,
    annotator: Annotator,
    *,
    implied: bool = True,
    rarity: Mapping[str, float] | None = None,
) -> Decision:
    """Run ``CHECKS`` in order; the first abstention wins, else the surviving candidates.

    The candidates are the top sentences within ``candidate_ratio`` of the best. When the
    filters reject them all, the next tier (down to ``fallback_ratio`` of the best) gets
    the same filters: "Toy Story 4 … won Best Animated Feature" may score below a
    headline that only announces the nominations. When the question names a time, that
    weaker evidence must place itself in it (its dates or its article's), not merely not
    contradict it. If that tier has no answer either, the first tier's abstention stands
    (its reason is about the closest evidence).
    """
    rarity = rarity or {}
    best = ranked[0].score if ranked else 0.0
    window = ranked[: cfg.candidate_window]
    if spec.role is not None and not spec.parts:
        # "Who leads Syria?": a sentence naming the position and its owner ("Syrian
        # leader Ahmed Sharaa called for peace …", 17th over seed + FA-KES) is a candidate
        # wherever it ranks, behind fifteen on others "leading" offensives.
        role = spec.role
        window += [s for s in ranked[cfg.candidate_window :] if names_position(role, s.text) == 0]
    floor = max(cfg.min_relevance, cfg.candidate_ratio * best)
    first = _run(
        CHECKS,
        Evidence(
            spec,
            pool,
            ranked,
            [s for s in window if s.score >= floor],
            cfg,
            annotator,
            implied,
            rarity,
        ),
    )
    if first.abstention is None or first.check in _GATES:
        return first
    low = max(cfg.min_relevance, cfg.fallback_ratio * best)
    lower = [s for s in window if low <= s.score < floor]
    if spec.periods and not spec.parts:
        # Weaker evidence must place itself in the asked time, not merely not contradict it:
        # by its own dates, its article's, or those beside it (a search snippet's leading
        # "Apr 26, 2021 ...", which is its headline).
        slack, recall = cfg.period_slack_days, cfg.period_recall_days
        probe = Evidence(spec, pool, ranked, lower, cfg, annotator, implied, rarity)
        fit = {id(s): period_fit(spec.periods, s, slack, recall) for s in lower}
        lower = [
            s for s in lower if fit[id(s)] > 0 or (fit[id(s)] == 0 and _dated_nearby(probe, s))
        ]
    if not lower:
        return first
    filters = [(name, check) for name, check in CHECKS if name not in _GATES]
    second = _run(filters, Evidence(spec, pool, ranked, lower, cfg, annotator, implied, rarity))
    return first if second.abstention is not None else second


def _run(checks: list[tuple[str, Check]], ev: Evidence) -> Decision:
    for name, check in checks:
        result = check(ev)
        if isinstance(result, Draft):
            return Decision(result, [], name)
        if result is not None:
            ev.candidates = result
    ordered = _naming_first(ev.spec, ev.candidates, ev.annotator, ev.cfg)
    ordered = _consensus_first(ev.spec, ordered, ev.annotator, ev.cfg)
    return Decision(None, _on_point(ev.spec, ordered, ev.annotator))


def _consensus_first(
    spec: QuestionSpec, answers: list[SentenceHit], annotator: Annotator, cfg: AnswerSettings
) -> list[SentenceHit]:
    """For a "who" or "which" question that several reports or claims describe, the
    sentences naming the one answer most of their articles name lead.

    "Who is the individual whose trial is approaching, as reported by TechCrunch, who
    faced difficulties managing … FTX …, as mentioned by The Verge, …?" is answered by
    whom the reports have in common (Sam Bankman-Fried, named in five articles), not by
    the best single sentence's other name (Caroline Ellison, in one). The name must be
    one the question lacks and no outlet's; names are grouped by their last word ("Sam
    Bankman-Fried", "Bankman-Fried"), and a sentence with the fullest form leads. Only
    when the question names at least ``consensus_min_sources`` outlets, claims or parts,
    and the name is in that many articles.
    """
    kind = spec.answer_type
    need = cfg.consensus_min_sources
    several = max(len(spec.outlets), len(spec.claims), len(spec.parts)) >= need
    if kind not in ("person", "organisation", "name") or not several or len(answers) < 2:
        return answers
    labels = TYPE_LABELS[kind] - (NOT_A_PERSON if kind == "person" else frozenset())
    outlets = {o.lower() for o in spec.outlets}
    top = answers[: cfg.consensus_window]
    annotator.annotate([s.text for s in top])
    named: dict[int, dict[str, str]] = {}  # sentence -> key -> the form it uses
    articles: dict[str, set[str]] = {}
    for s in top:
        forms: dict[str, str] = {}
        for ent in annotator.entities(s.text):
            name = re.sub(r"['’]s?$", "", ent.text.strip())
            words_ = name.split()
            if (
                ent.label not in labels
                or not words_
                or name.lower() in outlets
                or mentions(name, spec.question, strict=False)
            ):
                continue
            key = words_[-1].lower()
            if len(name) > len(forms.get(key, "")):
                forms[key] = name
            articles.setdefault(key, set()).add(s.hit.article_id)
        named[id(s)] = forms
    if not articles:
        return answers
    key, where = max(articles.items(), key=lambda kv: (len(kv[1]), -_first_at(kv[0], top, named)))
    if len(where) < need:
        return answers
    fullest = max((named[id(s)][key] for s in top if key in named[id(s)]), key=len)

    def rank(s: SentenceHit) -> tuple[bool, bool]:
        forms = named.get(id(s), {})
        return key not in forms, forms.get(key) != fullest

    return sorted(answers, key=rank)


def _first_at(key: str, top: list[SentenceHit], named: dict[int, dict[str, str]]) -> int:
    """Where the first sentence naming ``key`` ranks (ties between names go to the earlier)."""
    return next((i for i, s in enumerate(top) if key in named[id(s)]), len(top))


def _on_point(
    spec: QuestionSpec, answers: list[SentenceHit], annotator: Annotator
) -> list[SentenceHit]:
    """The lead, then only the answers that support it rather than answer something else.

    The checks accept a sentence whose predicate words are nearby; a supporting quote
    must say one itself when the lead does: "Where did Assad flee?" is led by "…
    prompting Assad to seek refuge in Russia", and "Russia, Iran, and Iranian-backed
    militias have supported Assad" two sentences before it names a place and Assad but
    says nothing of fleeing (one-fact typed questions only). And asked for a count with
    no time named, a lead counting the article's own time is not supported by a figure
    from an earlier year: "over 1,000 people have died in just two days" is not backed by
    "the 2013 chemical weapons attack …, which resulted in the deaths of about 1,400 people".
    A "where" question led by a place where someone is or goes is supported by such places
    only, not by a place that acts ("Russia … have supported Assad").
    """
    if len(answers) < 2:
        return answers
    lead, rest = answers[0], answers[1:]
    if spec.answer_type in ("number", "money") and not spec.periods and not _of_earlier_years(lead):
        rest = [s for s in rest if not _of_earlier_years(s)]
    # "Where is Assad now?": led by a place where he is, supported by one too.
    where = spec.answer_type == "place" and spec.asked is None
    if where and locates(lead.text, annotator, spec.entities):
        rest = [s for s in rest if locates(s.text, annotator, spec.entities) is not False]
    if not rest or not spec.predicate or spec.answer_type not in SPECIFIC_TYPES:
        return [lead, *rest]
    if not _focused(spec):
        return [lead, *rest]
    # The question's verb when it has one ("Who *backed* the rebels?": "Rebels led by …
    # ousted Assad's government" names the rebels but backs no one), else any of its
    # predicate words.
    verb = _main_verb(spec, annotator)
    if verb and verb not in _LIGHT_VERBS and _says(verb, lead.text, annotator):
        rest = [s for s in rest if _says(verb, s.text, annotator)]
    else:
        bases = annotator.stem_bases()
        if _share(spec.predicate, lead.text, bases):
            rest = [s for s in rest if _share(spec.predicate, s.text, bases)]
    return [lead, *rest]


# Verbs whose object says the act ("*take* control of", "*make* a deal", "*have* talks"):
# a report of the same act may use another verb ("recaptured gas fields").
_LIGHT_VERBS = frozenset(
    "take took taken make made have had get got give gave given do did put hold held keep "
    "kept".split()
)


def _naming_first(
    spec: QuestionSpec,
    answers: list[SentenceHit],
    annotator: Annotator,
    cfg: AnswerSettings,
) -> list[SentenceHit]:
    """Survivors that name more of the question's entities in the sentence itself first.

    The checks accept a sentence whose entities are nearby in its article; the lead should
    still be the one that says it outright ("WHO said … putting the death toll at at least
    70" before "at least 88 civilians were killed in a suspected chemical attack … in Idlib
    province"). The question's actor, the named subject of its verb ("What death toll did
    *the World Health Organization* give …"), counts twice: the place is background, the
    actor is whose figure is asked for. So does a name qualifying the asked noun ("Which
    *Jordanian* leader stood beside Donald Trump …"): it describes the answer itself.
    """
    # A sentence that names the asked thing ("the Mi-8 helicopter" for "what type of
    # helicopter") says what the question wants; it leads whatever else it names.
    instance = {id(s): bool(names_asked(spec, s.text)) for s in answers}
    # "Who *won* the women's singles Wimbledon in 2019?" is answered by the sentence where
    # someone wins ("Simona Halep defeated Serena Williams … to win the ladies' singles
    # title"), not by one listing the finalists, however many of the names both hold.
    verb = _main_verb(spec, annotator) if len(answers) > 1 else None
    says = {id(s): not verb or _says(verb, s.text, annotator) for s in answers}
    # A name inside the wh-phrase describes the answer itself ("Which *Jordanian* leader
    # stood beside Donald Trump …?"): the sentence that names it ("… shakes hands with
    # *Jordan's* King Abdullah II") before one that only says the verb ("He said the US
    # *stood* with its global allies"), whose neighbours name it.
    wh = (
        re.search(
            rf"\b(?:which|what)\s+(.{{0,60}}?)\b{re.escape(spec.asked)}\b", spec.question, re.I
        )
        if spec.asked
        else None
    )
    qualifiers = [e for e in spec.entities if wh and mentions(e, wh.group(1), strict=False)]
    qualified = {id(s): all(mentions(e, s.text) for e in qualifiers) for s in answers}
    # An untyped question ("What happened on Syria's coast in March 2025?") is led by a
    # sentence that says one of its words itself ("… entered its fourth day in Assad's
    # *coastal* stronghold"), not by one that only shares its topic ("It has resulted in
    # hundreds of thousands of deaths").
    plain = spec.answer_type not in SPECIFIC_TYPES and bool(spec.predicate)
    bases = annotator.stem_bases()
    speaks = {id(s): not plain or _share(spec.predicate, s.text, bases) > 0 for s in answers}
    # A snippet cut mid-sentence ("directed Titanic and Avatar") hides who did it; and
    # "when was it released?" is best answered by the day, not the year.
    first = {id(s): s.text.lstrip(" .…-–—'\"“‘([") for s in answers}
    fragment = {id(s): first[id(s)][:1].islower() for s in answers}
    exact = {id(s): date_precision(s.text) if spec.answer_type == "date" else 0 for s in answers}
    # "When was Assad's government toppled?": the date of the toppling ("… *ousted* Assad's
    # government in December") before a more exact date of something else in a sentence
    # that also says it ("Syria's conflict *erupted* in March 2011 with protests calling
    # for the ouster of … Assad").
    dates_it = {
        id(s): spec.answer_type == "date"
        and verb is not None
        and any(d.verb and _says(verb, d.verb, annotator) for d in annotator.date_clauses(s.text))
        for s in answers
    }
    # "What was Tesla's revenue in Q1 2021?": the sentence that says "in Q1 2021" itself
    # ("… $10.4 billion in revenue in Q1 2021") before one that fits only through its
    # article ("Tesla posts record net income of $438 million, revenue surges by 74%").
    stated = {
        id(s): bool(spec.periods)
        and period_fit(spec.periods, _undated(s), cfg.period_slack_days, cfg.period_recall_days) > 0
        for s in answers
    }

    # "Where is Assad now?" is answered by a place where someone is or went ("seek refuge
    # *in Russia*"), before one where the place acts ("*Russia* … have supported Assad").
    # Not for "which city …" questions (``asked``): "Aleppo was retaken" names the city.
    where = spec.answer_type == "place" and spec.asked is None and len(answers) > 1
    located = {
        id(s): not where or locates(s.text, annotator, spec.entities) is not False for s in answers
    }

    # A figure the question states ("in 24 hours", "at least 40 people") is a fact the
    # answering sentence repeats: "over the past 24 hours … dealt 182 strikes" before "up
    # to 150 strikes per day".
    asked_figures = _figures(spec)
    echo = {id(s): len(asked_figures & numbers(s.text)) for s in answers}

    # Asked for a count with no time named, the count of the article's own time leads:
    # "over 1,000 people have died in just two days" before the same report's "since the
    # 2013 chemical weapons attack …, which resulted in the deaths of about 1,400 people".
    counted = spec.answer_type in ("number", "money") and not spec.periods
    past = {id(s): counted and _of_earlier_years(s) for s in answers}

    def order(
        s: SentenceHit,
    ) -> tuple[bool, int, bool, bool, bool, bool, bool, bool, bool, bool, int]:
        return (
            not instance[id(s)],
            -echo[id(s)],
            not qualified[id(s)],
            not says[id(s)],
            not dates_it[id(s)],
            not speaks[id(s)],
            not located[id(s)],
            not stated[id(s)],
            past[id(s)],
            fragment[id(s)],
            -exact[id(s)],
        )

    if not spec.entities:
        return sorted(answers, key=order)
    actors = {p.subject for p in annotator.predications([spec.question])[0]}
    if wh:  # the wh-phrase's names count twice too
        actors.add(wh.group(1))
    weight = {
        e: 2 if any(mentions(e, a, strict=False) or mentions(a, e) for a in actors if a) else 1
        for e in spec.entities
    }
    # "What did *Russia* say about the Khan Sheikhun attack?": a sentence naming the
    # speaker asked about ("Russia … has called for a thorough investigation") before one
    # where only another acts ("… Ambassador Matthew Rycroft told the UN Security
    # Council"), however well that says the verb.
    # Only for what someone said: elsewhere the answer's subject is often a pronoun ("…
    # Palmyra, which *it* had lost in March" for "In which month had Islamic State lost
    # Palmyra?").
    subjects = _subjects(spec, annotator) if spec.answer_type == "quote" else []
    doers = [e for e in spec.entities if any(_is_name(e, a) for a in subjects)]
    acts = {id(s): all(mentions(e, s.text) for e in doers) for s in answers}
    # A tie-break among answers that score alike: "The European Union, which has engaged
    # with Sharaa's leadership since he became Syria's de facto leader, … support" (0.53)
    # must not lead "Who supported the rebels in the Syrian conflict?" over "… Turkey
    # supporting the rebels, while …" (0.73) for naming "Syria".
    band = cfg.named_lead_band * max((s.score for s in answers), default=0.0)
    named = {
        id(s): sum(w for e, w in weight.items() if mentions(e, s.text)) if s.score >= band else 0
        for s in answers
    }
    return sorted(
        answers, key=lambda s: (*order(s)[:3], not acts[id(s)], *order(s)[3:], -named[id(s)])
    )


def _subjects(spec: QuestionSpec, annotator: Annotator) -> list[str]:
    """The grammatical subjects of the question's verbs, as written ("Russia" in "What did
    Russia say about …?"); empty with rules."""
    doc = annotator.parse(spec.question, entities=False)
    if doc is None:
        return []
    return [
        doc[c.left_edge.i : c.right_edge.i + 1].text
        for tok in doc
        for c in tok.children
        if c.dep_ in ("nsubj", "nsubjpass") and c.lower_ not in STOPWORDS
    ]


def _is_name(name: str, phrase: str) -> bool:
    """``phrase`` is ``name`` itself, an article aside ("the Kremlin"), not a longer phrase
    it qualifies ("the Syrian civil war")."""
    bare = re.sub(r"^(?:the|a|an)\s+", "", phrase.strip(), flags=re.I)
    return bare.lower() == name.lower() or (mentions(name, bare) and mentions(bare, name))


def _of_earlier_years(s: SentenceHit) -> bool:
    """``s`` names only years before its article's (a figure from the past), none as the
    point compared with ("since 2011" counts up to now)."""
    published = published_date(s.hit.published_at)
    if published is None:
        return False
    named = years(without_reference_years(s.text))
    return bool(named) and max(named) < published.year


# A number followed by a lower-case word: "24 hours", "40 people", "3,000 troops".
_FIGURE = re.compile(r"(?<![\w,.])(\d[\d,.]*\d|\d)\s+(?=[a-z])")
_PREVIOUS_WORD = re.compile(r"(\S+)\s*$")


def _figures(spec: QuestionSpec) -> set[str]:
    """The figures a question states, outside its dates and names ("Splatoon 2", "iPhone
    11" and "No 1" are names)."""
    text = spec.question
    for p in spec.periods:
        text = text.replace(p.text, " ")
    out: set[str] = set()
    for m in _FIGURE.finditer(text):
        before = _PREVIOUS_WORD.search(text[: m.start()])
        word = before.group(1) if before else ""
        if any(c.isupper() for c in word) or word.lower() in ("no", "no."):
            continue
        out |= numbers(m.group(1))
    return out - {str(y) for y in years(spec.question)}


def _undated(s: SentenceHit) -> SentenceHit:
    """``s`` as if its article had no publication date: what its own words say."""
    return s.model_copy(update={"hit": s.hit.model_copy(update={"published_at": None})})


def _main_verb(spec: QuestionSpec, annotator: Annotator) -> str | None:
    """The stem of the question's main verb ("won" in "Who won …"), None for a copula."""
    doc = annotator.parse(spec.question, entities=False)
    if doc is None:
        return None
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or not (root.pos_ == "VERB" or _verb_tagged_noun(root)):
        return None
    if root.lower_ in ("do", "does", "did"):
        root = _verb_after_do(doc, root)
        if root is None:
            return None
    terms = content_terms(root.text)
    return terms[0] if terms else None


def _verb_tagged_noun(root: Any) -> bool:
    """A root the small tagger calls a noun but that has a subject and "did" before it:
    "When did Assad's government *fall*?" (the parse makes "government" its subject)."""
    return (
        root.pos_ == "NOUN"
        and any(c.dep_ in ("nsubj", "nsubjpass") for c in root.children)
        and any(c.dep_ == "aux" and c.lower_ in ("do", "does", "did") for c in root.children)
    )


def _verb_after_do(doc: Any, do: Any) -> Any:
    """The verb a question's "did" stands before, when the small parser made "did" the
    root: in "Whom did Ahrar al-Sham *appoint* as its leader …?" it tags "appoint" a noun.
    The last lower-case word between "did" and the first preposition after it, past the
    subject's words."""
    last = None
    for tok in doc[do.i + 1 :]:
        if tok.pos_ == "ADP" or (tok.pos_ == "PUNCT" and tok.text != "-"):
            break
        if tok.text.islower() and tok.pos_ in ("VERB", "NOUN") and tok.dep_ != "nsubj":
            last = tok
    return last


def _says(verb: str, text: str, annotator: Annotator) -> bool:
    """``text`` says the question's verb, in any of its forms or senses, as a verb or noun.

    A word that is also a verb's particle is checked in the parse: "the rebels pushed
    *back* the assault" backs no one ("Who backed the rebels?"); "Western states back the
    rebels" does. Only then is the sentence parsed, so the common case stays cheap.
    """
    bases = annotator.stem_bases()
    asked = word_forms(verb, bases, asked=True)
    said = [t for t in content_terms(text) if word_forms(t, bases) & asked]
    if not said or any(t not in _VERB_PARTICLES for t in said):
        return bool(said)
    doc = annotator.parse(text, entities=False)
    return doc is None or any(
        tok.pos_ not in ("ADV", "ADP", "PART") and not set(said).isdisjoint(content_terms(tok.text))
        for tok in doc
    )


# Words that are verbs and also adverbs or particles of other verbs ("pushed back", "shut
# down", "carried out", "took over").
_VERB_PARTICLES = frozenset({"back", "down", "up", "out", "off", "over", "round", "around", "away"})


# ------------------------------------------------------------------------- gates
def names_absent(ev: Evidence) -> CheckResult:
    """Abstain when a name the question mentions is in no passage, headline or outlet.

    "What is the capital of Australia?" over a Syria corpus finds passages about
    capitals; if "Australia" is nowhere among them, the corpus cannot answer.
    """
    context = _context_text(ev.pool)
    missing = [n for n in ev.spec.entities if not mentions(n, context, strict=False)]
    if not missing or _unfound_names_spared(ev.spec, missing, ev.cfg):
        return None
    listed = ", ".join(repr(m) for m in missing)
    return _abstain(
        NO_RELEVANT, f"The corpus has nothing on {listed}: no retrieved article mentions it."
    )


def _unfound_names_spared(spec: QuestionSpec, missing: list[str], cfg: AnswerSettings) -> bool:
    """A multi-part question may name a few things its passages do not.

    "Does the Polygon article claim that Zazie Beetz will reprise her role in the *Joker*
    sequel, while …": the passage says "Zazie Beetz will be back as Arthur's neighbor",
    and not "Joker". When each part has a name that is found, up to
    ``multipart_missing_names`` unfound names are left to the later checks. Not a source
    the question cites ("a Bloomberg article" in a corpus without Bloomberg), and not a
    part none of whose names is found: that part cannot be answered.
    """
    pieces = spec.parts or spec.claims
    if not pieces or len(missing) > cfg.multipart_missing_names:
        return False
    if any(cited_as_source(n, spec.question) for n in missing):
        return False
    # What a part is about, not where it was read: "Jeh Johnson's statements … in a piece by
    # The Washington Post" is unanswered when Jeh Johnson is nowhere, whoever mentions the Post.
    about = [n for n in spec.entities if not cited_as_source(n, spec.question)]
    for piece in pieces:
        own = [n for n in about if n in piece]
        if own and all(n in missing for n in own):
            return False
    return True


def topic_unknown(ev: Evidence) -> CheckResult:
    """Abstain when most of the question's weight is in words no retrieved passage has.

    "What are the symptoms of the flu?" over a war corpus retrieves nerve-agent reports
    that mention symptoms; "flu" is nowhere, and it is half of what is asked. Paraphrase
    is normal, so this applies only when no top sentence is close in meaning either.
    Words that frame the question ("What *happened* in Latakia?", "which *year*") are not
    what it is about: a corpus need not say "happened"; an abbreviation written out in
    full ("EU", "the European Union") is found.
    """
    pool = _pool_terms(ev.pool)
    frame = FRAME_TERMS | TYPE_FRAMES.get(ev.spec.answer_type, frozenset())
    weights = {t: w for t, w in weighted_terms(ev.spec.question).items() if t not in frame}
    total = sum(weights.values())
    # An abbreviation the passages write out is found: "What did the EU say?" over "The
    # European Union … condemned".
    written_out = {
        t
        for n in names(ev.spec.question)
        if any(expands(n, f"{h.title} {h.text}") for h in ev.pool)
        for t in content_terms(n)
    }
    bases = ev.annotator.stem_bases()
    forms = {f for t in pool for f in word_forms(t, bases)}  # "began" is "begin"
    missing = [
        t
        for t in weights
        if t not in written_out
        and not any(found(f, forms) for f in word_forms(t, bases, asked=True))
    ]
    share = sum(weights[t] for t in missing) / total if total else 0.0
    closest = max((s.scores.get("dense", 0.0) for s in ev.ranked[:5]), default=0.0)
    if share < ev.cfg.max_unknown_share or closest >= ev.cfg.unknown_max_dense:
        return None
    surface = [
        w for w in words(ev.spec.question) if content_terms(w) and content_terms(w)[0] in missing
    ]
    listed = ", ".join(repr(w) for w in dict.fromkeys(surface))
    return _abstain(
        NO_RELEVANT,
        f"The corpus does not mention {listed}, which is most of what the question asks about.",
    )


def nothing_relevant(ev: Evidence) -> CheckResult:
    """Abstain when no sentence scores at least ``min_relevance``."""
    if ev.candidates:
        return None
    return _abstain(
        NO_RELEVANT, "Nothing in the corpus is relevant enough to answer this question."
    )


# ----------------------------------------------------------------------- filters
def entity_absent(ev: Evidence) -> CheckResult:
    """Keep candidates that mention every entity the question names, nearby.

    Nearby is the headline and the article text within 400 characters of the sentence. Applies
    to one-fact questions (see ``_focused``) expecting a specific answer type: "How many
    were killed in Aleppo?" is not answered by a death toll from Homs, however similar
    the sentence. For an untyped one, only the named subjects of its verbs are needed
    ("What did the Arab League call for …?").
    """
    spec = ev.spec
    if not spec.entities or not _focused(spec):
        return None
    needed = list(spec.entities)
    if spec.answer_type not in SPECIFIC_TYPES:
        # An untyped question still names whose act it asks about: "What did *the Arab
        # League* call for after …?" is not answered by the toll of the violence it names.
        subjects = [p.subject for p in ev.annotator.predications([spec.question])[0]]
        needed = [e for e in needed if any(mentions(e, who) for who in subjects)]
        if not needed:
            return None
    near = {id(s): around(s, ev.pool) for s in ev.candidates}
    kept = [
        s
        for s in ev.candidates
        if all(mentions(e, near[id(s)]) or _implied(ev, e, s) for e in needed)
        and not any(_other_version(e, spec.question, s.text) for e in needed)
    ]
    if kept:
        return kept
    missing = [e for e in needed if not any(mentions(e, near[id(s)]) for s in ev.candidates)]
    about = ", ".join(repr(e) for e in (missing or needed))
    return _abstain(
        NOT_ANSWERED,
        f"Articles on the topic were found (e.g. {_title(ev.candidates[0])}), but none of "
        f"the passages that could answer mentions {about}.",
    )


_VERSION = r"(?:\d{1,3}|I{1,3}|IV|VI{0,3}|IX|X)(?![\w.,]\d)\b"


def _other_version(entity: str, question: str, text: str) -> bool:
    """True when ``text`` names only another numbered version of ``entity`` than the
    question: "Super Mario Odyssey 2" for a question on "Super Mario Odyssey", "Pixel 7"
    for one on "Pixel 6". A year is no version ("the 2021 Tour de France")."""
    name = re.escape(entity)
    asked = re.search(rf"\b{name}\s+({_VERSION})", question)
    versions = {m.group(1) for m in re.finditer(rf"\b{name}\s+({_VERSION})", text)}
    if not versions:
        return False
    if asked:
        return asked.group(1) not in versions
    bare = len(re.findall(rf"\b{name}\b", text)) > len(re.findall(rf"\b{name}\s+{_VERSION}", text))
    return not bare


def _implied(ev: Evidence, entity: str, s: SentenceHit) -> bool:
    """A short standalone passage (a search snippet: "Emma Stone plays Mia, an aspiring
    actress …") that names no rival of ``entity`` is taken to be about it.

    Only a passage that is its whole article qualifies (at most ``snippet_chars`` long and
    opening it), so that its silence is the whole article's. Outside the passages the
    question's filters selected (``Evidence.implied`` false), the snippet must name one of
    the question's entities itself to be taken to be about another. A rival is any name the
    question does not use ("Homs" in a passage for a question on "Aleppo") other than a
    possible answer (a person for "who"): the small
    tagger's labels are too unreliable ("Aleppo" comes out a LANGUAGE, "Homs" an ORG) to
    ask for a rival of the entity's own kind.

    The owner of a position the question asks about is never implied: "Chris
    Blackwell-Frost will succeed current CEO David Cole" says nothing of Vanguard's CEO.
    Nor is a name when the snippet names none of the question's two or more others:
    silence on one of "Big Ten", "Ohio State" and "Ryan Day" is brevity, silence on all
    three is another topic ("more than 9,000 people in video games were laid off this
    year"). With one other name ("Super Mario Odyssey" on "the Switch"), "It was released
    on October 27, 2017" is still taken to be about it.
    """
    hit = s.hit
    if hit.start != 0 or len(hit.text) > ev.cfg.snippet_chars:
        return False
    if not ev.implied and not any(mentions(e, _context_text([hit])) for e in ev.spec.entities):
        return False
    role = ev.spec.role
    if role is not None and role.of and mentions(entity, role.of):
        return False
    others = [e for e in ev.spec.entities if e != entity]
    if len(others) >= 2 and not any(mentions(e, _context_text([hit])) for e in others):
        return False
    answers = _ANSWER_NAMES.get(ev.spec.answer_type, frozenset())
    mine = set(content_terms(entity)) | set(content_terms(ev.spec.question))
    return not any(
        e.label in _NAMED_KINDS - answers and not set(content_terms(e.text)) <= mine
        for e in ev.annotator.entities(hit.text)
    )


# The names that answer, not rival: a person for "who" (a country there is a rival: "Iraq"
# for a question on an "Iranian" official), an organisation for "which group".
_ANSWER_NAMES = {"person": frozenset({"PERSON"}), "organisation": frozenset({"ORG"})}
_NAMED_KINDS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "WORK_OF_ART", "PRODUCT", "LANGUAGE"}
)


def other_actor(ev: Evidence) -> CheckResult:
    """Drop candidates where what the question's entity did is done by someone else.

    The question's parse gives its verbs and their named subjects ("When did *Binance*
    *file* for bankruptcy?"). A candidate whose same verb has a different named subject
    ("Unlike *FTX*, which *filed* for bankruptcy in late 2022, Binance is still
    standing") reports another actor's act. Pronoun and common-noun subjects ("The
    company was founded in 2021") are not named and never count against a sentence.
    Applies to one-fact questions that are not yes/no questions (a "no" may rest on
    exactly such a sentence).
    """
    spec = ev.spec
    if not spec.entities or not _focused(spec) or spec.answer_type == "yes_no":
        return None
    asked = [
        p
        for p in ev.annotator.predications([spec.question])[0]
        if any(mentions(e, p.subject) for e in spec.entities)
        and not any(mentions(o, p.subject) for o in spec.outlets)
    ]
    if not asked:
        return None
    kept: list[SentenceHit] = []
    other: tuple[str, str, str] | None = None
    bases = ev.annotator.stem_bases()
    todo = _self_named_first(spec, ev.candidates)
    for i in range(0, len(todo), _TAG_BATCH):
        batch = todo[i : i + _TAG_BATCH]
        for s, preds in zip(batch, ev.annotator.predications([c.text for c in batch]), strict=True):
            actor = _other_actor(asked, preds, spec.question, bases)
            if actor is None:
                kept.append(s)
            elif other is None:
                other = actor
        if len(kept) >= ev.cfg.max_sentences:
            break
    if kept or other is None:
        chosen = {id(s) for s in kept}
        return [s for s in ev.candidates if id(s) in chosen] or None
    did, verb, instead = other
    return _abstain(
        NOT_ANSWERED,
        f"Articles on the topic were found (e.g. {_title(ev.candidates[0])}), but their "
        f"relevant sentences say {did} did what is asked ({verb}…), not {instead}.",
    )


def _other_actor(
    asked: list[Predication], preds: list[Predication], question: str, bases: Mapping[str, str]
) -> tuple[str, str, str] | None:
    """(other subject, verb, asked subject) when ``preds`` give an asked verb another actor."""
    for q in asked:
        # the same act in another word too: "When did Facebook buy …" / "Google acquired …"
        act = {f for f in word_forms(q.verb, bases, asked=True) if is_sense(f)} | {q.verb}
        same = [p for p in preds if p.verb in act or act & word_forms(p.verb, bases)]
        if not same or any(
            mentions(p.subject, q.subject) or mentions(q.subject, p.subject) for p in same
        ):
            continue
        for p in same:
            if not mentions(p.subject, question):
                return p.subject, q.verb, q.subject
    return None


def wrong_period(ev: Evidence) -> CheckResult:
    """Keep candidates that fit the period the question names (see ``period_fit``).

    A sentence fits when it names a date in the period, or names none and its article
    was published in the period (or up to ``period_slack_days`` after it). When none
    fits, the reason lists the periods the on-topic evidence is from.

    A sentence of an undated article (a search snippet) that names no date fits only when
    the text beside it dates it in the period (``answer.undated_must_state_period``):
    "Super Bowl LVIII … in Las Vegas" does not say it is about 2021, and nothing else does.
    Nor does a dateless sentence of an article published after the period and its slack
    (``answer.late_must_state_period``): a 2023 report's "13 home runs through 602 plate
    appearances" is not about 2022 unless the text beside it says so.
    """
    periods = ev.spec.periods
    if not periods or ev.spec.parts:
        return None  # each part of a multi-part question may name its own time
    cfg = ev.cfg
    fit = {
        id(s): period_fit(periods, s, cfg.period_slack_days, cfg.period_recall_days)
        for s in ev.candidates
    }
    kept = [s for s in ev.candidates if fit[id(s)] >= 0]
    wanted = " or ".join(p.label() for p in periods)
    if kept:

        def unplaced(s: SentenceHit) -> bool:
            if s.hit.published_at is None:
                return cfg.undated_must_state_period
            # Published months after the period, with no date of its own: background
            # retold, or the next season's news ("13 home runs through 602 plate
            # appearances" in a 2023 report is not 2022's record).
            return cfg.late_must_state_period and fit[id(s)] == 0

        placed = [s for s in kept if not unplaced(s) or _dated_nearby(ev, s)]
        if cfg.period_by_corroboration and len(placed) < len(kept):
            # An answer that evidence dated in the asked time also names is placed by it.
            dated = [s for s in ev.candidates if fit[id(s)] > 0]
            placed = [s for s in kept if s in placed or _corroborated(ev, s, dated)]
        if not placed:
            undated = all(s.hit.published_at is None for s in kept)
            return _abstain(
                TIME_MISMATCH,
                f"The passages that could answer do not say they are about {wanted}, and "
                + (
                    "their articles are undated"
                    if undated
                    else f"their articles were published after {wanted}"
                )
                + f": for example {_title(kept[0])}.",
            )
        kept = placed
    if kept:
        return kept
    covered = sorted({y for s in ev.candidates if (y := _evidence_year(s)) is not None})
    nearest = ev.candidates[0]
    spans = ", ".join(str(y) for y in covered) if covered else "undated articles"
    return _abstain(
        TIME_MISMATCH,
        f"No article in the corpus reports this for {wanted}; the nearest evidence is from "
        f"{spans}: for example {_title(nearest)}.",
    )


def _corroborated(ev: Evidence, s: SentenceHit, dated: list[SentenceHit]) -> bool:
    """Whether a name of the expected answer type in ``s`` (one the question does not use)
    is also named by a sentence of ``dated`` (or the text beside it) from another passage."""
    labels = TYPE_LABELS.get(ev.spec.answer_type, frozenset())
    if not labels or not dated:
        return False
    asked = set(content_terms(ev.spec.question))
    names = [
        e.text
        for e in ev.annotator.entities(s.text)
        if e.label in labels and not set(content_terms(e.text)) <= asked
    ]
    return any(
        mentions(name, around(d, ev.pool))
        for name in names
        for d in dated
        if d.hit.chunk_id != s.hit.chunk_id
    )


def _dated_nearby(ev: Evidence, s: SentenceHit) -> bool:
    """Whether ``s`` or the text beside it names a date in the question's period."""
    cfg = ev.cfg
    near = _undated(s).model_copy(update={"text": around(s, ev.pool)})
    return period_fit(ev.spec.periods, near, cfg.period_slack_days, cfg.period_recall_days) > 0


def answer_type_absent(ev: Evidence) -> CheckResult:
    """Keep candidates holding an answer of the expected type that the question lacks.

    "Who won the 2021 Tour de France?" is not answered by "The 2021 Tour de France is
    in the books": no person is named beyond the question's own names. A number
    question with a focus ("how many civilians") needs a number and its focus word.
    """
    kind = ev.spec.answer_type
    if kind not in SPECIFIC_TYPES:
        return None
    kept: list[SentenceHit] = []
    # Entity tagging costs a few ms a sentence: tag in small batches, best first, and
    # stop once there are enough answers for a lead and its supporting quotes (all of
    # them when a position's holder is asked: role_unfilled still chooses among them, and
    # "Syrian leader Ahmed Sharaa …" may rank fifth).
    todo = _self_named_first(ev.spec, ev.candidates)
    for i in range(0, len(todo), _TAG_BATCH):
        batch = todo[i : i + _TAG_BATCH]
        ev.annotator.annotate([s.text for s in batch])
        kept += [s for s in batch if _gives_type(ev, s)]
        if len(kept) >= ev.cfg.max_sentences and ev.spec.role is None:
            break
    if kept:
        chosen = {id(s) for s in kept}
        return [s for s in ev.candidates if id(s) in chosen]
    what = {
        "person": "a name of who it was",
        "organisation": "the organisation or country",
        "place": "a place",
        "date": "a date",
        "number": "a number",
        "money": "an amount of money",
        "name": "the name asked for",
        "duration": "how long",
    }[kind]
    if ev.spec.focus and kind in ("number", "money"):
        what += f" of {ev.spec.focus}"
    return _abstain(
        NOT_ANSWERED,
        f"Articles on the topic were found (e.g. {_title(ev.candidates[0])}), but none of "
        f"their relevant sentences gives {what}.",
    )


def role_unfilled(ev: Evidence) -> CheckResult:
    """Keep candidates that name the holder of the position a question asks about.

    A candidate needs a person's name (one the question does not use) and the position
    named in it or the sentences beside it, at least once as the current one of the
    question's owner: "In March 2021, the outgoing CEO of Panasonic stated …" does not
    say who is the CEO of Tesla, nor does "Sepp Blatter, the former president of FIFA"
    say who is its president (unless the question asks for a former one). The owner must
    be the one asked, not a longer name holding it: "The LEGO Foundation names new CEO"
    is not about the CEO of Lego, nor "Google Cloud CEO Thomas Kurian" about Google's.
    A person's own group names its leader ("Sharaa's Sunni Islamist group, Hayat Tahrir
    al-Sham"). For a question on the present ("Who is *currently* …?") only the newest
    article naming a holder answers.
    """
    role = ev.spec.role
    if role is None or ev.spec.parts:
        return None
    where = {id(s): _holds_role(ev, role, s) for s in ev.candidates}
    if ev.spec.latest and not role.past:
        # "Who is *currently* the president of Syria?": positions change hands, and the
        # newest report naming a holder supersedes older ones, however plainly they name
        # theirs ("… forces loyal to Syrias President Bashar al-Assad" in 2015, "Interim
        # President Sharaa urged …" in 2025): only its sentences answer.
        named = [s for s in ev.candidates if where[id(s)] is not None]
        dated = [d for s in named if (d := published_date(s.hit.published_at))]
        if dated:
            newest = max(dated)
            named = [s for s in named if published_date(s.hit.published_at) == newest]
            closest = min(where[id(s)] or 0 for s in named)  # as below: beside it first
            return [s for s in named if (where[id(s)] or 0) == closest]
    # A sentence naming the holder right beside the asked owner's position ("Syrian
    # leader Ahmed Sharaa", "Rami Abdulrahman, the head of the observatory") answers
    # before one naming the position elsewhere ("since he became Syria's de facto
    # leader"), and that before one whose neighbour names it.
    for depth in (0, 1, 2):
        kept = [s for s in ev.candidates if where[id(s)] == depth]
        if kept:
            return kept
    owner = f" of {role.of}" if role.of else ""
    which = "a former" if role.past else "the current"
    position = role.noun.upper() if role.noun == "ceo" else role.noun
    return _abstain(
        NOT_ANSWERED,
        f"Articles on the topic were found (e.g. {_title(ev.candidates[0])}), but none of "
        f"their relevant sentences names {which} {position}{owner}.",
    )


# "the former president of FIFA", "Google's ex-CEO", "Best Director": not the holder.
_STALE = frozenset("former ex outgoing late previous then onetime one-time erstwhile".split())
# Words that may stand before the position and leave it the one asked about; any other
# ("best director", "vice-president", "creative director", "confederation presidents")
# names an award or another position.
_SAME_POSITION = frozenset(
    "the a an its his her their our s new current acting interim incoming top and as "
    "credited acclaimed celebrated renowned longtime long-time founding sitting incumbent "
    "official permanent de facto".split()
)
# "… was stepping down as CEO", "resigned as president": the position, being left.
_LEAVING = re.compile(
    r"\b(?:step(?:s|ped|ping)? down|resign(?:s|ed|ing)?|retir(?:es|ed|ing)|quit(?:s|ting)?|"
    r"ousted|fired|removed|sacked)\s+(?:as|from)\s+(?:the\s+)?(?:\w+\s+)?$",
    re.I,
)
# The position of a kind of thing, not of a named owner: "director of music videos",
# "director of photography", "head of state". "CEO of the company" and "president of its
# board" refer back to an owner, so a determiner leaves the position the asked one.
_OF_A_KIND = re.compile(
    r"\s+(?:of|for)\s+(?!(?:the|a|an|its|his|her|their|our|this|that|these|those|both|all)\b)"
    r"[a-z][a-z-]+\b"
)
# The active verbs among them: their subject holds the position, their object owns it
# ("Sharaa led the rebels"; "This led to …" has no object the question names).
_ROLE_ACTIVE = frozenset(
    """leads led headed chaired coached manages managed directs directed founded cofounded
    co-founded owns owned edited captained""".split()
)
# A name's later words may carry a lowercase particle ("Ahrar al-Sham", "Hayat Tahrir
# al-Sham"): the owner is the whole name, not the word after the hyphen.
_OWNER = r"[A-Z][\w&.'’-]*(?:\s+(?:of\s+|for\s+|the\s+)?(?:[a-z]{1,3}-)?[A-Z][\w&.'’-]*)*"


def _holds_role(ev: Evidence, role: Role, s: SentenceHit) -> int | None:
    """0 when ``s`` names a new person right beside the position held ("Syrian leader
    Ahmed Sharaa", "Rami Abdulrahman, the head of …"), 1 when elsewhere in its own
    sentence ("… since he became Syria's de facto leader"), 2 when the position is named
    in the sentences beside it, None when it does not say who holds the position."""
    if not _new_person(ev, role, s.text):
        return None
    if _own_group(ev, role, s.text):
        return 0
    # a leader's position for a head's and back ("Observatory head Rami Abdel Rahman" for
    # "Who leads the Syrian Observatory …?")
    word = POSITION_WORDS.get(role.noun) or ROLE_ALIASES.get(role.noun, re.escape(role.noun))
    mention = re.compile(
        rf"(?:(?<![\w-])(?P<pre>{_OWNER})(?:['’]s?)?\s+)?"
        rf"\b(?:(?P<qual>de\s+facto|[a-z]+(?:-[a-z]+)?)[\s-]+)?"
        rf"(?P<role>(?i:{word}))s?\b(?:\s+(?:of|at|for)\s+(?:the\s+)?(?P<of>{_OWNER}))?"
    )
    for beside, text in enumerate((s.text, around(s, ev.pool))):
        found_any = False
        depths: list[int] = []
        for m in mention.finditer(text):
            found_any = True
            # "Syria's *de facto* leader": two words, one qualifier
            qual = set((m.group("qual") or "").lower().split())
            said = m.group("role").lower()
            # A qualifier only qualifies the position's noun: "the film *directed by*",
            # "rebels *led by*" name no other position, as "best director" does.
            verb = said.endswith(" by") or said in _ROLE_ACTIVE
            if (
                not verb
                and not qual <= _SAME_POSITION
                and (not qual <= _SAME_POSITION | _STALE or not role.past)
            ):
                continue
            if text[m.end() : m.end() + 2] in ("'s", "’s"):
                continue  # "The Director's Cut": the position qualifies something else
            at = m.start("role")
            if not role.past and _LEAVING.search(text[max(0, at - 40) : at]):
                continue
            # "Meta was founded by …": a passive's "was" dates the act, not the holder
            held = not verb or said in _ROLE_ACTIVE
            if not role.past and held and _was_holder(text[max(0, at - 60) : at], ev.spec, text):
                continue
            if not m.group("of") and _OF_A_KIND.match(text, m.end()):
                continue  # "a director of music videos", "head of state": another position
            pre = m.group("pre")
            if said in _ROLE_ACTIVE:
                # "Sharaa leads Syria": the subject holds the position, the object owns it
                if role.of and not mentions(role.of, _phrase_after(text, m.end())):
                    continue
                depths.append(2 if beside else 0 if pre else 1)
                continue
            qualified = bool(pre) and pre.lower() in _SAME_POSITION | _STALE
            if qualified:
                # "Interim President Sharaa", "The current president is …": a capitalised
                # qualifier, no owner (the sentence's other names are not checked either,
                # as for the sentence-initial "The" always: "… of the FIFA Congress")
                if pre.lower() in _STALE and not role.past:
                    continue
                pre = None
            owner = m.group("of") or pre
            if (
                owner
                and role.of
                and (
                    not (mentions(owner, role.of) or mentions(role.of, owner))
                    or _modifier_of(owner, role.of)
                )
                # "director of Queen and Freddie Mercury biopic Bohemian Rhapsody": the
                # asked owner ends the phrase the position governs
                and not (m.group("of") and mentions(role.of, _phrase_after(text, m.end())))
            ):
                continue
            if role.of and not qualified and _other_owner(role.of, owner or text):
                continue
            # Beside its holder's name: in apposition ("Rami Abdulrahman, the head of the
            # observatory"), or as a title when the position is the asked owner's ("Syrian
            # leader Ahmed Sharaa"; "Director Stanley Kubrick" does not say of what).
            if owner is None and m.end() > m.end("role"):
                # "two senior Islamic State group (IS) leaders": several holders, of no
                # owner said, are not the asked owner's one
                continue
            near = (
                bool(_NAME_BEFORE.search(text[max(0, m.start() - 80) : m.start()]))
                or (owner is not None and bool(_NAME_NEXT.match(text, m.end())))
                # "head of the Syrian Observatory for Human Rights Rami Abdel-Rahman": the
                # name runs on from the owner's
                or bool(role.of and m.group("of") and _name_after_owner(m.group("of"), role.of))
            )
            depths.append(2 if beside else 0 if near else 1)
        if depths:
            return min(depths)
        if found_any:  # the sentence names the position, never as the one asked about
            return None
    return None


# A person's own organisation: "Sharaa's Sunni Islamist group, Hayat Tahrir al-Sham",
# "Netanyahu's Likud party". Its leader is that person.
_GROUP_NOUNS = r"group|party|movement|faction|organi[sz]ation|militia|alliance|coalition"
_OWN_GROUP = re.compile(
    rf"\b(?P<who>[A-Z][\w'’-]+)['’]s\s+(?P<mid>(?:[\w-]+\s+){{0,4}}?)(?:{_GROUP_NOUNS})\b"
    rf"(?:,\s+(?:the\s+)?(?P<named>{_OWNER}))?"
)


def _own_group(ev: Evidence, role: Role, text: str) -> bool:
    """``text`` names the asked owner as a person's own group, for a question on its
    leader or head ("Who leads Hayat Tahrir al-Sham?"). A place's group ("Russia's
    ruling party, United Russia") names no leader."""
    if role.noun not in ("leader", "head") or not role.of or role.past:
        return False
    question = set(content_terms(ev.spec.question))
    for m in _OWN_GROUP.finditer(text):
        who = m.group("who")
        named = m.group("named") or m.group("mid")
        terms = set(content_terms(who))
        if not named or not mentions(role.of, named) or terms <= question:
            continue
        if any(
            e.label in _NOT_PERSON and terms <= set(content_terms(e.text))
            for e in ev.annotator.entities(text)
        ):
            continue
        return True
    return False


# A name right after the position ("leader Ahmed Sharaa"), or right before it with a comma
# ("Rami Abdulrahman, the head of …"; up to three words between).
_NAME_NEXT = re.compile(r"\s+[A-Z][\w'’-]+")
_NAME_BEFORE = re.compile(r"[A-Z][\w'’-]+,\s+(?:[\w'’-]+\s+){0,3}$")


def _name_after_owner(run: str, owner: str) -> bool:
    """``run`` (a capitalised run after "<position> of") is the owner's name and then
    two or more capitalised words more: a holder's name glued on by the missing comma."""
    have, asked = run.split(), owner.split()
    return len(have) >= len(asked) + 2 and mentions(owner, " ".join(have[: len(asked)]))


_PHRASE_END = re.compile(r"[,;:.()\"“”]|\s(?:who|which|that|whose|is|was|has|had)\s")


def _phrase_after(text: str, at: int) -> str:
    """The words after ``at`` up to the next punctuation or relative pronoun or verb."""
    return _PHRASE_END.split(text[at : at + 80], maxsplit=1)[0]


_COPULA_PAST = re.compile(r"\b(?:was|were|had been|served as)\s+((?:[\w'’-]+\s+){0,5})$", re.I)
# "was named CEO", "was appointed president": an appointment, the position still held.
_APPOINTED = re.compile(r"(?:ed|en)$|^(?:made|became|become|chosen)$", re.I)


def _was_holder(before: str, spec: QuestionSpec, text: str) -> bool:
    """The position is stated in the past: "Satoru Iwata *was the global president and*
    CEO of Nintendo" names a former holder for "Who is the CEO of Nintendo?", unless
    the sentence names the period the question asks about ("In 2021 the CEO was …").
    "*was named* CEO" is an appointment, not a past holder."""
    m = _COPULA_PAST.search(before)
    if m is None or any(_APPOINTED.search(w) for w in m.group(1).split()):
        return False
    return not any(p.start.year <= y <= p.end.year for p in spec.periods for y in years(text))


def _new_person(ev: Evidence, role: Role, text: str) -> bool:
    """A name in ``text`` that could be a person's: one the question does not use and
    that is not the position's owner.

    The small tagger often labels a name it has not seen as an organisation ("As the
    co-founder and CEO of Tesla, *Elon* leads …"), so any capitalised name other than
    a place, a nationality or the owner ("the LEGO Group" for Lego) counts.
    """
    question = set(content_terms(ev.spec.question))
    # The owners the text gives the position ("CEO of Google and Alphabet") are not people.
    owner = set(content_terms(" ".join([role.of or "", *_owners_named(role, text)])))
    # "al-" of "Hayat Tahrir al-Sham" does not make "Abu Mohammed al-Jolani" its name.
    owner -= _PARTICLES
    entities = ev.annotator.entities(text)
    # Compared by terms: the tagger's "Ubisoft" (a place, to it) is the name "Ubisoft's".
    places = {frozenset(content_terms(e.text)) for e in entities if e.label in _NOT_PERSON}

    def fresh(name: str) -> bool:
        terms = set(content_terms(name))
        return bool(terms) and not terms <= question and not terms & owner

    tagged = [e.text for e in entities if e.label == "PERSON" and not _thing(e.text)]
    return any(fresh(n) for n in tagged) or any(
        fresh(n)
        and frozenset(content_terms(n)) not in places
        # "Vice Presidents" is a position too
        and not {f for w in words(n) for f in (w, w.removesuffix("s"))} & ROLE_NOUNS
        and not _thing(n)
        for n in names(text)
    )


def _thing(name: str) -> bool:
    """A name that is never a person's: "Performance Award", which the small tagger calls
    a person, or one with a digit in it, a model or product's ("GPT-4", "Pixel 8 Pro")."""
    tokens = words(name)
    return bool(tokens) and (tokens[-1] in _THING_HEADS or any(c.isdigit() for c in name))


# Words after an owner's name that leave it the same owner: "the LEGO Group", "Tesla Inc".
_DESIGNATORS = frozenset(
    content_terms(
        "inc incorporated corp corporation co company ltd limited llc plc group holdings "
        "ag sa nv gmbh se"
    )
)
_QUALIFIERS = frozenset(content_terms(" ".join(_SAME_POSITION | _STALE)))
# Last words of names that are never a person's: "the 2018 CEO Performance Award".
_THING_HEADS = frozenset(
    """award awards prize medal trophy cup plan program programme fund foundation institute
    act bill report summit conference index board council committee department office
    agency university school league association club union party ministry bank museum
    festival series tour championship championships games""".split()
)


def _owners_named(role: Role, text: str) -> list[str]:
    """The names ``text`` gives as the position's owners: "CEO of Google and Alphabet"."""
    word = ROLE_ALIASES.get(role.noun, re.escape(role.noun))
    owner = rf"{_OWNER}(?:\s+(?:and|&)\s+{_OWNER})*"
    found: list[str] = []
    for m in re.finditer(rf"(?i:\b(?:{word})s?\s+(?:of|at|for)\s+(?:the\s+)?)({owner})", text):
        found += [n.strip() for n in re.split(r"\band\b|&", m.group(1)) if n.strip()]
    return found


def _modifier_of(owner: str, asked: str) -> bool:
    """``owner`` is only a word qualifying the asked owner, not the owner itself: "Syria's
    de facto leader" for "Who leads the *Syrian* Observatory for Human Rights?". Its head
    noun ("Observatory head Rami Abdel Rahman") or the whole name would be the owner."""
    words = re.split(r"\s+(?:of|for|on|in)\s+", asked.strip(), maxsplit=1)[0].split()
    words = [w for w in words if w[:1].isupper()]  # "the Assassin's Creed movie": Creed
    if len(words) < 2:
        return False
    head = content_terms(words[-1])
    return bool(head) and head[0] not in content_terms(owner) and not mentions(asked, owner)


def _other_owner(asked: str, text: str) -> bool:
    """True when ``text`` names ``asked`` only inside a longer name of another owner.

    "The LEGO Foundation" is not Lego, nor "Google Cloud" Google; "the LEGO Group" and
    "Tesla, Inc." are (``_DESIGNATORS``). A run of capitalised words is cut at position
    nouns ("Google CEO Sundar Pichai" names Google). Headlines in title case capitalise
    every word, so they are left alone.
    """
    if _title_case(text):
        return False
    own = set(content_terms(asked))
    seen = False
    for run in names(text, initial=True):
        segment: list[str] = []
        for token in [*run.split(), ""]:
            if token and token.lower() not in ROLE_NOUNS:
                segment.append(token)
                continue
            part = " ".join(segment)
            segment = []
            if not part or not mentions(asked, part):
                continue
            seen = True
            rest = set(content_terms(part)) - own - _DESIGNATORS - _QUALIFIERS
            if not {t for t in rest if not demonym_of(t, own)}:
                # the owner itself is named ("New Vanguard CEO …" too), or its
                # nationality: "Syrian leader Ahmed Sharaa" leads Syria
                return False
    return seen


def _title_case(text: str) -> bool:
    """A headline written in title case ("Tesla Names New CEO")."""
    alpha = [w for w in text.split() if w[:1].isalpha() and w.lower() not in STOPWORDS]
    return len(alpha) >= 4 and all(w[0].isupper() for w in alpha)


_NOT_PERSON = frozenset({"GPE", "NORP", "LOC", "FAC", "DATE", "TIME", "EVENT", "LAW"})


def _gives_type(ev: Evidence, s: SentenceHit) -> bool:
    """``has_answer_type``, and the answer is really given.

    - "When?" needs a date that says when: a year, a month or a day of a month. "When
      Xenoblade Chronicles 2 released last year" gives none, unless the article's
      publication date anchors it.
    - A question in the text answers nothing.
    - "Who?" is not answered by a snippet cut before its subject: in "directed Titanic
      and Avatar" the name is of a film, and who directed is gone.
    """
    spec = ev.spec
    if s.text.rstrip().endswith("?"):  # "Who directed Titanic and Avatar?" asks, not tells
        return False
    if not has_answer_type(spec, s.text, ev.annotator):
        return False
    if spec.answer_type == "date":
        if not says_when(s.text, s.hit.published_at):
            return False
        return _dates_the_asked(ev, s.text)
    who = spec.answer_type in ("person", "organisation", "name")
    return not (who and headless(s.text, ev.annotator))


def _dates_the_asked(ev: Evidence, text: str) -> bool:
    """Some date of ``text`` belongs to a clause that names what the question asks about
    (one of its names or predicate words) or whose subject points back to it ("It was
    released …"): "… the civil war that began in 2011" does not say when Assad's
    government fell. True without a parser."""
    clauses = dates_of(ev.spec, text, ev.annotator)
    if not clauses:  # no parser, or no new date the tagger found: nothing to hold against it
        return True
    asked = set(ev.spec.predicate) | {t for e in ev.spec.entities for t in content_terms(e)}
    bases = ev.annotator.stem_bases()
    for d in clauses:
        if d.points_back:
            return True
        have = {f for t in content_terms(d.clause) for f in word_forms(t, bases)}
        if any(found(f, have) for t in asked for f in word_forms(t, bases, asked=True)):
            return True
    return not asked


_FACTOID_WORDS = 6
_TAG_BATCH = 4


def _self_named_first(spec: QuestionSpec, candidates: list[SentenceHit]) -> list[SentenceHit]:
    """``candidates`` with those naming all the question's entities in the sentence itself
    first, each group in its own order.

    A scan that stops once it has enough answers reads these first: they are the likeliest
    to answer. Over the seed and FA-KES, "Where did Assad flee?" ranks three sentences
    where civilians flee (Assad named only beside them) above "… prompting Assad to seek
    refuge in Russia"; tagged in score order, the three filled the answer and the one
    naming Assad was never read.
    """
    if not spec.entities:
        return candidates
    own = [s for s in candidates if all(mentions(e, s.text) for e in spec.entities)]
    mine = {id(s) for s in own}
    return [*own, *(s for s in candidates if id(s) not in mine)]


def other_instance(ev: Evidence) -> CheckResult:
    """Drop candidates about another one of the numbered series the question asks about.

    "When will the first season of The Blacklist premiere?" is not answered by "The tenth
    and final season … premiered on February 26", nor "the third president" by "the
    second president". A sentence that names the asked one too ("seasons 1 and 2")
    stays, as does one that numbers nothing.
    """
    inst = ev.spec.instance
    if inst is None:
        return None
    others: set[str] = set()
    kept = []
    for s in ev.candidates:
        named = ordinals_of(inst.noun, s.text)
        if named and inst.ordinal not in named:
            others |= named
        else:
            kept.append(s)
    if kept:
        return kept
    return _abstain(
        NOT_ANSWERED,
        f"Articles on the topic were found (e.g. {_title(ev.candidates[0])}), but their "
        f"relevant sentences are about another {inst.noun} "
        f"({', '.join(_nth(o) for o in sorted(others))}), not the {_nth(inst.ordinal)}.",
    )


# Parts of a contest or a work that are won, played or aired on their own.
_PARTS = "stage|round|leg|heat|game|match|episode|chapter"


def part_of_whole(ev: Evidence) -> CheckResult:
    """Drop candidates that name the asked thing only as the whole a part belongs to.

    "Who won the 2021 Tour de France?" is not answered by "Wout van Aert … won the final
    stage of the 2021 Tour de France", nor by "Cavendish wins stage 13 of the Tour", nor
    by "… to become the first American Tour de France stage winner since 2011". A
    question that names the part itself ("Who won stage 13 …?") is left alone, as is a
    sentence that also names the whole on its own.
    """
    spec = ev.spec
    if not spec.entities or re.search(rf"\b(?:{_PARTS})s?\b", spec.question, re.I):
        return None
    parts: set[str] = set()
    wholes: list[str] = []
    kept = []
    for s in ev.candidates:
        found = next(((e, p) for e in spec.entities if (p := _only_as_whole(e, s.text))), None)
        if found:
            wholes.append(found[0])
            parts.add(found[1])
        else:
            kept.append(s)
    if kept:
        return kept
    whole = wholes[0]
    return _abstain(
        NOT_ANSWERED,
        f"Articles on the topic were found (e.g. {_title(ev.candidates[0])}), but their "
        f"relevant sentences are about a {' or '.join(sorted(parts))} of {whole!r}, not "
        f"{whole!r} itself.",
    )


def _only_as_whole(entity: str, text: str) -> str | None:
    """The part noun when every mention of ``entity`` in ``text`` follows "<part> … of"."""
    name = re.escape(entity)
    mentions_ = list(re.finditer(rf"\b{name}\b", text, re.I))
    if not mentions_:
        return None
    part_of = re.compile(
        rf"\b({_PARTS})s?(?:\s+\d{{1,3}})?\s+(?:of|in)\s+(?:the\s+|this\s+year's\s+)?"
        rf"(?:\d{{4}}\s+)?$",
        re.I,
    )
    # … or is the modifier of one: "the first American Tour de France stage winner".
    part_after = re.compile(
        rf"^['’]?s?\s+(?:\d{{1,3}}(?:st|nd|rd|th)?\s+)?({_PARTS})s?\b(?!\s+race)", re.I
    )
    found = None
    for m in mentions_:
        before = part_of.search(text[max(0, m.start() - 60) : m.start()])
        after = part_after.search(text[m.end() : m.end() + 30])
        if before is None and after is None:
            return None
        found = (before or after).group(1).lower()  # type: ignore[union-attr]
    return found


def other_thing(ev: Evidence) -> CheckResult:
    """Drop candidates that date the asked act of another thing than the one asked about.

    "When was Xenoblade Chronicles: Definitive Edition released?" is not answered by "A
    second soundtrack album featuring the remastered tracks used in Xenoblade Chronicles:
    Definitive Edition was released on 2 August 2023": the album was released, and the game
    is named only inside its description. Nor is "When was Xenoblade Chronicles 2
    released?" answered by "Ver. 2.0.0 (Released September 13, 2018)" or by "Torna – The
    Golden Country was released …", another named thing. The thing the question's verb
    acts on (its passive subject, its object, or the noun it describes) is read from the
    parse, in the question and in each candidate. Only a question whose thing is one of its
    names is checked ("When did the US launch strikes …?" asks of strikes, which "59
    Tomahawk missiles" may be). A sentence whose thing is the asked one, or only "the game"
    or "it" (which may well be), stays; so does one whose thing is a word of the question.
    """
    spec = ev.spec
    if spec.answer_type != "date" or not spec.entities or not ev.annotator.uses_model:
        return None
    verb = _main_verb(spec, ev.annotator)
    if verb is None:
        return None
    bases = ev.annotator.stem_bases()
    asked = word_forms(verb, bases, asked=True)
    names = [set(content_terms(e)) for e in spec.entities]
    if not any(
        set(content_terms(core)) & terms
        for head, core in _things_acted_on(ev.annotator, spec.question, asked, bases)
        if head is not None
        for terms in names
    ):
        return None
    question_terms = set(content_terms(spec.question))
    kept, others = [], []
    for s in ev.candidates:
        thing = _other_thing(ev, s.text, asked, bases, question_terms)
        if thing is None:
            kept.append(s)
        else:
            others.append(thing)
    if kept:
        return kept
    return _abstain(
        NOT_ANSWERED,
        f"Articles on the topic were found (e.g. {_title(ev.candidates[0])}), but their "
        f"relevant sentences date another thing ({others[0]!r}), not "
        f"{' / '.join(spec.entities)}.",
    )


# Dependents that are part of a thing's own name ("the new iPhone 13 lineup"), not a
# description of it ("the album *featuring* …", "the soundtrack *of* …", "*X's* pass").
_OWN_NAME_DEPS = frozenset({"compound", "amod", "nummod", "det", "flat", "nmod"})


def _things_acted_on(
    annotator: Annotator, text: str, asked: Set[str], bases: Mapping[str, str]
) -> list[tuple[Any, str]]:
    """(head token, its own name) of what each verb of ``text`` in the ``asked`` forms
    acts on; the head is None where the parse shows none."""
    doc = annotator.parse(text, entities=False)
    out: list[tuple[Any, str]] = []
    for tok in doc or ():
        if tok.pos_ != "VERB" or not any(
            word_forms(t, bases) & asked for t in content_terms(tok.text)
        ):
            continue
        head = _theme(doc, tok)
        if head is None:
            out.append((None, ""))
            continue
        own = [head, *(c for c in head.children if c.dep_ in _OWN_NAME_DEPS)]
        out.append((head, " ".join(t.text for t in sorted(own, key=lambda t: t.i))))
    return out


def _other_thing(
    ev: Evidence,
    text: str,
    asked: Set[str],
    bases: Mapping[str, str],
    question_terms: Set[str],
) -> str | None:
    """The other thing ``text`` says the asked verb acted on, or None (the asked one, a
    thing it may be, or no such verb in the sentence)."""
    other = None
    for head, core in _things_acted_on(ev.annotator, text, asked, bases):
        if head is None or head.pos_ == "PRON":
            return None
        core_terms = set(content_terms(core))
        if core_terms & question_terms or any(
            core_terms & set(content_terms(e)) for e in ev.spec.entities
        ):
            return None  # the asked thing, or a word the question uses for it
        doc = head.doc
        phrase = doc[head.left_edge.i : head.right_edge.i + 1].text.strip(" ,;:(–—-")
        # Another named thing is one whose head is a name or a number ("Torna", "Ver.
        # 2.0.0"); a count or a name before a common noun is not ("59 Tomahawk missiles"
        # may be the strikes asked about).
        named_inside = any(mentions(e, phrase) for e in ev.spec.entities)
        if named_inside or head.pos_ == "PROPN" or head.like_num:
            other = other or (phrase if len(phrase) <= 80 else phrase[:79] + "…")
    return other


def _theme(doc: Any, verb: Any) -> Any:
    """The token heading what ``verb`` acts on: its passive subject ("*The album* was
    released"), the noun it describes ("the album *released* in May", "Ver. 2.0.0
    (*Released* …)"), its object ("Google announced *the Pixel 6*"), else its subject
    ("*Xenoblade Chronicles 2* launched …"); None when the parse shows none."""
    children = list(verb.children)
    for deps in (("nsubjpass",), ("dobj",)):
        found = next((c for c in children if c.dep_ in deps), None)
        if found is not None:
            return found
    if verb.dep_ in ("acl", "relcl") and verb.head.pos_ in ("NOUN", "PROPN"):
        return verb.head
    if verb.i >= 2 and doc[verb.i - 1].text == "(":  # a listing's "Ver. 2.0.0 (Released …)"
        before = doc[verb.i - 2]
        while before.head.i < verb.i - 1 and before.head.i != before.i:
            before = before.head
        return before
    return next((c for c in children if c.dep_ == "nsubj"), None)


def _nth(ordinal: str) -> str:
    """ "1" → "1st", "12" → "12th", "last" → "final"."""
    if not ordinal.isdigit():
        return "final"
    n = int(ordinal)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def predicate_absent(ev: Evidence) -> CheckResult:
    """Keep candidates that say what is asked, not only whom it is about.

    A number question whose counted event ("how many people were *arrested*") happens in
    no retrieved article abstains: a death toll does not count arrests.

    For a question expecting a specific answer type, a candidate needs at least
    ``min_predicate_share`` of the predicate words in its sentence or the sentences
    beside it: a toll from a truck bombing does not answer "how many were killed when a
    suicide bomber struck a wedding". A sentence that names the very day the question
    asks about needs none: it reports that day's event in its own words. For other short
    factoids, some candidate must have at least one predicate word ("When will Syria hold
    its next election?" is not answered by sentences that only mention Syria). Multi-part
    and long multi-hop questions are left alone: their few predicate words may each sit in
    another passage.
    """
    asked = ev.spec.predicate
    if not asked or ev.spec.parts:
        return None
    event = ev.spec.counted_event
    bases = ev.annotator.stem_bases()
    if event and content_terms(event) and not _said_in_pool(content_terms(event)[0], ev, bases):
        return _abstain(
            NOT_ANSWERED,
            f"Articles on the topic were found (e.g. {_title(ev.candidates[0])}), but none of "
            f"the retrieved articles gives a number of {ev.spec.focus or 'people'} {event}.",
        )
    if ev.spec.answer_type in SPECIFIC_TYPES and _focused(ev.spec):
        weights = _weights(asked, ev.rarity) if ev.cfg.predicate_weights == "rarity" else {}
        need = ev.cfg.min_predicate_share * (sum(weights.values()) if weights else len(asked))
        # A sentence naming the very day asked about reports that day's event, however it
        # words it ("travel to GEODIS Park … on October 17 … for a friendly against Ghana"
        # for "face Ghana in a friendly on October 17, 2023").
        kept = [
            s
            for s in ev.candidates
            if _share(asked, around(s, ev.pool), bases, weights) >= need - 1e-9
            or names_asked_day(ev.spec.periods, s.text)
        ]
    elif len(asked) <= _FACTOID_WORDS and _focused(ev.spec):
        terms = {t for s in ev.candidates for t in content_terms(s.text)}
        have = {f for t in terms for f in word_forms(t, bases)}
        said = any(found(f, have) for t in asked for f in word_forms(t, bases, asked=True))
        kept = ev.candidates if said else []
    else:
        return None
    if event and content_terms(event):
        # A number counts the event its own sentence names: "millions of displaced
        # Syrians" answers "how many people have been displaced", and the death toll
        # beside it does not. A sentence naming no event ("Among the casualties were 745
        # civilians") takes its event from the sentences around it.
        counted = word_forms(content_terms(event)[0], bases, asked=True)
        kept = [s for s in kept if not _counts_another(counted, s.text, bases)] or kept
    if kept:
        return kept
    return _abstain(
        NOT_ANSWERED,
        f"Articles on the topic were found (e.g. {_title(ev.candidates[0])}), but none of "
        f"their relevant sentences says what the question asks ({_surface(ev.spec, asked)}).",
    )


_COUNTED_EVENTS = frozenset({"~die", "~injure", "~arrest", "~displace", "~escape", "~hide"})


def verb_unsaid(ev: Evidence) -> CheckResult:
    """Keep candidates whose own sentence says the question's main verb, for a one-fact
    "who" question whose verb is one of ``answer.verbs_said_in_sentence`` ("won").

    ``predicate_absent`` lets the sentences beside a candidate supply the predicate's
    words, which a count needs ("Among the casualties were 745 civilians" after the
    attack's sentence). Who won is different: "Ramos chaired the women's singles finals
    at Wimbledon in 2018" beside a sentence on the final names the umpire, not the
    winner. The verb may be said in any form or sense ("wins", "victory"). A position's
    holder is left to ``role_unfilled``.
    """
    spec = ev.spec
    if (
        not ev.cfg.verbs_said_in_sentence
        or spec.answer_type not in ("person", "organisation")
        or spec.role is not None
        or not _focused(spec)
    ):
        return None
    verb = _main_verb(spec, ev.annotator)
    bases = ev.annotator.stem_bases()
    if not verb or not any(
        word_forms(verb, bases, asked=True) & word_forms(t, bases, asked=True)
        for w in ev.cfg.verbs_said_in_sentence
        for t in content_terms(w)
    ):
        return None
    kept = [s for s in ev.candidates if _says(verb, s.text, ev.annotator)]
    if kept:
        return kept
    return _abstain(
        NOT_ANSWERED,
        f"Articles on the topic were found (e.g. {_title(ev.candidates[0])}), but none of "
        f"their relevant sentences says who {_surface(spec, [verb])}.",
    )


def _counts_another(counted: set[str], text: str, bases: Mapping[str, str]) -> bool:
    """``text`` names a countable event (killed, injured, arrested, displaced …) and not
    the one counted (``counted``: its forms)."""
    have = {f for t in content_terms(text) for f in word_forms(t, bases)}
    return bool(have & _COUNTED_EVENTS) and not any(found(f, have) for f in counted)


def _surface(spec: QuestionSpec, terms: list[str]) -> str:
    """The question's own words for the stems ``terms`` ("family", not "famili")."""
    out = []
    for t in terms:
        word = next((w for w in words(spec.question) if t in content_terms(w)), t)
        out.append(word)
    return ", ".join(dict.fromkeys(out))


def _said_in_pool(term: str, ev: Evidence, bases: Mapping[str, str]) -> bool:
    """Some retrieved passage says ``term`` in one of its forms ("hiding" / "refuge")."""
    have = {f for t in _pool_terms(ev.pool) for f in word_forms(t, bases)}
    return any(found(f, have) for f in word_forms(term, bases, asked=True))


_FOCUSED_WORDS = 30


def _focused(spec: QuestionSpec) -> bool:
    """A one-fact question: one part and one claim, at most one outlet, at most 30 words.

    Long multi-hop questions ("Who is the individual … reported by The Verge, CNBC and
    TechCrunch …") gather their facts from several sentences, so no one sentence can be
    asked to hold every entity and predicate word. So do shorter ones that state several
    facts about their answer ("Who is the individual associated with a new venture launch
    and is also central to theories regarding … the board, as reported by TechCrunch?":
    ``spec.claims``).
    """
    return (
        not spec.parts
        and not spec.claims
        and len(spec.outlets) <= 1
        and len(spec.question.split()) <= _FOCUSED_WORDS
    )


def _share(
    asked: list[str],
    text: str,
    bases: Mapping[str, str],
    weights: Mapping[str, float] | None = None,
) -> float:
    """How many of the predicate terms ``asked`` ``text`` says, in any of their forms;
    with ``weights``, the sum of the weights of those it says."""
    have = {f for t in content_terms(text) for f in word_forms(t, bases)}
    return sum(
        (weights[t] if weights else 1.0)
        for t in asked
        if any(found(f, have) for f in word_forms(t, bases, asked=True))
    )


def _weights(asked: list[str], rarity: Mapping[str, float]) -> dict[str, float]:
    """The predicate terms' weights: their rarity in the store, or {} (all alike) when it
    is unknown (no lexical index) or no asked term occurs in the store."""
    weights = {t: rarity.get(t, 0.0) for t in asked}
    return weights if any(weights.values()) else {}


_REACH = 400  # characters either side: "the observatory" two sentences after its full name


def around(s: SentenceHit, pool: list[Hit] | None = None) -> str:
    """The headline and the article text within ``_REACH`` characters of the sentence.

    Gathered from every retrieved passage of the same article (``pool``), so a sentence
    that opens a chunk still sees the sentences before it.
    """
    lo, hi = s.start - _REACH, s.end + _REACH
    pieces: dict[int, str] = {}
    for hit in [s.hit, *(pool or [])]:
        if hit.article_id != s.hit.article_id or hit.end < lo or hit.start > hi:
            continue
        for sp in hit.sentences:
            if sp.end >= lo and sp.start <= hi:
                pieces[sp.start] = hit.text[sp.start - hit.start : sp.end - hit.start]
    return " ".join([s.hit.title, *(pieces[k] for k in sorted(pieces))])


def other_reports(
    spec: QuestionSpec,
    pool: list[Hit],
    ranked: list[SentenceHit],
    answers: list[SentenceHit],
    cfg: AnswerSettings,
) -> list[SentenceHit]:
    """Sentences of other articles whose figures the answer's are compared with
    (``rag.conflicts``): for a number question, the best one of each article the answers
    do not come from, in the fallback tier (at least ``fallback_ratio`` of the best score),
    naming what the question names nearby.

    Another outlet's report of the same event often ranks just below the candidates: "At
    least 43 people were killed Saturday in a suicide car bomb attack on buses" the day
    before "the death toll … has reached at least 126". Whether two figures conflict is
    still ``find_conflicts``' call (the same count, different articles, days apart at most).
    """
    if spec.answer_type not in ("number", "money") or not answers or not ranked:
        return []
    low = max(cfg.min_relevance, cfg.fallback_ratio * ranked[0].score)
    seen = {s.hit.article_id for s in answers}
    out = []
    for s in ranked[: cfg.candidate_window]:
        if s.score < low or s.hit.article_id in seen:
            continue
        near = around(s, pool)
        if all(mentions(e, near) for e in spec.entities):
            out.append(s)
            seen.add(s.hit.article_id)
    return out


_GATES = frozenset({"names_absent", "topic_unknown", "nothing_relevant"})
CHECKS: list[tuple[str, Check]] = [
    ("names_absent", names_absent),
    ("topic_unknown", topic_unknown),
    ("nothing_relevant", nothing_relevant),
    ("entity_absent", entity_absent),
    ("other_actor", other_actor),
    ("wrong_period", wrong_period),
    ("other_instance", other_instance),
    ("part_of_whole", part_of_whole),
    ("other_thing", other_thing),
    # The predicate's words first: answer_type_absent tags candidates (the costly part)
    # only until it has enough, so the ones it keeps must already say what is asked.
    ("predicate_absent", predicate_absent),
    ("verb_unsaid", verb_unsaid),
    ("answer_type_absent", answer_type_absent),
    ("role_unfilled", role_unfilled),
]


# ----------------------------------------------------------------------- helpers
def mentions(name: str, text: str, *, strict: bool = True) -> bool:
    """True when ``text`` mentions ``name``.

    Every word of the name must occur (function words and particles such as "al-"
    aside), each allowing a short suffix ("Syria" finds "Syrian") and, when strict, for
    words of five letters or more a one-letter spelling variant (transliterations:
    "Idlib" finds "Idleb"); a plural finds its singular ("Alawites" finds "Alawite"). A
    longer name is also found through its last word written capitalised ("Patrick
    Mahomes" finds "Mahomes"); ``strict=False`` (is the name anywhere in the
    retrieved articles?) accepts any of its words written capitalised ("Echelon
    Connect Sport" finds "Echelon"), but one shared word is never enough when strict
    ("Arab League" does not find "Arab states"). Abbreviations match with or without
    their dots ("US" finds "U.S."), a name of several capitalised words finds its initials
    and initials their name ("World Health Organization" and "WHO"), and a nationality
    finds its country ("Jordanian" finds "Jordan's"). A two-part title is found through its
    second part: "Breath of the Wild" names "Legend of Zelda: Breath of the Wild", while
    "Xenoblade Chronicles 2" alone is the series, not "Xenoblade Chronicles 2: Torna".
    A thing named with its owner ("Taylor Swift's Eras Tour") needs the owner, and the
    thing by name or by its head noun ("the tour").
    """
    if ": " in name:  # a two-part title: the part after the colon names the work
        return mentions(name.rsplit(": ", 1)[1], text, strict=strict)
    owner, owned = _owned(name)
    if owner and owned:
        if mentions(f"{owner} {owned}", text, strict=strict):  # the whole name, as always
            return True
        # Or "Taylor Swift's Eras Tour" as the owner by name and the thing by its head
        # noun: "The tour, which is projected by Pollstar …" in a report on Taylor Swift.
        head = words(owned)[-1:]
        return mentions(owner, text, strict=strict) and (
            mentions(owned, text, strict=strict) or bool(head and found(head[0], _word_set(text)))
        )
    name, text = _undot(name), _undot(text)
    # An organisation is as often named by its initials: "World Health Organization" and
    # "WHO" are one name, both ways round.
    short = acronym(name)
    if (short and re.search(rf"\b{short}\b", text)) or expands(name, text):
        return True
    if name.isupper() and name.isalpha() and len(name) <= 6:  # "WHO" is not the word "who"
        return any(m.group(0)[0].isupper() for m in re.finditer(rf"\b{name}\b", text, re.I))
    parts = [w for w in words(name) if "-" not in w and w not in STOPWORDS]
    parts = [w for w in parts if w not in _PARTICLES]
    if not parts:
        return True
    have = _word_set(text)
    if all(
        found(p, have)
        or demonym_of(p, have)
        or (len(p) > 4 and p.endswith("s") and found(p[:-1], have))  # "Alawites", "Alawite"
        or (strict and _variant(p, have))
        for p in parts
    ):
        return True
    if len(parts) == 1:
        return False
    capital = _capitals(text)
    if strict and re.search(r"\bof\b", name):
        # "Teacher of the Year", "Bank of America": the last word is not the name; a
        # "State Teacher of the Year" is another honour.
        return False
    if not strict:
        return bool(set(parts) & capital)
    return parts[-1] in capital and _last_word_alone(parts, text)


# Titles that stand before a surname without naming another person ("Sheikh Nasrallah").
_TITLE_WORDS = HONORIFICS | frozenset(
    "king queen prince princess sheikh emir pope saint lord lady sir dame".split()
)


def _last_word_alone(parts: list[str], text: str) -> bool:
    """Whether ``text`` uses a name's last word for the name, not for another name ending
    in it: "Ahrar al-Sham" is not "Hayat Tahrir al-Sham", nor "Jackie Mahomes" "Patrick
    Mahomes", while "Mahomes", "President Assad" and "Tahrir al-Sham" stand for them.
    A headline in title case capitalises every word, so it is not read this way."""
    if _title_case(text):
        return True
    for m in re.finditer(rf"\b{re.escape(parts[-1])}\b", text, re.I):
        if not m.group(0)[0].isupper():
            continue
        before = _WORD_BEFORE.search(text[max(0, m.start() - 40) : m.start()])
        word = before.group(1).lower() if before else ""
        if (
            not word
            or word in parts
            or word in STOPWORDS
            or word in _TITLE_WORDS
            or word in ROLE_NOUNS
        ):
            return True
    return False


_OWNED = re.compile(r"^(.+?\w)['’]s\s+(\S.*)$")


def _owned(name: str) -> tuple[str, str]:
    """("Taylor Swift", "Eras Tour") for "Taylor Swift's Eras Tour"; ("", "") for a name
    with no owner in it, or whose owner and thing are one word each ("Assassin's Creed"
    is a title, not a creed of an assassin)."""
    m = _OWNED.match(name)
    if m is None or (" " not in m.group(1) and " " not in m.group(2)):
        return "", ""
    return m.group(1), m.group(2)


def _variant(word: str, have: Set[str]) -> bool:
    """A word of ``have`` one edit from ``word`` (same first letter, five letters or more)."""
    if len(word) < 5:
        return False
    return any(
        w[0] == word[0] and abs(len(w) - len(word)) <= 1 and _one_edit(word, w) for w in have
    )


_DOTTED = re.compile(r"\b(?:[A-Z]\.){2,}")


@lru_cache(maxsize=4096)
def _undot(text: str) -> str:
    """'U.S.' → 'US', so an abbreviation is one word however it is written."""
    return _DOTTED.sub(lambda m: m.group(0).replace(".", ""), text)


# A question checks each of its names against the same passages: their word sets and
# capitalised words are built once.
@lru_cache(maxsize=4096)
def _word_set(text: str) -> frozenset[str]:
    return frozenset(words(text))


@lru_cache(maxsize=4096)
def _capitals(text: str) -> frozenset[str]:
    return frozenset(_bare(w) for w in _CAPITAL_WORD.findall(text))


def _one_edit(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


_PARTICLES = frozenset({"al", "el", "bin", "ibn", "abu", "de", "van", "von", "der", "la", "the"})
# A word right before a name's last word, and the particle between them ("Ahrar al-Sham",
# "Ahrar Al-Sham" in a headline).
_WORD_BEFORE = re.compile(rf"([A-Z]\w*)\s+(?:(?i:{'|'.join(sorted(_PARTICLES - {'the'}))})[-\s])?$")
_CAPITAL_WORD = re.compile(r"\b[A-Z][\w'’]*")


def _bare(word: str) -> str:
    return word.lower().strip("'’\".,;:!?()[]").removesuffix("'s").removesuffix("’s")


def _context_text(hits: list[Hit]) -> str:
    return " ".join(f"{h.title} {h.source or ''} {h.text}" for h in hits)


def _pool_terms(hits: list[Hit]) -> set[str]:
    pool: set[str] = set()
    for hit in hits:
        pool.update(content_terms(f"{hit.title} {hit.source or ''} {hit.text}"))
    return pool


def _evidence_year(s: SentenceHit) -> int | None:
    named = years(s.text)
    if named:
        return max(named)
    published = published_date(s.hit.published_at)
    return published.year if published else None


def _title(s: SentenceHit) -> str:
    where = f"{s.hit.title!r}"
    if s.hit.source:
        where += f", {s.hit.source}"
    if s.hit.published_at:
        where += f", {s.hit.published_at[:10]}"
    return where


def filtered_out(filters: Filters, example: Hit) -> Draft:
    """The abstention for evidence that exists but lies outside ``filters``."""
    which = []
    if filters.since or filters.until:
        which.append(f"the date filter ({filters.since or '…'} to {filters.until or '…'})")
    if filters.sources:
        which.append(f"the source filter ({', '.join(filters.sources)})")
    where = f"{example.title!r}" + (f", {example.source}" if example.source else "")
    where += f", {example.published_at[:10]}" if example.published_at else ", undated"
    return _abstain(
        FILTERED_OUT,
        f"Relevant articles exist but fall outside {' and '.join(which)}: for example {where}.",
    )


def _abstain(code: str, reason: str) -> Draft:
    return Draft(abstain_code=code, abstain_reason=reason)
