"""The corpus tab's behaviour: upload and ingest articles, browse, open and delete them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from rag.ingest import INSTRUCTION_SENTENCES
from rag.pipeline import Pipeline
from ui import render
from ui.uploads import record_uploader, save_uploads, uploader_of

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


def instruction_count(metadata: dict[str, Any]) -> int:
    """How many sentences of an article ingest found addressed to an AI assistant."""
    value = metadata.get(INSTRUCTION_SENTENCES)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def flag_rows(rows: list[list[Any]], infos: Sequence[dict[str, Any]]) -> list[list[Any]]:
    """Corpus-table rows with a warning before the title of articles holding instructions."""
    counts = {str(i["id"]): instruction_count(_metadata(i)) for i in infos}
    flagged = []
    for row in rows:
        n = counts.get(str(row[-1]), 0)
        if n:
            note = f"{n} sentence{'s' if n > 1 else ''} addressed to an AI"
            row = [f"⚠ {row[0]} ({note})", *row[1:]]
        flagged.append(row)
    return flagged


def flag_note(metadata: dict[str, Any]) -> str:
    """HTML warning shown above an article that holds instruction-like sentences, or ''."""
    n = instruction_count(metadata)
    if not n:
        return ""
    return (
        '<div class="nr-injection" role="note" style="margin:0 0 0.6em;padding:0.4em 0.7em;'
        'border-radius:6px;background:#fef3c7;color:#92400e">'
        f"⚠ {n} sentence{'s' if n > 1 else ''} of this article address"
        f"{'' if n > 1 else 'es'} an AI assistant (a possible prompt injection). "
        "Article text is data, never instructions.</div>"
    )


def _metadata(info: dict[str, Any]) -> dict[str, Any]:
    try:
        meta = json.loads(info.get("meta_json") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


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
        infos = self.pipeline.store.articles()
        return {
            w.table: flag_rows(render.article_rows(infos), infos),
            w.stats: render.stats_html(stats),
            w.outlets: gr.update(choices=outlet_choices(stats)),
        }

    def ingest(
        self,
        files: list[str] | None,
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects a live tracker
    ) -> Updates:
        """Save the uploaded files in the uploads folder and ingest them, showing progress.

        With login on, the uploader is recorded: only they (or an admin) may delete the
        articles of these files.
        """
        if not files:
            return {self.w.status: "Choose one or more article files first."}
        ui = self.pipeline.settings.ui
        folder = Path(ui.uploads)
        saved = save_uploads(files, folder, ui.max_upload_mb)
        lines = [f"- rejected {r}" for r in saved.rejected]
        login = _login(request)
        if saved.saved and login is not None:
            record_uploader(folder, saved.saved, login)
        if saved.saved:

            def tick(done: float, total: int, current: str) -> None:
                name = Path(current).name if current else "finishing"
                progress(done / total if total else 1.0, desc=f"Ingesting {name}")

            try:
                report = self.pipeline.ingest(saved.saved, progress=tick)
            except Exception as exc:  # noqa: BLE001 - the app must stay up and say what failed
                why = saved.public(" ".join(str(exc).split())[:300], folder)
                lines.insert(0, f"**Could not add the files:** {type(exc).__name__}: {why}")
            else:
                lines.insert(0, f"**Read {len(saved.saved)} file(s):** {report.summary()}")
                lines += [f"- failed {saved.public(e, folder)}" for e in report.errors]
        return {**self.refresh(), self.w.status: "\n".join(lines), self.w.files: None}

    def select(self, evt: gr.SelectData) -> Updates:
        """A table row was clicked: show that article."""
        row = evt.row_value or []
        article = self.pipeline.store.get_article(str(row[-1])) if row else None
        w = self.w
        if article is None:
            return {w.article: "", w.selected: None, w.delete_row: gr.update(visible=False)}
        return {
            w.article: flag_note(article.metadata) + render.article_html(article),
            w.selected: article.id,
            w.delete_row: gr.update(visible=True),
            w.confirm_row: gr.update(visible=False),
        }

    def refusal(self, article_id: str, login: str | None) -> str | None:
        """Why ``login`` may not delete the article, or None when they may.

        Without login everyone may; with it, the article's uploader and the admins
        (``ui.admins``) may. An article ingested from the shell has no uploader.
        """
        if login is None or login in self.pipeline.settings.ui.admins:
            return None
        article = self.pipeline.store.get_article(article_id)
        if article is None:
            return None  # gone already: deleting it again changes nothing
        owner = uploader_of(Path(self.pipeline.settings.ui.uploads), article.path)
        if owner == login:
            return None
        who = f"by {owner}" if owner else "from the shell, not through the app"
        return (
            f"Not deleted: “{article.title}” was added {who}; only its uploader or an "
            "admin (RAG_UI__ADMINS) may delete it."
        )

    def delete(self, article_id: str | None, request: gr.Request | None = None) -> Updates:
        """Delete the selected article (after the user confirmed), if this user may."""
        w = self.w
        if not article_id:
            return {}
        refused = self.refusal(article_id, _login(request))
        if refused:
            return {w.status: refused, w.confirm_row: gr.update(visible=False)}
        self.pipeline.delete_articles([article_id])
        return {
            **self.refresh(),
            w.status: f"Deleted article `{article_id}`.",
            w.article: "",
            w.selected: None,
            w.delete_row: gr.update(visible=False),
            w.confirm_row: gr.update(visible=False),
        }


def _login(request: gr.Request | None) -> str | None:
    """The logged-in user's name, or None when login is off."""
    return getattr(request, "username", None) if request is not None else None
