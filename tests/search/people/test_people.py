"""The people directory: identity merging, people.yaml, profiles, and /people over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from search.people.attribution import attribute
from search.people.directory import (
    TRIE_FROM,
    Directory,
    MentionPattern,
    build_directory,
    directory_for,
)
from search.people.identities import name_key
from search.people.people_file import PeopleFileError, load_people_config
from search.people.profile import profile as person_profile
from search.people.topics import person_topics
from search.store.catalog import Catalog
from search.store.store import Store
from tests.conftest import LiveServer

DAY = 86400.0
T0 = 1_735_689_600.0  # 2025-01-01


# ---------------------------------------------------------------------------- helpers


SLACK = ("chat", "slack")
DISCORD = ("chat", "discord")
MAIL = ("email", "mbox")
NOTES = ("meeting_notes", "markdown")
TEXT = ("meeting_notes", "text")
VTT = ("transcript", "vtt")


def add_doc(
    catalog: Catalog,
    doc_id: str,
    people: list[dict[str, Any]],
    source: tuple[str, str] = SLACK,
    *,
    text: str = "",
    day: int = 0,
    title: str = "",
    heading: str = "",
) -> None:
    """Write one document (one chunk) of ``source`` (kind, format) straight into the catalog."""
    kind, origin = source
    names = [p["name"] for p in people]
    text = text or "\n".join(f"{n}: hello about the rollout" for n in names)
    ts = T0 + day * DAY
    chunk = {
        "chunk_id": f"{doc_id}:0",
        "doc_id": doc_id,
        "position": 0,
        "heading": heading,
        "locator": "line 1",
        "source_path": f"/org/{doc_id}",
        "text": text,
        "people": names,
        "start_ts": ts,
        "end_ts": ts,
    }
    row = {
        "doc_id": doc_id,
        "kind": kind,
        "origin": origin,
        "source_path": f"/org/{doc_id}",
        "title": title or doc_id,
        "created": ts,
        "ended": ts,
        "channel": None,
        "thread": None,
        "participants": [{"messages": 0, **p} for p in people],
        "access_scope": "public",
        "access_members": [],
        "content_hash": doc_id,
        "message_count": sum(p.get("messages", 0) for p in people),
        "chunks": [chunk],
    }
    catalog.write_source(f"/org/{doc_id}", origin, doc_id, None, [row], set())


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    c = Catalog(tmp_path / "catalog.db")
    yield c
    c.close()


def build(catalog: Catalog, yaml_text: str | None = None, tmp: Path | None = None) -> Directory:
    path = None
    if yaml_text is not None:
        assert tmp is not None
        path = tmp / "people.yaml"
        path.write_text(yaml_text, encoding="utf-8")
    return build_directory(catalog, load_people_config(path))


def person_of(directory: Directory, label: str) -> str:
    found = [
        p.person_id
        for p in directory.persons.values()
        if any(m.identity.label == label for m in p.identities)
    ]
    assert len(found) == 1, (label, found)
    return found[0]


def reasons(directory: Directory, person_id: str) -> dict[str, str]:
    return {m.identity.label: m.merged_by for m in directory.persons[person_id].identities}


# ---------------------------------------------------------------------------- merging rules


def test_names_fold_case_accents_order_and_handle_punctuation() -> None:
    assert name_key("Chloé Dubois") == name_key("chloe  dubois") == "chloe dubois"
    assert name_key("Raman, Priya") == name_key("priya.raman") == "priya raman"
    assert name_key("priya_raman@corp.example") == "priya raman"
    assert name_key("Luis Ortega (support, first 20 min)") == "luis ortega"


def test_identities_merge_by_user_id_email_and_name(catalog: Catalog) -> None:
    slack = {"name": "Priya Raman", "id": "U1", "handle": "priya", "email": "priya@corp.io"}
    add_doc(catalog, "s1", [{**slack, "messages": 3}])
    add_doc(catalog, "s2", [{"name": "priya", "id": "U1", "messages": 1}])  # display name only
    add_doc(catalog, "m1", [{"name": "P. Raman", "email": "PRIYA@corp.io", "messages": 1}], MAIL)
    add_doc(catalog, "n1", [{"name": "Raman, Priya"}], NOTES)
    add_doc(catalog, "t1", [{"name": "Chloé Dubois", "messages": 2}], VTT)
    add_doc(catalog, "n2", [{"name": "Chloe Dubois"}], TEXT)
    add_doc(
        catalog,
        "d1",
        [{"name": "Chloé D.", "id": "D9", "handle": "chloe.dubois", "messages": 1}],
        DISCORD,
    )
    add_doc(catalog, "m2", [{"name": "", "email": "ines.kowalski@corp.io", "messages": 1}], MAIL)
    add_doc(catalog, "n3", [{"name": "Ines Kowalski"}], NOTES)
    directory = build(catalog)

    priya = person_of(directory, "Priya Raman <priya@corp.io>")
    assert directory.persons[priya].name == "Priya Raman"
    assert reasons(directory, priya) == {
        "Priya Raman <priya@corp.io>": "self",
        "priya": "user id",
        "P. Raman <priya@corp.io>": "email",
        "Raman, Priya": "name",
    }
    chloe = person_of(directory, "Chloé Dubois")
    assert directory.persons[chloe].name == "Chloé Dubois"  # the accented spelling wins
    assert reasons(directory, chloe) == {
        "Chloé D.": "self",  # the richest identity (an account with a handle) anchors
        "Chloé Dubois": "handle",  # chloe.dubois
        "Chloe Dubois": "handle",
    }
    ines = person_of(directory, "Ines Kowalski")
    assert "email local part" in reasons(directory, ines).values()
    assert len(directory.persons) == 3
    assert directory.persons[priya].messages == 5
    assert sorted(directory.persons[priya].documents) == ["m1", "n1", "s1", "s2"]


def test_a_first_name_joins_only_the_one_person_it_can_mean(catalog: Catalog) -> None:
    add_doc(catalog, "a", [{"name": "Felix Amsel"}, {"name": "Felix"}], NOTES)
    both = [{"name": "Alex Kim"}, {"name": "Alex Wu"}, {"name": "Alex", "messages": 4}]
    add_doc(catalog, "b", both, VTT)
    add_doc(catalog, "c", [{"name": "Joon Park", "email": "joon@corp.io"}], MAIL)
    add_doc(catalog, "c2", [{"name": "Joon Park"}, {"name": "Ann Lu"}], NOTES)
    add_doc(catalog, "d", [{"name": "Joon"}, {"name": "Sam Oduya"}], NOTES)
    add_doc(catalog, "e", [{"name": "Thomas Gleixner", "email": "tglx@kernel.example"}], MAIL)
    add_doc(catalog, "f", [{"name": "Thomas"}, {"name": "Sam Oduya"}], NOTES)
    directory = build(catalog)
    felix = person_of(directory, "Felix Amsel")
    assert reasons(directory, felix)["Felix"] == "first name"
    assert person_of(directory, "Alex") not in {
        person_of(directory, "Alex Kim"),
        person_of(directory, "Alex Wu"),
    }
    # a bare name with no one of that first name nearby joins the only Joon there is in
    # documents of the same format, but not someone only known from other sources
    joon = person_of(directory, "Joon Park <joon@corp.io>")
    assert reasons(directory, joon)["Joon"] == "first name"
    assert person_of(directory, "Thomas") != person_of(
        directory, "Thomas Gleixner <tglx@kernel.example>"
    )


def test_two_accounts_of_one_source_are_never_merged_by_name(catalog: Catalog) -> None:
    add_doc(catalog, "a", [{"name": "Sam Lee", "id": "111", "messages": 1}], DISCORD)
    add_doc(catalog, "b", [{"name": "Sam Lee", "id": "222", "messages": 1}], DISCORD)
    add_doc(catalog, "c", [{"name": "Sam Lee"}], NOTES)
    directory = build(catalog)
    assert len(directory.persons) == 2
    assert sorted(directory.persons) == ["sam-lee", "sam-lee-2"]


def test_bots_shared_mailboxes_and_labels_are_not_people(catalog: Catalog) -> None:
    add_doc(
        catalog,
        "a",
        [{"name": "deploybot", "id": "B01", "messages": 2}, {"name": "Ann Lu", "messages": 1}],
    )
    mail = [
        {"name": "Ann Lu", "email": "ann@corp.io", "messages": 1},
        {"name": "Engineering", "email": "eng@corp.io"},
        {"name": "Quillmark Team", "email": "all@corp.io"},
        {"name": "Dev Patel", "email": "dev@corp.io"},
    ]
    add_doc(catalog, "m", mail, MAIL)
    notes = [
        {"name": "Ann Lu"},
        {"name": "whole company"},
        {"name": "Bedrock"},  # an agenda label; the project recurs in titles
        {"name": "Target"},  # a bold label; the notes write "target" in lower case
        {"name": "Metrics Dashboard"},
        {"name": "contractor)"},
    ]
    text = "Bedrock: on track, the target date holds; metrics are on the new dashboard"
    add_doc(catalog, "n", notes, NOTES, text=text, title="Bedrock dry run review")
    add_doc(catalog, "n2", [{"name": "Ann Lu"}], NOTES, title="Bedrock cutover plan")
    directory = build(catalog)
    assert sorted(p.name for p in directory.persons.values()) == ["Ann Lu", "Dev Patel"]
    assert {x.name for x in directory.dropped} >= {
        "deploybot",
        "Engineering",
        "Bedrock",
        "Target",
        "Metrics Dashboard",
    }


def test_a_team_or_product_named_like_a_person_is_not_one(catalog: Catalog) -> None:
    for n in range(3):
        add_doc(
            catalog,
            f"call{n}",
            [{"name": "Prysm"}, {"name": "Tony"}, {"name": "Ann Lu"}],
            NOTES,
            text="Prysm: shipped the fix.\nTony: reviewed it.\nAnn Lu: the Prysm team ships.",
            title=f"Client call {n}",
        )
    text = "@PrysmTeam: shipped the fix.\n@tony: reviewed it."
    add_doc(catalog, "updates", [{"name": "@PrysmTeam"}, {"name": "@tony"}], NOTES, text=text)
    directory = build(catalog)
    assert sorted(p.name for p in directory.persons.values()) == ["Ann Lu", "Tony"]
    assert {"Prysm", "PrysmTeam"} <= {x.name for x in directory.dropped}


def test_people_yaml_aliases_teams_and_who_left(catalog: Catalog, tmp_path: Path) -> None:
    add_doc(
        catalog,
        "a",
        [{"name": "Tomás Herrera", "id": "U7", "email": "tomas@corp.io", "messages": 2}],
    )
    add_doc(catalog, "b", [{"name": "T. Herrera", "email": "th@home.example", "messages": 1}], MAIL)
    add_doc(catalog, "c", [{"name": "Tommy"}, {"name": "Ann Lu"}], NOTES)
    yaml_text = """
