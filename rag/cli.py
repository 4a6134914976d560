"""The `rag` command: thin wrappers that build Settings, call Pipeline, and print."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, TextIO

import click

from rag.errors import RagError
from rag.output import cap_output, dumps
from rag.settings import Settings
from rag.types import Answer, Filters, Timeline


def settings_from_context(ctx: click.Context) -> Settings:
    """Settings from the environment, overridden by the options given on the command line."""
    overrides: dict[str, Any] = {}
    opts = ctx.find_root().params
    if opts.get("store"):
        overrides["store"] = opts["store"]
    if opts.get("embedding_model"):
        overrides["embedding"] = {"model": opts["embedding_model"]}
    if opts.get("backend"):
        overrides["answer"] = {"backend": opts["backend"]}
    if opts.get("chroma_host"):
        overrides["chroma"] = {"host": opts["chroma_host"], "port": opts["chroma_port"]}
    return Settings(**overrides)


def pipeline_from_context(ctx: click.Context) -> Any:
    """A Pipeline built from the global options; for commands, including plugged-in ones."""
    from rag.pipeline import Pipeline  # heavy imports (torch) only for commands that need them

    return Pipeline(settings_from_context(ctx))


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


class _Group(click.Group):
    """Prints RagError as one line, and adds commands other packages register.

    ``ui`` (``rag serve``) and ``evals`` (``rag eval``) sit above the library, so the
    library cannot import them; they register under the ``newsrag.commands`` entry-point
    group instead, and are loaded only when used.
    """

    def _plugged(self) -> dict[str, EntryPoint]:
        return {ep.name: ep for ep in entry_points(group="newsrag.commands")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._plugged()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None and name in self._plugged():
            try:
                loaded = self._plugged()[name].load()
            except ImportError as exc:  # a half-installed extra must not break `rag --help`
                click.echo(f"warning: command {name!r} is unavailable: {exc}", err=True)
                return None
            command = loaded if isinstance(loaded, click.Command) else None
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RagError as exc:
            _fail(str(exc))


@click.group(cls=_Group)
@click.option("--store", type=click.Path(path_type=Path), help="Store folder [RAG_STORE].")
@click.option("--embedding-model", help="Embedding model name or path [RAG_EMBEDDING__MODEL].")
@click.option(
    "--backend",
    help="Answer backend: extractive, openai:<url>#<model>, llama-cpp:<file> "
    "[RAG_ANSWER__BACKEND].",
)
@click.option("--chroma-host", help="Use a Chroma server at this host [RAG_CHROMA__HOST].")
@click.option("--chroma-port", type=int, default=8000, show_default=True, help="Chroma port.")
@click.version_option(package_name="newsrag")
def main(**_: Any) -> None:
    """newsrag: answers about a news corpus, every sentence cited to a quoted passage."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--prune", is_flag=True, help="Remove stored articles whose files are gone.")
@click.option("--rebuild", is_flag=True, help="Drop the store first (e.g. to change models).")
@click.option(
    "--map",
    "mappings",
    multiple=True,
    metavar="OURS=THEIRS",
    help="Map a field to the file's column/key, e.g. --map text=body (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def ingest(
    ctx: click.Context, paths: tuple[Path, ...], prune: bool, rebuild: bool,
    mappings: tuple[str, ...], as_json: bool,
) -> None:  # fmt: skip
    """Load, chunk, embed and store the articles under PATHS (files or folders)."""
    from rag.loaders import FieldMap

    field_map = FieldMap.parse(list(mappings)) if mappings else None
    pipeline = pipeline_from_context(ctx)
    with _progress() as progress:
        report = pipeline.ingest(
            paths, prune=prune, rebuild=rebuild, field_map=field_map, progress=progress
        )
    for err in report.errors:
        click.echo(f"failed: {err}", err=True)
    click.echo(report.model_dump_json(indent=2) if as_json else report.summary())
    if report.added + report.updated + report.skipped == 0:
        _fail(
            "nothing could be ingested"
            + (" (no supported files found)" if not report.failed else "")
        )


class _progress:
    """A tqdm bar on a terminal; silent when stderr is a pipe or file."""

    def __enter__(self) -> Any:
        if not sys.stderr.isatty():
            return None
        from tqdm import tqdm

        self.bar = tqdm(total=0, unit="file", file=sys.stderr, leave=False)

        def update(done: float, total: int, current: str) -> None:
            self.bar.total = total
            self.bar.n = round(done, 2)
            self.bar.set_postfix_str(Path(current).name[-40:] if current else "")
            self.bar.refresh()

        return update

    def __exit__(self, *exc: object) -> None:
        if hasattr(self, "bar"):
            self.bar.close()


