"""``watercooler ingest`` (with a progress bar) and ``watercooler forget``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.cli.common import (
    EXIT_FAILED,
    EXIT_USAGE,
    JsonOption,
    console,
    errors,
    fail,
    holding_store,
    print_json,
    store_session,
)


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.")],
    prune: Annotated[
        bool, typer.Option(help="Remove stored sources under PATHS whose files are gone.")
    ] = False,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Skip file or folder names matching this glob.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest meeting notes, memos, chat exports, mail and transcripts (idempotent)."""
    from ingest.pipeline import ingest as run_ingest

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise fail(f"no such file or folder: {', '.join(missing)}", EXIT_USAGE)
    with (
        holding_store("ingest"),
        store_session() as store,
        Progress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}", style="dim"),
            console=errors,
            transient=True,
            disable=as_json,
        ) as bar,
    ):
        task = bar.add_task("finding sources", total=None)

        def progress(path: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=Path(path).name)

        summary = run_ingest(
            paths, store, prune=prune, exclude=tuple(exclude or ()), progress=progress
        )
    result = summary.as_dict()
    if as_json:
        print_json(result)
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


def forget(
    path: Annotated[Path, typer.Argument(help="A source file or folder ingested before.")],
) -> None:
    """Remove a source (or every source under a folder) from the store."""
    target = str(path.expanduser().resolve())
    with holding_store("forget"), store_session() as store:
        removed = store.forget(target)
    if not removed:
        errors.print(f"nothing stored from {target}")
        raise typer.Exit(EXIT_FAILED)
    console.print(f"forgot {len(removed)} documents from {target}")
