"""The ``watercooler`` command line: ingest, search, serve, status, forget.

Exit codes: 0 success; 1 some sources failed to ingest (the rest were stored) or
nothing matched what was asked; 2 bad usage; 3 the store is empty or unreachable.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ingest.records import KINDS
from search.catalog import Filters
from search.settings import Settings
from search.store import Store
from search.vectors import VectorStoreUnavailable

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3

app = typer.Typer(
    help="Watercooler: search what your organization said in meetings, memos, chats and mail.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(soft_wrap=True)
errors = Console(stderr=True)


def _open_store() -> Store:
    try:
        return Store.open(Settings())
    except (ValueError, OSError) as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_UNAVAILABLE) from exc


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.")],
    prune: Annotated[
        bool, typer.Option(help="Remove stored sources under PATHS whose files are gone.")
    ] = False,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Skip file or folder names matching this glob.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Ingest meeting notes, memos, chat exports, mail and transcripts (idempotent)."""
    from ingest.pipeline import ingest as run_ingest

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        errors.print(f"[red]error:[/red] no such file or folder: {', '.join(missing)}")
        raise typer.Exit(EXIT_USAGE)
    store = _open_store()
    try:
        with Progress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}", style="dim"),
            console=errors,
            transient=True,
            disable=as_json,
        ) as bar:
            task = bar.add_task("finding sources", total=None)

            def progress(path: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=Path(path).name)

            summary = run_ingest(
                paths, store, prune=prune, exclude=tuple(exclude or ()), progress=progress
            )
    except VectorStoreUnavailable as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_UNAVAILABLE) from exc
    finally:
        store.close()
    result = summary.as_dict()
    if as_json:
        _print_json(result)
    else:
        console.print(
            f"new {result['new']}, updated {result['updated']}, unchanged {result['unchanged']}, "
            f"failed {result['failed']}, skipped {result['skipped']}, removed {result['removed']}"
            f" · {result['chunks_written']} chunks written in {result['seconds']:.1f}s"
        )
        for failure in result["failures"]:
            errors.print(f"[red]failed[/red] {failure['path']}: {failure['reason']}")
        for warning in result["warnings"]:
            errors.print(f"[yellow]warning[/yellow] {warning}")
    if result["failed"]:
        raise typer.Exit(EXIT_FAILED)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=100, help="How many hits.")] = 10,
    kind: Annotated[
        list[str] | None, typer.Option(help=f"Only this kind ({', '.join(KINDS)}).")
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option(help="Only this format (slack, mbox, markdown, …).")
    ] = None,
    channel: Annotated[list[str] | None, typer.Option(help="Only this channel.")] = None,
    person: Annotated[str | None, typer.Option(help="Only passages naming this person.")] = None,
    since: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="From this date.")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Up to this date.")
    ] = None,
    facets: Annotated[
        bool, typer.Option(help="Also print counts by kind, channel, person and year.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print hits (and facets) as JSON.")
    ] = False,
) -> None:
    """Search everything ingested and print the best hits."""
    from api.app import day_end, day_start
    from search.retrieval import Retriever
    from search.store import EmptyStoreError

    check_choice("--kind", kind or (), KINDS)
    filters = Filters(
        kinds=tuple(kind or ()),
        sources=tuple(source or ()),
        channels=tuple(channel or ()),
        person=person,
        since=day_start(day(since)),
        until=day_end(day(until)),
    )
    store = _open_store()
    try:
        results = Retriever(store).run(query, k=k, filters=filters, facets=facets)
    except (EmptyStoreError, VectorStoreUnavailable) as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_UNAVAILABLE) from exc
    finally:
        store.close()
    hits = results.hits
    if as_json:
        hit_dicts = [h.as_dict() for h in hits]
        _print_json({"hits": hit_dicts, "facets": results.facets} if facets else hit_dicts)
    else:
        for n, hit in enumerate(hits, 1):
            where = f"{hit.source_path}" + (f" ({hit.locator})" if hit.locator else "")
            console.print(
                f"[bold]{n}. {hit.title}[/bold]  [dim]{hit.kind} · {hit.date or ''}[/dim]"
            )
            console.print(f"   {where}", style="cyan", highlight=False)
            if hit.people:
                console.print(f"   people: {', '.join(hit.people[:6])}", style="dim")
            console.print(f"   {hit.snippet}", highlight=False)
        if not hits:
            console.print("no hits")
        for name, counts in results.facets.items():
            if name != "month" and counts:
                line = ", ".join(f"{value} {n}" for value, n in list(counts.items())[:8])
                console.print(f"[bold]{name}[/bold]: {line}", highlight=False)
    if not hits:
        raise typer.Exit(EXIT_FAILED)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (WATERCOOLER_HOST).")] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port (WATERCOOLER_PORT).")
    ] = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    from api.app import create_app

    settings = Settings()
    host, port = host or settings.host, port or settings.port
    store = _open_store()
    try:
        counts = store.status()
    finally:
        store.close()
    console.print(
        f"Watercooler: {counts['documents']} documents, {counts['conversations']} conversations, "
        f"{counts['messages']} messages, {counts['chunks']} chunks, {counts['people']} people "
        f"from {settings.home_dir}"
    )
    console.print(f"Serving on [bold]http://{host}:{port}/[/bold] (API docs at /docs)")
    uvicorn.run(create_app(settings, warm=True), host=host, port=port, log_level="warning")


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """Counts by kind and source, people, the last ingest run and where the store is."""
    store = _open_store()
    try:
        info = store.status()
    finally:
        store.close()
    if as_json:
        _print_json(info)
        return
    console.print(
        f"{info['documents']} documents ({info['conversations']} conversations, "
        f"{info['messages']} messages), {info['chunks']} chunks, {info['people']} people, "
        f"{info['sources']} sources"
    )
    table = Table("kind", "documents", "messages", "chunks")
    for kind, row in info["by_kind"].items():
        table.add_row(kind, str(row["documents"]), str(row["messages"]), str(row["chunks"]))
    console.print(table)
    table = Table("source", "documents", "messages", "chunks")
    for origin, row in info["by_source"].items():
        table.add_row(origin, str(row["documents"]), str(row["messages"]), str(row["chunks"]))
    console.print(table)
    run = info["last_run"]
    if run:
        finished = datetime.fromtimestamp(run["finished_at"]).isoformat(timespec="seconds")
        console.print(
            f"last ingest: run {run['run_id']} at {finished}: {_run_line(run['summary'])}"
        )
    else:
        console.print("last ingest: never (run `watercooler ingest PATH`)")
    for name, where in info["store"].items():
        console.print(f"{name}: {where}", highlight=False)


