"""``watercooler experts`` (who knows about a topic) and ``watercooler eval-experts``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import (
    EXIT_FAILED,
    EXIT_USAGE,
    JsonOption,
    KindOption,
    SinceOption,
    UntilOption,
    check_choice,
    console,
    fail,
    filters_or_exit,
    print_json,
    store_session,
)
from api.schemas import expert_item
from search.people.evaluation import evaluate, load_topics
from search.people.experts import DEFAULT_MODEL, MODELS, Expert, ExpertFinder


def experts(
    topic: Annotated[str, typer.Argument(help="The topic to find people for.")],
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=50, help="How many people.")] = 10,
    kind: KindOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    model: Annotated[
        str, typer.Option(help=f"Ranking model ({', '.join(MODELS)}).")
    ] = DEFAULT_MODEL,
    as_json: JsonOption = False,
) -> None:
    """Who knows about TOPIC: ranked people with the conversations that show it."""
    filters = filters_or_exit(kinds=kind, since=since, until=until)
    check_choice("--model", model, MODELS)
    with store_session() as store:
        found = ExpertFinder(store).find(topic, k=k, filters=filters, model=model)
    if as_json:
        print_json([expert_item(e).model_dump() for e in found])
    else:
        print_experts(found)
    if not found:
        raise typer.Exit(EXIT_FAILED)


def print_experts(found: list[Expert]) -> None:
    for n, expert in enumerate(found, 1):
        left = "  [yellow](left)[/yellow]" if expert.left else ""
        console.print(f"[bold]{n}. {expert.name}[/bold]  [dim]{expert.score:.3f}[/dim]{left}")
        for e in expert.evidence:
            where = e.source_path + (f" ({e.locator})" if e.locator else "")
            console.print(f"   {e.title}  [dim]{e.date or ''}[/dim]", highlight=False)
            console.print(f"     {where}", style="cyan", highlight=False)
            console.print(f"     “{e.quote}”", highlight=False)
    if not found:
        console.print("no experts found")


def eval_experts(
    topics: Annotated[
        Path, typer.Argument(help="JSON lines: {id, topic, experts: [names], aliases?}.")
    ],
    compare: Annotated[bool, typer.Option(help="Score every model side by side.")] = False,
    model: Annotated[
        str, typer.Option(help="The model to score without --compare.")
    ] = DEFAULT_MODEL,
    as_json: JsonOption = False,
) -> None:
    """Score expert finding on labelled topics: P@1 and MAP@10 per model."""
    if not topics.is_file():
        raise fail(f"no such topics file: {topics}", EXIT_USAGE)
    check_choice("--model", model, MODELS)
    try:
        labelled = load_topics(topics)
    except ValueError as exc:
        raise fail(exc, EXIT_USAGE) from exc
    with store_session() as store:
        finder = ExpertFinder(store)
        reports = {m: evaluate(finder, labelled, m) for m in (MODELS if compare else (model,))}
    if as_json:
        print_json(reports)
        return
    table = Table("model", "topics", "P@1", "MAP")
    for name, report in reports.items():
        table.add_row(name, str(report["topics"]), f"{report['p@1']:.3f}", f"{report['map']:.3f}")
    console.print(table)
