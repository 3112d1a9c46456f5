"""``watercooler topics`` and ``watercooler risk``.

The command line is for whoever holds the store's files, so it sees every document (as the
other reading commands do)."""

from __future__ import annotations

import typer

from api.cli.common import EXIT_FAILED, JsonOption, print_json, store_session
from api.routes.topics import RiskOut, TopicSummary, risk_out, summary
from search.knowledge.risk import RiskMap
from search.knowledge.topics import TopicMap
from search.people.directory import directory_for


def _summaries() -> list[TopicSummary]:
    with store_session() as store:
        found = TopicMap(store, directory_for(store.catalog, store.settings.people_path), None)
        return [summary(found, t) for t in found.ranked()]


def _risks() -> list[RiskOut]:
    with store_session() as store:
        found = TopicMap(store, directory_for(store.catalog, store.settings.people_path), None)
        return [risk_out(found, r) for r in RiskMap(found).at_risk()]


def topics(as_json: JsonOption = False) -> None:
    """The store's topics, the largest first: id, documents, dates and label."""
    rows = _summaries()
    if as_json:
        print_json([r.model_dump() for r in rows])
    else:
        for r in rows:
            typer.echo(f"{r.topic_id:>5}  {r.conversations:3d}  {r.first} to {r.last}  {r.label}")
    if not rows:
        raise typer.Exit(EXIT_FAILED)


def risk(as_json: JsonOption = False) -> None:
    """Knowledge at risk: topics with bus factor 1 or whose main experts all left, who
    holds each and a suggested successor, with the evidence."""
    rows = _risks()
    if as_json:
        print_json([r.model_dump() for r in rows])
    else:
        for r in rows:
            typer.echo(
                f"{r.topic_id} {r.label} ({r.conversations} documents): {', '.join(r.reasons)}"
            )
            holders = ", ".join(
                f"{h.name}{' (left)' if h.left else ''} {h.documents}" for h in r.holders[:5]
            )
            typer.echo(f"    held by: {holders}")
            if r.successor is not None:
                s = r.successor
                typer.echo(
                    f"    successor: {s.name} — took part in {len(s.topic_documents)} of its "
                    f"documents and {s.shared_with_experts} others with its experts, "
                    f"similarity {s.similarity}"
                )
                for doc in [*s.topic_documents, *s.shared_documents][:3]:
                    typer.echo(f"      {doc.date or '?'} {doc.title} — `{doc.source_path}`")
    if not rows:
        raise typer.Exit(EXIT_FAILED)
