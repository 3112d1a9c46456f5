"""``watercooler migrate --to postgresql://…``: move an embedded store into server mode.

The copy itself is :mod:`search.store.transfer`; this command finishes the embedded
store's pending writes, shows progress and says what was copied. Exit 2 when the target
holds a store already or no Chroma server is named; 3 when a store cannot be reached.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from api.cli.common import (
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    JsonOption,
    console,
    errors,
    fail,
    holding_store,
    print_json,
)
from search.store.settings import Settings
from search.store.store import Store
from search.store.vectors import VectorStoreUnavailable


def migrate(
    to: Annotated[
        str,
        typer.Option(
            "--to", help="The PostgreSQL database to copy into (postgresql://user@host/db)."
        ),
    ],
    chroma: Annotated[
        str | None,
        typer.Option(help="The Chroma server for the vectors (default WATERCOOLER_CHROMA_URL)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Copy the embedded store in WATERCOOLER_HOME (catalog and vectors, not re-embedded)
    into PostgreSQL and a Chroma server; then set WATERCOOLER_DATABASE_URL and
    WATERCOOLER_CHROMA_URL to serve from them."""
    # PostgreSQL's driver is imported only by this command (the CLI and server start faster).
    from search.store.catalog.postgres import CatalogUnavailable
    from search.store.transfer import TransferError, migrate_to_server

    configured = Settings()
    chroma_url = chroma or configured.chroma_url
    if not to.startswith(("postgresql://", "postgres://")):
        raise fail(f"--to: expected a postgresql:// URL, got {to!r}", EXIT_USAGE)
    if not chroma_url:
        raise fail(
            "name the Chroma server for the vectors: --chroma http://host:port "
            "(or WATERCOOLER_CHROMA_URL)",
            EXIT_USAGE,
        )
    # The embedded store, whatever server settings are in the environment.
    settings = configured.model_copy(update={"database_url": None, "chroma_url": None})
    with holding_store("migrate"):
        try:
            store = Store.open(settings)
            store.finish_pending()
        except (ValueError, OSError, VectorStoreUnavailable) as exc:
            raise fail(exc, EXIT_UNAVAILABLE) from exc
        bar = Progress(
            SpinnerColumn(),
            TextColumn("[bold]migrate[/bold] {task.description}: {task.completed:,}"),
            TimeElapsedColumn(),
            console=errors,
            transient=True,
            disable=as_json,
        )
        tasks: dict[str, int] = {}

        def progress(step: str, done: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=None)
            bar.update(tasks[step], completed=done)

        try:
            with bar:
                copied = migrate_to_server(
                    store.catalog,
                    str(settings.chroma_path),
                    to,
                    chroma_url,
                    settings.collection,
                    progress,
                )
        except TransferError as exc:
            raise fail(exc, EXIT_USAGE) from exc
        except (CatalogUnavailable, VectorStoreUnavailable) as exc:
            raise fail(exc, EXIT_UNAVAILABLE) from exc
        finally:
            store.close()
    if as_json:
        print_json({"rows": copied.rows, "vectors": copied.vectors})
        return
    console.print(
        f"Copied {copied.rows['documents']:,} documents, {copied.rows['chunks']:,} chunks with "
        f"their {copied.vectors:,} vectors, {copied.rows['tokens']} tokens and the ingest ledger "
        f"({copied.rows['sources']:,} sources) into PostgreSQL and {chroma_url}.",
        highlight=False,
    )
    console.print(
        "Serve from them: set WATERCOOLER_DATABASE_URL to the --to URL and "
        f"WATERCOOLER_CHROMA_URL={chroma_url}",
        highlight=False,
    )
