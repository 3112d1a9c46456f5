"""A hit points at the line of its chunk that answers, placed in the file; a query that
names a person finds that person among the speakers, with the usual nick variants."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ingest.pipeline import ingest
from search.retrieval import retriever
from search.retrieval.places import document_lines, locate, passage, place, term_weights
from search.retrieval.retriever import Retriever
from search.retrieval.speakers import fold, line_speaker, named_people, speaks
from search.retrieval.terms import query_terms, search_terms, term_pattern
from search.store.catalog import ChunkRow
from search.store.store import Store

LOG = """--- Log opened Tue Jan 11 13:00:00 2005
13:10 < jrandom> 0) hi
13:10 < deer> <Ragnarok> you're fired
13:11 -!- toad [~t@host] has joined #i2p
13:11 < jrandom> 1) Net status
13:12 < polecat> Stable, fast, dedicated... well 1/3 isn't bad.
13:12 < deer> <postman> the mailtraffic is VERY low
13:12 < deer> <postman> in/out is about 500 mails / month
13:13 < jrandom> nice, thanks postman
13:13  * jrandom waves
"""

CHUNK = "\n".join(
    [
        "jrandom: 0) hi",
        "Ragnarok: you're fired",
        "jrandom: 1) Net status",
        "polecat: Stable, fast, dedicated... well 1/3 isn't bad.",
        "postman: the mailtraffic is VERY low",
        "postman: in/out is about 500 mails / month",
        "jrandom: nice, thanks postman",
        "jrandom: * jrandom waves",
    ]
)
PEOPLE = ["jrandom", "Ragnarok", "polecat", "postman"]


def weigh(terms: list[str], *texts: str) -> dict[str, float]:
    """Term weights over ``texts`` as the store's counts would give them."""
    counts = {t: sum(1 for x in texts if term_pattern(t).search(x)) for t in terms}
    return term_weights(terms, counts, len(texts))


def row(path: Path, text: str = CHUNK, locator: str = "line 2") -> ChunkRow:
    return ChunkRow(
        chunk_id="d:0",
        doc_id="d",
        position=0,
        kind="chat",
        origin="chatlog",
        channel="124",
        title="meeting",
        heading="124",
        locator=locator,
        source_path=str(path),
        text=text,
        people=PEOPLE,
        start_ts=None,
        end_ts=None,
    )


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "124.log"
    path.write_text(LOG, encoding="utf-8")
    return path


def test_the_answering_line_is_placed_in_the_file(log: Path) -> None:
    terms = query_terms("how many mails a month does the mail system handle")
    weights = weigh(terms, CHUNK, "other text about mail")
    found = place([row(log)], {"d:0": 0.5}, weights)
    assert found is not None
    _, first, last = found
    assert CHUNK.splitlines()[first].startswith("postman:") and first <= 5 <= last
    assert locate(row(log), 5) == "line 8"
    assert locate(row(log), 7) == "line 10"  # an action repeats the nick
    assert locate(row(log), 0) == "line 2"


def test_a_changed_or_missing_file_leaves_the_chunk_locator(log: Path, tmp_path: Path) -> None:
    log.write_text("something else entirely\n" * 20, encoding="utf-8")
    assert locate(row(log), 5) == "line 2"
    assert locate(row(tmp_path / "gone.log"), 5) == "line 2"


def test_a_named_persons_lines_count_for_more(log: Path) -> None:
    weights = weigh(query_terms("what did polecat say about the status"), CHUNK)
    found = place([row(log)], {}, weights, named=["polecat"])
    assert found is not None
    _, first, last = found
    assert first <= 3 <= last  # polecat's line, with the agenda item it answers


def test_nothing_to_point_at_gives_no_place(log: Path) -> None:
    assert place([row(log)], {}, {}) is None
    assert place([row(log)], {}, weigh(["zebra"], CHUNK)) is None


