"""``watercooler ask``: an answer with quotes and citations."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from api.cli.common import (
    EXIT_FAILED,
    JsonOption,
    KindOption,
    SinceOption,
    UntilOption,
    console,
    filters_or_exit,
    print_json,
    store_session,
)
from api.schemas import answer_response
from search.answers.extractive import Answer
from search.answers.llm import Asker


def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain words.")],
    kind: KindOption = None,
    person: Annotated[str | None, typer.Option(help="Only passages naming this person.")] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: JsonOption = False,
) -> None:
    """Answer a question with quotes and citations; exit 1 when nothing answers it."""
    filters = filters_or_exit(kinds=kind, person=person, since=since, until=until)
    with store_session() as store:
        answer = Asker(store).ask(question, filters)
    if as_json:
        print_json(answer_response(answer).model_dump())
    else:
        print_answer(answer, console)
    if answer.abstained:
        raise typer.Exit(EXIT_FAILED)


def print_answer(answer: Answer, console: Console) -> None:
    """The answer, its notice, then each citation's title, date, file and place."""
    if answer.notice:
        console.print(f"[yellow]note:[/yellow] {escape(answer.notice)}", highlight=False)
    console.print(answer.answer, markup=False, highlight=False)
    sources = [(f"[{c.n}]", c) for c in answer.citations]
    sources += [(f"~{n}", c) for n, c in enumerate(answer.closest, 1)]
    for label, c in sources:
        where = c.source_path + (f" ({c.locator})" if c.locator else "")
        console.print(
            f"[bold]{escape(label)}[/bold] {escape(c.title)}  [dim]{c.date or ''}[/dim]",
            highlight=False,
        )
        console.print(f"    {escape(where)}", style="cyan", highlight=False)
    console.print(f"[dim]{answer.mode} · confidence {answer.confidence:.2f}[/dim]")
