"""The Matrix source against a real Synapse: messages, threads, edits and redactions
follow into search; a private room reaches its members only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.store.access import Principal
from tests.ingest.test_slack_source import texts
from tests.ingest.test_sources import cli
from tests.matrix_server import Homeserver, Matrix, synapse_server


@pytest.fixture(scope="module")
def homeserver() -> Iterator[Homeserver]:
    with synapse_server() as server:
        for user in ("watercooler", "priya", "felix"):
            server.register(user, f"{user}-password")
        yield server


def sync(home: Path) -> dict:
    code, output = cli(
        home, "sources", "sync", "chat", "--json", WC_MATRIX_PASSWORD="watercooler-password"
    )
    assert code == 0, output
    return json.loads(output)["chat"]


def test_matrix_rooms_follow_messages_threads_edits_and_redactions(
    tmp_path: Path, homeserver: Homeserver
) -> None:
    priya, felix = (Matrix(homeserver.url, u, f"{u}-password") for u in ("priya", "felix"))
    bot = Matrix(homeserver.url, "watercooler", "watercooler-password")
    town = priya.create_room("town-square", public=True)
    leads = priya.create_room("leads", public=False, invite=[bot.user_id, felix.user_id])
    for member in (bot, felix):
        member.join(town)
        member.join(leads)
    root = priya.say(town, "Kiosk beta: QA starts Monday.")
    felix.say(town, "I will write the test plan for the kiosk beta.", thread=root)
    typo = priya.say(town, "The offsite is in Lisbn in May.")
    gone = felix.say(town, "Wrong room, ignore this.")
    priya.say(leads, "Leads only: the reorg moves support under ops.")

    home = tmp_path / "home"
    add = ["sources", "add", "matrix", "chat", "--homeserver", homeserver.url,
           "--user", "watercooler", "--password-env", "WC_MATRIX_PASSWORD"]  # fmt: skip
    assert cli(home, *add)[0] == 0
    first = sync(home)
    assert first["last_error"] is None and first["added"] == 5
    everything = "\n".join(texts(home))
    assert "test plan for the kiosk beta" in everything and "Lisbn" in everything

    priya.edit(town, typo, "The offsite is in Lisbon in May.")
    felix.redact(town, gone)
    priya.say(town, "Lunch order closes at 11.")
    second = sync(home)
    assert (second["added"], second["changed"], second["deleted"]) == (1, 1, 1)
    everything = "\n".join(texts(home))
    assert "Lisbon in May" in everything and "Lisbn" not in everything
    assert "Wrong room" not in everything and "Lunch order" in everything
    third = sync(home)
    assert (third["added"], third["changed"], third["deleted"]) == (0, 0, 0)

    outsider = "\n".join(texts(home, Principal("@nadia:localhost", ())))
    member = "\n".join(texts(home, Principal(felix.user_id, ())))
    assert "reorg moves support" in member and "reorg moves support" not in outsider
    assert "Lunch order" in outsider  # the public room is open to everyone
    for user in (priya, felix, bot):
        user.http.close()