def test_a_question_runs_on_to_its_reply() -> None:
    text = "a: what is the mail volume?\nb: hmm\npostman: about 500 a month\nc: ok"
    weights = weigh(["mail", "volume"], text, "x", "y")
    assert passage(text, 0, weights, ["a", "b", "postman", "c"]) == (0, 1)
    assert passage(text, 0, weights, ["a", "b", "postman", "c"], named=["postman"]) == (0, 2)


def test_overlapping_chunks_are_read_once(log: Path) -> None:
    lines = CHUNK.splitlines()
    one = row(log, "\n".join(lines[:5]))
    two = replace(row(log, "\n".join(lines[3:]), locator="line 7"), chunk_id="d:1", position=1)
    spots, where = document_lines([two, one])
    assert [s.text for s in spots] == lines
    assert where["d:1"] == list(range(3, 8))
    found = place([one, two], {"d:0": 0.5, "d:1": 0.5}, weigh(["month"], CHUNK, "x"))
    assert found is not None and found[0].chunk_id == "d:1"
    assert found[0].text.splitlines()[found[1]].endswith("500 mails / month")


def test_cue_times_are_found_in_caption_files(tmp_path: Path) -> None:
    vtt = tmp_path / "call.vtt"
    vtt.write_text(
        "WEBVTT\n\n1\n00:02:18.210 --> 00:02:20.410\nAnn: Hello, can everyone hear me?\n\n"
        "2\n00:02:21.720 --> 00:02:23.119\nBo: Yes, I guess.\n\n"
        "3\n00:02:23.550 --> 00:02:28.929\nBo: and the fork goes out in March.\n\n"
        "4\n00:03:10.000 --> 00:03:12.000\nAnn: Thanks.\n",
        encoding="utf-8",
    )
    text = "Ann: Hello, can everyone hear me?\nBo: Yes, I guess. and the fork goes out in March.\n"
    text += "Ann: Thanks."
    chunk = replace(row(vtt, text=text, locator="00:02:18"), people=["Ann", "Bo"])
    assert locate(chunk, 1) == "00:02:21"
    assert locate(chunk, 2) == "00:03:10"


@pytest.mark.parametrize(
    ("query", "speakers", "named"),
    [
        ("What did mids say was wrong with the CHM format?", ["nop", "mids"], ["mids"]),
        ("what did jrandom propose for the router", ["jrand0m", "nop"], ["jrand0m"]),
        ("what did eche|on say about the apple account", ["eche|on", "zzz"], ["eche|on"]),
        ("welterde's proposal for syndie", ["welterde", "badger"], ["welterde"]),
        ("What did Dana say about the cutover?", ["Dana Whitfield", "Tom"], ["Dana Whitfield"]),
        (
            "Justin on the devnet schedule",
            ["Justin Florentine (Besu)"],
            ["Justin Florentine (Besu)"],
        ),
        ("jrandom2p status report", ["jrandom", "zzz"], ["jrandom"]),
        # words that are also nicks are not names unless used as one
        ("how much did the fox relay carry", ["fox", "zzz"], []),
        ("status of the network", ["network", "zzz"], []),
        ("what was decided about the release", ["zzz"], []),
        ("keep a disconnected user's connection open", ["UserX"], []),
        ("notarization and Apple developer account", ["Kiara Rose (Apple)"], []),
        ("how much mail his I2P mail system handles", ["i2p", "postman"], []),
        ("Fox relay settings", ["fox"], []),
        # a pasted title capitalises every word; a month next to a number is a date
        ("2025 WECG Berlin F2F, Public Notes, Mar 28", ["Jessie Berlin", "Mar Ortiz"], []),
        ("A Case for Top and Bottom Values", ["Casey Garland"], []),
        ("WECG Meetings 2022, Public Notes, Jan 6", ["Jan", "Jan Biniok"], []),
        ("notes from 6 May 2024", ["May Chen"], []),
        ("What Did Jan Biniok Propose", ["Jan Biniok", "Tomislav"], ["Jan Biniok"]),
        ("what did Jan say about the manifest", ["Jan Biniok"], ["Jan Biniok"]),
        ("Ask May about the budget", ["May Chen"], ["May Chen"]),
        ("I2P dev meeting, March 16, 2004 @ 13:00 PST", ["2004", "1300"], []),
    ],
)
def test_named_people(query: str, speakers: list[str], named: list[str]) -> None:
    assert named_people(query, speakers) == named


