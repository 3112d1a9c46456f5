"""``python -m api.cli``: the same as the ``watercooler`` command."""

from api.launch import main

main()
