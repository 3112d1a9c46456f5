"""``python -m api.cli``: the same as the ``watercooler`` command."""

from api.cli import app

app()
