"""reStructuredText through the notes reader (ingest.readers.rst, ingest.readers.notes)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.readers import notes, rst
from ingest.records import Record
from ingest.sources import reader_for

PEP_LIKE = """\
PEP: 9999
Title: Frobnicate the ``spam`` module
Author: Fred L. Drake, Jr. <fred at example.org>,
        Ann Example <ann@example.org>,
        Mononym,
Sponsor: Bob Sponsor <bob@example.org>
Discussions-To: https://discuss.example.org/t/1
Status: Draft
Created: 05-Jul-2001
Post-History: `06-Jul-2001 <https://mail.example.org/1>`__, 09-Aug-2001


Abstract
========

This proposal follows :pep:`8` for :func:`spam.frob`, as :rfc:`822` says.
See the `Python docs <https://docs.python.org>`_ and Python_ [1]_.

.. note::
   Frobnication is hard.

.. code-block:: python
   :class: good

   frob(1)

.. This is a comment
   spanning two lines.

.. _Python: https://python.org

Rationale
---------

Because a toad\\_ said so.

References
==========

.. [1] The reference (https://example.org/ref)
"""


def read_one(path: Path) -> Record:
    result = notes.read(path)
    assert len(result.records) == 1
    return result.records[0]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rst_files_are_read_by_the_notes_reader(tmp_path: Path) -> None:
    path = write(tmp_path, "memo.rst", "Title\n=====\n\nText.\n")
    assert reader_for(path) is notes
    assert read_one(path).source == "rst"


def test_a_pep_header_block_gives_title_date_and_authors(tmp_path: Path) -> None:
    record = read_one(write(tmp_path, "pep-9999.rst", PEP_LIKE))
    assert record.title == "Frobnicate the spam module"
    assert record.created == datetime(2001, 7, 5, tzinfo=UTC)
    assert record.date_source == "header"
    assert record.kind == "memo"
    assert [(p.name, p.email) for p in record.participants] == [
        ("Fred L. Drake, Jr.", "fred@example.org"),  # the comma is part of the name
        ("Ann Example", "ann@example.org"),
        ("Mononym", None),
    ]  # the sponsor and the discussion list are not authors


def test_rst_sections_roles_links_directives_and_comments(tmp_path: Path) -> None:
    record = read_one(write(tmp_path, "pep-9999.rst", PEP_LIKE))
    headings = [(s.heading, s.locator) for s in record.sections]
    assert headings == [
        ("Frobnicate the spam module", "line 1"),
        ("Abstract", "line 13"),
        ("Abstract > Rationale", "line 32"),
        ("References", "line 37"),
    ]
    header, abstract, rationale, references = (s.text for s in record.sections)
    assert "Post-History: 06-Jul-2001 (https://mail.example.org/1), 09-Aug-2001" in header
    assert abstract.splitlines()[:2] == [
        "This proposal follows PEP 8 for spam.frob, as RFC 822 says.",
        "See the Python docs (https://docs.python.org) and Python [1].",
    ]
    assert "Frobnication is hard." in abstract and "frob(1)" in abstract
    assert ".." not in abstract and "comment" not in abstract and ":class:" not in abstract
    assert rationale == "Because a toad_ said so."
    assert references == "[1] The reference (https://example.org/ref)"


@pytest.mark.parametrize("char", ["=", "-", "~", "^", '"', "'", "*", "+", "#", "`"])
def test_any_adornment_character_underlines_a_title(char: str) -> None:
    lines = ["Intro", "", "Part one", char * 8, "", "Body"]
    assert rst.to_markdown(lines) == ["Intro", "", "# Part one", "", "", "Body"]


def test_overlined_titles_and_levels_in_order_of_first_use() -> None:
    lines = ["=====", "Top", "=====", "", "Sub", "---", "", "Sub two", "---", "", "Top 2", "====="]
    out = rst.to_markdown(lines)
    assert len(out) == len(lines)  # line numbers keep pointing at the .rst file
    assert [line for line in out if line.startswith("#")] == [
        "# Top",
        "## Sub",
        "## Sub two",
        "### Top 2",  # underline only is another style than over- and underline
    ]


def test_a_transition_is_not_a_title() -> None:
    assert rst.to_markdown(["Text.", "", "----------", "", "More."]) == [
        "Text.",
        "",
        "",
        "",
        "More.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (":pep:`8`", "PEP 8"),
        (":pep:`484#overloading`", "PEP 484 overloading"),
        (":pep:`the style guide <8>`", "the style guide"),
        (":py:class:`~collections.OrderedDict`", "collections.OrderedDict"),
        ("`PEP repository`_", "PEP repository"),
        ("`link <https://x.org>`__", "[link](https://x.org)"),
        ("see Python_ now", "see Python now"),
        ("``__init__`` and ``x_``", "`__init__` and `x_`"),
        ("a [#]_ and [1]_ and [Lamport]_", "a [#] and [1] and [^Lamport]"),
        ("toad\\_ and eche\\|on", "toad_ and eche|on"),
    ],
)
def test_inline_markup(text: str, expected: str) -> None:
    assert rst.inline(text) == expected


def test_a_recap_page_title_date_and_present_list(tmp_path: Path) -> None:
    text = (
        "Dev meeting, May 4, 2004 @ 21:00 UTC\n====================================\n\n"
        "Quick recap\n-----------\n\n* **Present:**\n\ncervantes,\ntoad\\_,\neche|on,\n"
        "Jane Smith,\n\nFull log reconstructed from scrollback.\n"
    )
    record = read_one(write(tmp_path, "101.rst", text))
    assert record.title == "Dev meeting, May 4, 2004 @ 21:00 UTC"
    assert record.created == datetime(2004, 5, 4, 21, 0, tzinfo=UTC)
    assert record.date_source == "title"
    assert record.kind == "meeting_notes"
    assert [(p.name, p.handle) for p in record.participants] == [
        ("cervantes", "cervantes"),  # a nickname is also the person's handle
        ("toad_", "toad_"),
        ("eche|on", "eche|on"),
        ("Jane Smith", None),
    ]


def test_italic_present_label_with_names_on_an_indented_line(tmp_path: Path) -> None:
    text = (
        "Meeting, September 8, 2010\n==========================\n\n*Present:*\n"
        "  duck, zzz, Moru (later on)\n\n*Progress:*\n  None yet.\n"
    )
    record = read_one(write(tmp_path, "208.rst", text))
    assert [p.name for p in record.participants] == ["duck", "zzz", "Moru"]


def test_a_placeholder_date_falls_back_to_mtime_and_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "047.rst", "Dev meeting, DATE\n=================\n\nText.\n")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    record = read_one(path)
    assert record.created == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    assert record.date_source == "mtime"


def test_definition_labels_and_code_in_rst_are_not_people(tmp_path: Path) -> None:
    text = (
        "Title: Metadata fields\nAuthor: Ann Example <ann@example.org>\nCreated: 01-Jan-2020\n\n"
        "Fields\n======\n\nRequires-Dist: pkginfo\nRequires-Dist: other\n\n"
        "- **Apache:** supports negotiation.\n- **Nginx:** does too.\n\n"
        "::\n\n    @property\n    def x(self): ...\n\n"
        "    @property\n    def y(self): ...\n"
    )
    record = read_one(write(tmp_path, "pep-1234.rst", text))
    people = {name for s in record.sections for name in s.people}
    assert people <= {"Ann Example"}
    assert [p.name for p in record.participants] == ["Ann Example"]
