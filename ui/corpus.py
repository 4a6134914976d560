"""The corpus tab's behaviour: upload and ingest articles, browse, open and delete them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from rag.pipeline import Pipeline
from ui import render
from ui.uploads import save_uploads

Updates = dict[Any, Any]


@dataclass
class CorpusWidgets:
    """The components the corpus tab's handlers read and write."""

    files: Any
    status: Any
    table: Any
    stats: Any
    article: Any
    selected: Any
    delete_row: Any
    confirm_row: Any
    outlets: Any


def outlet_choices(stats: dict[str, Any]) -> list[str]:
    """Outlets a source filter can name (articles without one cannot be filtered by it)."""
    return sorted(s for s in stats.get("sources", {}) if s != "(unknown)")


class Corpus:
    """Handlers of the corpus tab, over the shared pipeline."""

    def __init__(self, pipeline: Pipeline, widgets: CorpusWidgets) -> None:
        """``widgets`` are the components the handlers update."""
        self.pipeline = pipeline
        self.w = widgets

    def refresh(self) -> Updates:
        """Table, statistics and the outlet filter's choices, as stored now."""
        stats = self.pipeline.stats()
        w = self.w
        return {
            w.table: render.article_rows(self.pipeline.store.articles()),
            w.stats: render.stats_html(stats),
            w.outlets: gr.update(choices=outlet_choices(stats)),
        }

    def ingest(
        self,
        files: list[str] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects a live tracker
    ) -> Updates:
        """Save the uploaded files in the uploads folder and ingest them, showing progress."""
        if not files:
            return {self.w.status: "Choose one or more article files first."}
        ui = self.pipeline.settings.ui
        saved = save_uploads(files, Path(ui.uploads), ui.max_upload_mb)
        lines = [f"- rejected {r}" for r in saved.rejected]
        if saved.saved:

            def tick(done: float, total: int, current: str) -> None:
                name = Path(current).name if current else "finishing"
                progress(done / total if total else 1.0, desc=f"Ingesting {name}")

            report = self.pipeline.ingest(saved.saved, progress=tick)
            lines.insert(0, f"**Ingested {len(saved.saved)} file(s):** {report.summary()}")
            lines += [f"- failed {e}" for e in report.errors]
        return {**self.refresh(), self.w.status: "\n".join(lines), self.w.files: None}

    def select(self, evt: gr.SelectData) -> Updates:
        """A table row was clicked: show that article."""
        row = evt.row_value or []
        article = self.pipeline.store.get_article(str(row[-1])) if row else None
        w = self.w
        if article is None:
            return {w.article: "", w.selected: None, w.delete_row: gr.update(visible=False)}
        return {
            w.article: render.article_html(article),
            w.selected: article.id,
            w.delete_row: gr.update(visible=True),
            w.confirm_row: gr.update(visible=False),
        }

    def delete(self, article_id: str | None) -> Updates:
        """Delete the selected article (after the user confirmed)."""
        w = self.w
        if not article_id:
            return {}
        self.pipeline.delete_articles([article_id])
        return {
            **self.refresh(),
            w.status: f"Deleted article `{article_id}`.",
            w.article: "",
            w.selected: None,
            w.delete_row: gr.update(visible=False),
            w.confirm_row: gr.update(visible=False),
        }
