"""What every command shares: consoles, exit codes, opening the store, options, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console

from search.people.people_file import PeopleFileError
from search.store.filters import Filters, InvalidFilter
from search.store.kinds import KINDS
from search.store.lock import StoreBusy, serving, writing
from search.store.settings import Settings
from search.store.store import EmptyStoreError, Store
from search.store.vectors import VectorStoreUnavailable

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3
EXIT_BUSY = 4

console = Console(soft_wrap=True)
errors = Console(stderr=True)

KindOption = Annotated[list[str] | None, typer.Option(help=f"Only this kind ({', '.join(KINDS)}).")]
SinceOption = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="From this date.")]
UntilOption = Annotated[
    datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Up to this date.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def fail(message: object, code: int) -> typer.Exit:
    """Print ``message`` as an error; the exit to raise."""
    errors.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


def open_store() -> Store:
    """The configured store; exit 3 when it cannot be opened."""
    try:
        return Store.open(Settings())
    except (ValueError, OSError) as exc:
        raise fail(exc, EXIT_UNAVAILABLE) from exc


def _hold(lock: AbstractContextManager[None]) -> ExitStack:
    """``lock`` taken, in a stack that releases it; exit 4, saying who has the store, when
    it is taken."""
    stack = ExitStack()
    try:
        stack.enter_context(lock)
    except StoreBusy as exc:
        raise fail(exc, EXIT_BUSY) from exc
    except (ValueError, OSError) as exc:
        raise fail(exc, EXIT_UNAVAILABLE) from exc
    return stack


def _waiting(who: str) -> None:
    errors.print(f"waiting for {who} to finish writing the store…", highlight=False)


def holding_store(command: str) -> ExitStack:
    """The store held for the writing ``command`` (see :mod:`search.store.lock`): exit 4 at
    once while a server has the embedded store open; wait for another writing command."""
    try:
        settings = Settings()
    except ValueError as exc:
        raise fail(exc, EXIT_UNAVAILABLE) from exc
    return _hold(writing(settings, command, _waiting))


def holding_server(settings: Settings, address: str) -> ExitStack:
    """The embedded store held for a server at ``address``; exit 4 when another process has
    it."""
    return _hold(serving(settings, address))


@contextmanager
def store_session() -> Iterator[Store]:
    """The configured store, closed afterwards; an empty or unreachable store exits 3 and a
    broken people.yaml exits 2."""
    store = open_store()
    try:
        yield store
    except (EmptyStoreError, VectorStoreUnavailable) as exc:
        raise fail(exc, EXIT_UNAVAILABLE) from exc
    except PeopleFileError as exc:
        raise fail(exc, EXIT_USAGE) from exc
    finally:
        store.close()


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def filters_or_exit(
    *,
    kinds: list[str] | None = None,
    sources: list[str] | None = None,
    channels: list[str] | None = None,
    person: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Filters:
    """:meth:`Filters.build` of the options; a usage error naming the bad option."""
    try:
        return Filters.build(
            kinds=kinds,
            sources=sources,
            channels=channels,
            person=person,
            since=since.date() if since else None,
            until=until.date() if until else None,
        )
    except InvalidFilter as exc:
        raise fail(f"--{exc.parameter}: {exc}", EXIT_USAGE) from exc


def check_choice(option: str, value: str, allowed: tuple[str, ...]) -> None:
    """Exit with usage status when ``value`` of ``option`` is not ``allowed``."""
    if value not in allowed:
        raise fail(f"{option}: unknown {value!r}; use one of {', '.join(allowed)}", EXIT_USAGE)
