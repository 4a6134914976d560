"""Article → sentence spans → chunks of whole sentences with character offsets.

Invariant (tested on messy real text): ``article.text[chunk.start:chunk.end] == chunk.text``
and every sentence span lies inside its chunk. Sentences come from Bling Fire's
sentence breaker, run paragraph by paragraph so that a headline or dateline without
a full stop never merges with the sentence after it.
"""

from __future__ import annotations

import re

import blingfire

from rag.settings import ChunkingSettings
from rag.types import Article, Chunk, Span

_LINE = re.compile(r"[^\n]+")
_TERMINAL = re.compile(r"[.!?:;\"'”’)\]]\s*$")
# Full stops Bling Fire takes for abbreviations ("in." for inches, "no." for number) where
# no number stands before them: "… the sole remaining route in. Aleppo was once …".
_MISSED_STOP = re.compile(r"(?<![\d\s])\s+(?:in|no)\.(?=\s+[A-Z][a-z])")


def _paragraphs(text: str) -> list[Span]:
    """Line-based paragraphs; a hard-wrapped line that continues in lower case is joined."""
    spans: list[Span] = []
    for match in _LINE.finditer(text):
        line_start, line_end = match.start(), match.end()
        if not text[line_start:line_end].strip():
            continue
        joinable = (
            spans
            and text[spans[-1].end : line_start] == "\n"
            and not _TERMINAL.search(text[spans[-1].start : spans[-1].end])
            and text[line_start:line_end].lstrip()[:1].islower()
        )
        if joinable:
            spans[-1] = Span(start=spans[-1].start, end=line_end)
        else:
            spans.append(Span(start=line_start, end=line_end))
    return spans


def split_sentences(text: str) -> list[Span]:
    """Sentence spans of ``text`` (offsets into it), without surrounding white space."""
    sentences: list[Span] = []
    for para in _paragraphs(text):
        chunk = text[para.start : para.end]
        _, found = blingfire.text_to_sentences_and_offsets(chunk)
        offsets: list[tuple[int, int]] = []
        for start, end in found:
            for m in _MISSED_STOP.finditer(chunk, start, end):
                offsets.append((start, m.end()))
                start = m.end()
            offsets.append((start, end))
        for start, end in offsets:
            piece = chunk[start:end]
            # Bling Fire trims most white space; trim the rest so quotes start on a character.
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece) - len(piece.rstrip())
            if end - trail > start + lead:
                sentences.append(
                    Span(start=para.start + start + lead, end=para.start + end - trail)
                )
    return sentences


def chunk_sentences(
    article_id: str, text: str, sentences: list[Span], settings: ChunkingSettings
) -> list[Chunk]:
    """Group sentence spans into chunks of about ``target_chars``, overlapping by sentences."""
    chunks: list[Chunk] = []
    first = 0
    while first < len(sentences):
        last = first
        while (
            last + 1 < len(sentences)
            and sentences[last].end - sentences[first].start < settings.target_chars
        ):
            last += 1
        group = sentences[first : last + 1]
        start, end = group[0].start, group[-1].end
        chunks.append(
            Chunk(
                id=f"{article_id}:{len(chunks)}",
                article_id=article_id,
                index=len(chunks),
                text=text[start:end],
                start=start,
                end=end,
                sentences=group,
            )
        )
        if last + 1 >= len(sentences):
            break
        # Step forward, keeping `overlap` sentences, but always advance by at least one.
        first = max(first + 1, last + 1 - settings.overlap_sentences)
    return chunks


def cap_sentences(text: str, sentences: list[Span], max_chars: int) -> list[Span]:
    """Cut spans longer than ``max_chars`` into pieces, at white space where there is some.

    A table, a list or a line with no full stop comes out of the splitter as one "sentence";
    uncut, a 50 MB line would become one chunk and one quote of 50 MB.
    """
    out: list[Span] = []
    for span in sentences:
        start = span.start
        while span.end - start > max_chars:
            limit = start + max_chars
            cut = text.rfind(" ", start + max_chars // 2, limit)
            cut = cut if cut > start else limit
            end = cut
            while text[end - 1].isspace():
                end -= 1
            out.append(Span(start=start, end=end))
            start = cut
            while start < span.end and text[start].isspace():
                start += 1
        if start < span.end:
            out.append(Span(start=start, end=span.end))
    return out


def chunk_article(article: Article, settings: ChunkingSettings) -> list[Chunk]:
    """Split an article into chunks; see module docstring for the invariant."""
    sentences = cap_sentences(
        article.text, split_sentences(article.text), settings.max_sentence_chars
    )
    return chunk_sentences(article.id, article.text, sentences, settings)
