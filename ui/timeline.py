"""The Timeline tab: a query in, a vertical timeline and its downloads out."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr
from pydantic import ValidationError

from rag.errors import RagError
from rag.pipeline import Pipeline
from rag.timeline import to_csv, to_json, to_markdown
from rag.types import Filters, Timeline
from ui import news

TIMELINE_PLACEHOLDER = (
    '<div class="nr-tl-empty">Name an event or a topic, e.g. <em>violence on the Syrian '
    "coast</em>, to see what the corpus dates, oldest first.</div>"
)


def layout() -> dict[str, Any]:
    """The tab's widgets (call inside ``gr.Tab``)."""
    with gr.Row(equal_height=True, elem_id="nr-tl-row"):
        query = gr.Textbox(
            placeholder="Event or topic, e.g. chemical attack Khan Shaykhun",
            show_label=False, container=False, scale=6, elem_id="nr-tl-query",
        )  # fmt: skip
        build = gr.Button("Build timeline", variant="primary", scale=1, elem_id="nr-tl-build")
    with gr.Row(equal_height=True, elem_id="nr-tl-filters"):
        since = gr.DateTime(
            label="Events on or after", include_time=False, type="string", elem_id="nr-tl-since"
        )
        until = gr.DateTime(
            label="Events on or before", include_time=False, type="string", elem_id="nr-tl-until"
        )
        outlets = gr.Dropdown(
            label="Outlets", multiselect=True, choices=[], value=[], elem_id="nr-tl-outlets"
        )
    with gr.Row(elem_id="nr-tl-downloads"):
        csv = _download("Download CSV", "nr-tl-csv")
        md = _download("Download Markdown", "nr-tl-md")
        js = _download("Download JSON", "nr-tl-json")
    view = gr.HTML(TIMELINE_PLACEHOLDER, elem_id="nr-tl-view", apply_default_css=True)
    return dict(query=query, build=build, since=since, until=until, outlets=outlets,
                csv=csv, md=md, json=js, view=view)  # fmt: skip


def _download(label: str, elem_id: str) -> Any:
    return gr.DownloadButton(
        label, size="sm", scale=0, min_width=150, interactive=False, elem_id=elem_id,
        elem_classes="nr-action",
    )  # fmt: skip


class TimelineTab:
    """Builds timelines over one pipeline and writes their downloads."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.exports = Path(tempfile.mkdtemp(prefix="newsrag-timelines-"))

    def build(
        self, query: str | None, since: str | None, until: str | None, sources: list[str] | None
    ) -> tuple[str, Any, Any, Any]:
        """The timeline as HTML and its CSV, Markdown and JSON files (as download buttons)."""
        if not (query or "").strip():
            off = gr.update(value=None, interactive=False)
            return TIMELINE_PLACEHOLDER, off, off, off
        try:
            filters = Filters.model_validate(
                {"since": _day(since), "until": _day(until), "sources": sources or []}
            )
            timeline = self.pipeline.timeline(query or "", filters=filters)
        except (RagError, ValidationError) as exc:
            raise gr.Error(str(exc)) from exc
        texts = self._passages(timeline)
        files = self._write(timeline)
        ready = [gr.update(value=str(f), interactive=bool(timeline.events)) for f in files]
        return news.timeline_html(timeline, texts), ready[0], ready[1], ready[2]

    def _passages(self, timeline: Timeline) -> dict[str, str]:
        texts = {}
        for article_id in {e.article_id for e in timeline.events}:
            article = self.pipeline.store.get_article(article_id)
            if article is not None:
                texts[article_id] = article.text
        return texts

    def _write(self, timeline: Timeline) -> list[Path]:
        stem = re.sub(r"[^\w-]+", "-", timeline.query.lower()).strip("-")[:60] or "timeline"
        out = []
        for suffix, text in (
            (".csv", to_csv(timeline)),
            (".md", to_markdown(timeline)),
            (".json", to_json(timeline)),
        ):
            path = self.exports / f"timeline-{stem}{suffix}"
            path.write_text(text, encoding="utf-8")
            out.append(path)
        return out


def _day(value: str | None) -> dt.date | None:
    """'2025-03-01' (or a datetime string) → date; '' → None."""
    return dt.date.fromisoformat(value.strip()[:10]) if value and value.strip() else None
