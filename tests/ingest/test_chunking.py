"""Chunks follow structure, never cut a message, and fit the model's token budget."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from ingest.chunking import Chunker, speaker_line
from ingest.records import Identity, Message, Record, Section
from search.store.embeddings import Embedder

START = datetime(2025, 3, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def chunker(embedder: Embedder) -> Chunker:
    return Chunker(embedder.count_tokens, embedder.max_tokens)


def conversation(messages: list[Message]) -> Record:
    return Record(
        key="test:conv",
        kind="chat",
        source="slack",
        source_path="/x/general/2025-03-05.json",
        title="#general",
        channel="#general",
        created=START,
        messages=messages,
    )


def message(author: str, text: str, minutes: float, n: int) -> Message:
    return Message(Identity(author), text, START + timedelta(minutes=minutes), f"ts {n}")


def test_short_thread_stays_in_one_chunk_with_speakers(chunker: Chunker) -> None:
    record = conversation(
        [
            message("Priya Shah", "Release moves to May.", 0, 1),
            message("Tom Berg", "Because of the sync bug?", 2, 2),
        ]
    )
    chunks = chunker.chunk(record)
    assert len(chunks) == 1
    assert chunks[0].text == "Priya Shah: Release moves to May.\nTom Berg: Because of the sync bug?"
    assert chunks[0].locator == "ts 1"
    assert chunks[0].people == ["Priya Shah", "Tom Berg"]
    assert chunks[0].start == START and chunks[0].end == START + timedelta(minutes=2)


def test_long_thread_splits_into_windows_of_whole_messages(
    chunker: Chunker, embedder: Embedder
) -> None:
    texts = [
        f"Point number {i}: " + "we discussed the migration plan at length " * 4 for i in range(30)
    ]
    messages = [message(f"Person {i % 3}", t, i, i) for i, t in enumerate(texts)]
    chunks = chunker.chunk(conversation(messages))
    assert len(chunks) > 3
    lines = {speaker_line(m) for m in messages}
    for chunk in chunks:
        assert embedder.count_tokens(chunk.embed_text) <= embedder.max_tokens - 2
        for line in chunk.text.splitlines():
            assert line in lines  # whole messages only
    covered = {line for c in chunks for line in c.text.splitlines()}
    assert covered == lines
    # consecutive windows share their last messages
    for before, after in itertools.pairwise(chunks):
        shared = after.text.splitlines()[0]
        assert shared in before.text.splitlines()[1:]
        assert after.locator != before.locator


def test_long_meeting_windows_share_at_most_a_quarter_and_embed_what_was_said(
    chunker: Chunker, embedder: Embedder
) -> None:
    messages = [
        message(f"nick{i % 4}", f"point {i}: the router reseed plan needs another look", i, i)
        for i in range(120)
    ]
    chunks = chunker.chunk(conversation(messages))
    assert len(chunks) > 4
    for chunk in chunks:
        assert embedder.count_tokens(chunk.embed_text) <= embedder.max_tokens - 2
        assert chunk.text.splitlines()[0].startswith("nick")
        body = chunk.embed_text.split("\n", 1)[1]
        assert not any(line.startswith("nick") for line in body.splitlines())  # handles go
    for before, after in itertools.pairwise(chunks):
        shared = [line for line in after.text.splitlines() if line in before.text.splitlines()]
        size = sum(embedder.count_tokens(line) + 1 for line in shared)
        assert shared and size <= chunker.budget // 4
    assert len({c.locator for c in chunks}) == len(chunks)


def test_full_names_stay_in_the_embedded_text(chunker: Chunker) -> None:
    record = conversation([message("Priya Shah", "Release moves to May.", 0, 1)])
    assert chunker.chunk(record)[0].embed_text.endswith("\nPriya Shah: Release moves to May.")


def test_back_channel_turns_stay_out_of_the_embedding(chunker: Chunker) -> None:
    record = conversation(
        [
            message("zzz", "ok", 0, 1),
            message("str4d", "the reseed servers moved to the new host", 1, 2),
            message("zzz", "lol", 2, 3),
        ]
    )
    chunk = chunker.chunk(record)[0]
    assert chunk.text == "zzz: ok\nstr4d: the reseed servers moved to the new host\nzzz: lol"
    assert chunk.embed_text.split("\n", 1)[1] == "the reseed servers moved to the new host"


def test_a_thread_that_fits_the_model_stays_whole(chunker: Chunker) -> None:
    messages = [
        message(f"p{i % 2}", f"reply {i} on the pricing page copy", i, i) for i in range(14)
    ]
    assert len(chunker.chunk(conversation(messages))) == 1


def test_speakerless_messages_carry_no_name(chunker: Chunker) -> None:
    record = conversation(
        [
            Message(Identity(""), "Preamble: the lead was ill, so no agenda.", None, "line 1"),
            message("A", "ok", 1, 2),
        ]
    )
    chunk = chunker.chunk(record)[0]
    assert chunk.text.splitlines()[0] == "Preamble: the lead was ill, so no agenda."
    assert chunk.people == ["A"]


def test_long_silence_starts_a_new_window(chunker: Chunker) -> None:
    record = conversation(
        [
            message("A", "Morning, is the deploy done?", 0, 1),
            message("B", "Yes, all green.", 1, 2),
            message("A", "Next day: the pager went off again.", 60 * 20, 3),
        ]
    )
    chunks = chunker.chunk(record)
    assert [c.locator for c in chunks] == ["ts 1", "ts 3"]
    assert "pager" not in chunks[0].text


def test_one_message_longer_than_the_budget_is_cut_alone(
    chunker: Chunker, embedder: Embedder
) -> None:
    long_text = " ".join(f"Sentence {i} about the quarterly budget review." for i in range(120))
    record = conversation(
        [
            message("A", "Short before.", 0, 1),
            message("B", long_text, 1, 2),
            message("A", "Short after.", 2, 3),
        ]
    )
    chunks = chunker.chunk(record)
    assert chunks[0].text == "A: Short before."
    assert chunks[-1].text == "A: Short after."
    middle = chunks[1:-1]
    assert len(middle) >= 2
    assert all(c.locator == "ts 2" for c in middle)
    assert all(embedder.count_tokens(c.embed_text) <= embedder.max_tokens - 2 for c in chunks)


def test_prose_chunks_follow_sections_and_keep_headings(chunker: Chunker) -> None:
    body = "The team agreed to move the launch to May after the load test failed twice. " * 3
    record = Record(
        key="test:memo",
        kind="memo",
        source="markdown",
        source_path="/x/memo.md",
        title="Launch plan",
        created=START,
        sections=[
            Section("Launch plan > Decision", body, "line 3", ["Priya Shah"]),
            Section("Launch plan > Risks", body.replace("launch", "billing"), "line 9", []),
        ],
    )
    chunks = chunker.chunk(record)
    assert [c.heading for c in chunks] == ["Launch plan > Decision", "Launch plan > Risks"]
    assert [c.locator for c in chunks] == ["line 3", "line 9"]
    assert chunks[0].people == ["Priya Shah"]
    assert chunks[0].embed_text.startswith("Launch plan | Launch plan > Decision | 2025-03-05\n")


def test_tiny_section_joins_the_next_instead_of_standing_alone(chunker: Chunker) -> None:
    body = "Long enough text about the on-call rotation and who carries the pager each week. " * 3
    record = Record(
        key="test:notes",
        kind="meeting_notes",
        source="markdown",
        source_path="/x/n.md",
        title="Weekly",
        sections=[
            Section("Weekly > Attendance", "Priya, Tom", "line 2", []),
            Section("Weekly > On-call", body, "line 4", []),
        ],
    )
    chunks = chunker.chunk(record)
    assert len(chunks) == 1
    assert chunks[0].locator == "line 2"
    assert "Priya, Tom" in chunks[0].text and "On-call" in chunks[0].text


def test_long_section_is_split_within_the_budget(chunker: Chunker, embedder: Embedder) -> None:
    body = "\n\n".join(
        f"Paragraph {i}. The vendor evaluation compared three options on price and support." * 3
        for i in range(20)
    )
    record = Record(
        key="test:long",
        kind="memo",
        source="markdown",
        source_path="/x/long.md",
        title="Vendor review",
        sections=[Section("Vendor review", body, "line 1", [])],
    )
    chunks = chunker.chunk(record)
    assert len(chunks) > 3
    assert all(embedder.count_tokens(c.embed_text) <= embedder.max_tokens - 2 for c in chunks)
    assert [c.position for c in chunks] == list(range(len(chunks)))
