"""``watercooler decisions``, ``watercooler actions`` and ``watercooler digest``.

The command line is for whoever holds the store's files, so it sees every document (as
the other reading commands do)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import typer

from api.cli.common import (
    EXIT_FAILED,
    EXIT_USAGE,
    JsonOption,
    KindOption,
    SinceOption,
    UntilOption,
    fail,
    filters_or_exit,
    print_json,
    store_session,
)
from api.routes.decisions import item_out
from search.knowledge.extract import Item
from search.knowledge.log import DecisionLog, decision_log


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def cite(item: Item) -> str:
    return f"{item.title} — `{item.source_path}` ({item.locator})"


def _line(item: Item) -> str:
    who = f" — {', '.join(item.people)}" if item.people else ""
    return f"{item.date or '?'}{who}: “{item.quote}”\n    {cite(item)}"


def decisions(
    query: Annotated[str | None, typer.Argument(help="What about (optional).")] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    person: Annotated[str | None, typer.Option(help="Decided by (part of a name).")] = None,
    kind: KindOption = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many subjects.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """The decisions log: the current decision on each subject, what it replaced below."""
    filters_or_exit(kinds=kind, since=since, until=until)
    with store_session() as store:
        threads = decision_log(store, None).decisions(
            query, _day(since), _day(until), person, kind, limit
        )
    if as_json:
        print_json(
            [
                {
                    **item_out(t.current).model_dump(),
                    "history": [item_out(h).model_dump() for h in t.history],
                }
                for t in threads
            ]
        )
    else:
        for t in threads:
            typer.echo(_line(t.current))
            for old in t.history:
                typer.echo("    replaces " + _line(old).replace("\n", "\n    "))
    if not threads:
        raise typer.Exit(EXIT_FAILED)


def actions(
    owner: Annotated[str | None, typer.Option(help="Owner (part of a name).")] = None,
    open_only: Annotated[
        bool | None, typer.Option("--open/--done", help="Only open, or only done.")
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: JsonOption = False,
) -> None:
    """Action items, newest first."""
    with store_session() as store:
        found = decision_log(store, None).actions(owner, open_only, _day(since), _day(until))
    if as_json:
        print_json([item_out(i).model_dump() for i in found])
    else:
        for item in found:
            state = "[ ]" if item.open else "[x]"
            typer.echo(f"{state} {item.owner or '(no owner)'}: " + _line(item))
    if not found:
        raise typer.Exit(EXIT_FAILED)


_RELATIVE = re.compile(r"^(\d+)([dw])$")


def parse_since(value: str, today: date | None = None) -> date:
    """``7d``, ``2w`` (before today) or a date ``YYYY-MM-DD``."""
    today = today or datetime.now(UTC).date()
    match = _RELATIVE.match(value.strip())
    if match:
        days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
        return today - timedelta(days=days)
    return date.fromisoformat(value)


def digest_markdown(log: DecisionLog, since: date, until: date | None = None) -> str:
    """What was decided and which action items were opened since ``since``, in markdown,
    each with its citation."""
    decided = sorted(log.new_decisions(since, until, limit=500), key=lambda i: i.ts or 0.0)
    opened = sorted(
        log.actions(open_only=True, since=since, until=until, limit=500), key=lambda i: i.ts or 0.0
    )
    end = until.isoformat() if until else "today"
    lines = [f"# Digest {since.isoformat()} to {end}", "", "## Decided", ""]
    lines += [f"- {_bullet(i)}" for i in decided] or ["Nothing decided."]
    lines += ["", "## Action items opened", ""]
    lines += [f"- **{i.owner or 'no owner'}**: {_bullet(i)}" for i in opened] or ["None."]
    return "\n".join(lines) + "\n"


def _bullet(item: Item) -> str:
    who = f" ({', '.join(item.people)})" if item.people and item.type == "decision" else ""
    return f"{item.date}: “{item.quote}”{who} — {cite(item)}"


def digest(
    since: Annotated[str, typer.Option(help="7d, 2w or YYYY-MM-DD.")] = "7d",
    until: UntilOption = None,
) -> None:
    """Markdown: what was decided and which action items were opened, with citations."""
    try:
        start = parse_since(since)
    except ValueError:
        fail(f"--since: {since!r} is neither like 7d / 2w nor a date YYYY-MM-DD", EXIT_USAGE)
    with store_session() as store:
        typer.echo(digest_markdown(decision_log(store, None), start, _day(until)), nl=False)