def _filters(
    since: dt.datetime | None, until: dt.datetime | None, sources: tuple[str, ...]
) -> Filters:
    return Filters(
        since=since.date() if since else None,
        until=until.date() if until else None,
        sources=list(sources),
    )


def _jsonl_questions(stream: TextIO, base: Filters) -> Iterator[tuple[str, Filters]]:
    """Questions from a JSONL/plain-text file: one per line, filters optional per line."""
    for lineno, line in enumerate(stream, start=1):
        line = line.strip()
        if not line:
            continue
        if not line.startswith("{"):
            yield line, base
            continue
        try:
            rec = json.loads(line)
            sources = rec.get("sources") or ([rec["source"]] if rec.get("source") else [])
            filters = Filters(
                since=rec.get("since") or base.since,
                until=rec.get("until") or base.until,
                sources=sources or base.sources,
            )
            yield str(rec["question"]), filters
        except (ValueError, KeyError, TypeError) as exc:
            raise RagError(f"line {lineno}: not a question record ({exc})") from exc


@main.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@click.option(
    "--jsonl", type=click.File("r"), help="Answer every question of this file (- for stdin)."
)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Published on or after.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Published on or before.")
@click.option("--source", "sources", multiple=True, help="Only this outlet (repeatable).")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Resolve 'yesterday', 'last year'… against this date (default: the latest article).",
)
@click.pass_context
def ask(
    ctx: click.Context, question: str | None, as_json: bool, jsonl: TextIO | None,
    since: dt.datetime | None, until: dt.datetime | None, sources: tuple[str, ...],
    as_of: dt.datetime | None,
) -> None:  # fmt: skip
    """Answer QUESTION from the corpus, citing a quoted passage for every sentence."""
    if (question is None) == (jsonl is None):
        raise click.UsageError("give either a QUESTION or --jsonl FILE")
    pipeline = pipeline_from_context(ctx)
    filters = _filters(since, until, sources)
    day = as_of.date() if as_of else None
    if jsonl is not None:
        for q, f in _jsonl_questions(jsonl, filters):
            answer = pipeline.ask(q, filters=f, as_of=day)
            click.echo(answer_json(answer, pipeline.settings))
        return
    assert question is not None
    answer = pipeline.ask(question, filters=filters, as_of=day)
    if as_json:
        click.echo(answer_json(answer, pipeline.settings, indent=2))
    else:
        click.echo(format_answer(answer))


def answer_json(answer: Answer, settings: Settings, indent: int | None = None) -> str:
    """The answer's JSON as printed, within ``limits.max_output_chars`` (see rag.output)."""
    capped = cap_output(answer.to_json(), settings.limits.max_output_chars, indent=indent)
    return dumps(capped, indent=indent)


