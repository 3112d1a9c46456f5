"""``watercooler search`` and ``watercooler eval`` (retrieval quality on labelled queries)."""

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
from search.retrieval.evaluation import evaluate as run_eval
from search.retrieval.evaluation import load_queries
from search.retrieval.retriever import MODES, Retriever


def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=100, help="How many hits.")] = 10,
    kind: KindOption = None,
    source: Annotated[
        list[str] | None, typer.Option(help="Only this format (slack, mbox, markdown, …).")
    ] = None,
    channel: Annotated[list[str] | None, typer.Option(help="Only this channel.")] = None,
    person: Annotated[str | None, typer.Option(help="Only passages naming this person.")] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    facets: Annotated[
        bool, typer.Option(help="Also print counts by kind, channel, person and year.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Search everything ingested and print the best hits."""
    filters = filters_or_exit(
        kinds=kind, sources=source, channels=channel, person=person, since=since, until=until
    )
    with store_session() as store:
        results = Retriever(store).run(query, k=k, filters=filters, facets=facets)
    hits = results.hits
    if as_json:
        hit_dicts = [h.as_dict() for h in hits]
        print_json({"hits": hit_dicts, "facets": results.facets} if facets else hit_dicts)
    else:
        for n, hit in enumerate(hits, 1):
            where = f"{hit.source_path}" + (f" ({hit.locator})" if hit.locator else "")
            console.print(
                f"[bold]{n}. {hit.title}[/bold]  [dim]{hit.kind} · {hit.date or ''}[/dim]"
            )
            console.print(f"   {where}", style="cyan", highlight=False)
            if hit.people:
                console.print(f"   people: {', '.join(hit.people[:6])}", style="dim")
            console.print(f"   {hit.snippet}", highlight=False)
        if not hits:
            console.print("no hits")
        for name, counts in results.facets.items():
            if name != "month" and counts:
                line = ", ".join(f"{value} {n}" for value, n in list(counts.items())[:8])
                console.print(f"[bold]{name}[/bold]: {line}", highlight=False)
    if not hits:
        raise typer.Exit(EXIT_FAILED)


def evaluate(
    queries: Annotated[Path, typer.Argument(help="JSON lines: {id, query, relevant: [...]}.")],
    compare: Annotated[
        bool, typer.Option(help="Score every retriever side by side in one run.")
    ] = False,
    mode: Annotated[str, typer.Option(help="The retriever to score without --compare.")] = "hybrid",
    as_json: JsonOption = False,
) -> None:
    """Score retrieval on labelled queries: recall@5, MRR@10, nDCG@10, overall and per kind."""
    if not queries.is_file():
        raise fail(f"no such query file: {queries}", EXIT_USAGE)
    check_choice("--mode", mode, MODES)
    try:
        labelled = load_queries(queries)
    except ValueError as exc:
        raise fail(exc, EXIT_USAGE) from exc
    reports = {}
    with store_session() as store:
        retriever = Retriever(store)
        for name in MODES if compare else (mode,):
            reports[name] = run_eval(
                labelled,
                lambda q, k, name=name: retriever.search(q, k=k, mode=name),
                store.catalog.kind_of,
            ).as_dict()
    if as_json:
        print_json(reports)
        return
    table = Table("retriever", "scope", "queries", "recall@5", "MRR@10", "nDCG@10")
    for name, report in reports.items():
        rows = [("all", report["overall"]), *report["by_kind"].items()]
        for scope, scores in rows:
            table.add_row(
                name,
                scope,
                str(scores["queries"]),
                f"{scores['recall@5']:.3f}",
                f"{scores['mrr@10']:.3f}",
                f"{scores['ndcg@10']:.3f}",
            )
    console.print(table)
