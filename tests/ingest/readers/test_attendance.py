"""Attendance entries, author headers and speaker tags (ingest.readers.attendance, headers)."""

from __future__ import annotations

import pytest

from ingest.readers.attendance import (
    Roster,
    bracket_tags,
    entry_person,
    inline_people,
    is_abbreviation,
    table_people,
)
from ingest.readers.headers import header_fields, people_in, rfc822_block
from ingest.records import Identity


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("Rob Wu (Mozilla)", Identity("Rob Wu")),
        ("**Bob Stone (Acme, chair)**", Identity("Bob Stone")),
        ("Jane Doe @jdoe", Identity("Jane Doe", handle="jdoe")),
        ("Jane Doe (@jdoe, Acme)", Identity("Jane Doe", handle="jdoe")),
        ("@zombie (Tomislav Jovanovic)", Identity("Tomislav Jovanovic", handle="zombie")),
        ("Shane Carr - Google i18n (SFC), Co-Moderator", Identity("Shane Carr", handle="SFC")),
        ("Tim Beiko (EF)", Identity("Tim Beiko")),  # an organization, not his initials
        ("Jo Bo <jo@example.org>", Identity("Jo Bo", email="jo@example.org")),
        ("[Carol](https://example.com/carol)", Identity("Carol")),
        ("toad\\_", Identity("toad_")),
        ("everyone", None),
        ("https://example.org/list", None),
    ],
)
def test_entry_person(entry: str, expected: Identity | None) -> None:
    assert entry_person(entry) == expected


@pytest.mark.parametrize(
    ("abbr", "name", "expected"),
    [("SFC", "Shane F. Carr", True), ("JHD", "Jordan Harband", True), ("EF", "Tim Beiko", False)],
)
def test_is_abbreviation(abbr: str, name: str, expected: bool) -> None:
    assert is_abbreviation(abbr, name) is expected


def test_inline_list_with_organizations_outside_the_parentheses() -> None:
    people = inline_people("Apple (Kiara), Google (Devlin, Oliver, Patrick), Mozilla (Rob), Simeon")
    assert [p.name for p in people] == ["Kiara", "Devlin", "Oliver", "Patrick", "Rob", "Simeon"]


def test_inline_list_with_people_outside_the_parentheses() -> None:
    people = inline_people("Ann Lee (Acme, PM), Daniel Glazman (glazou, Dashlane) & Carol Diaz")
    assert [p.name for p in people] == ["Ann Lee", "Daniel Glazman", "Carol Diaz"]


def test_table_with_name_abbreviation_and_organization_columns() -> None:
    lines = [
        "| Name | Abbreviation | Organization |",
        "|------|--------------|--------------|",
        "| Shane Carr | SFC | Google |",
        "| Jordan Harband | `JHD` | Invited Expert |",
    ]
    assert table_people(lines, attendance=False) == [
        Identity("Shane Carr", handle="SFC"),
        Identity("Jordan Harband", handle="JHD"),
    ]
    topics = ["| Topic | Owner |", "|---|---|", "| Fork | Ann Lee |"]
    assert table_people(topics, attendance=False) == []


@pytest.mark.parametrize(
    ("line", "tags"),
    [
        ("* [rob] We should ship it.", ["rob"]),
        ("  * [Devlin]: agreed", ["Devlin"]),
        ("[oliver + simeon] both agree", ["oliver", "simeon"]),
        ("* [rob/devlin] same", ["rob", "devlin"]),
        ("* [Issue 31](https://github.com/o/r/issues/31): schedule", []),
        ("* [PR 12] merged", []),
        ("- [ ] a checkbox", []),
        ("- [x] done", []),
        ("* [everyone] yes", []),
        ("* [_unknown_] who was that?", []),
        ("* [WIP] not yet", []),
        ("Text with [rob] inside", []),
    ],
)
def test_bracket_tags(line: str, tags: list[str]) -> None:
    assert bracket_tags(line) == tags


ROSTER = Roster(
    [
        Identity("Rob Wu", handle="robwu"),
        Identity("Tim Judkins"),
        Identity("Timothy Hatcher"),
        Identity("Devlin Cronin"),
        Identity("Tomislav Jovanovic"),
        Identity("Mélanie Chauvel"),
        Identity("Shane F. Carr"),
        Identity("Daniel Glazman"),
        Identity("Nick One"),
        Identity("Nick Two"),
    ]
)


@pytest.mark.parametrize(
    ("tag", "name"),
    [
        ("robwu", "Rob Wu"),  # declared handle
        ("rob", "Rob Wu"),  # first name
        ("Rob Wu", "Rob Wu"),  # full name
        ("tim", "Tim Judkins"),  # exact first name beats Timothy
        ("timothy", "Timothy Hatcher"),
        ("melanie", "Mélanie Chauvel"),  # accents
        ("SFC", "Shane F. Carr"),  # initials
        ("tom", "Tomislav Jovanovic"),  # prefix
        ("devin", "Devlin Cronin"),  # one-letter typo
        ("tomsilav", "Tomislav Jovanovic"),  # swapped letters
        ("glazou", "Daniel Glazman"),  # handle from the last name
        ("nick", None),  # two Nicks: ambiguous
        ("sam", None),  # nobody
    ],
)
def test_roster_resolves_a_tag_to_the_one_person_it_names(tag: str, name: str | None) -> None:
    person = ROSTER.resolve(tag)
    assert (person.name if person else None) == name


def test_authors_with_emails_suffixes_and_at_addresses() -> None:
    value = (
        "Fred L. Drake, Jr. <fred@fdrake.net>, Erik De Bonte <erikd at microsoft.com>, "
        "barry@python.org (Barry Warsaw), Vitalik Buterin (@vbuterin),"
    )
    assert people_in(value) == [
        Identity("Fred L. Drake, Jr.", email="fred@fdrake.net"),
        Identity("Erik De Bonte", email="erikd@microsoft.com"),
        Identity("Barry Warsaw", email="barry@python.org"),
        Identity("Vitalik Buterin", handle="vbuterin"),
    ]
    assert people_in("https://discuss.python.org/t/1") == []


def test_rfc822_block_with_continuation_lines() -> None:
    lines = ["PEP: 1", "Author: A B <a@x.org>,", "        C D", "Created: 05-Jul-2001", "", "Body"]
    fields, end = rfc822_block(lines)
    assert [(f.key, f.value) for f in fields] == [
        ("pep", "1"),
        ("author", "A B <a@x.org>, C D"),
        ("created", "05-Jul-2001"),
    ]
    assert end == 4
    assert rfc822_block(["Note: a paragraph", "that goes on.", "", "x"]) == ([], 0)


def test_metadata_list_before_the_first_heading() -> None:
    lines = [
        "- Feature Name: `const_generics`",
        "- Start Date: 2017-05-01",
        "* **Author(s)**: Ann Lee",
        "- Last-Modified: 2019-01-01",
        "",
        "# Summary",
    ]
    assert [(f.key, f.value) for f in header_fields(lines, 40)] == [
        ("feature name", "`const_generics`"),
        ("start date", "2017-05-01"),
        ("authors", "Ann Lee"),
        ("last modified", "2019-01-01"),
    ]
