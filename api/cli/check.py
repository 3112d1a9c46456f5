"""``watercooler check``: do the catalog and the vector store agree; ``--repair`` fixes it."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Annotated

import typer

from api.cli.common import (
    EXIT_FAILED,
    JsonOption,
    console,
    errors,
    holding_store,
    print_json,
    store_session,
)

# At most this many ids of each kind are listed in the text report.
SHOWN = 10


def check(
    repair: Annotated[
        bool,
        typer.Option(help="Delete orphan vectors and re-embed missing ones from the catalog."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Check that every catalog chunk has its vector and no vector is orphaned.

    Exit 0 when they agree (or were repaired), 1 when problems were found and not repaired.
    """
    from search.store.consistency import check as find
    from search.store.consistency import repair as fix

    held: AbstractContextManager[object] = nullcontext()
    if repair:
        held = holding_store("check --repair")
    with held, store_session() as store:
        found = find(store)
        reembedded = deleted = 0
        if repair and not found.clean:
            reembedded = fix(store, found)
            deleted = len(found.orphans)
            after = find(store)
    result = found.as_dict()
    if repair:
        result["repair"] = {
            "reembedded": reembedded,
            "deleted": deleted,
            "clean": found.clean or after.clean,
        }
    if as_json:
        print_json(result)
    else:
        _report(result)
    if not found.clean and not (repair and result["repair"]["clean"]):
        raise typer.Exit(EXIT_FAILED)


def _report(result: dict) -> None:
    console.print(f"{result['chunks']} chunks in the catalog, {result['vectors']} vectors")
    if result["replayed_pending_writes"]:
        console.print(f"finished {result['replayed_pending_writes']} interrupted writes")
    if result["pending_writes"]:
        console.print(f"{result['pending_writes']} writes in progress (another process)")
    for key, what in (("missing", "chunks without a vector"), ("orphans", "orphan vectors")):
        ids = result[key]
        if ids:
            shown = ", ".join(ids[:SHOWN]) + (" …" if len(ids) > SHOWN else "")
            errors.print(f"[red]{len(ids)} {what}[/red]: {shown}")
    if "repair" in result:
        done = result["repair"]
        console.print(
            f"repaired: re-embedded {done['reembedded']}, deleted {done['deleted']}"
            + ("" if done["clean"] else " [red](still disagree)[/red]")
        )
    elif result["clean"]:
        console.print("catalog and vectors agree")
    else:
        errors.print("run `watercooler check --repair` to fix")
