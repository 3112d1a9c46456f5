"""``watercooler sources``: add, list, remove and sync the sources Watercooler pulls from.

``watercooler serve`` syncs each on its schedule; ``sources sync`` does it now.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from api.cli.common import (
    EXIT_FAILED,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    JsonOption,
    console,
    fail,
    holding_store,
    open_store,
    print_json,
)
from ingest.connectors.config import (
    DEFAULT_EVERY,
    Kind,
    SourceConfig,
    SourcesError,
    load_sources,
    save_sources,
)
from ingest.connectors.state import forget_state, load_state
from search.store.settings import Settings

app = typer.Typer(help="Sources synced as conversations happen.", no_args_is_help=True)


def _sources() -> dict[str, SourceConfig]:
    try:
        return load_sources(Settings().home_dir)
    except SourcesError as exc:
        raise fail(exc, EXIT_USAGE) from exc


@app.command()
def add(
    kind: Annotated[Kind, typer.Argument(help="folder, imap, git, slack or matrix.")],
    name: Annotated[str, typer.Argument(help="A name for the source (lower case).")],
    path: Annotated[list[str] | None, typer.Option(help="folder: a folder to read.")] = None,
    url: Annotated[str | None, typer.Option(help="git: a path or URL git can clone.")] = None,
    branch: Annotated[str | None, typer.Option(help="git: the branch (default: HEAD).")] = None,
    homeserver: Annotated[
        str | None, typer.Option(help="matrix: the homeserver (https://matrix.corp.example).")
    ] = None,
    room: Annotated[
        list[str] | None, typer.Option(help="matrix: a room id or alias (default: all joined).")
    ] = None,
    host: Annotated[str | None, typer.Option(help="imap: the server.")] = None,
    port: Annotated[int | None, typer.Option(help="imap: the port (143, 993 with --ssl).")] = None,
    user: Annotated[str | None, typer.Option(help="imap, matrix: the user name.")] = None,
    password_env: Annotated[
        str | None,
        typer.Option(help="imap, matrix: the environment variable holding the password."),
    ] = None,
    password_file: Annotated[
        str | None, typer.Option(help="imap, matrix: a file holding the password.")
    ] = None,
    folder: Annotated[
        list[str] | None, typer.Option(help="imap: a mailbox folder (default INBOX).")
    ] = None,
    ssl: Annotated[bool, typer.Option(help="imap: connect with TLS.")] = False,
    token_env: Annotated[
        str | None, typer.Option(help="slack: the environment variable holding the token.")
    ] = None,
    token_file: Annotated[str | None, typer.Option(help="slack: a file holding the token.")] = None,
    base_url: Annotated[
        str | None, typer.Option(help="slack: the Web API's address (default Slack's own).")
    ] = None,
    every: Annotated[float, typer.Option(min=1, help="Seconds between syncs.")] = DEFAULT_EVERY,
) -> None:
    """Add a source (kept in WATERCOOLER_HOME/sources.yaml; secrets only by reference)."""
    given: dict[str, Any] = {
        "paths": path,
        "url": url,
        "homeserver": homeserver,
        "rooms": room,
        "branch": branch,
        "host": host,
        "port": port,
        "user": user,
        "password_env": password_env,
        "password_file": password_file,
        "folders": folder,
        "ssl": "true" if ssl else None,
        "token_env": token_env,
        "token_file": token_file,
        "base_url": base_url,
    }
    options = {k: v for k, v in given.items() if v not in (None, [])}
    sources = _sources()
    if name in sources:
        raise fail(f"a source named {name!r} exists: remove it first", EXIT_USAGE)
    try:
        config = SourceConfig(kind=kind, name=name, every=every, options=options).check_options()
    except (ValueError, SourcesError) as exc:
        raise fail(exc, EXIT_USAGE) from exc
    sources[name] = config
    save_sources(Settings().home_dir, sources)
    console.print(f"added {kind} source {name!r}, synced every {every:g} s by `watercooler serve`")


@app.command(name="list")
def list_sources(as_json: JsonOption = False) -> None:
    """Every source with its last sync: when, items added / changed / deleted, cursor, error."""
    sources = _sources()
    rows = []
    store = open_store() if sources else None
    try:
        for config in sources.values():
            state = load_state(store.catalog, config.name) if store else None
            rows.append({**config.model_dump(mode="json"), "sync": state.as_dict()})
    finally:
        if store is not None:
            store.close()
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no sources (watercooler sources add KIND NAME ...)")
        return
    table = Table("name", "kind", "every", "last sync", "added", "changed", "deleted", "error")
    for row in rows:
        sync = row["sync"]
        when = sync["last_success"]
        table.add_row(
            row["name"],
            row["kind"],
            f"{row['every']:g} s",
            datetime.fromtimestamp(when).isoformat(timespec="seconds") if when else "never",
            str(sync["added"]),
            str(sync["changed"]),
            str(sync["deleted"]),
            sync["last_error"] or "",
        )
    console.print(table)


@app.command()
def remove(name: Annotated[str, typer.Argument(help="The source to remove.")]) -> None:
    """Remove a source from the schedule (what it brought in stays searchable)."""
    sources = _sources()
    if sources.pop(name, None) is None:
        raise fail(f"no source named {name!r}", EXIT_USAGE)
    save_sources(Settings().home_dir, sources)
    store = open_store()
    try:
        forget_state(store.catalog, name)
    finally:
        store.close()
    console.print(f"removed source {name!r}")


@app.command()
def sync(
    name: Annotated[str | None, typer.Argument(help="One source (default: every one).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Sync now: pull what changed at the source and ingest it."""
    from ingest.connectors.sync import SyncBusy, sync_source

    sources = _sources()
    if name is not None and name not in sources:
        raise fail(f"no source named {name!r}", EXIT_USAGE)
    chosen = [sources[name]] if name else list(sources.values())
    results = {}
    with holding_store("sources sync"):
        store = open_store()
        try:
            for config in chosen:
                try:
                    results[config.name] = sync_source(config, store).as_dict()
                except SyncBusy as exc:
                    raise fail(exc, EXIT_UNAVAILABLE) from exc
        finally:
            store.close()
    failed = [n for n, r in results.items() if r["last_error"]]
    if as_json:
        print_json(results)
    else:
        for source, result in results.items():
            console.print(
                f"{source}: {result['added']} added, {result['changed']} changed, "
                f"{result['deleted']} deleted"
                + (f" [red]error:[/red] {result['last_error']}" if result["last_error"] else "")
            )
    if failed:
        raise typer.Exit(EXIT_FAILED)