@app.command()
def forget(
    path: Annotated[Path, typer.Argument(help="A source file or folder ingested before.")],
) -> None:
    """Remove a source (or every source under a folder) from the store."""
    target = str(path.expanduser().resolve())
    store = _open_store()
    try:
        removed = store.forget(target)
    except VectorStoreUnavailable as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_UNAVAILABLE) from exc
    finally:
        store.close()
    if not removed:
        errors.print(f"nothing stored from {target}")
        raise typer.Exit(EXIT_FAILED)
    console.print(f"forgot {len(removed)} documents from {target}")


@app.command(name="eval")
def evaluate(
    queries: Annotated[Path, typer.Argument(help="JSON lines: {id, query, relevant: [...]}.")],
    compare: Annotated[
        bool, typer.Option(help="Score every retriever side by side in one run.")
    ] = False,
    mode: Annotated[str, typer.Option(help="The retriever to score without --compare.")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Score retrieval on labelled queries: recall@5, MRR@10, nDCG@10, overall and per kind."""
    from search.evaluation import evaluate as run_eval
    from search.evaluation import load_queries
    from search.retrieval import MODES, Retriever
    from search.store import EmptyStoreError

    if not queries.is_file():
        errors.print(f"[red]error:[/red] no such query file: {queries}")
        raise typer.Exit(EXIT_USAGE)
    if mode not in MODES:
        errors.print(f"[red]error:[/red] --mode: unknown {mode!r}; use one of {', '.join(MODES)}")
        raise typer.Exit(EXIT_USAGE)
    try:
        labelled = load_queries(queries)
    except ValueError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from exc
    store = _open_store()
    retriever = Retriever(store)
    reports = {}
    try:
        for name in MODES if compare else (mode,):
            reports[name] = run_eval(
                labelled,
                lambda q, k, name=name: retriever.search(q, k=k, mode=name),
                store.catalog.kind_of,
            ).as_dict()
    except (EmptyStoreError, VectorStoreUnavailable) as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_UNAVAILABLE) from exc
    finally:
        store.close()
    if as_json:
        _print_json(reports)
        return
    table = Table("retriever", "scope", "queries", "recall@5", "MRR@10", "nDCG@10")
    for name, report in reports.items():
        rows = [("all", report["overall"]), *report["by_kind"].items()]
        for scope, scores in rows:
            table.add_row(
                name,
                scope,
                str(scores["queries"]),
                f"{scores['recall@5']:.3f}",
                f"{scores['mrr@10']:.3f}",
                f"{scores['ndcg@10']:.3f}",
            )
    console.print(table)


def day(value: datetime | None) -> date | None:
    """The date of a ``--since`` / ``--until`` option."""
    return value.date() if value else None


def check_choice(option: str, values: Any, allowed: tuple[str, ...]) -> None:
    """Exit with usage status when ``values`` of ``option`` are not all ``allowed``."""
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        errors.print(
            f"[red]error:[/red] {option}: unknown {', '.join(unknown)}; use {', '.join(allowed)}"
        )
        raise typer.Exit(EXIT_USAGE)


def _run_line(summary: dict[str, Any]) -> str:
    keys = ("new", "updated", "unchanged", "failed", "removed")
    return ", ".join(f"{k} {summary.get(k, 0)}" for k in keys)


def _register_feature_commands() -> None:
    from api.ask import ask_cli
    from api.people import eval_experts_cli, experts_cli

    app.command(name="ask")(ask_cli)
    app.command(name="experts")(experts_cli)
    app.command(name="eval-experts")(eval_experts_cli)


_register_feature_commands()

if __name__ == "__main__":
    app()
