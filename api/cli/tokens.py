"""``watercooler tokens``: create, list and revoke the API tokens the server accepts."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import (
    EXIT_FAILED,
    EXIT_USAGE,
    JsonOption,
    console,
    errors,
    fail,
    open_store,
    print_json,
)
from search.store.principals import create_token

app = typer.Typer(
    help="API tokens: once one exists, every request but /healthz needs one.",
    no_args_is_help=True,
)


@app.command()
def create(
    principal: Annotated[
        str, typer.Option(help="Who the token signs in: an e-mail address (or a user name).")
    ],
    groups: Annotated[str, typer.Option(help="Comma-separated groups (leads,platform).")] = "",
    admin: Annotated[
        bool, typer.Option(help="An admin sees everything and may upload and ingest.")
    ] = False,
) -> None:
    """Create a token and print it once; only its hash is stored."""
    store = open_store()
    try:
        token_id, secret = create_token(
            store.catalog, principal, [g for g in groups.split(",") if g.strip()], admin
        )
    except ValueError as exc:
        raise fail(exc, EXIT_USAGE) from exc
    finally:
        store.close()
    errors.print(
        f"token {token_id} for {principal.strip()}"
        + (" (admin)" if admin else "")
        + ": shown once, keep it secret"
    )
    typer.echo(secret)


@app.command(name="list")
def list_tokens(as_json: JsonOption = False) -> None:
    """Every token: id, principal, groups, admin, created, revoked (never the secret)."""
    store = open_store()
    try:
        tokens = store.catalog.tokens()
    finally:
        store.close()
    if as_json:
        print_json([asdict(t) for t in tokens])
        return
    table = Table("id", "principal", "groups", "admin", "created", "revoked")
    for t in tokens:
        table.add_row(
            str(t.token_id),
            t.principal,
            ",".join(t.groups),
            "yes" if t.admin else "",
            _when(t.created_at),
            _when(t.revoked_at),
        )
    console.print(table)
    if not tokens:
        console.print("no tokens: the server is open on loopback (local single-user mode)")


@app.command()
def revoke(token_id: Annotated[int, typer.Argument(help="The token's id (tokens list).")]) -> None:
    """Revoke a token: it gets a 401 from then on."""
    store = open_store()
    try:
        revoked = store.catalog.revoke_token(token_id)
    finally:
        store.close()
    if not revoked:
        errors.print(f"no active token with id {token_id}")
        raise typer.Exit(EXIT_FAILED)
    console.print(f"revoked token {token_id}")


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).isoformat(timespec="seconds") if ts else ""