def test_nick_variants_fold_together() -> None:
    assert fold("jrand0m") == fold("jrandom") == "jrandom"
    assert fold("eche|on") == "echelon"
    assert speaks("jrandom_", ["jrandom"])
    assert speaks("rob", ["Rob Wu"])
    assert not speaks("zzz", ["jrandom"])


def test_a_named_persons_own_search_runs_only_when_few_candidates_are_theirs(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = sample_store.catalog
    narrowed: list[str] = []
    keyword_search = catalog.keyword_search

    def noted(terms, limit, filters):  # the real search; a person-filtered one is noted
        if filters.person:
            narrowed.append(filters.person)
        return keyword_search(terms, limit, filters)

    monkeypatch.setattr(catalog, "keyword_search", noted)
    query = "what did Sofia say about launching iOS and Android on different days?"
    monkeypatch.setattr(retriever, "NAMED_DEPTH", 50)  # her own search would return 50
    first = Retriever(sample_store).search(query, 5)
    assert narrowed  # fewer of the candidates are Sofia's: her own chunks are searched
    narrowed.clear()
    monkeypatch.setattr(retriever, "NAMED_DEPTH", 2)  # her own search would return 2
    again = Retriever(sample_store).search(query, 5)
    assert not narrowed  # the candidates hold at least 2 of hers already
    assert again[0].doc_id == first[0].doc_id


def test_line_speakers() -> None:
    assert line_speaker("postman: hi there", PEOPLE) == "postman"
    assert line_speaker("deer (bot): Title: x", ["deer"]) == "deer"
    assert line_speaker("[rob] we should ship it", []) == "rob"
    assert line_speaker("**Rob**: we should", []) == "Rob"
    assert line_speaker("plain prose line", []) is None


def test_an_identifiers_number_is_searched_on_its_own() -> None:
    assert search_terms("ship EIP-7688 in the next devnet") == [
        "ship",
        "eip-7688",
        "next",
        "devnet",
        "7688",
    ]
    assert search_terms("cross-origin isolation") == ["cross-origin", "isolation"]


MEETING = [
    "--- Log opened Tue Mar 06 20:00:00 2018",
    *(
        f"20:{i // 3:02d} <{('zzz', 'str4d', 'eche|on')[i % 3]}> status item {i}: the "
        f"{('router', 'console', 'website', 'tunnel', 'builds')[i % 5]} work continues"
        for i in range(60)
    ),
    "20:21 <zzz> the reseed certificate expires next month, we must renew it",
    "20:21 <str4d> I will renew the reseed certificate on friday",
    *(f"20:{22 + i // 3:02d} <eche|on> unrelated chatter number {i}" for i in range(30)),
]


def test_search_points_at_the_line_in_a_long_meeting(store: Store, tmp_path: Path) -> None:
    log = tmp_path / "268.log"
    log.write_text("\n".join(MEETING) + "\n", encoding="utf-8")
    (tmp_path / "268.rst").write_text("I2P dev meeting, March 6, 2018\n" + "=" * 30 + "\n")
    assert not ingest([log], store).failures
    hit = Retriever(store).search("when will the reseed certificate be renewed?", k=1)[0]
    assert hit.source_path == str(log.resolve())
    assert hit.title == "I2P dev meeting, March 6, 2018"
    start = int(hit.locator.split()[1].split("-")[0])
    assert 62 <= start <= 63, hit.locator  # not the chunk start: the lines that answer
    assert "reseed" in hit.snippet

    named = Retriever(store).search("what did str4d say about the reseed certificate", k=1)[0]
    assert named.locator.startswith(("line 63", "lines 62", "lines 63")), named.locator