@main.command()
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Published on or after.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Published on or before.")
@click.option("--source", "sources", multiple=True, help="Only this outlet (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="One JSON answer per line.")
@click.pass_context
def chat(
    ctx: click.Context, since: dt.datetime | None, until: dt.datetime | None,
    sources: tuple[str, ...], as_json: bool,
) -> None:  # fmt: skip
    """Interactive chat: follow-up questions are understood in context, grounded afresh."""
    from rag.types import Turn

    pipeline = pipeline_from_context(ctx)
    filters = _filters(since, until, sources)
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo("Ask about the corpus; follow-ups work. Empty line or Ctrl-D to quit.")
    history: list[Turn] = []
    while True:
        try:
            question = input("you> " if interactive else "")
        except EOFError:
            break
        if not question.strip():
            if interactive:
                break
            continue
        answer = pipeline.ask(question, filters=filters, history=history)
        history.append(Turn(question=question, answer=answer))
        if as_json:
            click.echo(answer_json(answer, pipeline.settings))
            continue
        if answer.standalone_question and len(answer.standalone_question) > len(question.strip()):
            click.echo(f"(understood as: {answer.standalone_question})")
        click.echo(format_answer(answer) + "\n")


@main.command()
@click.argument("query")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Events on or after.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Events on or before.")
@click.option("--source", "sources", multiple=True, help="Only this outlet (repeatable).")
@click.option("--json", "fmt", flag_value="json", help="Print the timeline as JSON.")
@click.option("--csv", "fmt", flag_value="csv", help="Print one CSV row per event.")
@click.option("--md", "fmt", flag_value="md", help="Print a Markdown list.")
@click.pass_context
def timeline(
    ctx: click.Context, query: str, since: dt.datetime | None, until: dt.datetime | None,
    sources: tuple[str, ...], fmt: str | None,
) -> None:  # fmt: skip
    """Dated events relevant to QUERY, in date order, with outlet and quote."""
    from rag.timeline import to_csv, to_json, to_markdown

    result = pipeline_from_context(ctx).timeline(query, filters=_filters(since, until, sources))
    if fmt == "json":
        click.echo(to_json(result))
    elif fmt == "csv":
        click.echo(to_csv(result), nl=False)
    elif fmt == "md":
        click.echo(to_markdown(result), nl=False)
    else:
        click.echo(format_timeline(result))


def format_timeline(result: Timeline) -> str:
    """Plain text: one event per block, date first."""
    if not result.events:
        return f"No dated events found for {result.query!r}."
    lines = []
    for e in result.events:
        when = e.date.isoformat() if e.date == e.end_date else f"{e.date} to {e.end_date}"
        how = f'"{e.date_text}"' if e.date_text else "publication date"
        who = ", ".join(x for x in (e.source or e.title, (e.published_at or "")[:10]) if x)
        lines.append(f"{when}  ({how}; {who})")
        lines.append(f"    {e.quote}")
        if e.also_carried_by:
            lines.append(f"    also carried by: {', '.join(e.also_carried_by)}")
    return "\n".join(lines)


@main.command()
@click.pass_context
def prepare(ctx: click.Context) -> None:
    """Build (once per machine) and load the configured embedding model now.

    The default model is quantized here from the packaged MiniLM on first use (~20 s);
    `make install` runs this so the first ingest or question does not wait for it.
    """
    import time

    from rag.backends import make_embedder

    settings = settings_from_context(ctx)
    started = time.monotonic()
    embedder = make_embedder(settings)
    embedder.embed_query("ready")
    click.echo(
        f"embedding model {settings.embedding.model} ready in "
        f"{time.monotonic() - started:.1f} s (cache: {settings.embedding.cache_dir})"
    )


@main.command()
@click.option("--repair", is_flag=True, help="Fix what can be fixed (re-embed, rebuild BM25).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def check(ctx: click.Context, repair: bool, as_json: bool) -> None:
    """Check that article records, chunk rows, the vector index and BM25 agree.

    Exits 1 when problems remain (after --repair: those it could not fix).
    """
    from rag.check import check_store, format_report

    pipeline = pipeline_from_context(ctx)
    report = check_store(
        pipeline.store, pipeline.settings, pipeline.embedder if repair else None, repair=repair
    )
    if as_json:
        payload = {**report.model_dump(mode="json"), "remaining": len(report.remaining)}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        click.echo(format_report(report))
    if report.remaining:
        sys.exit(1)


def format_answer(answer: Answer) -> str:
    """Plain-text rendering: the answer, then each citation with its quote and source."""
    if answer.abstained:
        return f"No answer: {answer.abstain_reason}"
    lines = [answer.answer, ""]
    for c in answer.citations:
        meta = ", ".join(x for x in (c.source, (c.published_at or "")[:10]) if x)
        lines.append(f"[{c.n}] {c.title}" + (f" ({meta})" if meta else ""))
        lines.append(f'    "{c.quote}"')
        if c.url:
            lines.append(f"    {c.url}")
        if c.also_carried_by:
            lines.append(f"    also carried by: {', '.join(c.also_carried_by)}")
        for d in c.event_dates:
            # Dates of the passage outside the quote would gloss words the reader cannot see.
            if d.relative and c.start <= d.start and d.end <= c.end:
                lines.append(f'    "{d.text}" = {d.label()}')
    lines += format_news(answer)
    return "\n".join(lines)


def format_news(answer: Answer) -> list[str]:
    """Outlet counts per sentence, conflicts side by side, and the as-of date."""
    lines = []
    counted = [s for s in answer.sentences if s.independent_outlets]
    if counted:
        lines.append("")
        for s in counted:
            marks = "".join(f"[{n}]" for n in s.citations)
            noun = "source" if s.independent_outlets == 1 else "independent sources"
            lines.append(
                f"{marks} backed by {s.independent_outlets} {noun}: " + ", ".join(s.backed_by)
            )
    for conflict in answer.conflicts:
        lines += ["", f"Sources differ on {conflict.about}:"]
        for claim in conflict.claims:
            c = claim.citation
            who = ", ".join(x for x in (c.source or c.title, (c.published_at or "")[:10]) if x)
            lines.append(f"  {claim.value:>16}  {claim.counts}  ({who})")
            lines.append(f'  {"":>16}  "{c.quote}"')
    if answer.as_of:
        lines += ["", f"As of {answer.as_of.isoformat()} (newest cited article)."]
    return lines


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Articles, chunks, sources, date range, embedding model and store location."""
    data = pipeline_from_context(ctx).stats()
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    dates = " to ".join(data["date_range"]) if data["date_range"] else "no dates"
    click.echo(f"{data['articles']} articles, {data['chunks']} chunks ({dates})")
    click.echo(f"store: {data['store']}\nembedding model: {data['embedding_model']}")
    for source, count in data["sources"].items():
        click.echo(f"  {count:6d}  {source}")
