"""`rag serve` (the Gradio app) and `rag sessions` (research sessions from the shell).

Both are plugged into the `rag` command through the ``newsrag.commands`` entry points,
since the library cannot import the UI.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from rag.cli import pipeline_from_context, settings_from_context
from rag.sessions import ANYONE, SessionStore
from ui.export import clean_stale_exports, delete_exports, session_json, session_markdown

if TYPE_CHECKING:
    from rag.pipeline import Pipeline


def parse_credentials(pairs: tuple[str, ...], auth_file: Path | None) -> list[tuple[str, str]]:
    """``user:password`` pairs from the options and the file (one per line, # comments)."""
    lines = list(pairs)
    if auth_file is not None:
        lines += auth_file.read_text(encoding="utf-8").splitlines()
    creds = []
    for line in (raw.strip() for raw in lines):
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition(":")
        if not sep or not user.strip() or not password:
            raise click.BadParameter(f"expected user:password, got {line.split(':')[0]!r}…")
        creds.append((user.strip(), password))
    return creds


@click.command()
@click.option("--host", help="Address to listen on [RAG_UI__HOST, default 127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [RAG_UI__PORT, default 7860].")
@click.option(
    "--auth",
    "auth_pairs",
    multiple=True,
    metavar="USER:PASSWORD",
    help="Require login; repeat for several users. Each sees only their sessions.",
)
@click.option(
    "--auth-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File of user:password lines, one per user.",
)
@click.pass_context
def serve(
    ctx: click.Context, host: str | None, port: int | None, auth_pairs: tuple[str, ...],
    auth_file: Path | None,
) -> None:  # fmt: skip
    """Serve the research app in the browser: cited answers, sessions, corpus management."""
    credentials = parse_credentials(auth_pairs, auth_file)
    # Must be set before gradio is imported: some of its telemetry reads only the environment.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from ui.app import build_app, launch

    pipeline = pipeline_from_context(ctx)
    settings = pipeline.settings
    # Load the models and indexes while the app is built, and before it listens, so that
    # the first questions are not the slow ones.
    warming = _Warming(pipeline)
    warming.start()
    click.echo(f"store: {pipeline.store.location} ({pipeline.store.count_chunks()} passages)")
    store = _open_sessions(settings.sessions_file())
    clean_stale_exports()  # export files of earlier runs, deleted sessions' included
    app = build_app(pipeline, store, auth=bool(credentials))
    warming.join()
    if warming.error is not None:  # the first question will say it again, as its error
        click.echo(f"warning: could not load everything in advance: {warming.error}", err=True)
    launch(
        app,
        settings,
        host=host or settings.ui.host,
        port=port or settings.ui.port,
        credentials=credentials,
    )


class _Warming(threading.Thread):
    """``Pipeline.warm_up`` in a thread, its error kept for the caller to report."""

    def __init__(self, pipeline: Pipeline) -> None:
        super().__init__(name="warm-up", daemon=True)
        self.pipeline = pipeline
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            self.pipeline.warm_up()
        except Exception as exc:  # noqa: BLE001 - reported by serve(), raised again by a question
            self.error = exc


@click.group()
def sessions() -> None:
    """List, show, export, delete, back up and restore research sessions (of `rag serve`)."""


def _open_sessions(path: Path) -> SessionStore:
    """Open the sessions file, telling the user if a damaged one had to be moved aside."""
    store = SessionStore(path)
    if store.notice:
        click.echo(f"warning: {store.notice}", err=True)
    return store


def _store(ctx: click.Context) -> SessionStore:
    return _open_sessions(settings_from_context(ctx).sessions_file())


@sessions.command("list")
@click.option("--search", default="", help="Only sessions whose title or content match.")
@click.option("--owner", help="Only this user's sessions.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_sessions(ctx: click.Context, search: str, owner: str | None, as_json: bool) -> None:
    """Sessions, newest first."""
    store = _store(ctx)
    found = store.list(owner=owner if owner else ANYONE, query=search)
    if as_json:
        click.echo(json.dumps([s.model_dump(mode="json") for s in found], indent=2))
        return
    if not found:  # say so, and where it looked: sessions are kept per store
        matching = " matching" if search or owner else ""
        click.echo(f"no{matching} sessions in {store.path}", err=True)
    for s in found:
        who = f"  [{s.owner}]" if s.owner else ""
        click.echo(f"{s.id}  {s.updated_at:%Y-%m-%d %H:%M}  {s.turns:3d} q  {s.title}{who}")


@sessions.command()
@click.argument("session_id")
@click.pass_context
def show(ctx: click.Context, session_id: str) -> None:
    """Print a session as Markdown, citations included."""
    click.echo(session_markdown(_store(ctx).require(session_id)))


@sessions.command()
@click.argument("session_id")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.pass_context
def export(ctx: click.Context, session_id: str, fmt: str, output: Path | None) -> None:
    """Export a session as Markdown (footnotes, bibliography) or JSON."""
    session = _store(ctx).require(session_id)
    text = session_markdown(session) if fmt == "md" else session_json(session)
    if output is None:
        click.echo(text)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


@sessions.command()
@click.argument("session_ids", nargs=-1, required=True)
@click.pass_context
def delete(ctx: click.Context, session_ids: tuple[str, ...]) -> None:
    """Delete sessions with their evidence boards."""
    store = _store(ctx)
    for sid in session_ids:
        store.delete(sid)  # an unknown id stops here, reported by `rag` as one line
        delete_exports(sid)  # a running app's export files of it go too
        click.echo(f"deleted {sid}")


@sessions.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def backup(ctx: click.Context, target: Path) -> None:
    """Copy every session into the new file TARGET (safe while the app runs)."""
    store = _store(ctx)
    written = store.backup(target)
    click.echo(f"backed up {store.path} to {written}")


@sessions.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def restore(ctx: click.Context, source: Path) -> None:
    """Replace every session with those of the backup SOURCE (the current ones are kept
    in a copy beside the sessions file)."""
    store = _store(ctx)
    kept = store.restore(source)
    count = len(store.list(limit=1_000_000))
    click.echo(f"restored {count} session(s) from {source}; the previous sessions are in {kept}")
