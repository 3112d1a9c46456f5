"""``watercooler backup``, ``restore`` and ``reindex``: keeping the store healthy.

The work is done in :mod:`search.store.backup` and :mod:`search.store.reindex`; these
commands open the store, show progress and say what was done. A backup or restore that
cannot go ahead exits 2 with why; a store that cannot be opened exits 3.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.cli.common import (
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    JsonOption,
    console,
    errors,
    fail,
    holding_store,
    print_json,
    store_session,
)
from search.store.backup import BackupError
from search.store.backup import backup as run_backup
from search.store.backup import restore as run_restore
from search.store.settings import Settings
from search.store.store import Store
from search.store.vectors import VectorStoreUnavailable


def backup(
    dest: Annotated[Path, typer.Argument(help="A new (or empty) folder for the backup.")],
    as_json: JsonOption = False,
) -> None:
    """Write a consistent backup of the catalog and the vectors (safe while serving)."""
    with store_session() as store:
        try:
            manifest = run_backup(store, dest)
        except BackupError as exc:
            raise fail(exc, EXIT_USAGE) from exc
    if as_json:
        print_json({"backup": str(dest.expanduser().resolve()), **manifest.__dict__})
        return
    console.print(
        f"Backed up {manifest.documents} documents and {manifest.chunks} chunk vectors "
        f"({manifest.embedding_model}, {manifest.embedding_dimension} dimensions, schema "
        f"version {manifest.schema_version}) to {dest.expanduser().resolve()}",
        highlight=False,
    )
    if manifest.embedded:
        console.print(
            f"{manifest.embedded} chunks changed while the backup ran and were embedded again "
            "to match the catalog's snapshot"
        )


def restore(
    source: Annotated[Path, typer.Argument(help="A folder written by `watercooler backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace the store WATERCOOLER_HOME already holds.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Bring a backup back into WATERCOOLER_HOME (stop the server first)."""
    settings = Settings()
    with holding_store("restore"):
        try:
            restored = run_restore(source, settings, force=force)
        except BackupError as exc:
            raise fail(exc, EXIT_USAGE) from exc
    manifest = restored.manifest
    if as_json:
        print_json(
            {
                "source": str(restored.source),
                "home": str(restored.home),
                "vectors": restored.vectors,
                "migrated_from": restored.migrated_from,
                "replaced": restored.replaced,
                "manifest": manifest.__dict__,
            }
        )
        return
    console.print(
        f"Restored {manifest.documents} documents, {manifest.chunks} chunks and "
        f"{restored.vectors} vectors from {restored.source} into {restored.home}"
        + (" (the store there was replaced)" if restored.replaced else ""),
        highlight=False,
    )
    if restored.migrated_from and restored.migrated_from != manifest.schema_version:
        console.print(f"The catalog was migrated from schema version {restored.migrated_from}.")
    configured = settings.model_fingerprint
    if manifest.embedding_model and manifest.embedding_model != configured.name:
        errors.print(
            f"[yellow]The backup's vectors were made by {manifest.embedding_model}; "
            f"WATERCOOLER_EMBEDDING_MODEL is {configured.name}: run `watercooler reindex`."
            "[/yellow]",
            highlight=False,
        )


def reindex(as_json: JsonOption = False) -> None:
    """Re-embed every chunk from the catalog with the configured model (after changing
    WATERCOOLER_EMBEDDING_MODEL, or when the vectors are lost); stop the server first."""
    with holding_store("reindex"):
        _reindex(as_json)


def _reindex(as_json: bool) -> None:
    from search.store.reindex import reindex as run_reindex

    try:
        store = Store.open(Settings(), check_model=False)
    except (ValueError, OSError) as exc:
        raise fail(exc, EXIT_UNAVAILABLE) from exc
    bar = Progress(
        TextColumn("[bold]reindex"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
        disable=as_json,
    )
    try:
        with bar:
            task = bar.add_task("chunks", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            summary = run_reindex(store, progress)
    except VectorStoreUnavailable as exc:
        raise fail(exc, EXIT_UNAVAILABLE) from exc
    finally:
        store.close()
    if as_json:
        print_json(
            {
                "chunks": summary.chunks,
                "model": str(summary.model),
                "previous_model": str(summary.previous_model) if summary.previous_model else None,
                "rebuilt_headers": summary.rebuilt_headers,
            }
        )
        return
    before = f" (was {summary.previous_model})" if summary.previous_model else ""
    console.print(
        f"Re-embedded {summary.chunks} chunks with {summary.model}{before}", highlight=False
    )
