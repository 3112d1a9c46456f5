"""The ``watercooler`` command line, one module per command group over the library.

``ingest`` (ingest, forget), ``search`` (search, eval), ``ask`` (ask), ``experts``
(experts, eval-experts), ``service`` (serve, status), ``tokens`` (create, list, revoke),
``maintenance`` (backup, restore, reindex), ``check`` (check, check --repair); shared
helpers in ``common``.

Exit codes: 0 success; 1 some sources failed to ingest (the rest were stored) or
nothing matched what was asked; 2 bad usage; 3 the store is empty or unreachable.
"""

from __future__ import annotations

import typer

from api.cli import ask, check, experts, ingest, maintenance, search, service, tokens

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
app.add_typer(tokens.app, name="tokens")
app.command(name="check")(check.check)
app.command(name="backup")(maintenance.backup)
app.command(name="restore")(maintenance.restore)
app.command(name="reindex")(maintenance.reindex)