people:
  - name: Tomás Herrera
    aliases: [Tommy, th@home.example]
    team: Platform
    title: Senior SRE
    left: 2025-06-27
  - {name: Ann Lu, team: Sales, left: false}
"""
    directory = build(catalog, yaml_text, tmp_path)
    tomas = directory.persons["tomas-herrera"]
    assert {m.merged_by for m in tomas.identities} == {"people.yaml"}
    assert {m.identity.name for m in tomas.identities} == {"Tomás Herrera", "T. Herrera", "Tommy"}
    assert (tomas.team, tomas.title, tomas.left, tomas.left_on) == (
        "Platform",
        "Senior SRE",
        True,
        "2025-06-27",
    )
    assert directory.persons["ann-lu"].team == "Sales" and not directory.persons["ann-lu"].left


def test_a_wrong_merge_is_split_by_configuration(catalog: Catalog, tmp_path: Path) -> None:
    add_doc(catalog, "a", [{"name": "Alex Kim", "email": "alex@a.com", "messages": 1}], MAIL)
    add_doc(catalog, "b", [{"name": "Alex Kim", "email": "alex@b.com", "messages": 1}], MAIL)
    add_doc(catalog, "c", [{"name": "Alex Kim"}], NOTES)
    merged = build(catalog)
    assert len(merged.persons) == 1
    assert "name" in {m.merged_by for m in merged.persons["alex-kim"].identities}
    split = build(
        catalog, 'split:\n  - ["Alex Kim <alex@a.com>", "Alex Kim <alex@b.com>"]\n', tmp_path
    )
    assert sorted(split.persons) == ["alex-kim", "alex-kim-2"]
    sides = [{m.identity.label for m in p.identities} for p in split.persons.values()]
    assert {"Alex Kim <alex@a.com>", "Alex Kim"} in sides  # a bare name joins the first side
    assert {"Alex Kim <alex@b.com>"} in sides


def test_links_references_versions_and_code_names_are_not_people(catalog: Catalog) -> None:
    notes = [
        {"name": "Ann Lu"},
        {"name": "[Issue 31](https://github.com/o/r/issues/31)"},
        {"name": "PR 529"},
        {"name": "0.9.38"},
        {"name": "functools.wraps"},
        {"name": "OverflowError"},
        {"name": "https://example.org/notes"},
    ]
    add_doc(catalog, "n", notes, NOTES)
    irc = [{"name": "[Issue", "handle": "[Issue", "messages": 3}, {"name": "zzz", "messages": 9}]
    add_doc(catalog, "i", irc, ("chat", "chatlog"))
    mail = [
        {"name": "Guido van Rossum", "email": "guido@python.org", "messages": 1},
        {"name": "", "email": "python-dev@python.org"},
        {"name": "distutils-sig", "email": "distutils-sig@python.org"},
    ]
    add_doc(catalog, "m", mail, MAIL)
    relay = [{"name": "iRelay", "handle": "iRelay", "messages": 30}, {"name": "zzz", "messages": 2}]
    add_doc(catalog, "r", relay, ("chat", "chatlog"))
    directory = build(catalog)
    assert sorted(p.name for p in directory.persons.values()) == [
        "Ann Lu",
        "Guido van Rossum",
        "zzz",
    ]


def test_mentions_join_a_person_and_make_one_only_when_shown_speaking(catalog: Catalog) -> None:
    add_doc(catalog, "a", [{"name": "Tomislav Jovanovic", "handle": "zombie"}], NOTES)
    text = (
        "Ping @zombie in chat if Zoom breaks.\n"
        "@ana and @bo for @acme_team: shipped the parser.\n"
        "The @supports rule and @dataclass are unrelated.\n"
        "@carol suggested a flag.\n"
        "Ask @dave about it.\n"
        "@erin\n mentioned that the flag is cheap."
    )
    mentioned = [{"name": "Ann Lu"}] + [
        {"name": "@" + h}
        for h in ("zombie", "ana", "bo", "acme_team", "supports", "carol", "dave", "erin")
    ]
    add_doc(catalog, "b", mentioned, NOTES, text=text)
    directory = build(catalog)
    names = sorted(p.name for p in directory.persons.values())
    assert names == ["Ann Lu", "Tomislav Jovanovic", "ana", "bo", "carol", "erin"]
    tomislav = person_of(directory, "Tomislav Jovanovic")
    assert reasons(directory, tomislav)["@zombie"] == "declared handle"


def test_a_handle_declared_next_to_a_name_merges_with_it(catalog: Catalog) -> None:
    add_doc(catalog, "a", [{"name": "Rob Wu", "handle": "rob"}, {"name": "Ann Lu"}], NOTES)
    add_doc(catalog, "b", [{"name": "Theresa O'Connor", "handle": "hober"}], NOTES)
    add_doc(catalog, "c", [{"name": "David Johnson", "handle": "david"}], NOTES)
    add_doc(catalog, "d", [{"name": "David Li", "handle": "david"}, {"name": "Ann Lu"}], NOTES)
    # later minutes name them by the handle alone
    add_doc(catalog, "e", [{"name": "hober", "handle": "hober"}, {"name": "rob", "handle": "rob"}])
    add_doc(catalog, "f", [{"name": "David Li"}, {"name": "david", "handle": "david"}], NOTES)
    add_doc(catalog, "g", [{"name": "@EmiliaPaz"}, {"name": "Emilia Paz"}], NOTES)
    directory = build(catalog)
    hober = person_of(directory, "Theresa O'Connor")
    assert reasons(directory, hober)["hober"] == "declared handle"
    assert person_of(directory, "rob") == person_of(directory, "Rob Wu")
    # "david" is declared by two people: in f it is the David who is there
    assert person_of(directory, "david") == person_of(directory, "David Li")
    assert person_of(directory, "David Johnson") != person_of(directory, "David Li")
    # a handle that spells the name
    emilia = reasons(directory, person_of(directory, "Emilia Paz"))
    assert set(emilia) == {"@EmiliaPaz", "Emilia Paz"} and "handle" in emilia.values()


def test_a_handle_running_a_full_name_together_joins_that_person(catalog: Catalog) -> None:
    add_doc(catalog, "a", [{"name": "Justin Drake"}, {"name": "Ann Lu"}], NOTES)
    text = "@justindrake: shipped the prover.\n@annlu: reviewed it."
    add_doc(catalog, "b", [{"name": "@justindrake"}, {"name": "@annlu"}], NOTES, text=text)
    directory = build(catalog)
    assert sorted(p.name for p in directory.persons.values()) == ["Ann Lu", "Justin Drake"]
    justin = person_of(directory, "Justin Drake")
    assert reasons(directory, justin)["@justindrake"] == "handle"


def test_organizations_written_after_names_are_not_people(catalog: Catalog) -> None:
    attendees = [
        {"name": "Rob Wu"},
        {"name": "Kiara Rose"},
        {"name": "Devlin Cronin"},
        {"name": "Apple"},
        {"name": "Devlin"},
    ]
    text = "Attendees:\n1. Rob Wu (Mozilla)\n2. Kiara Rose (Apple)\nGoogle Chrome (Devlin, Oliver)"
    add_doc(catalog, "n", attendees, NOTES, text=text)
    directory = build(catalog)
    assert sorted(p.name for p in directory.persons.values()) == [
        "Devlin Cronin",
        "Kiara Rose",
        "Rob Wu",
    ]
    assert reasons(directory, person_of(directory, "Devlin Cronin"))["Devlin"] == "first name"


def test_a_lone_word_is_a_person_only_where_it_attends_or_speaks(catalog: Catalog) -> None:
    add_doc(
        catalog,
        "tpac",
        [{"name": "Rob Wu"}, {"name": "Andreu"}, {"name": "Housekeeping"}],
        NOTES,
        text="* **Housekeeping** (5 minutes)\nAttendees: Rob Wu (Mozilla), Andreu (Igalia)",
    )
    add_doc(
        catalog,
        "bench",
        [{"name": "Collin Winter"}, {"name": "Min"}, {"name": "Avg"}, {"name": "Stddev"}],
        TEXT,
        text="Min: 0.1 -> 0.2\nAvg: 0.227 -> 0.364: 1.6x slower\nStddev: 0.007 -> 0.02",
    )
    add_doc(
        catalog,
        "sync",
        [{"name": "Deeptanshu"}, {"name": "Rohit"}],
        NOTES,
        text="- **Deeptanshu**:\n  - document the endpoints\n- **Rohit**: raise the issue",
    )
    recap = [{"name": "FillaMent"}, {"name": "KillYourTV"}, {"name": "mihi", "handle": "mihi"}]
    add_doc(
        catalog, "recap", recap, ("meeting_notes", "rst"), text="* Present:\n\nFillaMent,\nmihi"
    )
    irc = [
        {"name": "KillYourTV", "handle": "KillYourTV", "messages": 4},
        {"name": "mihi", "handle": "mihi", "messages": 9},
        {"name": "mihi_backup", "handle": "mihi_backup", "messages": 1},
    ]
    add_doc(catalog, "log", irc, ("chat", "chatlog"))
    directory = build(catalog)
    assert sorted(p.name for p in directory.persons.values()) == [
        "Andreu",
        "Collin Winter",
        "Deeptanshu",
        "FillaMent",
        "KillYourTV",
        "Rob Wu",
        "Rohit",
        "mihi",
    ]
    # a nick listed in a recap is the nick that spoke in the log
    assert len(directory.persons[person_of(directory, "mihi_backup")].identities) == 3


def test_a_name_read_as_a_word_or_heading_is_a_person_when_shown_speaking(
    catalog: Catalog,
) -> None:
    people = [{"name": n} for n in ("Ann Lu", "George", "Target", "Rohit", "Tony", "Housekeeping")]
    text = (
        "Ann Lu: the target date holds; so george will check the batching.\n"
        "George asked whether the proofs are batched.\n"
        "**Target**: on track\n"
        "- **Rohit** highlighted the hash mismatch.\n"
        "- **Tony**: gather feedback from Infura\n"
        "- **Housekeeping**: none this week"
    )
    add_doc(catalog, "call", people, NOTES, text=text)
    for n, section in enumerate(("Rohit", "Tony", "Housekeeping")):
        add_doc(catalog, f"items{n}", [], NOTES, text="- one item", heading=f"Actions > {section}")
    directory = build(catalog)
    names = sorted(p.name for p in directory.persons.values())
    # "george" in lower case and "### Rohit" headings do not outweigh what they are seen doing
    assert names == ["Ann Lu", "George", "Rohit"]
    assert {"Target", "Tony", "Housekeeping"} <= {x.name for x in directory.dropped}


# ---------------------------------------------------------------------------- who said what


def test_speaker_tags_and_handle_prefixes_are_the_lines_of_whom_they_name(
    catalog: Catalog,
) -> None:
    people = [
        {"name": "Rob Wu", "handle": "rob"},
        {"name": "Devlin Cronin", "handle": "devlin"},
        {"name": "@ana"},
        {"name": "@bo"},
        {"name": "@acme_team"},
    ]
    text = (
        "* [rob] Firefox ships the API behind a pref.\n"
        "* [devlin] Chrome would rather wait; Rob, any data?\n"
        "@ana and @bo for @acme_team: shipped the parser."
    )
    add_doc(catalog, "n", people, NOTES, text=text)
    directory = build(catalog)
    part = attribute(catalog.chunks_of_documents(["n"])[0], directory)
    rob, devlin = person_of(directory, "Rob Wu"), person_of(directory, "Devlin Cronin")
    assert part.said[rob] == ["Firefox ships the API behind a pref."]
    assert part.said[devlin] == ["Chrome would rather wait; Rob, any data?"]
    assert part.said[person_of(directory, "@ana")] == ["shipped the parser."]
    assert part.said[person_of(directory, "@bo")] == ["shipped the parser."]
    assert rob in part.named  # named by Devlin: credited, but less than for speaking


def test_the_creator_of_an_agenda_item_owns_it(catalog: Catalog) -> None:
    people = [{"name": "Emilia Paz"}, {"name": "Rob Wu"}]
    text = (
        "* PR 529: Add permissions.requestSiteAccess() API proposal\n"
        "  * Creator: @EmiliaPaz (https://github.com/EmiliaPaz)\n"
        "  * Summary: updated after feedback"
    )
    add_doc(catalog, "n", people, NOTES, text=text)
    directory = build(catalog)
    part = attribute(catalog.chunks_of_documents(["n"])[0], directory)
    assert part.said[person_of(directory, "Emilia Paz")] == [
        "* PR 529: Add permissions.requestSiteAccess() API proposal \u2014 "
        "@EmiliaPaz (https://github.com/EmiliaPaz)"
    ]


def test_a_memo_is_its_authors_own_words(catalog: Catalog) -> None:
    authors = [
        {"name": "Guido van Rossum", "email": "guido@python.org"},
        {"name": "Jukka Lehtosalo"},
    ]
    text = "Type hints give a standard syntax for annotations.\nGradual typing is the model."
    add_doc(catalog, "pep", authors, ("memo", "rst"), text=text)
    add_doc(catalog, "notes", [{"name": "Ann Lu"}, {"name": "Bo Chen"}], NOTES, text=text)
    directory = build(catalog)
    memo = attribute(catalog.chunks_of_documents(["pep"])[0], directory)
    for name in ("Guido van Rossum <guido@python.org>", "Jukka Lehtosalo"):
        assert memo.said[person_of(directory, name)] == text.splitlines()
    notes = attribute(catalog.chunks_of_documents(["notes"])[0], directory)
    assert not notes.said and set(notes.present) == {
        person_of(directory, "Ann Lu"),
        person_of(directory, "Bo Chen"),
    }


def test_person_ids_are_stable_when_others_arrive(catalog: Catalog) -> None:
    add_doc(catalog, "a", [{"name": "Ann Lu", "messages": 1}, {"name": "Bo Chen", "messages": 1}])
    before = {p.name: p.person_id for p in build(catalog).persons.values()}
    add_doc(catalog, "b", [{"name": "Cy Diaz", "messages": 1}, {"name": "Ann Lu", "messages": 1}])
    after = {p.name: p.person_id for p in build(catalog).persons.values()}
    assert before == {"Ann Lu": "ann-lu", "Bo Chen": "bo-chen"}
    assert after == {**before, "Cy Diaz": "cy-diaz"}


def test_directory_is_cached_until_the_catalog_or_people_file_changes(
    catalog: Catalog, tmp_path: Path
) -> None:
    add_doc(catalog, "a", [{"name": "Ann Lu", "messages": 1}])
    people_file = tmp_path / "people.yaml"
    first = directory_for(catalog, people_file)
    assert directory_for(catalog, people_file) is first
    people_file.write_text("people:\n  - {name: Ann Lu, team: Sales}\n", encoding="utf-8")
    second = directory_for(catalog, people_file)
    assert second is not first and second.persons["ann-lu"].team == "Sales"
    add_doc(catalog, "b", [{"name": "Bo Chen", "messages": 1}])
    assert "bo-chen" in directory_for(catalog, people_file).persons


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("people: [", "cannot read"),
        ("people:\n  - team: Sales\n", "needs a 'name'"),
        ("split:\n  - Alex Kim\n", "'split'"),
    ],
)
def test_a_broken_people_file_is_reported_with_its_name(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "people.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PeopleFileError, match=re.escape(str(path))) as info:
        load_people_config(path)
    assert problem in str(info.value)


# ---------------------------------------------------------------------------- the sample org


@pytest.fixture(scope="module")
def sample_directory(sample_store: Store) -> Directory:
    return directory_for(sample_store.catalog, None)


def test_sample_org_identities_merge_into_its_cast(sample_directory: Directory) -> None:
    names = {p.name for p in sample_directory.persons.values()}
    cast = """Dana Okafor, Marcus Feldman, Chloé Dubois, Priya Raman, Tomás Herrera, Felix Amsel,
    Nadia Chowdhury, Ines Kowalski, Kenji Watanabe, Sofia Brandt, Owen Mbeki, Hannah Brooks,
    Luis Ortega, Grace Nakamura, Elena Voss, Jess Whitaker, Tariq Bello, Joon Park, Ray Costa"""
    assert {n.strip() for n in cast.split(",")} <= names
    assert not names & {"Bedrock", "deploybot", "whole company", "Quillmark Team", "Felix"}
    identities = sum(len(p.identities) for p in sample_directory.persons.values())
    assert identities > 2 * len(sample_directory.persons)
    chloe = sample_directory.resolve("Chloe")
    assert chloe is not None and chloe.person_id == "chloe-dubois"
    merged = {m.identity.name: m.merged_by for m in chloe.identities}
    # "Chloé" alone is the handle her Slack account declares next to her name
    assert merged["Chloe Dubois"] == "name" and merged["Chloé"] == "declared handle"
    luis = sample_directory.persons["luis-ortega"]
    assert {"Luis Ortega", "Luis"} <= {m.identity.name for m in luis.identities}


def test_who_left_comes_from_slack_without_a_people_file(sample_directory: Directory) -> None:
    tomas = sample_directory.persons["tomas-herrera"]
    assert tomas.left and tomas.title == "Senior SRE"  # users.json: deleted, profile title
    assert not sample_directory.persons["felix-amsel"].left


def test_profile_has_activity_topics_conversations_and_contacts(
    sample_store: Store, sample_directory: Directory
) -> None:
    profile = person_profile(sample_store, sample_directory, "priya-raman")
    activity = profile["activity"]
    assert list(activity) == sorted(activity) and len(activity) >= 6
    assert all(re.fullmatch(r"2025-\d\d", month) for month in activity)
    topics = " ".join(profile["topics"]).lower()
    assert any(word in topics for word in ("bedrock", "aurora", "dms", "cutover", "dry run"))
    assert len(profile["conversations"]) == 10
    assert all(Path(c["source_path"]).exists() for c in profile["conversations"])
    contacts = [c["name"] for c in profile["talks_with"]]
    assert "Felix Amsel" in contacts[:3]
    assert profile["talks_with"][0]["count"] >= profile["talks_with"][-1]["count"]


def test_topics_are_words_not_names(sample_store: Store, sample_directory: Directory) -> None:
    topics, _ = person_topics(sample_store.catalog, sample_directory, "kenji-watanabe")
    assert topics
    lowered = " ".join(topics).lower()
    assert "kenji" not in lowered and "ines" not in lowered
    assert any(w in lowered for w in ("sync", "merge", "battery", "ios", "field-level"))


# ---------------------------------------------------------------------------- HTTP


def get(server: LiveServer, path: str, **params: object) -> httpx.Response:
    return httpx.get(server.url + path, params=params, timeout=60)


def test_people_are_paged_and_searchable(people_server: LiveServer) -> None:
    first = get(people_server, "/people", limit=5).json()
    second = get(people_server, "/people", limit=5, offset=5).json()
    assert first["total"] == second["total"] >= 20
    assert (first["offset"], first["limit"], len(first["people"])) == (0, 5, 5)
    ids = [p["person_id"] for p in first["people"] + second["people"]]
    assert len(set(ids)) == 10
    assert set(first["people"][0]) == {
        "person_id",
        "name",
        "team",
        "title",
        "left",
        "messages",
        "documents",
    }
    found = get(people_server, "/people", q="raman").json()
    assert [p["name"] for p in found["people"]] == ["Priya Raman"] and found["total"] == 1
    assert get(people_server, "/people", q="chloe").json()["people"][0]["team"] == "Product"
    assert get(people_server, "/people", q="zzzz").json() == {
        "total": 0,
        "offset": 0,
        "limit": 50,
        "people": [],
    }


def test_person_endpoint_shape(people_server: LiveServer) -> None:
    body = get(people_server, "/people/tomas-herrera").json()
    assert set(body) >= {
        "person_id",
        "name",
        "identities",
        "team",
        "title",
        "left",
        "activity",
        "topics",
        "conversations",
        "talks_with",
    }
    assert body["name"] == "Tomás Herrera" and body["left"] is True
    assert body["left_on"] == "2025-06-27" and body["team"] == "Platform"
    assert {"slack", "mbox", "markdown"} <= {i["source"] for i in body["identities"]}
    for identity in body["identities"]:
        assert set(identity) >= {"name", "email", "user_id", "handle", "source", "merged_by"}
    assert set(body["conversations"][0]) == {"doc_id", "title", "date", "source_path"}
    assert set(body["talks_with"][0]) == {"person_id", "name", "count"}
    assert max(body["activity"]) <= "2025-06"  # nothing after leaving


def test_unknown_person_is_a_404_naming_the_id(people_server: LiveServer) -> None:
    response = get(people_server, "/people/nobody-here")
    assert response.status_code == 404 and "nobody-here" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "name"),
    [({"limit": 0}, "limit"), ({"limit": 1000}, "limit"), ({"offset": -1}, "offset")],
)
def test_invalid_people_parameter_gets_a_422_naming_it(
    people_server: LiveServer, params: dict, name: str
) -> None:
    response = get(people_server, "/people", **params)
    assert response.status_code == 422
    assert any(error["loc"][-1] == name for error in response.json()["detail"])


def test_a_pattern_of_many_names_finds_what_a_flat_alternation_finds() -> None:
    nested = ["ann", "anna", "anna lee", "anna lee-smith", "@ann", "bo kim", "bob"]
    others = [f"{first} {n}" for first in ("ana", "bao", "cleo") for n in range(40)]
    variants = {name: f"p{i}" for i, name in enumerate(nested + others)}
    assert len(variants) > TRIE_FROM
    flat = "|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True))
    expected = re.compile(r"(?<![\w@])(" + flat + r")(?!\w)")
    pattern = MentionPattern(variants)
    for text in (
        "anna lee-smith met annabelle, then anna lee's team and ann; @ann pinged bob.",
        "bo kim and bo kimball; bao 7 then bao 17, cleo 39 and cleo 391; xanna lee",
        "anna lee-smithy asked anna lee- and anna, not @bob or e@ann",
    ):
        assert pattern.regex.findall(text) == expected.findall(text)
    assert pattern.find("Bao 17 asked Anna Lee") == [variants["bao 17"], variants["anna lee"]]
