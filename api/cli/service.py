"""``watercooler serve`` (the HTTP API and page) and ``watercooler status``."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from api.cli.common import (
    EXIT_USAGE,
    JsonOption,
    console,
    errors,
    fail,
    holding_server,
    print_json,
    store_session,
)
from search.status import status as store_status
from search.store.settings import Settings
from search.store.vectors import start_loading


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (WATERCOOLER_HOST).")] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port (WATERCOOLER_PORT).")
    ] = None,
    allow_anonymous: Annotated[
        bool,
        typer.Option(
            help="Serve beyond loopback without sign-in: visitors see what is open to everyone."
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="API processes; more than one needs a Chroma server (WATERCOOLER_CHROMA_URL).",
        ),
    ] = 1,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs) and the search page."""
    settings = Settings()
    host, port = host or settings.host, port or settings.port
    if workers > 1 and not settings.chroma_url:
        raise fail(
            "--workers needs a Chroma server (WATERCOOLER_CHROMA_URL): the embedded vector "
            "store can be served by one process only",
            EXIT_USAGE,
        )
    # Held until the server stops: commands that write the embedded store are refused.
    with holding_server(settings, f"http://{host}:{port}"):
        _serve(settings, host, port, allow_anonymous, workers)


def _serve(settings: Settings, host: str, port: int, allow_anonymous: bool, workers: int) -> None:
    # the first search would wait for it: start now, while the rest starts up
    start_loading(settings.chroma_url, settings.chroma_path, settings.collection)
    import uvicorn

    from api.app import OPEN_MODE_VARIABLE, create_app
    from api.auth import describe, is_loopback

    with store_session() as store:
        counts = store.status()
        signed_in = bool(settings.auth_proxy_addresses) or store.catalog.has_tokens()
        sign_in = describe(settings, store, host, allow_anonymous and not is_loopback(host))
    if not signed_in and not is_loopback(host) and not allow_anonymous:
        raise fail(
            f"{host} is not a loopback address and no sign-in is configured: create a token "
            "(watercooler tokens create), configure a sign-in proxy "
            "(WATERCOOLER_AUTH_PROXY_ADDRESSES), or pass --allow-anonymous",
            EXIT_USAGE,
        )
    console.print(
        f"Watercooler: {counts['documents']} documents, {counts['conversations']} conversations, "
        f"{counts['messages']} messages, {counts['chunks']} chunks from {settings.home_dir}"
    )
    processes = f", {workers} worker processes" if workers > 1 else ""
    console.print(f"Serving on [bold]http://{host}:{port}/[/bold] (API docs at /docs{processes})")
    if sign_in.startswith("WARNING"):
        errors.print(f"[yellow]{sign_in}[/yellow]", highlight=False)
    else:
        console.print(sign_in, highlight=False)
    open_mode = "local" if is_loopback(host) or not allow_anonymous else "anonymous"
    # The client address must be the TCP peer's: a proxy's headers are believed by address.
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "warning"}
    if workers > 1:  # each worker process builds its app from the environment
        os.environ[OPEN_MODE_VARIABLE] = open_mode
        uvicorn.run(
            "api.app:worker_app", factory=True, workers=workers, proxy_headers=False, **options
        )
        return
    uvicorn.run(
        create_app(settings, warm=True, open_mode=open_mode, sync_sources=True),
        proxy_headers=False,
        **options,
    )


def status(as_json: JsonOption = False) -> None:
    """Counts by kind and source, people, the last ingest run and where the store is."""
    with store_session() as store:
        info = store_status(store)
    if as_json:
        print_json(info)
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


def _run_line(summary: dict[str, Any]) -> str:
    keys = ("new", "updated", "unchanged", "failed", "removed")
    return ", ".join(f"{k} {summary.get(k, 0)}" for k in keys)
