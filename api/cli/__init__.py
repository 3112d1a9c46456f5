"""The ``watercooler`` command line, one module per command group over the library.

``ingest`` (ingest, forget), ``search`` (search, eval), ``ask`` (ask), ``experts``
(experts, eval-experts), ``service`` (serve, status), ``tokens`` (create, list, revoke),
``sources`` (add, list, remove, sync), ``maintenance`` (backup, restore, reindex),
``migrate`` (migrate --to), ``check`` (check, check --repair), ``topics`` (topics, risk);
shared helpers in ``common``.

Exit codes: 0 success; 1 some sources failed to ingest (the rest were stored) or
nothing matched what was asked; 2 bad usage; 3 the store is empty or unreachable; 4 a
running server has the embedded store (see :mod:`search.store.lock`).
"""

from __future__ import annotations

import typer

from api.cli import (
    ask,
    check,
    decisions,
    experts,
    ingest,
    maintenance,
    migrate,
    search,
    service,
    sources,
    tokens,
    topics,
)

app = typer.Typer(
    help="Watercooler: search what your organization said in meetings, memos, chats and mail.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command(name="ingest")(ingest.ingest)
app.command(name="search")(search.search)
app.command(name="serve")(service.serve)
app.command(name="status")(service.status)
app.command(name="forget")(ingest.forget)
app.command(name="eval")(search.evaluate)
app.command(name="ask")(ask.ask)
app.command(name="experts")(experts.experts)
app.command(name="eval-experts")(experts.eval_experts)
app.command(name="decisions")(decisions.decisions)
app.command(name="actions")(decisions.actions)
app.command(name="digest")(decisions.digest)
app.command(name="topics")(topics.topics)
app.command(name="risk")(topics.risk)
app.add_typer(tokens.app, name="tokens")
app.add_typer(sources.app, name="sources")
app.command(name="check")(check.check)
app.command(name="backup")(maintenance.backup)
app.command(name="restore")(maintenance.restore)
app.command(name="reindex")(maintenance.reindex)
app.command(name="migrate")(migrate.migrate)
